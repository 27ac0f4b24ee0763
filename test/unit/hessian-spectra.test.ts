// Spectra of the engine's own models (buildModel + makeLossClosure, analysed with the HVP method the
// engine picks, as a run's analysis is) against a dense Hessian that shares no code with tfjs
// (issue 10, finding 7): the Lanczos top-k and the Hutchinson trace must agree with the
// eigendecomposition of the full matrix.
// - a ReLU MLP: float64 central differences of a hand-written gradient (hessian-fixtures.ts);
// - a CNN: PyTorch float64 double backprop (helpers/torch_hvp.py), every eigenvalue, so the trace too.
// (hessian-models.test.ts checks the exact HVPs of every model kind and a CNN's exact top-5.)
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend';
import { analyzeSpectrum, symmetricEigen } from '../../src/engine/hessian/index';
import { makeLossClosure } from '../../src/engine/loss';
import { buildModel } from '../../src/engine/models/index';
import { Rng } from '../../src/engine/rng';
import type { EngineModel } from '../../src/engine/types';
import { hessianSchema, modelSchema } from '../../src/shared/config';
import { denseHessian64, type TinyProblem } from './hessian-fixtures';
import { torchReference } from './helpers/torch-reference';

const TOP_K = 4;

beforeAll(async () => {
  await initBackend('cpu');
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

/** A seeded batch: inputs in float32 (what the engine sees, and the reference too) and labels. */
function batch(n: number, inputShape: number[], classes: number, seed: number) {
  const rng = new Rng(seed);
  const size = inputShape.reduce((a, b) => a * b, 1);
  const x = Float32Array.from({ length: n * size }, () => rng.normal());
  const y = Int32Array.from({ length: n }, (_, i) => i % classes);
  return { x, y };
}

/** The engine's spectrum of `model` on (x, y): Lanczos top-k and a Hutchinson trace. */
async function engineSpectrum(model: EngineModel, x: Float32Array, y: Int32Array) {
  const xt = tf.tensor(x, [y.length, ...model.inputShape]);
  const yt = tf.tensor1d(y, 'int32');
  const before = tf.memory().numTensors;
  const res = await analyzeSpectrum(
    makeLossClosure(model, xt, yt),
    hessianSchema.parse({ topK: TOP_K, trace: true, maxIterations: 120, tolerance: 1e-6 }),
    { seed: 3, traceProbes: 200 },
  );
  expect(tf.memory().numTensors).toBe(before);
  tf.dispose([xt, yt]);
  return res;
}

function expectAgreement(res: Awaited<ReturnType<typeof engineSpectrum>>, eigenDesc: number[], trace: number, tol: number) {
  expect(res.topEigenvalues).toHaveLength(TOP_K);
  // Each of the top k, relative to λ₁ (the scale of the spectrum).
  res.topEigenvalues.forEach((lam, i) => expect(Math.abs(lam - eigenDesc[i]) / Math.abs(eigenDesc[0]), `λ${i + 1}: ${lam} vs ${eigenDesc[i]}`).toBeLessThan(tol));
  // Hutchinson: unbiased, with its own standard error (200 Rademacher probes: ~5 % of the trace here).
  expect(Math.abs((res.trace as number) - trace)).toBeLessThan(3 * (res.traceStdErr as number));
}

describe("spectra of the engine's models against an independent dense Hessian", () => {
  it('ReLU MLP (exact double-backprop HVPs): top-4 and trace match float64 finite differences of a hand-written gradient', async () => {
    // 5 → 12 (ReLU) → 3, 48 examples: 5·12 + 12 + 12·3 + 3 = 111 parameters.
    const model = await buildModel(modelSchema.parse({ kind: 'mlp', hidden: [12] }), [5], 3, 7);
    const { x, y } = batch(48, [5], 3, 8);
    const w = Float64Array.from(model.params.flatMap((p) => Array.from(p.dataSync())));
    const problem: TinyProblem = { d: 5, h: 12, c: 3, n: 48, act: 'relu', x: Float64Array.from(x), labels: y, w };
    const H = denseHessian64(problem);
    const eigen = Array.from(symmetricEigen(H, w.length).values).reverse();
    let trace = 0;
    for (let i = 0; i < w.length; i++) trace += H[i * w.length + i];
    const res = await engineSpectrum(model, x, y);
    expect(res.hvp).toBe('exact');
    // Measured: 4e-8 of λ₁ (float32 HVPs against float64); the bound leaves room for other seeds.
    expectAgreement(res, eigen, trace, 1e-4);
    model.dispose();
  });

  it('CNN: top-4 and trace match PyTorch float64 double backprop', async () => {
    // 6×6×1 → conv 3×3×2 + ReLU + pool → 3×3×2 = 18 → dense 4 (ReLU) → 3 classes, 24 examples:
    // 3·3·1·2 + 2 + 18·4 + 4 + 4·3 + 3 = 111 parameters.
    const cfg = modelSchema.parse({ kind: 'cnn', filters: [2], dense: 4 });
    const model = await buildModel(cfg, [6, 6, 1], 3, 5);
    expect(model.paramCount).toBe(111);
    const { x, y } = batch(24, [6, 6, 1], 3, 6);
    const xt = tf.tensor(x, [24, 6, 6, 1]);
    const yt = tf.tensor1d(y, 'int32');
    const ref = torchReference(cfg, model, xt, yt, [], { topK: model.paramCount });
    tf.dispose([xt, yt]);
    const eigen = ref.eigenvalues as number[];
    expect(eigen).toHaveLength(111);
    const res = await engineSpectrum(model, x, y);
    // Measured: 4e-8 of λ₁ (exact HVPs; 5e-6 when convs still took finite differences).
    expectAgreement(res, eigen, eigen.reduce((a, b) => a + b, 0), 1e-4);
    model.dispose();
  });
});
