// The model zoo: forward shapes, parameter counts derived by hand, gradients that reach every
// weight on wasm (and agree with cpu), batch-norm state rules, and a Layers model from disk.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend';
import { buildModel } from '../../src/engine/models';
import { Rng } from '../../src/engine/rng';
import type { EngineModel } from '../../src/engine/types';
import { modelSchema } from '../../src/shared/config';
import { saveLayersModel } from './helpers/layers-model';

const cfg = (c: Record<string, unknown>) => modelSchema.parse(c);

beforeAll(async () => {
  await initBackend('wasm');
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

/** Σ of sizes: conv k×k×i×o (+o bias), dense i×o + o, batch norm 2·c (γ, β). */
const conv = (k: number, i: number, o: number, bias = false) => k * k * i * o + (bias ? o : 0);
const bn = (c: number) => 2 * c;

async function logitsShape(m: EngineModel, n: number): Promise<number[]> {
  const x = tf.randomUniform([n, ...m.inputShape]);
  const y = m.apply(x, { training: false });
  const shape = y.shape;
  tf.dispose([x, y]);
  return shape;
}

describe('parameter counts and forward shapes', () => {
  it('MLP 784-512-512-10 has 669,706 parameters and takes flat or image input', async () => {
    const m = await buildModel(cfg({ kind: 'mlp', hidden: [512, 512] }), [784], 10, 0);
    // (784·512 + 512) + (512·512 + 512) + (512·10 + 10)
    expect(m.paramCount).toBe(669_706);
    expect(m.params).toHaveLength(6);
    expect(await logitsShape(m, 3)).toEqual([3, 10]);
    const img = await buildModel(cfg({ kind: 'mlp', hidden: [16], activation: 'gelu', dropout: 0.5 }), [28, 28, 1], 10, 0);
    expect(await logitsShape(img, 2)).toEqual([2, 10]);
    m.dispose();
    img.dispose();
  });

  it('small CNN: conv-relu-pool blocks, dense, head; flat Fashion-MNIST rows are reshaped', async () => {
    const m = await buildModel(cfg({ kind: 'cnn', filters: [32, 64], dense: 128 }), [28, 28, 1], 10, 0);
    // 28 → 14 → 7 after two 2×2 pools
    expect(m.paramCount).toBe(conv(3, 1, 32, true) + conv(3, 32, 64, true) + (7 * 7 * 64 * 128 + 128) + (128 * 10 + 10));
    const flat = tf.randomUniform([2, 784]);
    const y = m.apply(flat, { training: true });
    expect(y.shape).toEqual([2, 10]);
    tf.dispose([flat, y]);
    m.dispose();
  });

  it('ResNet-20 (width 16, projection shortcuts) on CIFAR-shaped input', async () => {
    const m = await buildModel(cfg({ kind: 'resnet20', width: 16 }), [32, 32, 3], 10, 0);
    const stage = (i: number, o: number) =>
      conv(3, i, o) + bn(o) + conv(3, o, o) + bn(o) + (i !== o ? conv(1, i, o) + bn(o) : 0) + 2 * (2 * conv(3, o, o) + 2 * bn(o));
    expect(m.paramCount).toBe(conv(3, 3, 16) + bn(16) + stage(16, 16) + stage(16, 32) + stage(32, 64) + 64 * 10 + 10);
    expect(m.state).toHaveLength(2 * (1 + 9 * 2 + 2)); // running mean + variance per batch norm
    expect(await logitsShape(m, 2)).toEqual([2, 10]);
    m.dispose();
  });

  it('model.activation swaps the ReLUs of the conv nets and keeps their (He) conv init', async () => {
    for (const kind of ['cnn', 'resnet20', 'wrn'] as const) {
      const shape = kind === 'cnn' ? { filters: [3], dense: 8 } : kind === 'wrn' ? { depth: 10, widen: 1 } : { width: 2 };
      const relu = await buildModel(cfg({ kind, ...shape }), [8, 8, 1], 4, 7);
      const soft = await buildModel(cfg({ kind, ...shape, activation: 'softplus' }), [8, 8, 1], 4, 7);
      const convs = (m: EngineModel) => m.params.filter((p) => p.name.includes('conv')).map((p) => Array.from(p.dataSync()));
      expect(convs(soft)).toEqual(convs(relu));
      const x = tf.randomUniform([2, 8, 8, 1], 0, 1, 'float32', 3);
      const [a, b] = [relu, soft].map((m) => tf.tidy(() => Array.from(m.apply(x, { training: false }).dataSync())));
      expect(a).not.toEqual(b);
      x.dispose();
      relu.dispose();
      soft.dispose();
    }
  });

  it('ResNet-18 (width 64) has the 11,173,962 parameters of the usual CIFAR ResNet-18', async () => {
    const m = await buildModel(cfg({ kind: 'resnet18', width: 64 }), [32, 32, 3], 10, 0);
    expect(m.paramCount).toBe(11_173_962);
    m.dispose();
    const small = await buildModel(cfg({ kind: 'resnet18', width: 4 }), [28, 28, 1], 10, 0);
    expect(await logitsShape(small, 2)).toEqual([2, 10]);
    small.dispose();
  });

  it('Wide-ResNet-16-4: depth 6n+4 with n = 2 pre-activation blocks per stage', async () => {
    const m = await buildModel(cfg({ kind: 'wrn', depth: 16, widen: 4 }), [32, 32, 3], 10, 0);
    const block = (i: number, o: number) => bn(i) + conv(3, i, o) + bn(o) + conv(3, o, o) + (i !== o ? conv(1, i, o) : 0);
    const stage = (i: number, o: number) => block(i, o) + block(o, o);
    expect(m.paramCount).toBe(conv(3, 3, 16) + stage(16, 64) + stage(64, 128) + stage(128, 256) + bn(256) + 256 * 10 + 10);
    expect(m.paramCount).toBeGreaterThan(2_700_000); // the paper's WRN-16-4 is 2.7M
    m.dispose();
    const tiny = await buildModel(cfg({ kind: 'wrn', depth: 10, widen: 1 }), [8, 8, 3], 5, 0);
    expect(await logitsShape(tiny, 2)).toEqual([2, 5]);
    tiny.dispose();
  });

  it('rejects image models on tabular input and leaks nothing once disposed', async () => {
    await expect(buildModel(cfg({ kind: 'cnn' }), [7], 3, 0)).rejects.toThrow(/model.kind "cnn" needs image input.*use model.kind "mlp"/);
    const before = tf.memory().numTensors;
    const m = await buildModel(cfg({ kind: 'resnet20', width: 4 }), [8, 8, 3], 10, 0);
    await logitsShape(m, 2);
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is seeded: the same seed gives the same weights, another seed different ones', async () => {
    const a = await buildModel(cfg({ kind: 'mlp', hidden: [8] }), [4], 3, 7);
    const b = await buildModel(cfg({ kind: 'mlp', hidden: [8] }), [4], 3, 7);
    const c = await buildModel(cfg({ kind: 'mlp', hidden: [8] }), [4], 3, 8);
    expect(Array.from(a.params[0].dataSync())).toEqual(Array.from(b.params[0].dataSync()));
    expect(Array.from(a.params[0].dataSync())).not.toEqual(Array.from(c.params[0].dataSync()));
    [a, b, c].forEach((m) => m.dispose());
  });
});

/** ∇ of a fixed loss w.r.t. every parameter, on the given backend (same seed → same weights). */
async function gradsOn(backend: 'wasm' | 'cpu', build: () => Promise<EngineModel>, inShape: number[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const m = await build();
  const x = tf.randomUniform([4, ...inShape], 0, 1, 'float32', 11);
  const target = tf.randomNormal([4, m.numClasses], 0, 1, 'float32', 12);
  const { grads } = tf.variableGrads(() => tf.sum(tf.mul(m.apply(x, { training: true, updateState: false }), target)) as tf.Scalar, m.params);
  const out = m.params.map((p) => grads[p.name].dataSync() as Float32Array);
  tf.dispose([x, target, ...Object.values(grads)]);
  m.dispose();
  await tf.setBackend('wasm');
  return out;
}

describe('gradients on wasm', () => {
  for (const [name, c, inShape] of [
    ['small CNN', { kind: 'cnn', filters: [4, 8], dense: 16 }, [12, 12, 1]],
    ['tiny ResNet-20', { kind: 'resnet20', width: 4 }, [8, 8, 3]],
    ['tiny WRN-10-1', { kind: 'wrn', depth: 10, widen: 1 }, [8, 8, 3]],
  ] as [string, Record<string, unknown>, number[]][]) {
    it(`reach every weight of the ${name} and agree with cpu`, async () => {
      const build = () => buildModel(cfg(c), inShape, 10, 3);
      const w = await gradsOn('wasm', build, inShape);
      const cpu = await gradsOn('cpu', build, inShape);
      w.forEach((g, i) => {
        expect(g.some((v) => v !== 0)).toBe(true);
        const scale = Math.max(1e-3, ...cpu[i].map(Math.abs));
        const worst = Math.max(...cpu[i].map((v, j) => Math.abs(v - g[j])));
        expect(worst / scale).toBeLessThan(1e-3);
      });
    });
  }
});

describe('MLP activations and dropout on wasm', () => {
  it('every activation has its gradient kernels on wasm and matches cpu', async () => {
    for (const activation of ['relu', 'tanh', 'gelu', 'sigmoid', 'elu', 'softplus']) {
      const build = () => buildModel(cfg({ kind: 'mlp', hidden: [12, 7], activation }), [9], 10, 5);
      const w = await gradsOn('wasm', build, [9]);
      const c = await gradsOn('cpu', build, [9]);
      w.forEach((g, i) => {
        expect(g.every(Number.isFinite)).toBe(true);
        const scale = Math.max(1e-3, ...c[i].map(Math.abs));
        expect(Math.max(...c[i].map((v, j) => Math.abs(v - g[j]))) / scale).toBeLessThan(1e-3);
      });
    }
  });

  it('dropout is active only in training and is seeded', async () => {
    const a = await buildModel(cfg({ kind: 'mlp', hidden: [64], dropout: 0.5 }), [8], 3, 1);
    const b = await buildModel(cfg({ kind: 'mlp', hidden: [64], dropout: 0.5 }), [8], 3, 1);
    const x = tf.ones([4, 8]);
    const run = (m: EngineModel, training: boolean) => Array.from(m.apply(x, { training }).dataSync());
    const first = run(a, true);
    expect(run(b, true)).toEqual(first); // same seed, same masks
    expect(run(a, true)).not.toEqual(first); // a fresh mask each step
    expect(run(a, false)).toEqual(run(a, false));
    expect(first).not.toEqual(run(a, false));
    // reseed restarts the mask stream: the loop uses it so a resumed run draws the same masks.
    a.reseed?.(42);
    const afterReseed = run(a, true);
    a.reseed?.(42);
    expect(run(a, true)).toEqual(afterReseed);
    x.dispose();
    a.dispose();
    b.dispose();
  });
});

describe('batch-norm state', () => {
  it('moves only when training with updateState; eval mode uses the running statistics', async () => {
    const m = await buildModel(cfg({ kind: 'resnet20', width: 4 }), [8, 8, 3], 10, 0);
    const x = tf.randomNormal([6, 8, 8, 3], 2, 3, 'float32', 1);
    const snapshot = () => m.state.map((s) => Array.from(s.dataSync()));
    const s0 = snapshot();
    tf.dispose(m.apply(x, { training: true, updateState: false }));
    expect(snapshot()).toEqual(s0);
    tf.dispose(m.apply(x, { training: false }));
    expect(snapshot()).toEqual(s0);
    const evalBefore = m.apply(x, { training: false });
    tf.dispose(m.apply(x, { training: true })); // updateState defaults to training
    const s1 = snapshot();
    expect(s1).not.toEqual(s0);
    // The stem's running mean moved 10% of the way to the batch mean (momentum 0.9).
    const evalAfter = m.apply(x, { training: false });
    expect(Array.from(evalAfter.dataSync())).not.toEqual(Array.from(evalBefore.dataSync()));
    // A training step's forward + backward with the state update leaks nothing.
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() => tf.mean(m.apply(x, { training: true })) as tf.Scalar, m.params);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, evalBefore, evalAfter]);
    m.dispose();
  });
});

describe('layers model from disk', () => {
  let dir: string;
  let reference: tfl.LayersModel;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'sam-layers-'));
    reference = tfl.sequential({
      layers: [tfl.layers.dense({ inputShape: [784], units: 16, activation: 'relu' }), tfl.layers.dense({ units: 10, activation: 'softmax' })],
    });
    await saveLayersModel(reference, dir);
  });

  it('loads model.json + weights, exposes trainable weights and gives log-probabilities as logits', async () => {
    const m = await buildModel(cfg({ kind: 'layers', path: path.join(dir, 'model.json') }), [28, 28, 1], 10, 0);
    expect(m.paramCount).toBe(reference.countParams());
    expect(m.params).toHaveLength(4);
    const x = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 5);
    const logits = m.apply(x, { training: false });
    const want = reference.predict(tf.reshape(x, [3, 784])) as tf.Tensor;
    const got = tf.softmax(logits);
    const diff = Math.max(...Array.from(tf.abs(tf.sub(got, want)).dataSync()));
    expect(diff).toBeLessThan(1e-5);
    const { grads } = tf.variableGrads(() => tf.mean(m.apply(x, { training: true })) as tf.Scalar, m.params);
    expect(Object.keys(grads)).toHaveLength(4);
    tf.dispose([x, logits, want, got, ...Object.values(grads)]);
    m.dispose();
  });

  it('names the file and the problem when the model is missing or mismatched', async () => {
    await expect(buildModel(cfg({ kind: 'layers', path: path.join(dir, 'nope.json') }), [784], 10, 0)).rejects.toThrow(/nope\.json: cannot read a tfjs model\.json/);
    await expect(buildModel(cfg({ kind: 'layers', path: path.join(dir, 'model.json') }), [784], 3, 0)).rejects.toThrow(/outputs 10 classes but the data has 3/);
  });
});

describe('initialisation schemes (model.init)', () => {
  /** Per parameter: name suffix, shape and values. */
  const tensors = (m: EngineModel) => m.params.map((p) => ({ name: p.name.replace(/^model\d+\//, ''), shape: p.shape, v: Array.from(p.dataSync()) }));
  const fanIn = (shape: number[]) => (shape.length === 4 ? shape[0] * shape[1] * shape[2] : shape[0]);

  it("'pytorch' (the default): every kernel and bias uniform in ±1/√fan_in with the uniform's spread, batch norm γ = 1, β = 0", async () => {
    // U(−b, b) has variance b²/3: for b = 1/√fan_in, std = 1/√(3·fan_in) — torch.nn.Linear/Conv2d's
    // kaiming_uniform_(a = √5). Biases share the kernel's bound (fan_in of the layer's weight).
    const cnn = await buildModel(cfg({ kind: 'cnn', filters: [8, 16], dense: 64 }), [28, 28, 1], 10, 3);
    expect(cfg({ kind: 'cnn' })).toMatchObject({ init: 'pytorch' });
    const ps = tensors(cnn);
    for (let i = 0; i < ps.length; i += 2) {
      const [k, b] = [ps[i], ps[i + 1]];
      expect(k.name).toMatch(/kernel$/);
      expect(b.name).toMatch(/bias$/);
      const bound = 1 / Math.sqrt(fanIn(k.shape));
      for (const t of [k, b]) {
        expect(t.v.reduce((m, x) => Math.max(m, Math.abs(x)), 0)).toBeLessThanOrEqual(bound);
        expect(t.v.some((x) => x !== 0)).toBe(true);
      }
      const std = Math.sqrt(k.v.reduce((s, x) => s + x * x, 0) / k.v.length);
      // conv0 has 72 values: ±20 % for a sample that small; the others have ≥ 1,152.
      expect(std / (bound / Math.sqrt(3))).toBeCloseTo(1, k.v.length < 100 ? 0 : 1);
    }
    cnn.dispose();
    // ResNet-20 (width 4): bias-free convs, batch norms, and a 16 → 10 linear head (fan_in 16).
    const res = await buildModel(cfg({ kind: 'resnet20', width: 4 }), [8, 8, 3], 10, 3);
    for (const t of tensors(res)) {
      const bound = t.name.startsWith('logits/') ? 1 / 4 : 1 / Math.sqrt(fanIn(t.shape));
      if (/gamma$/.test(t.name)) expect(new Set(t.v)).toEqual(new Set([1]));
      else if (/beta$/.test(t.name)) expect(new Set(t.v)).toEqual(new Set([0]));
      else expect(Math.max(...t.v.map(Math.abs)), t.name).toBeLessThanOrEqual(bound);
    }
    res.dispose();
  });

  it("'he-normal' is the engine's earlier scheme, draw for draw: He normal before ReLU, Glorot uniform for the head, zero biases", async () => {
    // MLP 3 → 4 (relu) → 2, seed 9: the kernels are drawn in order from Rng(9); biases draw nothing.
    const m = await buildModel(cfg({ kind: 'mlp', hidden: [4], init: 'he-normal' }), [3], 2, 9);
    const rng = new Rng(9);
    const k0 = Array.from({ length: 12 }, () => Math.fround(rng.normal() * Math.sqrt(2 / 3)));
    const limit = Math.sqrt(6 / (4 + 2));
    const k1 = Array.from({ length: 8 }, () => Math.fround((rng.next() * 2 - 1) * limit));
    const [w0, b0, w1, b1] = tensors(m).map((t) => t.v);
    expect(w0).toEqual(k0);
    expect(b0).toEqual([0, 0, 0, 0]);
    expect(w1).toEqual(k1);
    expect(b1).toEqual([0, 0]);
    m.dispose();
  });

  it("'glorot-uniform': U(±√(6/(fan_in + fan_out))) kernels everywhere (conv fans count the k×k window), zero biases", async () => {
    const m = await buildModel(cfg({ kind: 'cnn', filters: [4], dense: 8, init: 'glorot-uniform' }), [6, 6, 1], 3, 2);
    const rng = new Rng(2);
    const draw = (n: number, fi: number, fo: number) => Array.from({ length: n }, () => Math.fround((rng.next() * 2 - 1) * Math.sqrt(6 / (fi + fo))));
    // conv 3×3×1×4: fan_in 9, fan_out 36; dense 3·3·4 = 36 → 8; head 8 → 3
    const expected = [draw(36, 9, 36), new Array(4).fill(0), draw(288, 36, 8), new Array(8).fill(0), draw(24, 8, 3), [0, 0, 0]];
    expect(tensors(m).map((t) => t.v)).toEqual(expected);
    m.dispose();
  });
});
