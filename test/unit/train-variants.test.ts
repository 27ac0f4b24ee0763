// Every SAM variant through the training loop on real Fashion-MNIST: each run reports what a step
// costs (forward-backward passes per step, in its metrics events), and a stateful or random
// variant stopped mid-run resumes onto exactly the weights of the uninterrupted run.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunConfigInput, SamConfigInput } from '../../src/shared/config';
import type { CheckpointEvent, MetricsEvent, TrainerEvent } from '../../src/shared/events';
import { disposeContents, loadCheckpoint } from '../../src/engine/checkpoint';
import { trainCollect } from './helpers/train';
import { makeTempDir } from './helpers/tmp';

const work = makeTempDir('train-variants-');

const MLP: RunConfigInput = {
  seed: 2,
  epochs: 1,
  batchSize: 50,
  backend: 'wasm',
  data: { name: 'fashion-mnist', limit: 500, testLimit: 100 },
  model: { kind: 'mlp', hidden: [16], dropout: 0.2 },
  optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9 },
  schedule: { kind: 'cosine', minFactor: 0.1 },
  logEvery: 5,
};

const stepMetrics = (events: TrainerEvent[]) => events.filter((e): e is MetricsEvent => e.event === 'metrics' && e.scope === 'step');

async function finalState(events: TrainerEvent[]): Promise<number[][]> {
  const ck = events.filter((e): e is CheckpointEvent => e.event === 'checkpoint').at(-1)!;
  const { contents } = await loadCheckpoint(ck.path);
  const out = await Promise.all([...contents.params, ...contents.state, ...Object.values(contents.optimizer)].map(async (t) => Array.from(await t.data())));
  disposeContents(contents);
  return out;
}

describe('SAM variants in the training loop', () => {
  // 10 steps in two windows of 5. LookSAM (k = 5) takes its SAM step at steps 0 and 5: 1 + 1/5 per step.
  const cases: [string, SamConfigInput['variant'], RunConfigInput['model'], { fb: number; f?: number }][] = [
    ['SAM', { kind: 'sam' }, MLP.model, { fb: 2 }],
    ['GSAM', { kind: 'gsam', rhoMin: 0.01 }, MLP.model, { fb: 2 }],
    ['ESAM', { kind: 'esam' }, MLP.model, { fb: 1.5, f: 1 }],
    ['LookSAM', { kind: 'looksam' }, MLP.model, { fb: 1.2 }],
    ['Friendly-SAM', { kind: 'friendly-sam' }, MLP.model, { fb: 2 }],
    ['SAM-ON', { kind: 'sam-on' }, { kind: 'resnet20', width: 2 }, { fb: 2 }],
  ];
  for (const [name, variant, model, cost] of cases) {
    it(`${name} trains and reports ${cost.fb} forward-backward passes per step`, async () => {
      const limits = model.kind === 'resnet20' ? { limit: 100, testLimit: 50 } : {};
      const { events, result } = await trainCollect(
        { ...MLP, model, data: { ...MLP.data, ...limits }, sam: { rho: 0.05, variant } },
        { runId: null, workDir: join(work, name) },
      );
      expect(result.event).toBe('done');
      const steps = stepMetrics(events);
      expect(steps.length).toBeGreaterThan(0);
      for (const s of steps) {
        expect(s.values.passesPerStep).toBeCloseTo(cost.fb, 10);
        expect(s.values.forwardPassesPerStep).toBe(cost.f);
        expect(Number.isFinite(s.values.sharpness)).toBe(true);
      }
    });
  }

  it('the base optimizer alone reports one pass per step', async () => {
    const { events } = await trainCollect({ ...MLP, sam: null }, { runId: null, workDir: join(work, 'sgd') });
    expect(stepMetrics(events).map((e) => e.values.passesPerStep)).toEqual([1, 1]);
  });

  // LookSAM's g_v and schedule, Friendly-SAM's moving average and ESAM's random mask must all come
  // back from the checkpoint (with the dropout masks) for the resumed run to land on the same weights.
  for (const variant of [{ kind: 'looksam', k: 3 }, { kind: 'friendly-sam' }, { kind: 'esam' }] as const) {
    it(`${variant.kind} stopped mid-run resumes exactly`, async () => {
      const config: RunConfigInput = { ...MLP, epochs: 2, logEvery: 1, sam: { rho: 0.05, variant } };
      const full = await trainCollect(config, { runId: null, workDir: join(work, `${variant.kind}-full`) });
      const controller = new AbortController();
      const stopped = await trainCollect(config, {
        runId: null,
        workDir: join(work, `${variant.kind}-stopped`),
        signal: controller.signal,
        onEvent: (e) => {
          if (e.event === 'metrics' && e.scope === 'step' && e.step === 14) controller.abort();
        },
      });
      if (stopped.result.event !== 'stopped') throw new Error('the run must stop');
      const resumed = await trainCollect(config, { runId: null, workDir: join(work, `${variant.kind}-resumed`), resumeFrom: stopped.result.checkpoint! });
      expect(resumed.result.event).toBe('done');
      const [a, b] = [await finalState(full.events), await finalState(resumed.events)];
      expect(b.length).toBe(a.length);
      b.forEach((t, i) => expect(t).toEqual(a[i]));
    });
  }
});
