// One forward-backward pass on the model's current weights: the unit SAM pays for twice.
// tfjs-core's Node bundle registers no gradients; tfjs-layers' bundle registers them all (see
// backend.ts). Imported here so the stepper works whoever set up the backend.
import '@tensorflow/tfjs-layers';
import * as tf from '@tensorflow/tfjs-core';
import { correctCount, crossEntropy, exampleLosses } from '../loss';
import type { EngineModel } from '../types';
import { addDecayGradient } from './weight-decay';

export interface PassOptions {
  /** Move batch-norm running statistics (first pass only; SAM's second pass must not). */
  updateState: boolean;
  /** Also count correct predictions (from the same logits — no extra forward). */
  wantCorrect: boolean;
  /** Also return each example's loss (ESAM's data selection), from the same logits. */
  wantExampleLosses?: boolean;
  /** L2 decay that lives in the loss: adds weightDecay·w (w = the current, maybe perturbed, weights). */
  weightDecay: number;
  decayMask: readonly boolean[];
  /** Multiplies the data loss (and so its gradient): a data-parallel rank's share of the batch's rows. */
  lossScale?: number;
}

export interface PassResult {
  /** Data cross-entropy (the L2 term is not included: reported losses stay comparable across runs), times lossScale. */
  loss: tf.Scalar;
  grads: tf.Tensor[];
  correct: tf.Scalar | null;
  exampleLosses: tf.Tensor1D | null;
}

/** How a stepper takes its passes: gradientPass, or one that shares the batch out (engine/parallel). */
export type PassFn = (model: EngineModel, x: tf.Tensor, y: tf.Tensor1D, o: PassOptions) => PassResult;

/** ∇L at the current weights with one tf.variableGrads call. Call inside tf.tidy. */
export function gradientPass(model: EngineModel, x: tf.Tensor, y: tf.Tensor1D, o: PassOptions): PassResult {
  const params = model.params;
  let logits: tf.Tensor2D | null = null;
  const { value, grads } = tf.variableGrads(() => {
    const z = model.apply(x, { training: true, updateState: o.updateState });
    // keep() lets the logits outlive variableGrads' internal tidy; disposed right below.
    if (o.wantCorrect || o.wantExampleLosses) logits = tf.keep(z);
    const loss = crossEntropy(z, y);
    return o.lossScale === undefined || o.lossScale === 1 ? loss : tf.mul(loss, o.lossScale);
  }, params);
  let correct: tf.Scalar | null = null;
  let perExample: tf.Tensor1D | null = null;
  if (logits) {
    if (o.wantCorrect) correct = correctCount(logits, y);
    if (o.wantExampleLosses) perExample = exampleLosses(logits, y);
    (logits as tf.Tensor).dispose();
  }
  // A weight the loss does not reach gets a zero gradient rather than a hole in the list.
  const g = params.map((p) => grads[p.name] ?? tf.zerosLike(p));
  return { loss: value as tf.Scalar, grads: addDecayGradient(g, params, o.decayMask, o.weightDecay), correct, exampleLosses: perExample };
}
