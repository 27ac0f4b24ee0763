// Image models take NHWC; data loaders may hand them flat rows, so reshape on the way in.
import * as tf from '@tensorflow/tfjs-core';

/** [H, W, C] from an input shape, or a clear error for a flat-only shape. */
export function imageShape(inputShape: number[], kind: string): [number, number, number] {
  if (inputShape.length === 3) return inputShape as [number, number, number];
  if (inputShape.length === 2) return [inputShape[0], inputShape[1], 1];
  const n = inputShape[0];
  const side = Math.round(Math.sqrt(n));
  if (inputShape.length === 1 && side * side === n) return [side, side, 1];
  throw new Error(
    `model.kind "${kind}" needs image input (H×W×C), but the data has shape [${inputShape.join(', ')}]; use model.kind "mlp" for tabular data`,
  );
}

export function asImages(x: tf.Tensor, hwc: [number, number, number]): tf.Tensor4D {
  return (x.rank === 4 ? x : tf.reshape(x, [-1, ...hwc])) as tf.Tensor4D;
}
