// Composing wasm kernels from other wasm kernels. Kernel functions take and return TensorInfos
// (not Tensors), so nothing is recorded on the gradient tape and no engine scope is opened;
// intermediates must be released with `backend.disposeData`, which this helper tracks.
import * as tf from '@tensorflow/tfjs-core';

type Attrs = Record<string, unknown>;
type Inputs = Record<string, tf.TensorInfo>;

export interface KernelScope {
  /** Runs a wasm kernel; the result is released at `done()` unless it is the value returned. */
  run(kernelName: string, inputs: Inputs, attrs?: Attrs): tf.TensorInfo;
  /** A constant float32 tensor (masks). */
  constant(shape: number[], values: Float32Array): tf.TensorInfo;
  /** Releases every intermediate except `keep`. */
  done(keep: tf.TensorInfo): tf.TensorInfo;
}

const originals = new Map<string, tf.KernelFunc>();

/** Remembers the stock kernel before we replace it, so wrappers can still call it. */
export function stockKernel(kernelName: string): tf.KernelFunc {
  const saved = originals.get(kernelName);
  if (saved) return saved;
  const k = tf.getKernel(kernelName, 'wasm');
  if (!k) throw new Error(`wasm kernel ${kernelName} is not registered (is @tensorflow/tfjs-backend-wasm imported?)`);
  originals.set(kernelName, k.kernelFunc);
  return k.kernelFunc;
}

export function kernelScope(backend: tf.KernelBackend): KernelScope {
  const made: tf.TensorInfo[] = [];
  return {
    run(kernelName, inputs, attrs = {}) {
      const fn = originals.get(kernelName) ?? tf.getKernel(kernelName, 'wasm')?.kernelFunc;
      if (!fn) throw new Error(`wasm kernel ${kernelName} is missing`);
      const out = fn({ inputs, backend, attrs: attrs as tf.NamedAttrMap }) as tf.TensorInfo;
      made.push(out);
      return out;
    },
    constant(shape, values) {
      const out: tf.TensorInfo = { dataId: backend.write(values, shape, 'float32'), shape, dtype: 'float32' };
      made.push(out);
      return out;
    },
    done(keep) {
      for (const t of made) if (t !== keep) backend.disposeData(t.dataId);
      return keep;
    },
  };
}
