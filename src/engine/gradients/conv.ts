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

export const conv2dBackpropFilterGradient: tf.GradConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  inputsToSave: ['x', 'dy'],
  gradFunc: (ddw, saved, attrs: Attrs) => {
    const [x, dy] = saved as [tf.Tensor4D, tf.Tensor4D];
    const { strides, pad, dataFormat, dimRoundingMode } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    const filter = ddw as tf.Tensor4D;
    return {
      x: () =>
        tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter }, {
          strides,
          pad,
          dataFormat,
          dimRoundingMode,
          inputShape: x.shape,
        } as unknown as Attrs) as tf.Tensor4D,
      dy: () => tf.conv2d(x, filter, strides, pad as 'same', dataFormat === 'NCHW' ? 'NCHW' : 'NHWC', 1, dimRoundingMode),
    };
  },
};

export const depthwiseBackpropInputGradient: tf.GradConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropInput,
  inputsToSave: ['dy', 'filter'],
  gradFunc: (upstream, saved, attrs: Attrs) => {
    const ddx = upstream as tf.Tensor4D;
    const [dy, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
    const { strides, pad, dilations, dimRoundingMode } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
    return {
      dy: () => tf.engine().runKernel(tf.DepthwiseConv2dNative, { x: ddx, filter }, { strides, pad, dilations, dimRoundingMode, dataFormat: 'NHWC' } as unknown as Attrs) as tf.Tensor,
      filter: () =>
        tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropFilter, { x: ddx, dy }, {
          strides,
          pad,
          dilations,
          dimRoundingMode,
          filterShape: filter.shape,
        } as unknown as Attrs) as tf.Tensor,
    };
  },
};

export const depthwiseBackpropFilterGradient: tf.GradConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  inputsToSave: ['x', 'dy'],
  gradFunc: (upstream, saved, attrs: Attrs) => {
    const ddw = upstream as tf.Tensor4D;
    const [x, dy] = saved as [tf.Tensor4D, tf.Tensor4D];
    const { strides, pad, dilations, dimRoundingMode } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
    return {
      x: () =>
        tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropInput, { dy, filter: ddw }, {
          strides,
          pad,
          dilations,
          dimRoundingMode,
          inputShape: x.shape,
        } as unknown as Attrs) as tf.Tensor,
      dy: () => tf.engine().runKernel(tf.DepthwiseConv2dNative, { x, filter: ddw }, { strides, pad, dilations, dimRoundingMode, dataFormat: 'NHWC' } as unknown as Attrs) as tf.Tensor,
    };
  },
};
