// Identity (tf.clone) and same-dtype Cast (every ReLU gradient does cast(step(x), 'float32') on an
// already-float32 tensor) share the buffer and bump its reference count, as the cpu backend does,
// instead of copying it: wasm kernels never write into their inputs and Variable.assign swaps
// buffers, so sharing is safe. Saves a full copy of every ReLU activation per backward pass.
// Also fixes numeric → bool casts, which the stock kernel gets wrong.
import * as tf from '@tensorflow/tfjs-core';
import { stockKernel } from './call';
import { heapBackend } from './heap';

interface RefCounting {
  incRef(dataId: tf.DataId): void;
}

function share(x: tf.TensorInfo, backend: unknown): tf.TensorInfo {
  (backend as RefCounting).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export const identityKernels = (): tf.KernelConfig[] => {
  const stockIdentity = stockKernel(tf.Identity);
  const stockCast = stockKernel(tf.Cast);
  return [
    {
      kernelName: tf.Identity,
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const { x } = inputs as { x: tf.TensorInfo };
        return x.dtype === 'string' ? stockIdentity({ inputs, backend, attrs }) : share(x, backend);
      },
    },
    {
      kernelName: tf.Cast,
      backendName: 'wasm',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const { x } = inputs as { x: tf.TensorInfo };
        const { dtype } = attrs as unknown as tf.CastAttrs;
        if (dtype === x.dtype && dtype !== 'string') return share(x, backend);
        if (dtype === 'bool' && (x.dtype === 'float32' || x.dtype === 'int32')) {
          // The stock kernel copies the numbers into a byte array (2 → 2, −1 → 255); bool is x ≠ 0.
          const hb = heapBackend(backend);
          const out = hb.makeOutput(x.shape, 'bool');
          const src = hb.typedArrayFromHeap(x);
          const dst = hb.typedArrayFromHeap(out);
          for (let i = 0; i < src.length; i++) dst[i] = src[i] !== 0 ? 1 : 0;
          return out;
        }
        return stockCast({ inputs, backend, attrs });
      },
    },
  ];
};
