// Which weights are decayed, and the L2 term itself.
import * as tf from '@tensorflow/tfjs-core';

/**
 * Decay only kernels (rank > 1), not biases or batch-norm scales/offsets — as the SAM paper's
 * JAX code does (`weight_l2 = sum(jnp.sum(x ** 2) for x in params if x.ndim > 1)`, Foret et al.
 * 2021, google-research/sam train.py). Both weight-decay modes use the same mask, so switching
 * mode changes only *where* the decay enters, never *what* is decayed.
 */
export function decayMask(params: readonly tf.Tensor[]): boolean[] {
  return params.map((p) => p.rank > 1);
}

/** weightDecay/2 · Σ_masked ‖w‖² — its gradient is weightDecay·w on the masked weights. */
export function l2Penalty(params: readonly tf.Tensor[], mask: readonly boolean[], weightDecay: number): tf.Scalar {
  return tf.tidy(() => {
    const terms = params.filter((_, i) => mask[i]).map((p) => tf.sum(tf.square(p)));
    if (terms.length === 0) return tf.scalar(0);
    return tf.mul(tf.addN(terms), weightDecay / 2) as tf.Scalar;
  });
}

/** g + weightDecay·w on the masked weights: the gradient of the L2 term added analytically. */
export function addDecayGradient(
  grads: readonly tf.Tensor[],
  params: readonly tf.Tensor[],
  mask: readonly boolean[],
  weightDecay: number,
): tf.Tensor[] {
  if (weightDecay === 0) return grads.map((g) => g);
  return grads.map((g, i) => (mask[i] ? tf.add(g, tf.mul(params[i], weightDecay)) : g));
}
