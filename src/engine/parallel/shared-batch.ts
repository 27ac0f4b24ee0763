// What rank 0 and its data-parallel workers share: one SharedArrayBuffer region per array, and
// Int32 control words the two sides wait on with Atomics (engine/parallel/data-parallel.ts). A
// pass is posted by bumping SEQ; each worker answers by storing that number in its DONE word.
import type { ModelConfig } from '../../shared/config';

/** Words of the common control array. */
export const SEQ = 0;
export const KIND = 1;
export const FLAGS = 2;
export const KIND_PASS = 1;
export const KIND_EXIT = 2;
export const FLAG_CORRECT = 1;
export const FLAG_EXAMPLE_LOSSES = 2;

/** Words of each worker's own control array. */
export const START = 0;
export const COUNT = 1;
export const DONE = 2;
export const FAILED = 3;
export const ERROR_BYTES = 4;

export const ERROR_CAPACITY = 4096;

/** One worker's answer: the mean gradient over its rows, its mean loss and correct count, each row's loss. */
export interface WorkerBuffers {
  control: SharedArrayBuffer;
  grads: SharedArrayBuffer;
  /** [mean loss, correct count] */
  scalars: SharedArrayBuffer;
  exampleLosses: SharedArrayBuffer;
  /** [its rows / the batch's rows]: what its loss is scaled by. */
  scale: SharedArrayBuffer;
  error: SharedArrayBuffer;
}

export interface SharedBatch {
  control: SharedArrayBuffer;
  /** The weights the pass is taken at (w, or w + ε̂), flattened in the model's params order. */
  weights: SharedArrayBuffer;
  x: SharedArrayBuffer;
  y: SharedArrayBuffer;
  workers: WorkerBuffers[];
}

/** What a worker is started with (its workerData). */
export interface WorkerStart {
  rank: number;
  model: ModelConfig;
  inputShape: number[];
  numClasses: number;
  shared: SharedBatch;
  own: WorkerBuffers;
}

const f32 = (n: number) => new SharedArrayBuffer(Math.max(1, n) * 4);

export function allocateSharedBatch(o: { workers: number; paramCount: number; maxRows: number; inputSize: number }): SharedBatch {
  return {
    control: f32(8),
    weights: f32(o.paramCount),
    x: f32(o.maxRows * o.inputSize),
    y: f32(o.maxRows),
    workers: Array.from({ length: o.workers }, () => ({
      control: f32(8),
      grads: f32(o.paramCount),
      scalars: f32(2),
      exampleLosses: f32(o.maxRows),
      scale: f32(1),
      error: new SharedArrayBuffer(ERROR_CAPACITY),
    })),
  };
}
