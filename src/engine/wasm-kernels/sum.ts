// Sum and Mean over leading axes — bias gradients (Σ over N·H·W of an NHWC tensor), batch-norm
// moments, and full reductions such as the squared norms behind ‖g‖ — as one pass over the heap accumulating column sums in float64. The stock kernels
// transpose the reduced axes to the end first (~6× slower on the CNN's 128×28×28×32 gradients);
// a 1ᵀ·X matmul is no better because XNNPACK repacks X as a weight matrix. Other reductions go to
// the stock kernels unchanged.
import * as tf from '@tensorflow/tfjs-core';
import { stockKernel } from './call';
import { heapBackend } from './heap';

/**
 * How many leading axes `axis` names (null: not a leading run). A full reduction (no axis, or every
 * axis) counts too: the stock kernel sums in float32 one value after another, which loses ~1e-4 of
 * a sum of squares over a few 100k weights — enough to move SAM's ε̂ = ρ·g/‖g‖ visibly away from a
 * float64-accurate ‖g‖ (PyTorch's, or the cpu backend's, which sums in doubles).
 */
function leadingAxes(axis: number | number[] | null | undefined, rank: number): number | null {
  if (axis === null || axis === undefined) return rank > 0 ? rank : null;
  const axes = [...new Set((Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
  if (axes.length === 0 || axes.length > rank) return null;
  return axes.every((a, i) => a === i) ? axes.length : null;
}

function reduceLeading(kernelName: typeof tf.Sum | typeof tf.Mean): tf.KernelConfig {
  const stock = stockKernel(kernelName);
  return {
    kernelName,
    backendName: 'wasm',
    setupFunc: tf.getKernel(kernelName, 'wasm')?.setupFunc,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x } = inputs as { x: tf.TensorInfo };
      const { axis, keepDims } = attrs as unknown as tf.SumAttrs;
      const k = x.dtype === 'float32' ? leadingAxes(axis, x.shape.length) : null;
      if (k === null) return stock({ inputs, backend, attrs });
      const rows = x.shape.slice(0, k).reduce((a, b) => a * b, 1);
      const rest = x.shape.slice(k);
      const cols = rest.reduce((a, b) => a * b, 1);
      const hb = heapBackend(backend);
      const out = hb.makeOutput(keepDims ? [...x.shape.slice(0, k).map(() => 1), ...rest] : rest, 'float32');
      const src = hb.typedArrayFromHeap(x) as Float32Array;
      const dst = hb.typedArrayFromHeap(out) as Float32Array;
      const acc = new Float64Array(cols);
      for (let r = 0, o = 0; r < rows; r++, o += cols) for (let c = 0; c < cols; c++) acc[c] += src[o + c];
      const scale = kernelName === tf.Mean ? 1 / rows : 1;
      for (let c = 0; c < cols; c++) dst[c] = acc[c] * scale;
      return out;
    },
  };
}

export const reductionKernels = (): tf.KernelConfig[] => [reduceLeading(tf.Sum), reduceLeading(tf.Mean)];
