// Second-order gradients tfjs-core 4.22 lacks: gradients of the kernels that tfjs' own gradients
// emit (Conv2DBackpropFilter, the depthwise backprop pair, MaxPoolGrad, AvgPoolGrad, EluGrad).
// With them, double backpropagation — exact Hessian-vector products — works through every model
// kind the engine builds (conv, pooling, batch norm, ELU). Registration is global to tfjs (not
// per backend) and happens once on import. A gradient tfjs itself already provides is left alone
// (a later tfjs may add its own); the Hessian code checks exact against finite differences either way.
import * as tf from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterGradient, depthwiseBackpropFilterGradient, depthwiseBackpropInputGradient } from './conv';
import { eluGradGradient } from './elu';
import { avgPoolGradGradient, maxPoolGradGradient } from './pool';

export const SECOND_ORDER_GRADIENTS: readonly tf.GradConfig[] = [
  conv2dBackpropFilterGradient,
  depthwiseBackpropInputGradient,
  depthwiseBackpropFilterGradient,
  maxPoolGradGradient,
  avgPoolGradGradient,
  eluGradGradient,
];

/** Registers each gradient tfjs has none for; returns the kernel names registered now. */
export function registerSecondOrderGradients(): string[] {
  const added: string[] = [];
  for (const g of SECOND_ORDER_GRADIENTS) {
    if (tf.getGradient(g.kernelName)) continue;
    tf.registerGradient(g);
    added.push(g.kernelName);
  }
  return added;
}

registerSecondOrderGradients();
