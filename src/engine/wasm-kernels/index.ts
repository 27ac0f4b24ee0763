// Training kernels tfjs-backend-wasm lacks or runs slowly, registered for 'wasm' once per process.
// Each is built from stock wasm (XNNPACK) kernels; test/unit/wasm-kernels.test.ts checks each
// against the cpu backend.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { conv2dBackpropFilterKernel } from './conv-backprop-filter';
import { conv2dBackpropInputKernel } from './conv-backprop-input';
import { depthwiseKernels } from './depthwise';
import { identityKernels } from './identity';
import { matMulKernels } from './matmul';
import { maxPoolGradKernel } from './maxpool-grad';
import { reductionKernels } from './sum';
import { transposeKernel } from './transpose';

let registered = false;

/** Kernel names this module adds or replaces on 'wasm' (for reports and tests). */
export const WASM_TRAINING_KERNELS: readonly string[] = [
  tf.Conv2DBackpropFilter,
  tf.Conv2DBackpropInput,
  tf.DepthwiseConv2dNativeBackpropInput,
  tf.DepthwiseConv2dNativeBackpropFilter,
  tf.BatchMatMul,
  tf._FusedMatMul,
  tf.MaxPoolGrad,
  tf.Sum,
  tf.Mean,
  tf.Transpose,
  tf.Identity,
  tf.Cast,
];

export function registerWasmTrainingKernels(): void {
  if (registered) return;
  const configs = [
    ...identityKernels(),
    transposeKernel(),
    ...matMulKernels(),
    ...reductionKernels(),
    maxPoolGradKernel(),
    conv2dBackpropFilterKernel(),
    conv2dBackpropInputKernel(),
    ...depthwiseKernels(),
  ];
  for (const k of configs) {
    if (tf.getKernel(k.kernelName, 'wasm')) tf.unregisterKernel(k.kernelName, 'wasm');
    tf.registerKernel(k);
  }
  registered = true;
}
