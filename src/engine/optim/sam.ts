// Sharpness-Aware Minimization (Foret et al. 2021, "Sharpness-Aware Minimization for Efficiently
// Improving Generalization") — the arithmetic, in the shape of davda54/sam's sam.py:
// firstStep climbs to w + ε̂, secondStep restores w; the stepper steps the base optimizer between.
import * as tf from '@tensorflow/tfjs-core';
import { globalNorm } from './clip';

export interface SamPerturbationOptions {
  rho: number;
  p: 2 | 'inf';
  /** ASAM (Kwon et al. 2021): measure the neighbourhood in the weight-scaled metric T_w = |w| + η. */
  adaptive: boolean;
  eta: number;
}

export function checkSamOptions(o: SamPerturbationOptions): void {
  if (!(o.rho >= 0)) throw new Error(`Invalid sam.rho = ${o.rho}: must be ≥ 0 (ρ = 0 is the base optimizer)`);
  if (o.p !== 2 && o.p !== 'inf') throw new Error(`Invalid sam.p = ${String(o.p)}: must be 2 or "inf"`);
  if (!(o.eta >= 0)) throw new Error(`Invalid sam.eta = ${o.eta}: must be ≥ 0`);
}

/**
 * ε̂(w) = argmax_{‖ε‖_p ≤ ρ} gᵀε, the dual-norm solution (paper eq. 2):
 *   ε̂ = ρ · sign(g)·|g|^(q−1) / ‖g‖_q^(q−1),  1/p + 1/q = 1
 * p = 2 (q = 2):  ε̂ = ρ·g/‖g‖₂;   p = ∞ (q = 1):  ε̂ = ρ·sign(g).
 * ASAM (Kwon et al. 2021, §3) solves the same problem for u = T_w·g in the scaled space and maps
 * back with T_w:  ε̂ = ρ·T_w·sign(u)|u|^(q−1)/‖u‖_q^(q−1), i.e. ρ·T_w²·g/‖T_w·g‖₂ for p = 2 and
 * ρ·T_w·sign(g) for p = ∞, with T_w = |w| + η element-wise. T_w scales every parameter, biases
 * included (the ASAM authors' code leaves parameters not named 'weight' at T = 1).
 * ‖g‖ = 0 gives ε̂ = 0 (divNoNan), never NaN. Call inside tf.tidy.
 */
export function samPerturbation(
  grads: readonly tf.Tensor[],
  params: readonly tf.Tensor[],
  o: SamPerturbationOptions,
  /** ‖g‖₂ if the caller already has it (it reports it anyway): saves a pass over the weights. */
  gradNorm?: tf.Scalar,
): { eps: tf.Tensor[]; epsNorm: tf.Scalar } {
  const scale = o.adaptive ? params.map((w) => tf.add(tf.abs(w), o.eta)) : null;
  const u = scale ? grads.map((g, i) => tf.mul(g, scale[i])) : grads;
  if (o.p === 'inf') {
    const eps = u.map((ui, i) => {
      const e = tf.mul(tf.sign(ui), o.rho);
      return scale ? tf.mul(e, scale[i]) : e;
    });
    return { eps, epsNorm: globalNorm(eps) };
  }
  const uNorm = !scale && gradNorm ? gradNorm : globalNorm(u);
  const factor = tf.divNoNan(tf.scalar(o.rho), uNorm);
  const eps = u.map((ui, i) => {
    const e = tf.mul(ui, factor);
    return scale ? tf.mul(e, scale[i]) : e;
  });
  // Plain p = 2: ‖ε̂‖ = ρ·‖g‖/‖g‖ (0 when g = 0) — a scalar product instead of another pass.
  return { eps, epsNorm: scale ? globalNorm(eps) : (tf.mul(factor, uNorm) as tf.Scalar) };
}

/**
 * Climb to the local maximum w + ε̂ (davda54 `first_step`). Returns the saved w, which comes back
 * bit-exact in secondStep (no (w + ε̂) − ε̂ round-off). The saved tensors are same-shape reshapes:
 * every backend implements Reshape by sharing the buffer (ref-counted), whereas the wasm
 * backend's Identity (tf.clone) copies it — so nothing is copied. The caller disposes them (or
 * lets tf.tidy do it).
 */
export function firstStep(params: readonly tf.Variable[], eps: readonly tf.Tensor[]): tf.Tensor[] {
  const saved = params.map((p) => tf.reshape(p, p.shape));
  params.forEach((p, i) => p.assign(tf.add(saved[i], eps[i])));
  return saved;
}

/** Back to w (davda54 `second_step` before `base_optimizer.step()`). */
export function secondStep(params: readonly tf.Variable[], saved: readonly tf.Tensor[]): void {
  params.forEach((p, i) => p.assign(saved[i]));
}
