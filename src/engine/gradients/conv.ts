// Gradients of the convolution backprop kernels, so a conv net's gradient can itself be
// differentiated (double backprop for Hessian-vector products, Pearlmutter 1994). tfjs-core 4.22
// registers one for Conv2DBackpropInput but none for Conv2DBackpropFilter or the depthwise pair.
//
// Each backprop kernel is bilinear in its two tensor inputs, so its gradient is two more
// convolutions with the upstream gradient put in the place of one input. For
// dW = Conv2DBackpropFilter(x, dy), ⟨ddW, dW⟩ = Σ ddW[kh,kw,ci,co]·x[b, oy·s+kh−p, ox·s+kw−p, ci]·dy[b,oy,ox,co]:
// - w.r.t. dy: conv2d(x, ddW) (the forward convolution of x with ddW as the filter);
// - w.r.t. x:  Conv2DBackpropInput(dy, ddW) (the transposed convolution of dy with ddW).
// The depthwise kernels follow the same pattern channel by channel. These are the rules PyTorch's
// convolution_backward double-backward uses.
import * as tf from '@tensorflow/tfjs-core';

type Attrs = tf.NamedAttrMap;

/** The attributes the convolution kernels share (the rest say which shape to produce). */
interface ConvAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: [number, number] | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

const run = (kernel: string, inputs: tf.NamedTensorMap, attrs: object) => tf.engine().runKernel(kernel, inputs, attrs as Attrs) as tf.Tensor;

function convAttrs(attrs: Attrs): ConvAttrs {
  const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs as unknown as ConvAttrs;
  return { strides, pad, dataFormat: dataFormat ?? 'NHWC', dilations: dilations ?? 1, dimRoundingMode };
}

export const conv2dBackpropFilterGradient: tf.GradConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  inputsToSave: ['x', 'dy'],
  gradFunc: (ddw, saved, attrs: Attrs) => {
    const [x, dy] = saved;
    const a = convAttrs(attrs);
    return {
      x: () => run(tf.Conv2DBackpropInput, { dy, filter: ddw as tf.Tensor }, { ...a, inputShape: x.shape }),
      dy: () => run(tf.Conv2D, { x, filter: ddw as tf.Tensor }, a),
    };
  },
};

export const depthwiseBackpropInputGradient: tf.GradConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropInput,
  inputsToSave: ['dy', 'filter'],
  gradFunc: (ddx, saved, attrs: Attrs) => {
    const [dy, filter] = saved;
    const a = convAttrs(attrs);
    return {
      dy: () => run(tf.DepthwiseConv2dNative, { x: ddx as tf.Tensor, filter }, a),
      filter: () => run(tf.DepthwiseConv2dNativeBackpropFilter, { x: ddx as tf.Tensor, dy }, { ...a, filterShape: filter.shape }),
    };
  },
};

export const depthwiseBackpropFilterGradient: tf.GradConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  inputsToSave: ['x', 'dy'],
  gradFunc: (ddw, saved, attrs: Attrs) => {
    const [x, dy] = saved;
    const a = convAttrs(attrs);
    return {
      x: () => run(tf.DepthwiseConv2dNativeBackpropInput, { dy, filter: ddw as tf.Tensor }, { ...a, inputShape: x.shape }),
      dy: () => run(tf.DepthwiseConv2dNative, { x, filter: ddw as tf.Tensor }, a),
    };
  },
};
