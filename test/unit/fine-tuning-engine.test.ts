// The engine side of the studies (issue 13): a class subset with relabelling, starting from
// another run's checkpoint with a new head, an imported Layers model's batch norm (trained or
// frozen) and dropout (keyed by the step, or off), and the m-sharpness measured at the end of a
// real training run.
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { saveCheckpoint } from '../../src/engine/checkpoint';
import { finalizeDataset } from '../../src/engine/data/pipeline';
import type { RawDataset } from '../../src/engine/data/raw';
import { buildModel } from '../../src/engine/models';
import { createStepper } from '../../src/engine/optim';
import { buildStartModel } from '../../src/engine/start-weights';
import { modelSchema, parseRunConfig, type RunConfigInput } from '../../src/shared/config';
import type { CheckpointEvent, DoneEvent, LogEvent } from '../../src/shared/events';
import { saveLayersModel } from './helpers/layers-model';
import { makeTempDir } from './helpers/tmp';
import { trainCollect } from './helpers/train';
import { disposeStep, opt, samCfg } from './optim-fixtures';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const dir = makeTempDir('sam-finetune-');
const values = (ts: tf.Tensor[]) => ts.map((t) => Array.from(t.dataSync()));

describe('data.classes', () => {
  // Example i has class i mod 4 and features [class, i], so where each example went is visible.
  const split = (n: number) => ({ x: Float32Array.from({ length: 2 * n }, (_, k) => (k % 2 === 0 ? Math.floor(k / 2) % 4 : Math.floor(k / 2))), y: Int32Array.from({ length: n }, (_, i) => i % 4), n });
  const raw: RawDataset = { name: 'toy', kind: 'points', inputShape: [2], numClasses: 4, classNames: ['a', 'b', 'c', 'd'], train: split(40), test: split(12), source: 'toy' };
  const cfg = { limit: null, testLimit: null, validationSplit: 0, labelNoise: 0 };

  it('keeps only the classes named and relabels them 0…k−1 in the order given, in every split', () => {
    const ds = finalizeDataset(raw, { ...cfg, classes: [3, 1] }, 0);
    expect(ds.numClasses).toBe(2);
    expect(ds.classNames).toEqual(['d', 'b']);
    expect(ds.train.n).toBe(20);
    expect(ds.test.n).toBe(6);
    for (const s of [ds.train, ds.test]) {
      for (let i = 0; i < s.n; i++) expect(s.x[2 * i]).toBe(s.y[i] === 0 ? 3 : 1); // class 3 → 0, class 1 → 1
    }
    // data.limit counts examples of the kept classes.
    expect(finalizeDataset(raw, { ...cfg, classes: [0, 2], limit: 7 }, 0).train.n).toBe(7);
  });

  it('names a class the source does not have', () => {
    expect(() => finalizeDataset(raw, { ...cfg, classes: [1, 4] }, 0)).toThrow('data.classes: toy has classes 0–3 (a, b, c, d); there is no class 4');
  });
});

describe('starting from another run’s checkpoint', () => {
  const mlp = (hidden: number[]): RunConfigInput => ({ epochs: 1, batchSize: 4, seed: 2, data: { name: 'synthetic-blobs' }, model: { kind: 'mlp', hidden }, optimizer: { kind: 'sgd', lr: 0.1 } });

  async function sourceCheckpoint(): Promise<{ path: string; params: number[][] }> {
    const src = await buildModel(modelSchema.parse({ kind: 'mlp', hidden: [8] }), [4], 5, 1);
    src.params.forEach((p, i) => p.assign(tf.randomNormal(p.shape, 0, 1, 'float32', 100 + i)));
    const path = join(dir, 'source.ckpt');
    await saveCheckpoint(path, { epoch: 1, stepInEpoch: 0, step: 10, seed: 1, extra: {} }, { params: src.params, state: src.state, optimizer: {} });
    const params = values(src.params);
    src.dispose();
    return { path, params };
  }

  it('copies every weight but the head, which stays the run’s own seeded init for its classes', async () => {
    const src = await sourceCheckpoint();
    const fresh = await buildModel(modelSchema.parse({ kind: 'mlp', hidden: [8] }), [4], 3, 2);
    const m = await buildStartModel(parseRunConfig({ ...mlp([8]), startFrom: { checkpoint: src.path, head: 'new' } }), { inputShape: [4], numClasses: 3 }, { applyInit: true });
    expect(m.head).toEqual([false, false, true, true]); // hidden kernel, bias; logits kernel, bias
    expect(values(m.params.slice(0, 2))).toEqual(src.params.slice(0, 2));
    expect(values(m.params.slice(2))).toEqual(values(fresh.params.slice(2)));
    // A resumed run reads its own checkpoint instead: no copy.
    const resumed = await buildStartModel(parseRunConfig({ ...mlp([8]), startFrom: { checkpoint: src.path, head: 'new' } }), { inputShape: [4], numClasses: 3 }, { applyInit: false });
    expect(values(resumed.params)).toEqual(values(fresh.params));
    [m, fresh, resumed].forEach((x) => x.dispose());
  });

  it('says why a checkpoint does not fit: the head kept for other classes, or another model config', async () => {
    const src = await sourceCheckpoint();
    const n0 = tf.memory().numTensors;
    await expect(buildStartModel(parseRunConfig({ ...mlp([8]), startFrom: { checkpoint: src.path, head: 'keep' } }), { inputShape: [4], numClasses: 3 }, { applyInit: true })).rejects.toThrow(
      /^startFrom.checkpoint: checkpoint .* weights tensor 2 has shape \[8,5\] but the model expects \[8,3\].*other classes need a new head/,
    );
    await expect(buildStartModel(parseRunConfig({ ...mlp([9]), startFrom: { checkpoint: src.path, head: 'new' } }), { inputShape: [4], numClasses: 3 }, { applyInit: true })).rejects.toThrow(
      /the model config must be the one the source run trained/,
    );
    await expect(buildStartModel(parseRunConfig({ ...mlp([8]), startFrom: { checkpoint: join(dir, 'nope.ckpt') } }), { inputShape: [4], numClasses: 3 }, { applyInit: true })).rejects.toThrow(
      /^startFrom.checkpoint: checkpoint .*nope.ckpt cannot be read/,
    );
    expect(tf.memory().numTensors).toBe(n0);
  });
});

describe('an imported Layers model', () => {
  async function saved(withDropout: boolean): Promise<string> {
    const d = makeTempDir('sam-layers-');
    const layers: tfl.layers.Layer[] = [tfl.layers.dense({ inputShape: [6], units: 5, kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }), tfl.layers.batchNormalization({ momentum: 0.5 })];
    if (withDropout) layers.push(tfl.layers.dropout({ rate: 0.5 }));
    layers.push(tfl.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }));
    const ref = tfl.sequential({ layers });
    const file = await saveLayersModel(ref, d);
    ref.dispose();
    return file;
  }
  const load = (path: string, o: { batchNorm?: 'train' | 'frozen'; dropout?: 'keep' | 'off' }, classes = 3, newHead = false) =>
    buildModel(modelSchema.parse({ kind: 'layers', path, ...o }), [6], classes, 4, { newHead });
  const batch = () => tf.randomNormal([8, 6], 1, 2, 'float32', 9);

  it('trained batch norm: SAM’s second pass (updateState false) uses batch statistics but leaves the running averages alone', async () => {
    const m = await load(await saved(false), { batchNorm: 'train' });
    expect(m.params).toHaveLength(6); // kernel, bias, γ, β, kernel, bias
    expect(m.state).toHaveLength(2); // moving mean, moving variance
    const x = batch();
    const s0 = values(m.state);
    const evalOut = values([m.apply(x, { training: false })]);
    const second = values([m.apply(x, { training: true, updateState: false })]);
    expect(values(m.state)).toEqual(s0);
    expect(second).not.toEqual(evalOut);
    tf.dispose(m.apply(x, { training: true, updateState: true }));
    expect(values(m.state)).not.toEqual(s0);
    // A SAM step moves the statistics exactly as one first pass does (its second pass not at all).
    const a = await load(await saved(false), { batchNorm: 'train' });
    const b = await load(await saved(false), { batchNorm: 'train' });
    const y = tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32');
    const sam = createStepper(a, { optimizer: opt({ kind: 'sgd', lr: 0.1 }), sam: samCfg({ rho: 0.5 }) });
    const sgd = createStepper(b, { optimizer: opt({ kind: 'sgd', lr: 0.1 }), sam: null });
    disposeStep(sam.step(x, y, 0.1));
    disposeStep(sgd.step(x, y, 0.1));
    expect(values(a.state)).toEqual(values(b.state));
    [sam, sgd].forEach((s) => s.dispose());
    [m, a, b].forEach((s) => s.dispose());
    tf.dispose([x, y]);
  });

  it('frozen batch norm: γ and β are not trained and the layer runs on its running statistics', async () => {
    const m = await load(await saved(false), { batchNorm: 'frozen' });
    expect(m.params).toHaveLength(4);
    expect(m.state).toHaveLength(4); // γ, β, moving mean, moving variance
    expect(m.normalization).toEqual([false, false, false, false]);
    const x = batch();
    const s0 = values(m.state);
    expect(values([m.apply(x, { training: true, updateState: true })])).toEqual(values([m.apply(x, { training: false })]));
    expect(values(m.state)).toEqual(s0);
    m.dispose();
    x.dispose();
  });

  it('dropout masks follow the step’s key (SAM’s passes share them), or dropout is off', async () => {
    const path = await saved(true);
    const m = await load(path, { batchNorm: 'frozen' });
    const x = batch();
    const pass = (key: number) => {
      m.reseed!(key);
      return values([m.apply(x, { training: true, updateState: false })])[0];
    };
    expect(pass(7)).toEqual(pass(7));
    expect(pass(8)).not.toEqual(pass(7));
    const off = await load(path, { batchNorm: 'frozen', dropout: 'off' });
    off.reseed!(7);
    expect(values([off.apply(x, { training: true })])).toEqual(values([off.apply(x, { training: false })]));
    [m, off].forEach((s) => s.dispose());
    x.dispose();
  });

  it('a new head replaces the last Dense layer with one sized for the classes, seeded, and marks it', async () => {
    const path = await saved(true);
    const n0 = tf.memory().numTensors;
    const m = await load(path, {}, 4, true);
    const again = await load(path, {}, 4, true);
    expect(m.head).toEqual([false, false, false, false, true, true]);
    expect(m.params[4].shape).toEqual([5, 4]);
    expect(values(m.params.slice(4))).toEqual(values(again.params.slice(4)));
    const x = batch();
    const out = m.apply(x, { training: false });
    expect(out.shape).toEqual([8, 4]);
    // Logits now (no softmax): rows need not sum to 1 after exp.
    const sums = tf.tidy(() => tf.sum(tf.exp(out), 1));
    expect(values([sums])[0].some((v) => Math.abs(v - 1) > 1e-3)).toBe(true);
    sums.dispose();
    tf.dispose([x, out]);
    [m, again].forEach((s) => s.dispose());
    expect(tf.memory().numTensors).toBe(n0);
    await expect(load(path, {}, 4, false)).rejects.toThrow(/the model outputs 3 classes but the data has 4; give it a new head \(startFrom.head "new"\)/);
  });
});

describe('a training run with the study fields', () => {
  const blobs: RunConfigInput = { seed: 1, epochs: 2, batchSize: 16, backend: 'cpu', data: { name: 'synthetic-blobs', samples: 320 }, model: { kind: 'mlp', hidden: [8] }, optimizer: { kind: 'sgd', lr: 0.1 }, sam: { rho: 0.05 } };

  it('measures m-sharpness at each m and the eval-mode train accuracy at the end, into the final metrics', async () => {
    const { events, result } = await trainCollect({ ...blobs, mSharpness: { m: [4, null], samples: 64, rho: 0.1 } }, { runId: 1, workDir: join(dir, 'probe') });
    expect(result.event).toBe('done');
    const metrics = (result as DoneEvent).metrics;
    expect(Object.keys(metrics)).toEqual(expect.arrayContaining(['mSharpness@4', 'mSharpness@16', 'evalTrainAccuracy', 'evalTrainLoss']));
    expect(metrics['mSharpness@4']).toBeGreaterThan(0);
    expect(metrics.evalTrainAccuracy).toBeGreaterThan(0.5);
    const log = events.filter((e): e is LogEvent => e.event === 'log').map((e) => e.message);
    expect(log).toContainEqual(expect.stringMatching(/^m-sharpness at ρ = 0.1 on 64 training examples \(first-order ε̂\): m = 4: [\d.e-]+, m = 16 \(whole batch\): /));
    const tooMany = await trainCollect({ ...blobs, mSharpness: { m: [4], samples: 4096 } }, { runId: 2, workDir: join(dir, 'probe2') });
    expect(tooMany.result).toMatchObject({ event: 'failed', reason: expect.stringContaining('mSharpness.samples = 4096 is more than the 320 training examples') });
  });

  it('pre-trains on two classes and fine-tunes on the other two from its checkpoint, with a new head', async () => {
    const pre = await trainCollect({ ...blobs, sam: null, data: { name: 'synthetic-blobs', samples: 320, classes: [0, 1] } }, { runId: 1, workDir: join(dir, 'pre') });
    expect(pre.result.event).toBe('done');
    const ckpt = (pre.events.filter((e): e is CheckpointEvent => e.event === 'checkpoint').at(-1) as CheckpointEvent).path;
    const ft = await trainCollect({ ...blobs, seed: 5, data: { name: 'synthetic-blobs', samples: 320, classes: [2, 3] }, startFrom: { checkpoint: ckpt, sourceRunId: 1 } }, { runId: 2, workDir: join(dir, 'ft') });
    expect(ft.result).toMatchObject({ event: 'done' });
    expect((ft.result as DoneEvent).metrics.testAccuracy).toBeGreaterThan(0.6);
  });
});
