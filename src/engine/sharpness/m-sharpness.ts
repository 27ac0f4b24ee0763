// m-sharpness (Foret et al. 2021, §4.1): on examples split into K chunks B_1…B_K of m each,
//   S_m(w) = (1/K) Σ_k [ max_{‖ε‖₂ ≤ ρ} L_{B_k}(w + ε) − L_{B_k}(w) ].
// The inner max is approximated from below: the largest loss over the points visited, each in
// the ball — ε = 0, then
//   ascentSteps = 1: the first-order ε̂ = ρ·∇L/‖∇L‖ (the paper's eq. 2, the step SAM takes);
//   ascentSteps = k: k steps of projected normalised gradient ascent on the weights (the inner
//     maximisation of adversarial training, Madry et al. 2018, here over ε):
//     ε₁ = ε̂,  ε_{t+1} = Π_ρ(ε_t + ρ·∇L(w+ε_t)/‖∇L(w+ε_t)‖),  Π_ρ = rescale into the ball.
// So a reported value is never above the true max, and never negative. The loss is the data
// cross-entropy in eval mode (batch-norm running statistics, no dropout), as the Hessian's.
// tfjs-core's Node bundle registers no gradients; tfjs-layers' does (as in optim/pass.ts).
import '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import { crossEntropy } from '../loss';
import { globalNorm } from '../optim/clip';
import { firstStep, samPerturbation, secondStep } from '../optim/sam';
import type { EngineModel } from '../types';

export interface MSharpnessOptions {
  rho: number;
  ascentSteps: number;
}

/** L at the model's current weights on one chunk (eval mode). Call inside tf.tidy. */
function lossAt(model: EngineModel, x: tf.Tensor, y: tf.Tensor1D): tf.Scalar {
  return crossEntropy(model.apply(x, { training: false, updateState: false }), y);
}

/** L and ∇L at the model's current weights on one chunk. Call inside tf.tidy. */
function lossAndGrad(model: EngineModel, x: tf.Tensor, y: tf.Tensor1D): { value: tf.Scalar; grads: tf.Tensor[] } {
  const { value, grads } = tf.variableGrads(() => lossAt(model, x, y), model.params);
  return { value, grads: model.params.map((p) => grads[p.name] ?? tf.zerosLike(p)) };
}

/** max over the visited points of L(w + ε) − L(w) on one chunk, as a scalar on the device. */
function chunkSharpness(model: EngineModel, x: tf.Tensor, y: tf.Tensor1D, o: MSharpnessOptions): tf.Scalar {
  return tf.tidy(() => {
    const params = model.params;
    const first = lossAndGrad(model, x, y);
    const base = first.value;
    let best: tf.Scalar = base;
    const { eps: e1 } = samPerturbation(first.grads, params, { rho: o.rho, p: 2, adaptive: false, eta: 0 });
    let eps = e1;
    const saved = firstStep(params, eps);
    try {
      for (let t = 1; t <= o.ascentSteps; t++) {
        if (t === o.ascentSteps) {
          best = tf.maximum(best, lossAt(model, x, y)) as tf.Scalar;
          break;
        }
        const here = lossAndGrad(model, x, y);
        best = tf.maximum(best, here.value) as tf.Scalar;
        const gNorm = globalNorm(here.grads);
        const stepped = eps.map((e, i) => tf.add(e, tf.mul(here.grads[i], tf.divNoNan(tf.scalar(o.rho), gNorm))));
        // Π_ρ: back onto the ball when the step left it (‖ε‖ > ρ), unchanged inside.
        const scale = tf.minimum(1, tf.divNoNan(tf.scalar(o.rho), globalNorm(stepped)));
        eps = stepped.map((e) => tf.mul(e, scale));
        params.forEach((p, i) => p.assign(tf.add(saved[i], eps[i])));
      }
    } finally {
      secondStep(params, saved);
    }
    return tf.sub(best, base) as tf.Scalar;
  });
}

/**
 * S_m for each m in `ms`, on the examples (x, y): the first n − n mod m examples are split into
 * chunks of m. Leaves the model's weights exactly as they were. One device read per m.
 */
export async function measureMSharpness(model: EngineModel, x: tf.Tensor, y: tf.Tensor1D, ms: readonly number[], o: MSharpnessOptions): Promise<Map<number, number>> {
  if (!(o.rho > 0)) throw new Error(`m-sharpness: rho must be > 0, got ${o.rho}`);
  if (!(Number.isInteger(o.ascentSteps) && o.ascentSteps >= 1)) throw new Error(`m-sharpness: ascentSteps must be a whole number ≥ 1, got ${o.ascentSteps}`);
  const n = x.shape[0];
  const out = new Map<number, number>();
  for (const m of ms) {
    const k = Math.floor(n / m);
    if (!(Number.isInteger(m) && m >= 1) || k === 0) throw new Error(`m-sharpness: m = ${m} needs at least m examples; the sample has ${n}`);
    let sum: tf.Scalar = tf.scalar(0);
    for (let c = 0; c < k; c++) {
      const next = tf.tidy(() => {
        const xc = tf.slice(x, c * m, m);
        const yc = tf.slice(y, c * m, m) as tf.Tensor1D;
        return tf.add(sum, chunkSharpness(model, xc, yc, o)) as tf.Scalar;
      });
      sum.dispose();
      sum = next;
    }
    const total = (await sum.data())[0];
    sum.dispose();
    out.set(m, total / k);
  }
  return out;
}
