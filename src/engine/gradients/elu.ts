// Gradient of EluGrad, so ELU nets get exact Hessian-vector products. tfjs' Elu gradient is the
// kernel EluGrad(dy, y) = dy·(y ≥ 0 ? 1 : y + 1), with y = elu(x) the saved output (for x < 0,
// elu'(x) = eˣ = y + 1). Its derivatives:
// - w.r.t. dy: ddx·(y ≥ 0 ? 1 : y + 1), i.e. EluGrad(ddx, y) again;
// - w.r.t. y:  ddx·dy where y < 0 (and 0 elsewhere); the tape carries y back to x, giving
//   elu''(x) = eˣ for x < 0.
import * as tf from '@tensorflow/tfjs-core';

export const eluGradGradient: tf.GradConfig = {
  kernelName: tf.EluGrad,
  inputsToSave: ['dy', 'y'],
  gradFunc: (upstream, saved) => {
    const ddx = upstream as tf.Tensor;
    const [dy, y] = saved;
    return {
      dy: () => tf.engine().runKernel(tf.EluGrad, { dy: ddx, y }) as tf.Tensor,
      y: () => tf.mul(tf.mul(ddx, dy), tf.cast(tf.less(y, 0), 'float32')),
    };
  },
};
