// Kernels the device may not be able to run as tfjs emits them. tfjs-backend-webgpu's AddN binds
// every input as its own storage buffer, plus one for the output; a device allows only
// maxStorageBuffersPerShaderStage of them (WebGPU's default is 8, hardware ranges from 8 to
// millions). More inputs make an invalid pipeline, and Dawn then drops the whole command buffer.
// Here AddN sums at most (limit − 1) inputs per dispatch and adds the partial sums the same way.
// Concat already splits its inputs by the same limit inside tfjs (Concat_impl), and no other
// webgpu program takes a variable number of inputs (the fixed ones bind at most 5).
import * as tf from '@tensorflow/tfjs-core';

type Backend = tf.KernelBackend & { device: GPUDevice; disposeData(dataId: object): boolean };

/** Inputs one dispatch of a kernel may bind on this device: one storage buffer is the output. */
export function maxKernelInputs(device: GPUDevice): number {
  return Math.max(2, device.limits.maxStorageBuffersPerShaderStage - 1);
}

let stockAddN: tf.KernelConfig | null = null;

/** The AddN that never binds more inputs per dispatch than the device allows. */
function deviceSafeAddN(original: tf.KernelConfig): tf.KernelConfig {
  const addN = original.kernelFunc;
  return {
    ...original,
    kernelFunc: (args) => {
      const backend = args.backend as Backend;
      const limit = maxKernelInputs(backend.device);
      let inputs = args.inputs as unknown as tf.TensorInfo[];
      const partials: tf.TensorInfo[] = [];
      while (inputs.length > limit) {
        const next: tf.TensorInfo[] = [];
        for (let i = 0; i < inputs.length; i += limit) {
          const group = inputs.slice(i, i + limit);
          if (group.length === 1) {
            next.push(group[0]);
            continue;
          }
          const sum = addN({ ...args, inputs: group as unknown as tf.NamedTensorInfoMap }) as tf.TensorInfo;
          partials.push(sum);
          next.push(sum);
        }
        inputs = next;
      }
      const out = addN({ ...args, inputs: inputs as unknown as tf.NamedTensorInfoMap }) as tf.TensorInfo;
      // Freed once the queued dispatches that read them have run (tfjs defers it).
      for (const p of partials) backend.disposeData(p.dataId);
      return out;
    },
  };
}

/**
 * Installs (true) or removes (false, tfjs' stock kernels: what every tfjs app runs) the
 * device-safe kernels. The webgpu rung installs them when it comes up.
 */
export function setDeviceSafeKernels(on: boolean): void {
  stockAddN ??= tf.getKernel('AddN', 'webgpu') ?? null;
  if (!stockAddN) throw new Error('tfjs-backend-webgpu registered no AddN kernel');
  tf.unregisterKernel('AddN', 'webgpu');
  tf.registerKernel(on ? deviceSafeAddN(stockAddN) : stockAddN);
}
