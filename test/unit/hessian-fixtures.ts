// A tiny MLP (d → h → c, tanh or relu, softmax cross-entropy) twice: once on tfjs variables (what
// the Hessian code differentiates) and once in plain float64 JS with a hand-written gradient, whose
// central finite differences give an independent dense Hessian (error ~1e-9) to check against.
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../src/engine/rng';
import type { LossClosure } from '../../src/engine/types';

export type Act = 'tanh' | 'relu';

export interface TinyProblem {
  d: number;
  h: number;
  c: number;
  n: number;
  act: Act;
  x: Float64Array; // n×d
  labels: Int32Array;
  /** Flat weights in the tfjs layout: W1 [d,h], b1 [h], W2 [h,c], b2 [c], row-major. */
  w: Float64Array;
}

export function tinyProblem(opts: { d: number; h: number; c: number; n: number; act: Act; seed: number }): TinyProblem {
  const rng = new Rng(opts.seed);
  const { d, h, c, n } = opts;
  const x = Float64Array.from({ length: n * d }, () => rng.normal());
  // Labels from a random linear teacher plus noise, so the loss is neither trivial nor saturated.
  const teacher = Float64Array.from({ length: d * c }, () => rng.normal());
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestV = -Infinity;
    for (let k = 0; k < c; k++) {
      let s = 0.5 * rng.normal();
      for (let j = 0; j < d; j++) s += x[i * d + j] * teacher[j * c + k];
      if (s > bestV) [best, bestV] = [k, s];
    }
    labels[i] = best;
  }
  const size = d * h + h + h * c + c;
  const w = new Float64Array(size);
  let o = 0;
  for (let i = 0; i < d * h; i++) w[o++] = rng.normal() / Math.sqrt(d);
  for (let i = 0; i < h; i++) w[o++] = 0.1 * rng.normal();
  for (let i = 0; i < h * c; i++) w[o++] = rng.normal() / Math.sqrt(h);
  for (let i = 0; i < c; i++) w[o++] = 0.1 * rng.normal();
  return { ...opts, x, labels, w };
}

/** Loss and gradient in float64 (backpropagation written out by hand). */
export function lossAndGrad64(p: TinyProblem, w: Float64Array): { loss: number; grad: Float64Array } {
  const { d, h, c, n, x, labels } = p;
  const oW1 = 0;
  const ob1 = d * h;
  const oW2 = ob1 + h;
  const ob2 = oW2 + h * c;
  const grad = new Float64Array(w.length);
  let loss = 0;
  const a = new Float64Array(h);
  const z = new Float64Array(h);
  const logits = new Float64Array(c);
  const dl = new Float64Array(c);
  for (let i = 0; i < n; i++) {
    for (let u = 0; u < h; u++) {
      let s = w[ob1 + u];
      for (let j = 0; j < d; j++) s += x[i * d + j] * w[oW1 + j * h + u];
      a[u] = s;
      z[u] = p.act === 'tanh' ? Math.tanh(s) : Math.max(0, s);
    }
    let max = -Infinity;
    for (let k = 0; k < c; k++) {
      let s = w[ob2 + k];
      for (let u = 0; u < h; u++) s += z[u] * w[oW2 + u * c + k];
      logits[k] = s;
      max = Math.max(max, s);
    }
    let sum = 0;
    for (let k = 0; k < c; k++) sum += Math.exp(logits[k] - max);
    const lse = max + Math.log(sum);
    loss += (lse - logits[labels[i]]) / n;
    for (let k = 0; k < c; k++) dl[k] = (Math.exp(logits[k] - lse) - (k === labels[i] ? 1 : 0)) / n;
    for (let k = 0; k < c; k++) grad[ob2 + k] += dl[k];
    for (let u = 0; u < h; u++) {
      let dz = 0;
      for (let k = 0; k < c; k++) {
        grad[oW2 + u * c + k] += z[u] * dl[k];
        dz += dl[k] * w[oW2 + u * c + k];
      }
      const da = p.act === 'tanh' ? dz * (1 - z[u] * z[u]) : a[u] > 0 ? dz : 0;
      grad[ob1 + u] += da;
      for (let j = 0; j < d; j++) grad[oW1 + j * h + u] += x[i * d + j] * da;
    }
  }
  return { loss, grad };
}

/** Dense Hessian (row-major, symmetrised) by central differences of the float64 gradient. */
export function denseHessian64(p: TinyProblem, step = 1e-5): Float64Array {
  const m = p.w.length;
  const H = new Float64Array(m * m);
  const w = Float64Array.from(p.w);
  for (let j = 0; j < m; j++) {
    const keep = w[j];
    w[j] = keep + step;
    const gp = lossAndGrad64(p, w).grad;
    w[j] = keep - step;
    const gm = lossAndGrad64(p, w).grad;
    w[j] = keep;
    for (let i = 0; i < m; i++) H[i * m + j] = (gp[i] - gm[i]) / (2 * step);
  }
  for (let i = 0; i < m; i++)
    for (let j = i + 1; j < m; j++) {
      const s = (H[i * m + j] + H[j * m + i]) / 2;
      H[i * m + j] = s;
      H[j * m + i] = s;
    }
  return H;
}

export function matVec(H: Float64Array, v: ArrayLike<number>): Float64Array {
  const m = v.length;
  const out = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < m; j++) s += H[i * m + j] * v[j];
    out[i] = s;
  }
  return out;
}

export interface TfProblem {
  closure: LossClosure;
  dispose(): void;
}

/**
 * The same problem on tfjs variables. `loss` picks how cross-entropy is written: 'logSoftmax'
 * (the engine's crossEntropy), 'tf.losses' (tfjs' customGrad softmaxCrossEntropy, whose second
 * derivative is not taped), and the activation may be overridden ('elu', whose gradient op EluGrad
 * has a registered gradient; 'tanh-lrn', tanh then local response normalisation across the hidden
 * units, whose gradient op LRNGrad has none in tfjs; 'fused-sigmoid', as the engine's dense layers
 * compute it).
 */
export function tfProblem(
  p: TinyProblem,
  opts: { loss?: 'logSoftmax' | 'tf.losses'; act?: Act | 'elu' | 'tanh-lrn' | 'fused-sigmoid' } = {},
): TfProblem {
  const { d, h, c, n } = p;
  const f32 = (from: number, len: number) => Float32Array.from(p.w.subarray(from, from + len));
  const W1 = tf.variable(tf.tensor2d(f32(0, d * h), [d, h]));
  const b1 = tf.variable(tf.tensor1d(f32(d * h, h)));
  const W2 = tf.variable(tf.tensor2d(f32(d * h + h, h * c), [h, c]));
  const b2 = tf.variable(tf.tensor1d(f32(d * h + h + h * c, c)));
  const x = tf.tensor2d(Float32Array.from(p.x), [n, d]);
  const y = tf.oneHot(tf.tensor1d(p.labels, 'int32'), c);
  const act = opts.act ?? p.act;
  const lrn = (t: tf.Tensor) => tf.reshape(tf.localResponseNormalization(tf.reshape(t, [n, 1, 1, h]) as tf.Tensor4D, 2), [n, h]);
  const actFn = (t: tf.Tensor) => (act === 'tanh' ? tf.tanh(t) : act === 'relu' ? tf.relu(t) : act === 'tanh-lrn' ? lrn(tf.tanh(t)) : tf.elu(t));
  // The engine's dense layers fuse relu, sigmoid and elu into tf.fused.matMul; its gradient reads
  // the activation's saved output, which the repaired tape connects.
  const hidden = () =>
    act === 'fused-sigmoid' ? tf.fused.matMul({ a: x, b: W1, bias: b1, activation: 'sigmoid' }) : actFn(tf.add(tf.matMul(x, W1), b1));
  const loss = () =>
    tf.tidy(() => {
      const logits = tf.add(tf.matMul(hidden() as tf.Tensor2D, W2), b2);
      if (opts.loss === 'tf.losses') return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
      return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(logits)), 1))) as tf.Scalar;
    });
  const params = [W1, b1, W2, b2];
  return {
    closure: { params, loss },
    dispose() {
      params.forEach((v) => v.dispose());
      x.dispose();
      y.dispose();
    },
  };
}

export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}
