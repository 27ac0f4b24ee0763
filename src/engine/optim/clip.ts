// Global-norm gradient clipping (Pascanu et al. 2013), as torch.nn.utils.clip_grad_norm_.
import * as tf from '@tensorflow/tfjs-core';

/** ‖g‖₂ over all tensors of the list, as one vector. */
export function globalNorm(tensors: readonly tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => tf.sqrt(tf.addN(tensors.map((t) => tf.sum(tf.square(t))))) as tf.Scalar);
}

/**
 * g · min(1, maxNorm/‖g‖). When the norm is under the limit the factor is exactly 1, so the
 * gradient is unchanged bit-for-bit; ‖g‖ = 0 gives maxNorm/0 = ∞ → factor 1 (no NaN).
 */
export function clipByGlobalNorm(grads: readonly tf.Tensor[], maxNorm: number, norm?: tf.Scalar): tf.Tensor[] {
  if (!(maxNorm > 0)) throw new Error(`clipByGlobalNorm: optimizer.gradClip must be > 0, got ${maxNorm}`);
  const n = norm ?? globalNorm(grads);
  const factor = tf.minimum(1, tf.div(maxNorm, n));
  return grads.map((g) => tf.mul(g, factor));
}
