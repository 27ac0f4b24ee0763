// Data-parallel ranks (engine/parallel): worker threads that each take a share of every batch's
// rows on one wasm thread. What must hold: the shares add up to the full batch's loss and gradient
// (so SAM's ε̂ comes from the whole batch), training steps match one thread to float rounding,
// models the split would get wrong are refused by name, a failing worker fails the pass with its
// reason instead of hanging, and a CNN run on 2 threads trains on 2 ranks and says so.
import * as tf from '@tensorflow/tfjs-core';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend';
import { loadDataset } from '../../src/engine/data/index';
import type { Dataset } from '../../src/engine/data/types';
import { buildModel } from '../../src/engine/models/index';
import { createStepper } from '../../src/engine/optim';
import { gradientPass, type PassOptions } from '../../src/engine/optim/pass';
import { type DataParallel, shareRows, startDataParallel } from '../../src/engine/parallel/data-parallel';
import { planParallel } from '../../src/engine/parallel/plan';
import { dataSchema, hessianSchema, modelSchema, optimizerSchema, samSchema, type ModelConfig } from '../../src/shared/config';
import type { LogEvent, StartedEvent } from '../../src/shared/events';
import { makeTempDir, removeTempDir } from './helpers/tmp';
import { trainCollect } from './helpers/train';

const work = makeTempDir('data-parallel-');
let data: Dataset;
beforeAll(async () => {
  await initBackend('wasm', { threads: 1 });
  data = await loadDataset(dataSchema.parse({ name: 'fashion-mnist', limit: 256, testLimit: 64 }), { seed: 0 });
});
afterAll(async () => {
  await tf.setBackend('cpu');
  removeTempDir(work);
});

const MODELS: Record<string, ModelConfig> = {
  mlp: modelSchema.parse({ kind: 'mlp', hidden: [64, 32] }),
  cnn: modelSchema.parse({ kind: 'cnn', filters: [4, 8], dense: 16 }),
};

function batch(rows: number, inputShape: number[]): { x: tf.Tensor; y: tf.Tensor1D } {
  const s = inputShape.reduce((a, b) => a * b, 1);
  return {
    x: tf.tensor(data.train.x.subarray(0, rows * s), [rows, ...inputShape]),
    y: tf.tensor1d(data.train.y.subarray(0, rows), 'int32'),
  };
}

function maxRelative(a: tf.Tensor, b: tf.Tensor): number {
  const [u, v] = [a.dataSync(), b.dataSync()];
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < u.length; i++) {
    scale = Math.max(scale, Math.abs(u[i]));
    diff = Math.max(diff, Math.abs(u[i] - v[i]));
  }
  return diff / Math.max(scale, 1e-12);
}

async function withRanks<T>(kind: string, ranks: number, fn: (dp: DataParallel, model: Awaited<ReturnType<typeof buildModel>>) => Promise<T> | T): Promise<T> {
  const model = await buildModel(MODELS[kind], data.inputShape, data.numClasses, 7);
  const dp = await startDataParallel({ model, config: MODELS[kind], ranks, maxRows: 64 });
  try {
    return await fn(dp, model);
  } finally {
    dp.dispose();
    model.dispose();
  }
}

describe('the rows each rank takes', () => {
  it('are as even as can be, rank 0 first, and cover the batch', () => {
    expect(shareRows(128, 2)).toEqual([64, 64]);
    expect(shareRows(63, 2)).toEqual([32, 31]);
    expect(shareRows(10, 4)).toEqual([3, 3, 2, 2]);
  });
});

describe.each(['mlp', 'cnn'])('a %s pass on data-parallel ranks', (kind) => {
  it.each([
    [2, 64],
    [2, 63],
    [3, 50],
  ])('on %i ranks and %i rows gives the whole batch’s loss, gradient, correct count and row losses', async (ranks, rows) => {
    await withRanks(kind, ranks, (dp, model) => {
      const { x, y } = batch(rows, data.inputShape);
      const mask = model.params.map((p) => p.shape.length > 1);
      const o: PassOptions = { updateState: true, wantCorrect: true, wantExampleLosses: true, weightDecay: 5e-4, decayMask: mask };
      tf.tidy(() => {
        const one = gradientPass(model, x, y, o);
        const split = dp.pass(model, x, y, o);
        expect(Math.abs(split.loss.dataSync()[0] - one.loss.dataSync()[0])).toBeLessThan(1e-6);
        expect(split.correct?.dataSync()[0]).toBe(one.correct?.dataSync()[0]);
        expect(maxRelative(split.exampleLosses as tf.Tensor, one.exampleLosses as tf.Tensor)).toBeLessThan(1e-6);
        expect(split.grads.length).toBe(one.grads.length);
        split.grads.forEach((g, i) => {
          expect(g.shape).toEqual(one.grads[i].shape);
          expect(maxRelative(g, one.grads[i])).toBeLessThan(1e-5);
        });
      });
      tf.dispose([x, y]);
    });
  });

  it('three SAM steps (plain, m-sharpness 16, ESAM) leave the weights one thread leaves, to float rounding', async () => {
    const optimizer = optimizerSchema.parse({ kind: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 5e-4 });
    for (const samIn of [{ rho: 0.05 }, { rho: 0.05, m: 16 }, { rho: 0.05, variant: { kind: 'esam', beta: 0.5, gamma: 0.5 } }]) {
      const sam = samSchema.parse(samIn);
      const local = await buildModel(MODELS[kind], data.inputShape, data.numClasses, 7);
      await withRanks(kind, 2, (dp, model) => {
        const a = createStepper(local, { optimizer, sam, seed: 1 });
        const b = createStepper(model, { optimizer, sam, seed: 1, pass: dp.pass });
        for (let s = 0; s < 3; s++) {
          const { x, y } = batch(64, data.inputShape);
          const ra = a.step(x, y, 0.05);
          const rb = b.step(x, y, 0.05);
          expect(Math.abs(ra.loss.dataSync()[0] - rb.loss.dataSync()[0])).toBeLessThan(1e-5);
          expect(rb.passes).toEqual(ra.passes);
          tf.dispose([x, y, ...Object.values(ra).filter((t) => t instanceof tf.Tensor), ...Object.values(rb).filter((t) => t instanceof tf.Tensor)]);
        }
        local.params.forEach((p, i) => expect(maxRelative(model.params[i], p), `${JSON.stringify(samIn)} param ${i}`).toBeLessThan(1e-5));
        a.dispose();
        b.dispose();
      });
      local.dispose();
    }
  });
});

describe('models the split would get wrong', () => {
  it.each([
    [{ kind: 'resnet20', width: 4 }, /cannot train on data-parallel ranks: it has batch norm/],
    [{ kind: 'cnn', filters: [4], dense: 8, dropout: 0.2 }, /cannot train on data-parallel ranks: its dropout masks/],
  ])('%j is refused with the reason', async (cfgIn, why) => {
    const cfg = modelSchema.parse(cfgIn);
    const model = await buildModel(cfg, data.inputShape, data.numClasses, 0);
    await expect(startDataParallel({ model, config: cfg, ranks: 2, maxRows: 64 })).rejects.toThrow(why);
    model.dispose();
  });

  it('are planned onto the thread pool, with the reason in the plan; a CNN onto ranks', () => {
    const plan = (threads: number, model: object, hessian: object | null = null) =>
      planParallel({ threads, model: modelSchema.parse(model), hessian: hessian ? hessianSchema.parse(hessian) : null });
    expect(plan(2, { kind: 'resnet20', width: 4 })).toEqual({ ranks: 1, note: expect.stringMatching(/pool of 2 wasm threads \(not data-parallel: it has batch norm/) });
    expect(plan(2, { kind: 'mlp' })).toEqual({ ranks: 1, note: expect.stringMatching(/pool of 2 .*MLP step runs faster on the pool/) });
    expect(plan(2, { kind: 'cnn' }, { topK: 5 })).toEqual({ ranks: 1, note: expect.stringMatching(/pool of 2 .*its Hessian analyses would run on one thread/) });
    expect(plan(2, { kind: 'cnn' })).toEqual({ ranks: 2, note: expect.stringMatching(/2 data-parallel ranks/) });
    expect(plan(1, { kind: 'cnn' }).ranks).toBe(1);
  });
});

describe('a worker that fails', () => {
  it('fails the pass with the worker’s reason instead of hanging rank 0', async () => {
    // The worker builds the config it is given: a wider CNN than rank 0's, so the weights rank 0
    // shares do not fit its variables.
    const model = await buildModel(MODELS.cnn, data.inputShape, data.numClasses, 0);
    const dp = await startDataParallel({ model, config: modelSchema.parse({ kind: 'cnn', filters: [6, 8], dense: 16 }), ranks: 2, maxRows: 64 });
    const { x, y } = batch(32, data.inputShape);
    const o: PassOptions = { updateState: true, wantCorrect: false, weightDecay: 0, decayMask: model.params.map(() => false) };
    expect(() => tf.tidy(() => void dp.pass(model, x, y, o))).toThrow(/data-parallel worker 1: /);
    dp.dispose();
    tf.dispose([x, y]);
    model.dispose();
  });
});

describe('a CNN run on 2 threads', () => {
  it('trains on 2 data-parallel ranks, says so, and learns what the same run on one thread learns', async () => {
    const input = {
      seed: 2,
      epochs: 1,
      batchSize: 64,
      backend: 'wasm' as const,
      data: { name: 'fashion-mnist' as const, limit: 256, testLimit: 64 },
      model: { kind: 'cnn' as const, filters: [4, 8], dense: 16 },
      optimizer: { kind: 'sgd' as const, lr: 0.05, momentum: 0.9 },
      sam: { rho: 0.05 },
      logEvery: 1,
    };
    const two = await trainCollect({ ...input, threads: 2 }, { runId: 1, workDir: join(work, 'two') });
    const one = await trainCollect({ ...input, threads: 1 }, { runId: 2, workDir: join(work, 'one') });
    expect(two.result.event).toBe('done');
    expect(one.result.event).toBe('done');
    const started = two.events.find((e): e is StartedEvent => e.event === 'started');
    expect(started?.backend.details).toMatchObject({ dataParallelRanks: 2, threads: 2 });
    const logs = two.events.filter((e): e is LogEvent => e.event === 'log').map((e) => e.message);
    expect(logs).toContainEqual(expect.stringMatching(/^wasm: 2 data-parallel ranks, one wasm thread each/));
    const oneStarted = one.events.find((e): e is StartedEvent => e.event === 'started');
    expect(oneStarted?.backend.details.dataParallelRanks).toBeUndefined();
    // Same data, same seed: every logged loss agrees to float rounding.
    const losses = (r: typeof one) => r.events.flatMap((e) => (e.event === 'metrics' && e.scope === 'step' ? [e.values.trainLoss as number] : []));
    expect(losses(two).length).toBe(4);
    losses(two).forEach((l, i) => expect(Math.abs(l - losses(one)[i])).toBeLessThan(1e-4));
  });
});
