// Contracts inside the engine: models, optimizers, SAM, Hessian and landscape code meet here.
import type * as tf from '@tensorflow/tfjs-core';

/** A model built on tfjs-core variables. Logits out; loss and metrics are computed by the caller. */
export interface EngineModel {
  readonly kind: string;
  /** Trainable weights, in a stable order (checkpoints and flat vectors rely on it). */
  readonly params: tf.Variable[];
  /**
   * Optional: true where params[i] is a normalisation layer's scale or offset (batch norm's γ and
   * β), in the order of `params`. SAM-ON (Mueller et al. 2023) perturbs only these. Absent = none.
   */
  readonly normalization?: readonly boolean[];
  /**
   * Optional: true where params[i] belongs to the classifier head (the last layer, which maps
   * features to class logits), in the order of `params`. Fine-tuning with a new head (startFrom.head
   * "new") copies every other parameter from the source checkpoint and keeps these fresh.
   */
  readonly head?: readonly boolean[];
  /** Non-trainable state such as batch-norm running statistics (checkpointed, never perturbed by SAM). */
  readonly state: tf.Variable[];
  readonly paramCount: number;
  /** Input shape without the batch axis, e.g. [784] or [28, 28, 1]. */
  readonly inputShape: number[];
  readonly numClasses: number;
  /**
   * Forward pass. `training` enables dropout and batch-norm batch statistics; `updateState`
   * (default = training) lets SAM's second pass use batch statistics without moving the running
   * averages (statistics are updated in the first pass only).
   */
  apply(x: tf.Tensor, opts: { training: boolean; updateState?: boolean }): tf.Tensor2D;
  /**
   * Optional: restart the model's own random stream (dropout masks) from `seed`. The stepper
   * calls it before every pass with a key derived from (run seed, step, m-sharpness chunk), so
   * SAM's two passes of a step see the same masks, and the masks depend only on the step — a run
   * resumed from a checkpoint draws the same ones as an uninterrupted run. Models without
   * randomness may omit it.
   */
  reseed?(seed: number): void;
  /**
   * Optional: a smooth copy of the model with its current weights, for the Hessian check
   * (hessian/smooth-twin.ts), and what it changed; null when the model has no kinks or the copy
   * cannot stand in for it. Built-in models need none: their twin is built from the config.
   */
  smoothTwin?(): Promise<{ model: EngineModel; changed: { relu: boolean; maxPool: boolean } } | null>;
  dispose(): void;
}

/**
 * A scalar loss of the model's current weights on a fixed batch: what the Hessian, the landscape
 * and SAM all differentiate. Evaluating it must not update batch-norm statistics.
 */
export interface LossClosure {
  params: tf.Variable[];
  loss: () => tf.Scalar;
}
