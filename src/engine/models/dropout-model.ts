// The model object shared by the MLP and the CNN: variables from one VariableStore, and dropout
// masks drawn in order from the model's own stream. The stepper restarts that stream (`reseed`)
// with the step's key before every pass, so SAM's second pass replays the first pass's masks
// (same layers, same shapes, same order → the same sub-network), and a resumed run draws the
// same masks as an uninterrupted one.
import * as tf from '@tensorflow/tfjs-core';
import type { EngineModel } from '../types';
import { Rng } from '../rng';
import type { VariableStore } from './init';

/** Applies dropout at `rate` in training and passes the tensor through otherwise. */
export type Dropout = <T extends tf.Tensor>(t: T) => T;

export interface DropoutModelSpec {
  kind: string;
  vs: VariableStore;
  inputShape: number[];
  numClasses: number;
  /** Dropout rate; 0 turns dropout off. */
  rate: number;
  /** The model's init stream; the dropout stream is forked from it here (after the weights are drawn). */
  rng: Rng;
}

/** Wraps a forward pass (run inside `tf.tidy`) as an EngineModel with reseedable dropout. */
export function dropoutModel(spec: DropoutModelSpec, forward: (x: tf.Tensor, drop: Dropout) => tf.Tensor2D): EngineModel {
  const { vs, rate } = spec;
  let dropRng = spec.rng.fork(1);
  return {
    kind: spec.kind,
    params: vs.params,
    head: vs.head,
    state: vs.state,
    paramCount: vs.paramCount,
    inputShape: spec.inputShape,
    numClasses: spec.numClasses,
    apply(x, o) {
      // Seeds start at 1: tfjs treats a seed of 0 as "no seed" and would draw an unreproducible mask.
      const drop: Dropout = (t) => (o.training && rate > 0 ? (tf.dropout(t, rate, undefined, 1 + dropRng.int(2 ** 31 - 1)) as typeof t) : t);
      return tf.tidy(() => forward(x, drop));
    },
    reseed(seed: number) {
      dropRng = new Rng(seed);
    },
    dispose: () => vs.dispose(),
  };
}
