// Loss and accuracy of a model on a whole split, in batches, in eval mode (no dropout, batch-norm
// running statistics, never updated). Sums stay on the device; one read at the end.
import * as tf from '@tensorflow/tfjs-core';
import { iterateBatches } from './data/batches';
import type { Split } from './data/types';
import { lossAndAccuracy } from './loss';
import { Rng } from './rng';
import type { EngineModel } from './types';

export interface SplitScore {
  loss: number;
  accuracy: number;
}

export async function evaluateSplit(model: EngineModel, split: Split, batchSize: number): Promise<SplitScore> {
  if (split.n === 0) return { loss: Number.NaN, accuracy: Number.NaN };
  let sums: tf.Tensor1D | null = null;
  // Eval order is fixed; the rng is required by the batcher's signature but unused without shuffle.
  for (const b of iterateBatches(split, model.inputShape, { batchSize, shuffle: false, rng: new Rng(0), dropLast: false })) {
    const next = tf.tidy(() => {
      const x = tf.tensor(b.x, [b.size, ...model.inputShape]);
      const y = tf.tensor1d(b.y, 'int32');
      const r = lossAndAccuracy(model, x, y, { training: false });
      const row = tf.stack([tf.mul(r.loss, b.size), tf.cast(r.correct, 'float32')]) as tf.Tensor1D;
      return sums ? tf.add(sums, row) : row;
    }) as tf.Tensor1D;
    sums?.dispose();
    sums = next;
  }
  if (!sums) return { loss: Number.NaN, accuracy: Number.NaN };
  const v = await (sums as tf.Tensor1D).data();
  (sums as tf.Tensor1D).dispose();
  return { loss: v[0] / split.n, accuracy: v[1] / split.n };
}
