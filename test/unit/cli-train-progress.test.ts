// The human progress output of `sam-studio train`: live step line on a terminal, epoch lines and
// a summary always.
import { describe, expect, it } from 'vitest';
import { createProgressPrinter, summarize } from '../../src/cli/train-progress';
import type { TrainerEvent } from '../../src/shared/events';

const started: TrainerEvent = {
  event: 'started',
  runId: null,
  backend: { name: 'wasm', skipped: [{ name: 'webgpu', reason: 'no adapter' }], details: { selfCheck: 'passed (max relative error 4.1e-7, 51 ms)' } },
  paramCount: 12730,
  trainExamples: 1000,
  testExamples: 500,
  stepsPerEpoch: 10,
  resumedFromStep: null,
  config: {} as never,
};
const step = (s: number): TrainerEvent => ({ event: 'metrics', runId: null, scope: 'step', step: s, epoch: s / 10, timeMs: 10 * s, values: { trainLoss: 0.5, trainAccuracy: 0.8, examplesPerSec: 1234.4, sharpness: 0.01 } });

function capture(isTTY: boolean, events: TrainerEvent[]): string {
  let out = '';
  const print = createProgressPrinter({ write: (s) => (out += s), isTTY }, 2);
  events.forEach(print);
  return out;
}

describe('train progress printer', () => {
  it('on a terminal rewrites one live line per step window, with the epoch and the step inside it', () => {
    const out = capture(true, [started, step(5), step(10), step(15)]);
    expect(out).toContain('training on wasm · 12,730 parameters · 1000 train / 500 test examples · 10 steps per epoch');
    expect(out).toContain('(skipped webgpu: no adapter)');
    expect(out).toContain('(wasm self-check against cpu: passed (max relative error 4.1e-7, 51 ms))');
    expect(out).toContain('\r\x1b[2Kepoch 1/2  step 5/10  loss 0.5000  acc 80.0%  sharp 0.0100  1234 ex/s');
    expect(out).toContain('epoch 1/2  step 10/10');
    expect(out).toContain('epoch 2/2  step 5/10');
  });

  it('names the threads the backend computes on when its report has them', () => {
    const on = (threads: number): TrainerEvent => ({ ...started, backend: { name: 'wasm', skipped: [], details: { threads } } }) as TrainerEvent;
    expect(capture(false, [on(4)])).toContain('training on wasm (4 threads) · 12,730 parameters');
    expect(capture(false, [on(1)])).toContain('training on wasm (1 thread) · 12,730 parameters');
  });

  it('piped, prints epoch lines only, and the summary names the result', () => {
    const epoch: TrainerEvent = { event: 'metrics', runId: null, scope: 'epoch', step: 10, epoch: 1, timeMs: 1500, values: { trainLoss: 0.6, trainAccuracy: 0.7, testLoss: 0.55, testAccuracy: 0.75 } };
    const out = capture(false, [started, step(5), epoch]);
    expect(out).not.toContain('step 5/10');
    expect(out).toContain('epoch 1/2  train loss 0.6000 acc 70.0%  test loss 0.5500 acc 75.0%  (1.5 s)');
    expect(summarize({ event: 'done', runId: null, backend: 'wasm', metrics: { testAccuracy: 0.881, testLoss: 0.33, trainLoss: 0.29, trainAccuracy: 0.894, lambdaMax: 12.5 }, epochs: 2, steps: 936, elapsedMs: 98600 })).toBe(
      'done in 98.6 s on wasm: 2 epochs, 936 steps\n  test accuracy 88.1%  test loss 0.3300\n  train accuracy 89.4%  train loss 0.2900\n  λmax 12.500',
    );
    expect(summarize({ event: 'failed', runId: null, reason: 'loss became NaN at step 6', step: 6 })).toBe('failed: loss became NaN at step 6');
    expect(summarize({ event: 'stopped', runId: 4, step: 28, checkpoint: '/x/c.ckpt' }, 'sam-studio resume --run 4')).toBe('stopped at step 28 with a checkpoint: /x/c.ckpt\ncontinue with: sam-studio resume --run 4');
  });

  it('names how each Hessian spectrum was computed and warns under a finite-difference one', () => {
    const spectrum = (hvp: 'exact' | 'finite-difference'): TrainerEvent => ({
      event: 'spectrum', runId: null, epoch: 2, step: 20, topEigenvalues: [12.5, 3], lambdaMaxOverLambda5: null, trace: null, traceStdErr: null, density: null,
      hvp, ...(hvp === 'finite-difference' ? { fdStep: 3e-4, hvpReason: 'double backpropagation failed: gradient function not found for LRNGrad' } : {}),
      hessianBatchSize: 64, iterations: 9, elapsedMs: 5,
    });
    const exact = capture(false, [spectrum('exact')]);
    expect(exact).toContain('Hessian at epoch 2: λ = [12.50, 3.000]  (exact (double backprop))');
    expect(exact).not.toContain('warning');
    const fd = capture(false, [spectrum('finite-difference')]);
    expect(fd).toContain('(finite differences (step 3e-4·‖w‖))');
    expect(fd).toMatch(/warning: Finite-difference spectrum: .* Why finite differences: double backpropagation failed: gradient function not found for LRNGrad\./);
  });
});
