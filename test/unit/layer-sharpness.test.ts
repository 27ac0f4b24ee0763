// Per-layer sharpness (issue 13, item 3), checked on models small enough to build their Hessian:
// - each layer's block λ_max (Lanczos on block HVPs, exact and finite differences) against the
//   same block cut from a dense Hessian built from exact float64 gradients and eigen-decomposed
//   (test/unit/hessian-fixtures.ts: a hand-written gradient, no tfjs);
// - Cauchy interlacing: every block's λ_max ≤ the full λ_max, on the tiny MLP and on a real MLP
//   on Fashion-MNIST through the analysis the trainer runs;
// - ε̂ shares sum to 1 and equal hand-derived values: ‖g_l‖²/‖g‖² for p = 2, the layer's fraction
//   of weights for p = ∞ (ε̂ = ρ·sign g), zero outside the normalisation layers for SAM-ON.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataSchema, hessianSchema, runConfigSchema, type RunConfig } from '../../src/shared/config';
import { flatGradient, symmetricEigen } from '../../src/engine/hessian/index';
import { blockTopEigenvalues } from '../../src/engine/hessian/layer-blocks';
import { layerGroups, type LayerGroup } from '../../src/engine/hessian/layer-groups';
import { epsilonShares } from '../../src/engine/hessian/eps-shares';
import { analyzeWithLayers } from '../../src/engine/hessian/layer-analysis';
import { loadDataset } from '../../src/engine/data/index';
import { buildModel } from '../../src/engine/models/index';
import { makeLossClosure } from '../../src/engine/loss';
import { hessianBatch } from '../../src/engine/train-analysis';
import type { EngineModel } from '../../src/engine/types';
import { saveLayersModel } from './helpers/layers-model';
import { denseHessian64, tfProblem, tinyProblem, type TfProblem, type TinyProblem } from './hessian-fixtures';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Top eigenvalue of the principal sub-matrix of H (m×m, row-major) on `idx`. */
function blockTop(H: Float64Array, m: number, idx: number[]): number {
  const k = idx.length;
  const B = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) B[i * k + j] = H[idx[i] * m + idx[j]];
  const values = symmetricEigen(B, k).values;
  return values[k - 1];
}

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

describe('layer groups', () => {
  it('group weight and bias of a layer, per model kind, with names free of the instance prefix', async () => {
    const mlp = await buildModel({ kind: 'mlp', hidden: [7, 5], activation: 'relu', dropout: 0, init: 'pytorch' }, [6], 3, 0);
    const g = layerGroups(mlp.params);
    expect(g.map((x) => x.name)).toEqual(['dense0', 'dense1', 'logits']);
    expect(g.map((x) => x.tensors)).toEqual([['kernel', 'bias'], ['kernel', 'bias'], ['kernel', 'bias']]);
    expect(g.map((x) => x.paramCount)).toEqual([6 * 7 + 7, 7 * 5 + 5, 5 * 3 + 3]);
    mlp.dispose();

    const cnn = await buildModel({ kind: 'cnn', filters: [2, 3], dense: 4, dropout: 0, activation: 'relu', init: 'pytorch' }, [8, 8, 1], 3, 0);
    expect(layerGroups(cnn.params).map((x) => `${x.name}:${x.tensors.join('+')}`)).toEqual(['conv0:kernel+bias', 'conv1:kernel+bias', 'dense:kernel+bias', 'logits:kernel+bias']);
    cnn.dispose();

    const res = await buildModel({ kind: 'resnet20', width: 2, activation: 'relu', init: 'pytorch' }, [8, 8, 1], 3, 0);
    const rg = layerGroups(res.params);
    expect(rg[0]).toMatchObject({ name: 'stem/conv', tensors: ['kernel'] });
    expect(rg[1]).toMatchObject({ name: 'stem/bn', tensors: ['gamma', 'beta'] });
    expect(rg.map((x) => x.name)).toContain('stage2/block1/shortcut_bn');
    expect(rg.at(-1)).toMatchObject({ name: 'logits', tensors: ['kernel', 'bias'] });
    // Every parameter in exactly one layer.
    expect(rg.reduce((n, x) => n + x.paramCount, 0)).toBe(res.paramCount);
    expect(rg.flatMap((x) => x.indices).sort((a, b) => a - b)).toEqual(range(0, res.params.length));
    res.dispose();

    // An imported Layers model: one group per Keras layer, roles without the per-load suffix.
    const keras = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [6], units: 5, activation: 'relu' }), tfl.layers.batchNormalization(), tfl.layers.dense({ units: 3 })] });
    const dir = mkdtempSync(join(tmpdir(), 'layer-groups-'));
    try {
      const path = await saveLayersModel(keras, dir);
      for (let load = 0; load < 2; load++) {
        const imported = await buildModel({ kind: 'layers', path, batchNorm: 'train', dropout: 'keep' }, [6], 3, 0);
        const lg = layerGroups(imported.params);
        expect(lg.map((x) => `${x.name}:${x.tensors.join('+')}:${x.paramCount}`)).toEqual([
          `${keras.layers[0].name}:kernel+bias:35`,
          `${keras.layers[1].name}:gamma+beta:10`,
          `${keras.layers[2].name}:kernel+bias:18`,
        ]);
        imported.dispose();
      }
    } finally {
      keras.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.each(['tanh', 'relu'] as const)('block λ_max of a tiny %s MLP against a dense Hessian', (act) => {
  let problem: TinyProblem;
  let tfp: TfProblem;
  let H: Float64Array;
  let m: number;
  let groups: LayerGroup[];

  beforeAll(() => {
    // 6 → 10 → 4: hidden layer 6·10 + 10 = 70 parameters, head 10·4 + 4 = 44.
    problem = tinyProblem({ d: 6, h: 10, c: 4, n: 80, act, seed: act === 'tanh' ? 3 : 4 });
    tfp = tfProblem(problem);
    m = problem.w.length;
    H = denseHessian64(problem);
    const { d, h, c } = problem;
    groups = [
      { name: 'hidden', tensors: ['kernel', 'bias'], indices: [0, 1], paramCount: d * h + h },
      { name: 'head', tensors: ['kernel', 'bias'], indices: [2, 3], paramCount: h * c + c },
    ];
  });
  afterAll(() => tfp.dispose());

  const methods = act === 'tanh' ? (['exact', 'finite-difference'] as const) : (['exact'] as const);
  it.each(methods)('%s block HVPs: each λ_max within 0.1 % of the dense block, never above the full λ_max', async (method) => {
    const before = tf.memory().numTensors;
    const { d, h, c } = problem;
    const dense = [blockTop(H, m, range(0, d * h + h)), blockTop(H, m, range(d * h + h, h * c + c))];
    const full = symmetricEigen(H, m).values[m - 1];
    const blocks = await blockTopEigenvalues(tfp.closure, groups, { seed: 1, method, maxIterations: 80, tolerance: 1e-6 });
    blocks.forEach((b, i) => {
      expect(Math.abs(b.lambdaMax - dense[i]) / Math.abs(dense[i])).toBeLessThan(1e-3);
      expect(b.lambdaMax).toBeLessThanOrEqual(full * (1 + 1e-6));
      expect(b.converged).toBe(true);
    });
    // The blocks differ by far more than the tolerance: a swapped or merged block would fail.
    expect(Math.abs(dense[0] - dense[1]) / Math.max(dense[0], dense[1])).toBeGreaterThan(1e-2);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('ε̂ shares', () => {
  let model: EngineModel;
  let x: tf.Tensor;
  let y: tf.Tensor1D;
  let groups: LayerGroup[];
  const base = { epochs: 1, batchSize: 64, data: { name: 'fashion-mnist' as const }, model: { kind: 'mlp' as const, hidden: [12, 8], activation: 'tanh' as const, dropout: 0, init: 'pytorch' as const }, optimizer: { kind: 'sgd' as const, lr: 0.1 } };
  const cfg = (sam: unknown, extra: object = {}): RunConfig => runConfigSchema.parse({ ...base, sam, ...extra });

  beforeAll(async () => {
    const ds = await loadDataset(dataSchema.parse({ name: 'fashion-mnist', limit: 200, testLimit: 10 }), { seed: 0 });
    model = await buildModel(base.model, ds.inputShape, ds.numClasses, 0);
    ({ x, y } = hessianBatch(ds.train, model.inputShape, 64, 0));
    groups = layerGroups(model.params);
  });
  afterAll(() => {
    model.dispose();
    x.dispose();
    y.dispose();
  });

  it('p = 2: ‖∇L_l‖²/‖∇L‖², summing to 1; a run without SAM gets the same (ρ cancels) and says so', async () => {
    const before = tf.memory().numTensors;
    const g = await flatGradient(makeLossClosure(model, x, y));
    const sizes = model.params.map((p) => p.size);
    const offsets = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
    const sq = (k: number) => g.subarray(offsets[k], offsets[k] + sizes[k]).reduce((s, v) => s + v * v, 0);
    const total = model.params.reduce((s, _, k) => s + sq(k), 0);
    const expected = groups.map((grp) => grp.indices.reduce((s, k) => s + sq(k), 0) / total);

    const sam = await epsilonShares(model, x, y, 0, cfg({ rho: 0.1 }), groups);
    sam.shares.forEach((s, i) => expect(s).toBeCloseTo(expected[i], 5));
    expect(sam.shares.reduce((a, b) => a! + b!, 0)).toBeCloseTo(1, 6);
    expect(sam.source).toEqual({ source: 'run', description: 'SAM(ρ=0.1)', chunks: 1 });

    const sgd = await epsilonShares(model, x, y, 0, cfg(null), groups);
    sgd.shares.forEach((s, i) => expect(s).toBeCloseTo(expected[i], 5));
    expect(sgd.source.source).toBe('sam-p2');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('p = ∞: ε̂ = ρ·sign(g), so each layer’s share is its fraction of the weights', async () => {
    const r = await epsilonShares(model, x, y, 0, cfg({ rho: 0.05, p: 'inf' }), groups);
    const total = groups.reduce((n, grp) => n + grp.paramCount, 0);
    r.shares.forEach((s, i) => expect(s).toBeCloseTo(groups[i].paramCount / total, 5));
  });

  it('ASAM, m-sharpness (mean over chunks) and the variants: shares sum to 1', async () => {
    const cases: [unknown, string][] = [
      [{ rho: 0.5, adaptive: true }, 'SAM(ρ=0.5 ASAM)'],
      [{ rho: 0.05, m: 8 }, 'SAM(ρ=0.05 m=8), mean over 8 chunks of 8'],
      [{ rho: 0.05, variant: { kind: 'esam', beta: 0.5, gamma: 0.5 } }, 'ESAM(ρ=0.05 β=0.5 γ=0.5)'],
      [{ rho: 0.05, variant: { kind: 'friendly-sam' } }, 'Friendly-SAM(ρ=0.05 σ=1 λ=0.9)'],
      [{ rho: 0.05, variant: { kind: 'gsam', alpha: 0.2, rhoMin: 0.01 } }, 'GSAM(ρ=0.01…0.05 α=0.2)'],
    ];
    for (const [sam, description] of cases) {
      const r = await epsilonShares(model, x, y, 0, cfg(sam), groups);
      expect(r.source.description).toBe(description);
      expect(r.shares.reduce((a, b) => a! + b!, 0)).toBeCloseTo(1, 5);
      r.shares.forEach((s) => expect(s).toBeGreaterThan(0));
    }
  });
});

describe('SAM-ON: ε̂ lives in the normalisation layers only', () => {
  it('every share outside batch norm is 0, and the batch-norm shares sum to 1', async () => {
    const model = await buildModel({ kind: 'resnet20', width: 2, activation: 'relu', init: 'pytorch' }, [8, 8, 1], 3, 0);
    const x = tf.randomNormal([6, 8, 8, 1], 0, 1, 'float32', 1);
    const y = tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32');
    const groups = layerGroups(model.params);
    const config = runConfigSchema.parse({
      epochs: 1,
      batchSize: 6,
      data: { name: 'fashion-mnist' },
      model: { kind: 'resnet20', width: 2 },
      optimizer: { kind: 'sgd', lr: 0.1 },
      sam: { rho: 0.05, variant: { kind: 'sam-on' } },
    });
    const r = await epsilonShares(model, x, y, 0, config, groups);
    let bn = 0;
    groups.forEach((g, i) => {
      if (g.tensors.includes('gamma')) bn += r.shares[i]!;
      else expect(r.shares[i]).toBe(0);
    });
    expect(bn).toBeCloseTo(1, 5);
    [model, x, y].forEach((t) => t.dispose());
  });
});

describe('the analysis the trainer runs, with hessian.perLayer', () => {
  it('a ReLU MLP on Fashion-MNIST: every layer below the full λ_max, shares sum to 1, one progress bar to its end', async () => {
    const ds = await loadDataset(dataSchema.parse({ name: 'fashion-mnist', limit: 300, testLimit: 10 }), { seed: 0 });
    const model = await buildModel({ kind: 'mlp', hidden: [32, 16], activation: 'relu', dropout: 0, init: 'pytorch' }, ds.inputShape, ds.numClasses, 0);
    const { x, y } = hessianBatch(ds.train, model.inputShape, 128, 0);
    const before = tf.memory().numTensors;
    const config = runConfigSchema.parse({ epochs: 1, batchSize: 32, data: { name: 'fashion-mnist', limit: 300 }, model: { kind: 'mlp', hidden: [32, 16] }, optimizer: { kind: 'sgd', lr: 0.1 }, sam: { rho: 0.05 } });
    const h = hessianSchema.parse({ topK: 1, trace: false, maxIterations: 60, tolerance: 1e-4, perLayer: true });
    const progress: [number, number][] = [];
    const closure = makeLossClosure(model, x, y);
    const res = await analyzeWithLayers(closure, h, { seed: 0, onProgress: (d, t) => progress.push([d, t]) }, { model, x, y, weightDecay: 0, config });
    const per = res.perLayer!;
    expect(per.layers.map((l) => l.name)).toEqual(['dense0', 'dense1', 'logits']);
    expect(per.layers.map((l) => l.paramCount)).toEqual([784 * 32 + 32, 32 * 16 + 16, 16 * 10 + 10]);
    expect(per.hvp).toBe(res.hvp);
    for (const l of per.layers) {
      expect(l.lambdaMax).toBeGreaterThan(0);
      expect(l.lambdaMax).toBeLessThanOrEqual(res.topEigenvalues[0] * (1 + 1e-3));
    }
    expect(per.layers.reduce((s, l) => s + l.epsShare!, 0)).toBeCloseTo(1, 5);
    expect(per.eps).toEqual({ source: 'run', description: 'SAM(ρ=0.05)', chunks: 1 });
    // One bar: totals never shrink, the count never goes back, and it ends full.
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i][0]).toBeGreaterThanOrEqual(progress[i - 1][0]);
      expect(progress[i][1]).toBe(progress[0][1]);
    }
    expect(progress.at(-1)![0]).toBe(progress.at(-1)![1]);
    expect(tf.memory().numTensors).toBe(before);
    // Without perLayer, nothing per layer.
    const plain = await analyzeWithLayers(closure, { ...h, perLayer: false }, { seed: 0 }, { model, x, y, weightDecay: 0, config });
    expect(plain.perLayer).toBeUndefined();
    [model, x, y].forEach((t) => t.dispose());
  });
});
