// Which weights are decayed, and the L2 term itself.
import * as tf from '@tensorflow/tfjs-core';
import type { WeightDecayParams } from '../../shared/config';

/**
 * The decay mask, by `optimizer.weightDecayParams` (config.ts says who does what):
 * 'all' decays every trainable parameter, as both SAM reference codes do by default (the JAX
 * code's L2 term sums over all params, biases and batch-norm γ, β included; davda54/sam hands
 * model.parameters() to torch.optim.SGD); 'weights-only' decays kernels (rank > 1) only, as the
 * JAX code's --no_weight_decay_on_bn flag and timm's param_groups_weight_decay do. Both
 * weight-decay modes use the same mask, so switching mode changes only *where* the decay
 * enters, never *what* is decayed.
 */
export function decayMask(params: readonly tf.Tensor[], which: WeightDecayParams): boolean[] {
  switch (which) {
    case 'all':
      return params.map(() => true);
    case 'weights-only':
      return params.map((p) => p.rank > 1);
    default:
      throw new Error(`unknown optimizer.weightDecayParams "${String(which)}"; choose all or weights-only`);
  }
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
