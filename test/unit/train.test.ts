// The training loop on real Fashion-MNIST (2,000 train / 1,000 test, a small MLP): event order
// and fields, SAM's ‖ε̂‖ and sharpness, reproducibility, divergence, bad data, no leaked tensors.
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import type { RunConfigInput } from '../../src/shared/config';
import type { MetricsEvent, TrainerEvent } from '../../src/shared/events';
import { type CollectOptions, trainCollect } from './helpers/train';
import { makeTempDir } from './helpers/tmp';

const work = makeTempDir('train-test-');

const SMALL: RunConfigInput = {
  seed: 3,
  epochs: 2,
  batchSize: 100,
  backend: 'wasm',
  data: { name: 'fashion-mnist', limit: 2000, testLimit: 1000 },
  model: { kind: 'mlp', hidden: [32] },
  optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9 },
  logEvery: 5,
};

const runCollect = (input: RunConfigInput, dir: string, opts: Omit<CollectOptions, 'runId' | 'workDir'> = {}) =>
  trainCollect(input, { ...opts, runId: 1, workDir: join(work, dir) });

const metrics = (events: TrainerEvent[], scope: 'step' | 'epoch') =>
  events.filter((e): e is MetricsEvent => e.event === 'metrics' && e.scope === scope);

describe('train() on Fashion-MNIST', () => {
  it('emits started → step/epoch metrics → checkpoints → done, with the documented fields', async () => {
    const { events, result } = await runCollect(SMALL, 'sgd');
    expect(result.event).toBe('done');

    const names = events.map((e) => e.event);
    const started = names.indexOf('started');
    expect(started).toBeGreaterThan(0); // data-loading progress/log come first
    expect(names.slice(0, started).every((n) => n === 'progress' || n === 'log')).toBe(true);
    expect(names.at(-1)).toBe('done');
    expect(names.filter((n) => n === 'done' || n === 'failed' || n === 'stopped')).toHaveLength(1);

    const s = events[started] as Extract<TrainerEvent, { event: 'started' }>;
    expect(s.backend.name).toBe('wasm');
    expect(s.trainExamples).toBe(2000);
    expect(s.testExamples).toBe(1000);
    expect(s.stepsPerEpoch).toBe(20);
    expect(s.paramCount).toBe(784 * 32 + 32 + 32 * 10 + 10);
    expect(s.resumedFromStep).toBeNull();

    const steps = metrics(events, 'step');
    expect(steps.map((e) => e.step)).toEqual([5, 10, 15, 20, 25, 30, 35, 40]);
    for (const e of steps) {
      expect(Object.keys(e.values).sort()).toEqual(['examplesPerSec', 'gradNorm', 'lr', 'passesPerStep', 'trainAccuracy', 'trainLoss']);
      expect(e.values.passesPerStep).toBe(1); // SGD: one forward-backward pass per step
      expect(e.values.lr).toBe(0.05);
      expect(e.values.gradNorm).toBeGreaterThan(0);
      expect(e.values.examplesPerSec).toBeGreaterThan(0);
      expect(e.epoch).toBeCloseTo(e.step / 20, 10);
    }
    // It learns: the last window's loss is well below the first's (ln 10 ≈ 2.30 at the start).
    expect(steps.at(-1)!.values.trainLoss!).toBeLessThan(steps[0].values.trainLoss! - 0.5);

    const epochs = metrics(events, 'epoch');
    expect(epochs.map((e) => [e.epoch, e.step])).toEqual([[1, 20], [2, 40]]);
    for (const e of epochs) {
      expect(Object.keys(e.values).sort()).toEqual(['lr', 'testAccuracy', 'testLoss', 'trainAccuracy', 'trainLoss']);
    }
    const ckpts = events.filter((e) => e.event === 'checkpoint');
    expect(ckpts.map((e) => e.step)).toEqual([20, 40]);

    if (result.event !== 'done') throw new Error('unreachable');
    expect(result).toMatchObject({ runId: 1, backend: 'wasm', epochs: 2, steps: 40 });
    expect(result.metrics.testAccuracy).toBe(epochs[1].values.testAccuracy);
    expect(result.metrics.testLoss).toBe(epochs[1].values.testLoss);
    expect(result.metrics.trainLoss).toBe(epochs[1].values.trainLoss);
    // A small MLP on 2,000 images already beats chance (10 %) by far.
    expect(result.metrics.testAccuracy).toBeGreaterThan(0.6);
    expect(result.metrics.valAccuracy).toBeUndefined();
  });

  it('SAM reports ‖ε̂‖ = ρ and a positive sharpness L(w+ε̂) − L(w); validation is evaluated when split off', async () => {
    const { events, result } = await runCollect({ ...SMALL, epochs: 1, sam: { rho: 0.05 }, data: { ...SMALL.data, validationSplit: 0.1 } } as RunConfigInput, 'sam');
    expect(result.event).toBe('done');
    const steps = metrics(events, 'step');
    expect(steps.length).toBeGreaterThan(0);
    for (const e of steps) {
      // p = 2: ε̂ = ρ·g/‖g‖₂, so ‖ε̂‖₂ = ρ exactly (up to float32 round-off).
      expect(e.values.epsNorm).toBeCloseTo(0.05, 5);
      expect(e.values.sharpness).toBeGreaterThan(0);
    }
    const s = events.find((e) => e.event === 'started') as Extract<TrainerEvent, { event: 'started' }>;
    expect(s.trainExamples).toBeLessThan(2000 + 1);
    const epoch = metrics(events, 'epoch')[0];
    expect(epoch.values.valAccuracy).toBeGreaterThan(0.3);
    expect(epoch.values.sharpness).toBe(steps.at(-1)!.values.sharpness);
    if (result.event !== 'done') throw new Error('unreachable');
    expect(result.metrics.sharpness).toBe(steps.at(-1)!.values.sharpness);
    expect(result.metrics.valAccuracy).toBe(epoch.values.valAccuracy);
  });

  it('runs the Hessian schedule: spectrum and landscape events after the epoch, λ_max in done', async () => {
    const { events, result } = await runCollect(
      {
        ...SMALL,
        epochs: 2,
        sam: { rho: 0.05 },
        hessian: { everyEpochs: 1, atEnd: true, topK: 3, batchSize: 128, maxIterations: 30, trace: true, density: false, landscape: true },
      } as RunConfigInput,
      'hessian',
    );
    expect(result.event).toBe('done');
    const spectra = events.filter((e) => e.event === 'spectrum');
    // everyEpochs = 1 and atEnd coincide at epoch 2: one analysis per epoch, not two.
    expect(spectra.map((e) => [e.epoch, e.step])).toEqual([[1, 20], [2, 40]]);
    for (const sp of spectra) {
      expect(sp.topEigenvalues).toHaveLength(3);
      expect(sp.topEigenvalues[0]).toBeGreaterThanOrEqual(sp.topEigenvalues[1]);
      expect(sp.topEigenvalues[1]).toBeGreaterThanOrEqual(sp.topEigenvalues[2]);
      expect(sp.hessianBatchSize).toBe(128);
      expect(sp.trace).not.toBeNull();
    }
    const landscapes = events.filter((e) => e.event === 'landscape');
    expect(landscapes.map((e) => `${e.epoch}:${e.kind}`)).toEqual(['1:1d-random', '1:2d-random', '1:1d-eps', '2:1d-random', '2:2d-random', '2:1d-eps']);
    for (const l of landscapes) expect(l.losses.every(Number.isFinite)).toBe(true);
    expect(events.some((e) => e.event === 'progress' && e.phase === 'hessian')).toBe(true);
    // Order within an epoch end: evaluation, then analysis, then the checkpoint.
    const idx = (pred: (e: TrainerEvent) => boolean) => events.findIndex(pred);
    const epoch1 = idx((e) => e.event === 'metrics' && e.scope === 'epoch');
    const spec1 = idx((e) => e.event === 'spectrum');
    const ck1 = idx((e) => e.event === 'checkpoint');
    expect(epoch1).toBeLessThan(spec1);
    expect(spec1).toBeLessThan(ck1);
    if (result.event !== 'done') throw new Error('unreachable');
    expect(result.metrics.lambdaMax).toBe(spectra[1].topEigenvalues[0]);
  });

  it('is reproducible (the same config gives identical metrics) and leaks no tensors', async () => {
    const cfg = { ...SMALL, epochs: 1, optimizer: { kind: 'adam', lr: 0.002 } } as RunConfigInput;
    const a = await runCollect(cfg, 'repro-a');
    // The backend is up now (train() chose it), so tensor counts are comparable across a run.
    const before = tf.memory().numTensors;
    const b = await runCollect(cfg, 'repro-b');
    expect(tf.memory().numTensors).toBe(before);
    const strip = (events: TrainerEvent[]) =>
      events.filter((e): e is MetricsEvent => e.event === 'metrics').map((e) => ({ ...e.values, examplesPerSec: 0, step: e.step }));
    expect(strip(a.events).length).toBeGreaterThan(2);
    expect(strip(b.events)).toEqual(strip(a.events));
    if (a.result.event !== 'done' || b.result.event !== 'done') throw new Error('both runs must finish');
    expect(b.result.metrics).toEqual(a.result.metrics);
  });

  it('fails with "loss became NaN at step N" when the run diverges', async () => {
    // lr = 10 with momentum and no clipping: two hidden layers amplify the blow-up until the
    // logits overflow (measured: NaN at step 6; one hidden layer only reaches loss ≈ 1e25).
    const { events, result } = await runCollect(
      { ...SMALL, epochs: 1, logEvery: 4, model: { kind: 'mlp', hidden: [64, 64] }, optimizer: { kind: 'sgd', lr: 10, momentum: 0.9 } } as RunConfigInput,
      'nan',
    );
    expect(result.event).toBe('failed');
    if (result.event !== 'failed') throw new Error('unreachable');
    expect(result.reason).toMatch(/^loss became NaN at step \d+/);
    const at = Number(/step (\d+)/.exec(result.reason)![1]);
    expect(result.step).toBe(at);
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThanOrEqual(20);
    // No metrics event ever carried the non-finite window.
    for (const e of metrics(events, 'step')) expect(Number.isFinite(e.values.trainLoss)).toBe(true);
    expect(events.at(-1)).toBe(result);
  });

  it('fails fast with a message naming the data file when the data is bad', async () => {
    const missing = join(work, 'no-such-folder');
    const { result } = await runCollect({ ...SMALL, data: { name: 'fashion-mnist', path: missing } } as RunConfigInput, 'bad-data');
    expect(result.event).toBe('failed');
    if (result.event !== 'failed') throw new Error('unreachable');
    expect(result.reason).toContain(missing);
    expect(result.step).toBeNull();
  });
});
