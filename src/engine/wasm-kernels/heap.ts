// Direct views of tensors in the wasm heap, for kernels that are plain loops: a JS loop over
// the heap runs at ~1 ns/element, where some stock C++ kernels of tfjs-backend-wasm are far slower,
// and nothing leaves the wasm backend (no round trip through the cpu backend).
import type * as tf from '@tensorflow/tfjs-core';

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): tf.backend_util.TypedArray;
  /** Byte offset of a tensor's data in the heap (what heap tasks take as arguments). */
  getMemoryOffset(dataId: tf.DataId): number;
  disposeData(dataId: tf.DataId): boolean;
}

export function heapBackend(backend: unknown): WasmBackendLike {
  const b = backend as Partial<WasmBackendLike>;
  if (typeof b.makeOutput !== 'function' || typeof b.typedArrayFromHeap !== 'function' || typeof b.getMemoryOffset !== 'function') {
    throw new Error('this kernel runs only on the wasm backend');
  }
  return b as WasmBackendLike;
}
