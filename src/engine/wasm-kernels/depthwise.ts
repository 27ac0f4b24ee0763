// Depthwise convolution gradients for wasm (none ship with it). A depthwise conv with multiplier M
// equals a full conv whose filter Wf[i,j,c,c'·M+m] = δ(c,c')·W[i,j,c,m] is block-diagonal, so
//   input grad  = Conv2DBackpropInput(dY, Wf)           (our conv-based kernel)
//   filter grad = diag(conv2dFilterGrad(X, dY))          (our dilated-conv filter gradient)
// This does C× the arithmetic of a dedicated kernel but stays entirely on XNNPACK; no model in the
// zoo is depthwise, so simplicity wins over a hand-written kernel.
import * as tf from '@tensorflow/tfjs-core';
import { type KernelScope, kernelScope } from './call';
import { conv2dFilterGrad } from './conv-backprop-filter';

const pair = (v: [number, number] | number): [number, number] => (typeof v === 'number' ? [v, v] : v);

/** δ(c,c') laid out as [1, C, C, M]: the block-diagonal mask. */
function diagonalMask(s: KernelScope, c: number, m: number): tf.TensorInfo {
  const v = new Float32Array(c * c * m);
  for (let i = 0; i < c; i++) for (let k = 0; k < m; k++) v[(i * c + i) * m + k] = 1;
  return s.constant([1, c, c, m], v);
}

/** Inserts d−1 zeros between filter taps so a dilated filter can run as an undilated one. */
function dilateFilter(s: KernelScope, f: tf.TensorInfo, dh: number, dw: number): tf.TensorInfo {
  if (dh === 1 && dw === 1) return f;
  const [kh, kw, ci, co] = f.shape;
  const r = s.run(tf.Reshape, { x: f }, { shape: [kh, 1, kw, 1, ci, co] });
  const p = s.run(tf.PadV2, { x: r }, { paddings: [[0, 0], [0, dh - 1], [0, 0], [0, dw - 1], [0, 0], [0, 0]], constantValue: 0 });
  const flat = s.run(tf.Reshape, { x: p }, { shape: [kh * dh, kw * dw, ci, co] });
  return s.run(tf.Slice, { x: flat }, { begin: [0, 0, 0, 0], size: [(kh - 1) * dh + 1, (kw - 1) * dw + 1, ci, co] });
}

export const depthwiseKernels = (): tf.KernelConfig[] => [
  {
    kernelName: tf.DepthwiseConv2dNativeBackpropInput,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend: kb, attrs }) => {
      const backend = kb as tf.KernelBackend;
      const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
      const at = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
      const [kh, kw, c, m] = filter.shape;
      const s = kernelScope(backend);
      const f3 = s.run(tf.Reshape, { x: filter }, { shape: [kh * kw, c, 1, m] });
      const full = s.run(tf.Multiply, { a: f3, b: diagonalMask(s, c, m) });
      const f4 = s.run(tf.Reshape, { x: full }, { shape: [kh, kw, c, c * m] });
      const [dh, dw] = pair(at.dilations);
      const fd = dilateFilter(s, f4, dh, dw);
      const dx = s.run(
        tf.Conv2DBackpropInput,
        { dy, filter: fd },
        { strides: at.strides, pad: at.pad, dimRoundingMode: at.dimRoundingMode, inputShape: at.inputShape, dataFormat: 'NHWC' },
      );
      return s.done(dx);
    },
  },
  {
    kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend: kb, attrs }) => {
      const backend = kb as tf.KernelBackend;
      const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const at = attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
      const [kh, kw, c, m] = at.filterShape;
      const s = kernelScope(backend);
      const gFull = conv2dFilterGrad(backend, {
        x,
        dy,
        filterShape: [kh, kw, c, c * m],
        strides: at.strides,
        dilations: at.dilations,
        pad: at.pad,
        dimRoundingMode: at.dimRoundingMode,
      });
      const g4 = s.run(tf.Reshape, { x: gFull }, { shape: [kh * kw, c, c, m] });
      backend.disposeData(gFull.dataId);
      const masked = s.run(tf.Multiply, { a: g4, b: diagonalMask(s, c, m) });
      const summed = s.run(tf.Sum, { x: masked }, { axis: [2], keepDims: false });
      return s.done(s.run(tf.Reshape, { x: summed }, { shape: [kh, kw, c, m] }));
    },
  },
];
