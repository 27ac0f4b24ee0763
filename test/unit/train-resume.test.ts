// Stop and resume: an AbortSignal stops the run at a step boundary with a checkpoint, and
// resuming from it ends with exactly the weights of a run that was never interrupted.
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { parseRunConfig, type RunConfigInput } from '../../src/shared/config';
import type { CheckpointEvent, MetricsEvent, TrainerEvent } from '../../src/shared/events';
import { disposeContents, loadCheckpoint } from '../../src/engine/checkpoint';
import { initBackend } from '../../src/engine/backend';
import { evaluateSplit } from '../../src/engine/evaluate';
import { buildModel } from '../../src/engine/models/index';
import { restoreForAnalysis } from '../../src/engine/restore';
import { train } from '../../src/engine/train';
import { type CollectOptions, trainCollect } from './helpers/train';
import { makeTempDir } from './helpers/tmp';

const work = makeTempDir('train-resume-');

// SAM around SGD with momentum: the resumed run needs the weights, the momentum buffers and the
// data order of the interrupted epoch to land on the same weights.
const CFG: RunConfigInput = {
  seed: 11,
  epochs: 2,
  batchSize: 100,
  backend: 'wasm',
  data: { name: 'fashion-mnist', limit: 2000, testLimit: 500 },
  model: { kind: 'mlp', hidden: [24] },
  optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9 },
  sam: { rho: 0.05 },
  logEvery: 4,
};

const run = (dir: string, { config, ...opts }: Omit<CollectOptions, 'runId' | 'workDir'> & { config?: RunConfigInput } = {}) =>
  trainCollect(config ?? CFG, { ...opts, runId: null, workDir: join(work, dir) });

async function weightsOf(path: string): Promise<number[][]> {
  const { contents, meta } = await loadCheckpoint(path);
  const out = await Promise.all([...contents.params, ...contents.state, ...Object.values(contents.optimizer)].map(async (t) => Array.from(await t.data())));
  disposeContents(contents);
  expect(meta.step).toBeGreaterThan(0);
  return out;
}

const lastCheckpoint = (events: TrainerEvent[]) => events.filter((e): e is CheckpointEvent => e.event === 'checkpoint').at(-1)!;

/**
 * Runs `config` uninterrupted, then stopped after step `at` and resumed from the stop-checkpoint;
 * expects the resumed run to end on the uninterrupted run's weights, state and optimizer state, bit for bit.
 */
async function expectExactResume(config: RunConfigInput, name: string, at: number) {
  const full = await run(`${name}-full`, { config });
  expect(full.result.event).toBe('done');
  const controller = new AbortController();
  const stopped = await run(`${name}-stopped`, {
    config,
    signal: controller.signal,
    onEvent: (e) => {
      if (e.event === 'metrics' && e.scope === 'step' && e.step === at) controller.abort();
    },
  });
  expect(stopped.result).toMatchObject({ event: 'stopped', step: at });
  if (stopped.result.event !== 'stopped') throw new Error('unreachable');
  const resumed = await run(`${name}-resumed`, { config, resumeFrom: stopped.result.checkpoint! });
  expect(resumed.result.event).toBe('done');
  const a = await weightsOf(lastCheckpoint(full.events).path);
  const b = await weightsOf(lastCheckpoint(resumed.events).path);
  expect(b.length).toBe(a.length);
  b.forEach((t, i) => expect(t).toEqual(a[i]));
  return { full, resumed };
}

describe('stop and resume', () => {
  it('stops at the next step boundary with a checkpoint, and resuming reproduces the uninterrupted run', async () => {
    const full = await run('full');
    expect(full.result.event).toBe('done');

    // Abort while step 28 (epoch 2, step 8 of 20) is being reported: the loop stops before step 29.
    const controller = new AbortController();
    const stopped = await run('stopped', {
      signal: controller.signal,
      onEvent: (e) => {
        if (e.event === 'metrics' && e.scope === 'step' && e.step === 28) controller.abort();
      },
    });
    expect(stopped.result).toMatchObject({ event: 'stopped', step: 28 });
    if (stopped.result.event !== 'stopped') throw new Error('unreachable');
    const ck = lastCheckpoint(stopped.events);
    expect(ck).toMatchObject({ step: 28, path: stopped.result.checkpoint });
    expect(ck.epoch).toBeCloseTo(1.4, 10);
    expect(stopped.events.at(-1)).toBe(stopped.result);

    // No tensors left behind by the resume path.
    const before = tf.memory().numTensors;
    const resumed = await run('resumed', { resumeFrom: stopped.result.checkpoint! });
    expect(tf.memory().numTensors).toBe(before);
    expect(resumed.result.event).toBe('done');
    const started = resumed.events.find((e) => e.event === 'started');
    expect(started).toMatchObject({ resumedFromStep: 28 });
    const steps = resumed.events.filter((e): e is MetricsEvent => e.event === 'metrics' && e.scope === 'step').map((e) => e.step);
    expect(steps[0]).toBe(32);
    expect(steps.at(-1)).toBe(40);

    // Same final weights, batch-norm state and optimizer state, bit for bit.
    const a = await weightsOf(lastCheckpoint(full.events).path);
    const b = await weightsOf(lastCheckpoint(resumed.events).path);
    expect(b.length).toBe(a.length);
    b.forEach((t, i) => expect(t).toEqual(a[i]));
    if (full.result.event !== 'done' || resumed.result.event !== 'done') throw new Error('unreachable');
    expect(resumed.result.metrics.testAccuracy).toBe(full.result.metrics.testAccuracy);
    expect(resumed.result.metrics.testLoss).toBe(full.result.metrics.testLoss);
    expect(resumed.result.steps).toBe(40);
  });

  it('restoreForAnalysis rebuilds a stored run: same weights, same test metrics, the checkpoint position', async () => {
    const full = await run('for-analysis');
    if (full.result.event !== 'done') throw new Error('the run must finish');
    const ck = lastCheckpoint(full.events);
    const before = tf.memory().numTensors;
    const r = await restoreForAnalysis(parseRunConfig(structuredClone(CFG)), ck.path);
    expect(r).toMatchObject({ epoch: 2, step: 40 });
    expect(r.dataset.test.n).toBe(500);
    const score = await evaluateSplit(r.model, r.dataset.test, 100);
    expect(score.accuracy).toBe(full.result.metrics.testAccuracy);
    expect(score.loss).toBeCloseTo(full.result.metrics.testLoss, 6);
    r.model.dispose();
    const fresh = await restoreForAnalysis(parseRunConfig(structuredClone(CFG)), null);
    expect(fresh).toMatchObject({ epoch: 0, step: 0 });
    fresh.model.dispose();
    await expect(restoreForAnalysis(parseRunConfig(structuredClone(CFG)), join(work, 'gone.ckpt'))).rejects.toThrow(/gone\.ckpt cannot be read/);
    // Three models were built (the last one disposed on the error); nothing may remain.
    expect(tf.memory().numTensors).toBe(before);
  });

  it('resumes from an end-of-epoch checkpoint and refuses one written for another model', async () => {
    const one = await run('uninterrupted', {});
    const epoch1 = one.events.filter((e): e is CheckpointEvent => e.event === 'checkpoint')[0];
    expect(epoch1).toMatchObject({ step: 20, epoch: 1 });
    const resumed = await run('from-epoch1', { resumeFrom: epoch1.path });
    expect(resumed.result.event).toBe('done');
    const a = await weightsOf(lastCheckpoint(one.events).path);
    const b = await weightsOf(lastCheckpoint(resumed.events).path);
    b.forEach((t, i) => expect(t).toEqual(a[i]));

    const other = await train(parseRunConfig({ ...structuredClone(CFG), model: { kind: 'mlp', hidden: [16] } }), {
      runId: null,
      workDir: join(work, 'other'),
      resumeFrom: epoch1.path,
      emit: () => {},
    });
    expect(other.event).toBe('failed');
    if (other.event !== 'failed') throw new Error('unreachable');
    expect(other.reason).toContain(epoch1.path);
    expect(other.reason).toMatch(/different model config/);
  });

  it('resumes exactly with batch norm, augmentation and m-sharpness (ResNet-20 on images)', async () => {
    // Batch-norm running statistics, the augmentation stream (crops and flips drawn from the
    // epoch's rng) and per-chunk ε̂ must all line up after resuming mid-epoch.
    const config: RunConfigInput = {
      ...CFG,
      batchSize: 40,
      data: { name: 'fashion-mnist', limit: 160, testLimit: 80, augment: { cropPadding: 2, flip: true } },
      model: { kind: 'resnet20', width: 2 },
      sam: { rho: 0.05, m: 20 },
      logEvery: 1,
    };
    await expectExactResume(config, 'bn', 6);
  });

  // ρ > 0 with every piece of state a resume has to bring back: Adam's moments and step count,
  // the schedule's position inside a warm-up and a cosine, ASAM's p = ∞ ε̂ and an L2 term in the loss.
  it('resumes bit-exactly at ρ > 0 with Adam, ASAM p = ∞, weight decay in the loss and a warm-up + cosine schedule', async () => {
    const config: RunConfigInput = {
      ...CFG,
      optimizer: { kind: 'adam', lr: 0.003, weightDecay: 1e-3, weightDecayMode: 'loss' },
      schedule: { kind: 'cosine', warmupEpochs: 0.5, minFactor: 0 },
      sam: { rho: 0.5, p: 'inf', adaptive: true },
      logEvery: 1,
    };
    // Stopped at step 7: inside the warm-up (10 steps), mid-epoch.
    const { full, resumed } = await expectExactResume(config, 'asam', 7);
    const lrOf = (events: TrainerEvent[]) => events.filter((e): e is MetricsEvent => e.event === 'metrics' && e.scope === 'step').map((e) => [e.step, e.values.lr]);
    expect(lrOf(resumed.events)).toEqual(lrOf(full.events).slice(7));
  });

  // Dropout masks are keyed by the stepper's step count (checkpointed with the optimizer state) and
  // replayed in SAM's second pass (EngineModel.reseed), so a resumed run draws the same ones.
  it('resumes exactly with dropout under SAM', async () => {
    const config: RunConfigInput = { ...CFG, model: { kind: 'mlp', hidden: [24], dropout: 0.3 }, logEvery: 1 };
    const full = await run('drop-full', { config });
    const controller = new AbortController();
    const stopped = await run('drop-stopped', {
      config,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.event === 'metrics' && e.scope === 'step' && e.step === 7) controller.abort();
      },
    });
    if (stopped.result.event !== 'stopped') throw new Error('the run must stop');
    const resumed = await run('drop-resumed', { config, resumeFrom: stopped.result.checkpoint! });
    expect(resumed.result.event).toBe('done');
    const a = await weightsOf(lastCheckpoint(full.events).path);
    const b = await weightsOf(lastCheckpoint(resumed.events).path);
    b.forEach((t, i) => expect(t).toEqual(a[i]));
  });
});

