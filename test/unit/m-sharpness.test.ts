// The m-sharpness measure (Foret et al. 2021, §4.1) on a model small enough to check by brute
// force: a two-weight logistic classifier, logits [w·x, 0], whose loss is computed in float64 by
// hand below. For each chunk the true max over the disc ‖ε‖ ≤ ρ is found on a fine polar grid;
// the first-order ε̂ must equal its closed form and stay below the max, and projected gradient
// ascent must close the gap.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { measureMSharpness } from '../../src/engine/sharpness/m-sharpness';
import type { EngineModel } from '../../src/engine/types';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// Eight examples; labels chosen so no w fits them all (a non-trivial loss surface).
const X = [
  [1.0, 0.2],
  [0.3, -1.1],
  [-0.7, 0.5],
  [1.4, 1.0],
  [-0.2, -0.9],
  [0.8, -0.4],
  [-1.2, 0.3],
  [0.1, 1.3],
];
const Y = [0, 1, 1, 0, 0, 1, 1, 0];
const W0 = [0.6, -0.3];

const softplus = (z: number) => (z > 30 ? z : Math.log1p(Math.exp(z)));
/** Mean cross-entropy of logits [w·x, 0] over rows `rows` (label 0: −log σ(z); label 1: −log(1 − σ(z))). */
function loss(w: number[], rows: number[]): number {
  let s = 0;
  for (const i of rows) {
    const z = w[0] * X[i][0] + w[1] * X[i][1];
    s += Y[i] === 0 ? softplus(-z) : softplus(z);
  }
  return s / rows.length;
}
function grad(w: number[], rows: number[]): number[] {
  const g = [0, 0];
  for (const i of rows) {
    const z = w[0] * X[i][0] + w[1] * X[i][1];
    const p = 1 / (1 + Math.exp(-z));
    const dz = Y[i] === 0 ? p - 1 : p;
    g[0] += (dz * X[i][0]) / rows.length;
    g[1] += (dz * X[i][1]) / rows.length;
  }
  return g;
}
/** max over the disc of radius ρ of L(w + ε) − L(w): 1,440 angles × 80 radii (and ε = 0). */
function bruteForce(rows: number[], rho: number): number {
  const base = loss(W0, rows);
  let best = base;
  for (let a = 0; a < 1440; a++) {
    const th = (2 * Math.PI * a) / 1440;
    for (let r = 1; r <= 80; r++) {
      const rr = (rho * r) / 80;
      best = Math.max(best, loss([W0[0] + rr * Math.cos(th), W0[1] + rr * Math.sin(th)], rows));
    }
  }
  return best - base;
}
function firstOrder(rows: number[], rho: number): number {
  const g = grad(W0, rows);
  const n = Math.hypot(g[0], g[1]);
  const base = loss(W0, rows);
  return Math.max(base, loss([W0[0] + (rho * g[0]) / n, W0[1] + (rho * g[1]) / n], rows)) - base;
}
const chunks = (m: number) => Array.from({ length: X.length / m }, (_, k) => Array.from({ length: m }, (_, j) => k * m + j));
const meanOver = (m: number, f: (rows: number[]) => number) => chunks(m).reduce((a, rows) => a + f(rows), 0) / (X.length / m);

function tinyModel(): EngineModel {
  const w = tf.variable(tf.tensor1d(W0), true, `tiny-w-${Math.random()}`);
  return {
    kind: 'tiny',
    params: [w],
    state: [],
    paramCount: 2,
    inputShape: [2],
    numClasses: 2,
    apply: (x) => tf.tidy(() => tf.concat([tf.reshape(tf.matMul(x as tf.Tensor2D, tf.reshape(w, [2, 1])), [-1, 1]), tf.zeros([x.shape[0], 1])], 1) as tf.Tensor2D),
    dispose: () => w.dispose(),
  };
}

describe('m-sharpness', () => {
  const x = () => tf.tensor2d(X);
  const y = () => tf.tensor1d(Y, 'int32');

  it('with one ascent step is the first-order ε̂ = ρ·g/‖g‖ of each chunk, averaged over the chunks', async () => {
    const model = tinyModel();
    const [xs, ys] = [x(), y()];
    const rho = 0.5;
    const got = await measureMSharpness(model, xs, ys, [1, 2, 4, 8], { rho, ascentSteps: 1 });
    for (const m of [1, 2, 4, 8]) expect(got.get(m)!).toBeCloseTo(meanOver(m, (rows) => firstOrder(rows, rho)), 5);
    // Smaller chunks fit their own worst direction: m-sharpness grows as m shrinks here.
    expect(got.get(1)!).toBeGreaterThan(got.get(8)!);
    tf.dispose([xs, ys]);
    model.dispose();
  });

  it('stays below the brute-force max over the ball, and projected ascent reaches it', async () => {
    const model = tinyModel();
    const [xs, ys] = [x(), y()];
    // A radius where the loss bends within the ball, so the first-order step misses the max.
    const rho = 2;
    for (const m of [2, 8]) {
      const exact = meanOver(m, (rows) => bruteForce(rows, rho));
      const one = (await measureMSharpness(model, xs, ys, [m], { rho, ascentSteps: 1 })).get(m)!;
      const many = (await measureMSharpness(model, xs, ys, [m], { rho, ascentSteps: 20 })).get(m)!;
      expect(one).toBeLessThanOrEqual(exact + 1e-5);
      expect(many).toBeGreaterThanOrEqual(one - 1e-6);
      expect(many).toBeLessThanOrEqual(exact + 1e-5);
      // Near the max the loss is flat to second order in the grid's angle step (2π/1440), so the
      // grid's own error is ~1e-5; the first-order step misses by more than 1e-3 here.
      expect(Math.abs(many - exact)).toBeLessThan(1e-4);
      expect(exact - one).toBeGreaterThan(1e-3);
    }
    tf.dispose([xs, ys]);
    model.dispose();
  });

  it('leaves the weights bit-for-bit as they were, leaks no tensors, and refuses a sample smaller than m', async () => {
    const model = tinyModel();
    const [xs, ys] = [x(), y()];
    const before = Array.from(model.params[0].dataSync());
    const n0 = tf.memory().numTensors;
    await measureMSharpness(model, xs, ys, [2, 4], { rho: 0.3, ascentSteps: 3 });
    expect(tf.memory().numTensors).toBe(n0);
    expect(Array.from(model.params[0].dataSync())).toEqual(before);
    await expect(measureMSharpness(model, xs, ys, [16], { rho: 0.3, ascentSteps: 1 })).rejects.toThrow(/m = 16 needs at least m examples; the sample has 8/);
    tf.dispose([xs, ys]);
    model.dispose();
  });
});
