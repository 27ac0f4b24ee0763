// MaxPoolGrad for wasm. The stock kernel costs ~40 ns per input element (≈130 ms for the CNN's
// first pool of 128×28×28×32); this loop over the heap (maxPoolGradTask) finds each window's
// first maximum (the same tie rule as tfjs-cpu: strict '>' scanning rows then columns) and adds
// dy there, split over the batch across the heap pool's threads.
import * as tf from '@tensorflow/tfjs-core';
import { heapBackend } from './heap';
import { heapPoolFor } from './heap-pool';
import { maxPoolGradTask } from './heap-tasks';

export const maxPoolGradKernel = (): tf.KernelConfig => ({
  kernelName: tf.MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    const at = attrs as unknown as tf.MaxPoolGradAttrs;
    const info = tf.backend_util.computePool2DInfo(
      input.shape as [number, number, number, number],
      at.filterSize,
      at.strides,
      1,
      at.pad,
      at.dimRoundingMode,
    );
    const hb = heapBackend(backend);
    const out = hb.makeOutput(input.shape, 'float32');
    const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth } = info;
    const { strideHeight, strideWidth, filterHeight, filterWidth } = info;
    const off = (t: tf.TensorInfo) => hb.getMemoryOffset(t.dataId);
    heapPoolFor(backend).run(
      maxPoolGradTask,
      [off(input), off(dy), off(out), batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth, info.padInfo.top, info.padInfo.left],
      tf.util.sizeFromShape(input.shape),
    );
    return out;
  },
});
