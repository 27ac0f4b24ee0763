// MaxPoolGrad for wasm. The stock kernel costs ~40 ns per input element (≈130 ms for the CNN's
// first pool of 128×28×28×32); this loop over the heap finds each window's first maximum (the
// same tie rule as tfjs-cpu: strict '>' scanning rows then columns) and adds dy there.
import * as tf from '@tensorflow/tfjs-core';
import { heapBackend } from './heap';

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
    // Views are taken after makeOutput: allocating may grow (and move) the heap.
    const x = hb.typedArrayFromHeap(input) as Float32Array;
    const g = hb.typedArrayFromHeap(dy) as Float32Array;
    const dx = hb.typedArrayFromHeap(out) as Float32Array;
    dx.fill(0);
    const { batchSize, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
    const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
    const { top, left } = info.padInfo;
    for (let b = 0; b < batchSize; b++) {
      const xb = b * H * W * C;
      for (let oy = 0; oy < OH; oy++) {
        const r0 = Math.max(0, oy * sh - top);
        const r1 = Math.min(H, oy * sh - top + fh);
        for (let ox = 0; ox < OW; ox++) {
          const c0 = Math.max(0, ox * sw - left);
          const c1 = Math.min(W, ox * sw - left + fw);
          const gBase = ((b * OH + oy) * OW + ox) * C;
          if (r1 - r0 === 2 && c1 - c0 === 2 && fh === 2 && fw === 2) {
            // The common 2×2 window, unrolled; same scan order (row-major) and strict '>'.
            const i00 = xb + (r0 * W + c0) * C;
            const i01 = i00 + C;
            const i10 = i00 + W * C;
            const i11 = i10 + C;
            for (let d = 0; d < C; d++) {
              let best = x[i00 + d];
              let pos = i00 + d;
              const v1 = x[i01 + d];
              if (v1 > best) {
                best = v1;
                pos = i01 + d;
              }
              const v2 = x[i10 + d];
              if (v2 > best) {
                best = v2;
                pos = i10 + d;
              }
              if (x[i11 + d] > best) pos = i11 + d;
              dx[pos] += g[gBase + d];
            }
            continue;
          }
          for (let d = 0; d < C; d++) {
            let best = -Infinity;
            let pos = -1;
            for (let r = r0; r < r1; r++) {
              for (let cc = c0; cc < c1; cc++) {
                const i = xb + (r * W + cc) * C + d;
                const v = x[i];
                if (v > best) {
                  best = v;
                  pos = i;
                }
              }
            }
            if (pos >= 0) dx[pos] += g[gBase + d];
          }
        }
      }
    }
    return out;
  },
});
