// Transpose for wasm as a loop over the heap. The stock kernel walks the output element by
// element with strided reads (~7 ns/element when the innermost axis moves: 21 ms for the
// 128×28×28×32 activation gradients the conv gradients permute); gradients transpose a lot
// (every matmul gradient, every conv gradient). Here: size-1 axes dropped and axes that stay
// neighbours merged, then a cache-tiled 2-D transpose between the input's and the output's
// innermost axes (transposeTask), split across the heap pool's threads. When the innermost axis
// stays put whole rows are copied, also across the threads (the stock kernel does that on one:
// the conv filter gradient moves 4.8M values of dy that way per pass of the CNN).
import * as tf from '@tensorflow/tfjs-core';
import { heapBackend } from './heap';
import { heapPoolFor } from './heap-pool';
import { transposeTask } from './heap-tasks';
import { stockKernel } from './call';

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
      if ((x.dtype !== 'float32' && x.dtype !== 'int32') || r < 2) return stock({ inputs, backend, attrs });
      const hb = heapBackend(backend);
      const out = hb.makeOutput(perm.map((a) => x.shape[a]), x.dtype);
      const n = tf.util.sizeFromShape(x.shape);
      if (n > 0) heapPoolFor(backend).run(transposeTask, [hb.getMemoryOffset(x.dataId), hb.getMemoryOffset(out.dataId), x.dtype === 'int32' ? 1 : 0, r, ...s.shape, ...s.perm], n);
      return out;
    },
  };
};
