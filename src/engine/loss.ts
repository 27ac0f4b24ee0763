// Classification loss and accuracy on tfjs-core ops (identical on every backend).
import * as tf from '@tensorflow/tfjs-core';
import type { WeightDecayParams } from '../shared/config';
import type { EngineModel, LossClosure } from './types';
import { decayMask, l2Penalty } from './optim/weight-decay';

/**
 * Mean softmax cross-entropy of `logits` [B, C] against integer `labels` [B] (int32).
 * Numerically stable: log-softmax = z − logsumexp(z) never exponentiates a large logit,
 * so the loss stays finite even for logits of ±1e4.
 */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(labelLogProbs(logits, labels, 'crossEntropy'))) as tf.Scalar);
}

/** Per-example cross-entropy [B] (ESAM ranks a batch's examples by how much ε̂ raised it). */
export function exampleLosses(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => tf.neg(labelLogProbs(logits, labels, 'exampleLosses')) as tf.Tensor1D);
}

/** log p(label) per row, from a numerically stable log-softmax. */
function labelLogProbs(logits: tf.Tensor2D, labels: tf.Tensor1D, caller: string): tf.Tensor1D {
  const [batch, classes] = logits.shape;
  if (labels.shape[0] !== batch) {
    throw new Error(`${caller}: ${labels.shape[0]} labels for a batch of ${batch} logits; give one label per row`);
  }
  const lab = labels.dtype === 'int32' ? labels : tf.cast(labels, 'int32');
  const logp = tf.logSoftmax(logits, 1);
  // The one-hot product picks log p(label) and is differentiable on every backend (gather's
  // gradient is not registered everywhere).
  return tf.sum(tf.mul(tf.oneHot(lab, classes), logp), 1) as tf.Tensor1D;
}

/** How many rows have argmax(logits) = label, as an int32 scalar (no GPU→CPU sync). */
export function correctCount(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const lab = labels.dtype === 'int32' ? labels : tf.cast(labels, 'int32');
    return tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), lab), 'int32')) as tf.Scalar;
  });
}

export interface LossAndAccuracy {
  /** Mean cross-entropy over the batch. */
  loss: tf.Scalar;
  /** Number of correctly classified rows (int32). */
  correct: tf.Scalar;
  /** Batch size, so callers can weight per-batch means when they average over a data set. */
  count: number;
}

/**
 * Loss and correct count of `model` on one batch. Evaluation by default: `training: false`
 * (no dropout, batch-norm running statistics) and never touches the running statistics.
 * The caller reads and disposes the returned scalars.
 */
export function lossAndAccuracy(
  model: EngineModel,
  x: tf.Tensor,
  y: tf.Tensor1D,
  opts: { training?: boolean } = {},
): LossAndAccuracy {
  const training = opts.training ?? false;
  const [loss, correct] = tf.tidy(() => {
    const logits = model.apply(x, { training, updateState: false });
    return [crossEntropy(logits, y), correctCount(logits, y)];
  });
  return { loss, correct, count: x.shape[0] };
}

/**
 * L(w) on a fixed batch for the Hessian and the loss-landscape code: eval-mode forward (so
 * batch-norm uses — and never updates — its running statistics), plus the L2 term
 * weightDecay/2·Σ‖w‖² over the decayed weights (`decayParams`, as the run's
 * optimizer.weightDecayParams) when the run puts weight decay in the loss.
 */
export function makeLossClosure(model: EngineModel, x: tf.Tensor, y: tf.Tensor, weightDecay = 0, decayParams: WeightDecayParams = 'all'): LossClosure {
  if (!(weightDecay >= 0)) throw new Error(`makeLossClosure: weightDecay must be ≥ 0, got ${weightDecay}`);
  const labels = y as tf.Tensor1D;
  const mask = decayMask(model.params, decayParams);
  return {
    params: model.params,
    loss: () =>
      tf.tidy(() => {
        const ce = crossEntropy(model.apply(x, { training: false, updateState: false }), labels);
        return weightDecay > 0 ? (tf.add(ce, l2Penalty(model.params, mask, weightDecay)) as tf.Scalar) : ce;
      }),
  };
}
