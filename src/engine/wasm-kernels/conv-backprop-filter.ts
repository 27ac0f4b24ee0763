// Conv2DBackpropFilter for wasm, which has none. The filter gradient
//   dW[i,j,c,o] = Σ_{b,y,x} X[b, y·s + i·d − pad_t, x·s + j·d − pad_l, c] · dY[b,y,x,o]
// is itself a convolution once batch and channel axes swap places: treat Xᵀ = [C, H, W, B] as a
// batch of C single images with B channels and dYᵀ = [OH, OW, B, O] as an OH×OW filter, convolve
// with stride d and dilation s, and read the result [C, KH, KW, O] back as [KH, KW, C, O].
// One XNNPACK convolution instead of tfjs-cpu's scalar loops (70–110 ms vs 5–38 s on the CNN).
import * as tf from '@tensorflow/tfjs-core';
import { kernelScope } from './call';

export interface FilterGradArgs {
  x: tf.TensorInfo;
  dy: tf.TensorInfo;
  filterShape: [number, number, number, number];
  strides: [number, number] | number;
  dilations: [number, number] | number;
  pad: tf.backend_util.ExplicitPadding | 'valid' | 'same' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

const pair = (v: [number, number] | number): [number, number] => (typeof v === 'number' ? [v, v] : v);

/**
 * Full filter gradient [KH, KW, C, O] computed with wasm kernels only. (Swapping roles — X as the
 * filter, dYᵀ as the image — was tried for the C = 1 first layer, where XNNPACK's per-call
 * repacking of the big dYᵀ filter dominates; it was slower: a 30×30 one-output-channel conv plus
 * a full transpose of dY cost more than the packing.)
 */
export function conv2dFilterGrad(backend: tf.KernelBackend, a: FilterGradArgs): tf.TensorInfo {
  const info = tf.backend_util.computeConv2DInfo(
    a.x.shape as [number, number, number, number],
    a.filterShape,
    a.strides,
    a.dilations,
    a.pad,
    a.dimRoundingMode,
  );
  const [sh, sw] = pair(a.strides);
  const [dh, dw] = pair(a.dilations);
  const [kh, kw] = a.filterShape;
  const { top, left } = info.padInfo;
  // Bottom/right padding so the "output" is exactly KH×KW; when the forward conv ignored trailing
  // rows (negative padding) we pad nothing and slice the extra rows off instead.
  const bottom = (kh - 1) * dh + (info.outHeight - 1) * sh + 1 - info.inHeight - top;
  const right = (kw - 1) * dw + (info.outWidth - 1) * sw + 1 - info.inWidth - left;
  const s = kernelScope(backend);
  const xT = s.run(tf.Transpose, { x: a.x }, { perm: [3, 1, 2, 0] });
  const dyT = s.run(tf.Transpose, { x: a.dy }, { perm: [1, 2, 0, 3] });
  let g = s.run(
    tf.Conv2D,
    { x: xT, filter: dyT },
    {
      strides: [dh, dw],
      dilations: [sh, sw],
      pad: [
        [0, 0],
        [top, Math.max(0, bottom)],
        [left, Math.max(0, right)],
        [0, 0],
      ],
      dataFormat: 'NHWC',
    },
  );
  if (g.shape[1] !== kh || g.shape[2] !== kw) {
    g = s.run(tf.Slice, { x: g }, { begin: [0, 0, 0, 0], size: [g.shape[0], kh, kw, g.shape[3]] });
  }
  return s.done(s.run(tf.Transpose, { x: g }, { perm: [1, 2, 0, 3] }));
}

export const conv2dBackpropFilterKernel = (): tf.KernelConfig => ({
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend: kb, attrs }) => {
      const backend = kb as tf.KernelBackend;
    const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const at = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    if (at.dataFormat !== 'NHWC') throw new Error(`wasm Conv2DBackpropFilter supports only NHWC, got ${at.dataFormat}`);
    return conv2dFilterGrad(backend, {
      x,
      dy,
      filterShape: at.filterShape,
      strides: at.strides,
      dilations: 1,
      pad: at.pad,
      dimRoundingMode: at.dimRoundingMode,
    });
  },
});
