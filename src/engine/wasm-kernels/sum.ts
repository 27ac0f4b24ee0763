// Sum and Mean over leading axes — bias gradients (Σ over N·H·W of an NHWC tensor), batch-norm
// moments, and over all axes (squared norms of whole gradients for SAM's ε̂, one column) — as one
// pass over the heap accumulating column sums in float64 (columnSumsTask), rows split across the
// heap pool's threads, each into its own row of partial sums. The stock kernels
// transpose the reduced axes to the end first (~6× slower on the CNN's 128×28×28×32 gradients);
// a 1ᵀ·X matmul is no better because XNNPACK repacks X as a weight matrix. Other reductions go to
// the stock kernels unchanged.
import * as tf from '@tensorflow/tfjs-core';
import { stockKernel } from './call';
import { heapBackend } from './heap';
import { heapPoolFor } from './heap-pool';
import { columnSumsTask } from './heap-tasks';

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
      const pool = heapPoolFor(backend);
      const out = hb.makeOutput(keepDims ? [...x.shape.slice(0, k).map(() => 1), ...rest] : rest, 'float32');
      // float64 partial sums, one row per share: 2 float32 slots per value (malloc aligns to 8).
      const parts = pool.partsFor(rows * cols);
      const partials = hb.makeOutput([parts * cols * 2], 'float32');
      pool.run(columnSumsTask, [hb.getMemoryOffset(x.dataId), hb.getMemoryOffset(partials.dataId), rows, cols], rows * cols);
      // Views after the last allocation: allocating may grow (and move) the heap.
      const acc = new Float64Array(hb.typedArrayFromHeap(partials).buffer, hb.getMemoryOffset(partials.dataId), parts * cols);
      const dst = hb.typedArrayFromHeap(out) as Float32Array;
      const scale = kernelName === tf.Mean ? 1 / rows : 1;
      for (let c = 0; c < cols; c++) {
        let s = 0;
        for (let p = 0; p < parts; p++) s += acc[p * cols + c];
        dst[c] = s * scale;
      }
      hb.disposeData(partials.dataId);
      return out;
    },
  };
}

export const reductionKernels = (): tf.KernelConfig[] => [reduceLeading(tf.Sum), reduceLeading(tf.Mean)];
