// Transpose for wasm as a loop over the heap. The stock kernel walks the output element by
// element with strided reads (~7 ns/element when the innermost axis moves: 21 ms for the
// 128×28×28×32 activation gradients the conv gradients permute); gradients transpose a lot
// (every matmul gradient, every conv gradient). Here: size-1 axes dropped and axes that stay
// neighbours merged, then a cache-tiled 2-D transpose between the input's and the output's
// innermost axes. When the innermost axis stays put the stock kernel (row copies) is kept.
import * as tf from '@tensorflow/tfjs-core';
import { heapBackend } from './heap';
import { stockKernel } from './call';

type Arr = Float32Array | Int32Array;
const TILE = 32;

/** Drops size-1 axes and merges input axes that stay adjacent and in order in the output. */
export function simplify(shape: number[], perm: number[]): { shape: number[]; perm: number[] } {
  const kept = shape.map((_, a) => a).filter((a) => shape[a] !== 1);
  const rename = new Map(kept.map((a, i) => [a, i]));
  const sh = kept.map((a) => shape[a]);
  const pm = perm.filter((a) => shape[a] !== 1).map((a) => rename.get(a) as number);
  const groups: number[][] = [];
  for (const a of pm) {
    const g = groups[groups.length - 1];
    if (g && g[g.length - 1] === a - 1) g.push(a);
    else groups.push([a]);
  }
  const byInput = [...groups].sort((g1, g2) => g1[0] - g2[0]);
  return {
    shape: byInput.map((g) => g.reduce((n, a) => n * sh[a], 1)),
    perm: groups.map((g) => byInput.indexOf(g)),
  };
}

function stridesOf(shape: number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** out = transpose(x, perm) for a simplified shape/perm. */
export function transposeInto(x: Arr, shape: number[], perm: number[], out: Arr): void {
  const r = shape.length;
  if (r <= 1) {
    out.set(x.subarray(0, out.length));
    return;
  }
  const inS = stridesOf(shape);
  const outShape = perm.map((a) => shape[a]);
  const outS = stridesOf(outShape);
  // Output axis positions looped over by the odometer, with their input strides.
  const a = perm[r - 1]; // input axis that becomes the output's innermost
  const j = perm.indexOf(r - 1); // output position of the input's innermost axis
  const outer = outShape.map((_, i) => i).filter((i) => i !== r - 1 && i !== j);
  const dims = outer.map((i) => outShape[i]);
  const inStep = outer.map((i) => inS[perm[i]]);
  const outStep = outer.map((i) => outS[i]);
  const idx = new Array<number>(outer.length).fill(0);
  const nA = shape[a];
  const nB = shape[r - 1];
  const inA = inS[a];
  const outB = outS[j];
  let inBase = 0;
  let outBase = 0;
  for (;;) {
    for (let i0 = 0; i0 < nA; i0 += TILE) {
      const i1 = Math.min(nA, i0 + TILE);
      for (let k0 = 0; k0 < nB; k0 += TILE) {
        const k1 = Math.min(nB, k0 + TILE);
        for (let k = k0; k < k1; k++) {
          const o = outBase + k * outB;
          const src = inBase + k;
          for (let i = i0; i < i1; i++) out[o + i] = x[src + i * inA];
        }
      }
    }
    // Odometer over the remaining axes.
    let d = outer.length - 1;
    for (; d >= 0; d--) {
      idx[d]++;
      inBase += inStep[d];
      outBase += outStep[d];
      if (idx[d] < dims[d]) break;
      inBase -= inStep[d] * dims[d];
      outBase -= outStep[d] * dims[d];
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

export const transposeKernel = (): tf.KernelConfig => {
  const stock = stockKernel(tf.Transpose);
  return {
    kernelName: tf.Transpose,
    backendName: 'wasm',
    setupFunc: tf.getKernel(tf.Transpose, 'wasm')?.setupFunc,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x } = inputs as { x: tf.TensorInfo };
      const { perm } = attrs as unknown as tf.TransposeAttrs;
      const s = simplify(x.shape, perm);
      const r = s.perm.length;
      // The stock kernel is fast when whole rows move (innermost axis kept); we take the rest.
      if ((x.dtype !== 'float32' && x.dtype !== 'int32') || r < 2 || s.perm[r - 1] === r - 1) return stock({ inputs, backend, attrs });
      const hb = heapBackend(backend);
      const out = hb.makeOutput(perm.map((a) => x.shape[a]), x.dtype);
      transposeInto(hb.typedArrayFromHeap(x) as Arr, s.shape, s.perm, hb.typedArrayFromHeap(out) as Arr);
      return out;
    },
  };
};
