// tfjs-backend-wasm multiplies untransposed operands through XNNPACK (~30 GFLOP/s with SIMD) but
// falls back to a naive loop when transposeA or transposeB is set (~2 GFLOP/s, measured on
// 512×784×512). Every matmul gradient uses a transposed operand (dW = xᵀ·dy, dx = dy·Wᵀ), so
// training spent most of its time there. These wrappers transpose physically (our Transpose runs
// on every thread) and call the fast path.
//
// XNNPACK packs the right operand of every product it has not seen before (a K×N copy, on one
// thread, before the multi-threaded GEMM). For C = op(A)·op(B) the same product can also be taken
// as C = (op(B)ᵀ·op(A)ᵀ)ᵀ, which packs op(A)ᵀ (K×M) instead. The input gradient dx = dy·Wᵀ of a
// dense layer is the case where that pays: W is already stored as op(B)ᵀ, dyᵀ is small (batch ×
// outputs), so the packing shrinks from in×out to batch×out values and W is not transposed at all.
import * as tf from '@tensorflow/tfjs-core';
import { kernelScope, stockKernel } from './call';

function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return perm;
}

/** Work that stays on one thread counts double against work our transposes spread over all. */
const PACK_WEIGHT = 2;

/** A single matrix: rank 2, or rank 3 with a batch of 1 (what the fused matmul's gradient passes). */
function singleMatrix(shape: number[]): boolean {
  return shape.length === 2 || (shape.length === 3 && shape[0] === 1);
}

/**
 * Whether C = (op(B)ᵀ·op(A)ᵀ)ᵀ costs less than C = op(A)·op(B): packed values (serial) weighed
 * against transposed values (parallel). Only for single products (batch 1), the GEMM path — the
 * plain matMul's gradient hands the kernel rank-2 operands, the fused one's rank-3 ones.
 */
export function swapOperands(aShape: number[], bShape: number[], transposeA: boolean, transposeB: boolean): boolean {
  if (!singleMatrix(aShape) || !singleMatrix(bShape)) return false;
  const [r, c] = [aShape.length - 2, aShape.length - 1];
  const [m, k] = transposeA ? [aShape[c], aShape[r]] : [aShape[r], aShape[c]];
  const n = transposeB ? bShape[bShape.length - 2] : bShape[bShape.length - 1];
  const direct = PACK_WEIGHT * k * n + (transposeA ? m * k : 0) + (transposeB ? k * n : 0);
  const swapped = PACK_WEIGHT * k * m + (transposeB ? 0 : k * n) + (transposeA ? 0 : m * k) + m * n;
  return swapped < direct;
}

function untransposed(kernelName: string, maySwap: boolean): tf.KernelFunc {
  const stock = stockKernel(kernelName);
  return ({ inputs, backend: kb, attrs }) => {
    const backend = kb as tf.KernelBackend;
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return stock({ inputs, backend, attrs });
    const s = kernelScope(backend);
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const flip = (x: tf.TensorInfo) => s.run(tf.Transpose, { x }, { perm: swapLastTwo(x.shape.length) });
    const plain = { ...attrs, transposeA: false, transposeB: false };
    if (maySwap && swapOperands(a.shape, b.shape, transposeA, transposeB)) {
      // Cᵀ = op(B)ᵀ·op(A)ᵀ: op(B)ᵀ is B as stored when transposeB, op(A)ᵀ is A as stored when transposeA.
      const left = transposeB ? b : flip(b);
      const right = transposeA ? a : flip(a);
      const ct = stock({ inputs: { a: left, b: right }, backend, attrs: plain }) as tf.TensorInfo;
      const c = flip(ct);
      backend.disposeData(ct.dataId);
      return s.done(c);
    }
    const a2 = transposeA ? flip(a) : a;
    const b2 = transposeB ? flip(b) : b;
    const out = stock({ inputs: { ...inputs, a: a2, b: b2 }, backend, attrs: plain });
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
    // A fused bias/activation applies along C's columns: only the plain product may be swapped.
    kernelFunc: untransposed(name, name === tf.BatchMatMul),
  }));
