// Conv2DBackpropInput for wasm. The stock kernel is a scalar C++ loop (~270 ms of a 560 ms CNN
// step); the input gradient is itself a stride-1 convolution (the "transposed convolution"):
//   dX = conv(dilate_s(dY), rot180(W) with in/out channels swapped), padded by K−1−pad,
// where dilate_s inserts s−1 zeros between the rows/columns of dY. One XNNPACK convolution.
import * as tf from '@tensorflow/tfjs-core';
import { type KernelScope, kernelScope } from './call';

/** Inserts s−1 zero rows/columns between the spatial samples of an NHWC tensor. */
function dilateSpatial(s: KernelScope, x: tf.TensorInfo, sh: number, sw: number): tf.TensorInfo {
  if (sh === 1 && sw === 1) return x;
  const [b, h, w, c] = x.shape;
  const r = s.run(tf.Reshape, { x }, { shape: [b, h, 1, w, 1, c] });
  const p = s.run(tf.PadV2, { x: r }, { paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]], constantValue: 0 });
  const flat = s.run(tf.Reshape, { x: p }, { shape: [b, h * sh, w * sw, c] });
  return s.run(tf.Slice, { x: flat }, { begin: [0, 0, 0, 0], size: [b, (h - 1) * sh + 1, (w - 1) * sw + 1, c] });
}

export const conv2dBackpropInputKernel = (): tf.KernelConfig => ({
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend: kb, attrs }) => {
    const backend = kb as tf.KernelBackend;
    const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const at = attrs as unknown as tf.Conv2DBackpropInputAttrs;
    if (at.dataFormat !== 'NHWC') throw new Error(`wasm Conv2DBackpropInput supports only NHWC, got ${at.dataFormat}`);
    const inShape = at.inputShape as [number, number, number, number];
    const [kh, kw] = filter.shape;
    const info = tf.backend_util.computeConv2DInfo(inShape, filter.shape as [number, number, number, number], at.strides, 1, at.pad, at.dimRoundingMode);
    const { strideHeight: sh, strideWidth: sw } = info;
    const top = kh - 1 - info.padInfo.top;
    const left = kw - 1 - info.padInfo.left;
    const dilH = (info.outHeight - 1) * sh + 1;
    const dilW = (info.outWidth - 1) * sw + 1;
    // Rows past the last window the forward conv used get zero gradient: padding covers them.
    const bottom = info.inHeight + kh - 1 - top - dilH;
    const right = info.inWidth + kw - 1 - left - dilW;
    const s = kernelScope(backend);
    const dyD = dilateSpatial(s, dy, sh, sw);
    const flipped = s.run(tf.Reverse, { x: filter }, { dims: [0, 1] });
    const wT = s.run(tf.Transpose, { x: flipped }, { perm: [0, 1, 3, 2] });
    let dx = s.run(
      tf.Conv2D,
      { x: dyD, filter: wT },
      {
        strides: [1, 1],
        dilations: [1, 1],
        pad: [
          [0, 0],
          [Math.max(0, top), Math.max(0, bottom)],
          [Math.max(0, left), Math.max(0, right)],
          [0, 0],
        ],
        dataFormat: 'NHWC',
      },
    );
    if (top < 0 || left < 0 || dx.shape[1] !== info.inHeight || dx.shape[2] !== info.inWidth) {
      // Padding larger than K−1 (unusual explicit pads): crop the over-long result.
      dx = s.run(tf.Slice, { x: dx }, { begin: [0, Math.max(0, -top), Math.max(0, -left), 0], size: [dx.shape[0], info.inHeight, info.inWidth, dx.shape[3]] });
    }
    return s.done(dx);
  },
});
