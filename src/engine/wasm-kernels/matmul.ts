// tfjs-backend-wasm multiplies untransposed operands through XNNPACK (~30 GFLOP/s with SIMD) but
// falls back to a naive loop when transposeA or transposeB is set (~2 GFLOP/s, measured on
// 512×784×512). Every matmul gradient uses a transposed operand (dW = xᵀ·dy, dx = dy·Wᵀ), so
// training spent most of its time there. These wrappers transpose physically (a cheap copy) and
// call the fast path.
import * as tf from '@tensorflow/tfjs-core';
import { kernelScope, stockKernel } from './call';

function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return perm;
}

function untransposed(kernelName: string): tf.KernelFunc {
  const stock = stockKernel(kernelName);
  return ({ inputs, backend: kb, attrs }) => {
    const backend = kb as tf.KernelBackend;
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return stock({ inputs, backend, attrs });
    const s = kernelScope(backend);
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const a2 = transposeA ? s.run(tf.Transpose, { x: a }, { perm: swapLastTwo(a.shape.length) }) : a;
    const b2 = transposeB ? s.run(tf.Transpose, { x: b }, { perm: swapLastTwo(b.shape.length) }) : b;
    const out = stock({ inputs: { ...inputs, a: a2, b: b2 }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } });
    s.done(out as tf.TensorInfo);
    return out;
  };
}

export const matMulKernels = (): tf.KernelConfig[] =>
  [tf.BatchMatMul, tf._FusedMatMul].map((name) => ({
    kernelName: name,
    backendName: 'wasm',
    // The stock setup binds the C++ entry point the stock kernel (called by ours) relies on.
    setupFunc: tf.getKernel(name, 'wasm')?.setupFunc,
    kernelFunc: untransposed(name),
  }));
