// Optimizers in the optax style (google-deepmind/optax `_src/base.py`): `init` builds the state,
// `update` maps (gradients, state, params, lr) to (updates, new state) with no hidden mutation.
// State is a flat record of named tensors so checkpoints can store it as-is.
import type * as tf from '@tensorflow/tfjs-core';

/** Named optimizer state, e.g. { count, 'm/0', 'v/0', … } or { 'momentum/0', … }. */
export type OptState = Record<string, tf.Tensor>;

export interface GradientTransformation {
  readonly name: string;
  /** Fresh state for these parameters (zeros, count = 0). */
  init(params: readonly tf.Tensor[]): OptState;
  /**
   * Updates to *add* to the parameters (w ← w + u) and the new state. Pure: it neither assigns
   * nor disposes anything; run it inside tf.tidy and keep what survives the step.
   */
  update(
    grads: readonly tf.Tensor[],
    state: OptState,
    params: readonly tf.Tensor[],
    lr: tf.Scalar,
  ): { updates: tf.Tensor[]; state: OptState };
}
