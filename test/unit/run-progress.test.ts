// Progress, ETA and phase of a running run count the Hessian work (issue 12): before, the bar sat
// at "33 % · ETA 22 s" while the Hessian ran for 55 s, showed 100 % with 45 s of Hessian left,
// and the phase read "prepare 1/1" through all of training. Events are fed with their arrival
// times; the numbers are worked out in the comments.
import { describe, expect, it } from 'vitest';
import { parseRunConfig, type RunConfig } from '../../src/shared/config';
import type { TrainerEvent } from '../../src/shared/events';
import { ProgressBook } from '../../src/main/services/store/run-progress';

const config: RunConfig = parseRunConfig({
  epochs: 2,
  batchSize: 32,
  data: { name: 'synthetic-moons' },
  model: { kind: 'mlp', hidden: [8] },
  optimizer: { kind: 'sgd', lr: 0.1 },
  hessian: { atEnd: true, topK: 3, maxIterations: 20, batchSize: 64 },
});

const started = (): TrainerEvent => ({
  event: 'started', runId: 1, backend: { name: 'cpu', skipped: [], details: {} }, paramCount: 10, trainExamples: 320, testExamples: 10, stepsPerEpoch: 10, resumedFromStep: null, config,
});
const step = (s: number): TrainerEvent => ({ event: 'metrics', runId: 1, scope: 'step', step: s, epoch: s / 10, timeMs: 0, values: {} });
const epochEnd = (e: number): TrainerEvent => ({ event: 'metrics', runId: 1, scope: 'epoch', step: e * 10, epoch: e, timeMs: 0, values: {} });
const hessian = (done: number, total: number): TrainerEvent => ({ event: 'progress', runId: 1, phase: 'hessian', done, total, message: 'epoch 2' });

/** 2 epochs × 10 steps at 100 ms a step (t = 0 … 2000 ms), then the end-of-run Hessian. */
function trainedBook(): ProgressBook {
  const book = new ProgressBook();
  const feed = (e: TrainerEvent, at: number) => book.observe(1, () => config, e, at);
  feed({ event: 'progress', runId: 1, phase: 'prepare', done: 1, total: 1 }, -500);
  feed(started(), 0);
  for (let s = 1; s <= 20; s++) {
    feed(step(s), s * 100);
    if (s === 10) feed(epochEnd(1), 1000);
  }
  feed(epochEnd(2), 2000);
  return book;
}

describe('run progress', () => {
  it('names the phase: training with its epoch, not the data-loading step', () => {
    const book = new ProgressBook();
    book.observe(1, () => config, { event: 'progress', runId: 1, phase: 'prepare', done: 1, total: 1 }, 0);
    expect(book.state(1)?.phase).toBe('preparing data');
    book.observe(1, () => config, started(), 10);
    book.observe(1, () => config, step(3), 310);
    expect(book.state(1)?.phase).toBe('training · epoch 1/2');
    book.observe(1, () => config, step(13), 1310);
    expect(book.state(1)?.phase).toBe('training · epoch 2/2');
  });

  it('is below 100 % when training is over but the Hessian is still to come', () => {
    const book = trainedBook();
    const p = book.state(1)!;
    expect(p.progress).toBeLessThan(0.99);
    // The prior for the analysis: 20 HVPs, each ≈ 2 gradients on 64 examples = 4 steps of 32 → 4 × 100 ms.
    expect(p.etaMs).toBeGreaterThan(0);
  });

  it('keeps moving while the Hessian runs and measures its pace', () => {
    const book = trainedBook();
    const at = (done: number, t: number) => {
      book.observe(1, () => config, hessian(done, 20), t);
      return book.state(1)!;
    };
    // 5 of 20 products after 10 s (the analysis started at 2000 ms): 25 % → 40 s per analysis, 30 s left.
    const a = at(5, 12_000);
    expect(a.phase).toBe('Hessian analysis · epoch 2 · 5/20');
    expect(a.etaMs).toBe(30_000);
    // 15 of 20 after 30 s: 10 s left; the bar moved on.
    const b = at(15, 32_000);
    expect(b.etaMs).toBe(10_000);
    expect(b.progress).toBeGreaterThan(a.progress);
    expect(b.progress).toBeLessThan(1);
    // Whole: 20 steps × 100 ms + 40 s of analysis = 42 s; 10 s left → 1 − 10/42.
    expect(b.progress).toBeCloseTo(1 - 10 / 42, 6);
  });

  it('only the done event ends the run (the track is dropped)', () => {
    const book = trainedBook();
    book.observe(1, () => config, { event: 'done', runId: 1, backend: 'cpu', metrics: { testAccuracy: 1, testLoss: 0, trainLoss: 0, trainAccuracy: 1 }, epochs: 2, steps: 20, elapsedMs: 1 }, 50_000);
    expect(book.state(1)).toBeNull();
  });
});
