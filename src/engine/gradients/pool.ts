// Gradients of the pooling backprop kernels (double backprop through max- and average-pooling).
// Both kernels are linear in dy: dx = A·dy with A fixed by the input (MaxPoolGrad: A routes each
// window's dy to the window's first maximum; AvgPoolGrad: A spreads dy over the window). So
// - w.r.t. dy: Aᵀ·ddx, one value per pooling window gathered from ddx;
// - w.r.t. the input (and MaxPool's output): zero — the routing is piecewise constant in the
//   input, as PyTorch's max_pool2d double backward also treats it.
// Aᵀ is written with one slice per window offset, so it runs on every backend with stock kernels
// (pad, reshape, transpose, slice, compare, multiply, add) and needs no new kernel.
import * as tf from '@tensorflow/tfjs-core';

type Attrs = tf.NamedAttrMap;

interface PoolAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * For each offset (i, j) inside the pooling window, the [B, OH, OW, C] tensor of t's values at
 * that offset of every window, t padded with `fill` where a window hangs over the border, in
 * row-major offset order (the order the max-pool kernels scan a window in).
 *
 * Strided slices would say this directly, but wasm's StridedSlice walks indices element by element
 * (measured: 1.7 s of a 2.6 s CNN Hessian-vector product), and a 6-D transpose is no better.
 * Instead the padded input is viewed as [B·Hq, sh, Wq, sw·C] (a free reshape): offset
 * (i, j) = (q·sh + r, q'·sw + r') is then the 4-D slice [:, r, :, r'·C … r'·C + C) — rows of C
 * contiguous values, which every backend copies fast — shifted by (q, q') windows when windows overlap.
 */
function windowOffsets(t: tf.Tensor4D, attrs: PoolAttrs, fill: number): tf.Tensor4D[] {
  const info = tf.backend_util.computePool2DInfo(t.shape, attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const { batchSize: b, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const { top, left } = info.padInfo;
  // Rows (columns) of windows the phases must hold: OH plus the extra shifts of overlapping windows.
  const hq = oh + Math.floor((fh - 1) / sh);
  const wq = ow + Math.floor((fw - 1) / sw);
  const bottom = hq * sh - top - h;
  const right = wq * sw - left - w;
  let padded: tf.Tensor4D = t;
  if (top > 0 || left > 0 || bottom > 0 || right > 0) {
    padded = tf.pad(t, [[0, 0], [top, Math.max(0, bottom)], [left, Math.max(0, right)], [0, 0]], fill);
  }
  // Rows or columns past the last window are never read: crop them.
  if (bottom < 0 || right < 0) padded = tf.slice(padded, [0, 0, 0, 0], [b, hq * sh, wq * sw, c]);
  const view = tf.reshape(padded, [b * hq, sh, wq, sw * c]);
  const out: tf.Tensor4D[] = [];
  for (let i = 0; i < fh; i++) {
    for (let j = 0; j < fw; j++) {
      const phase = tf.reshape(tf.slice(view, [0, i % sh, 0, (j % sw) * c], [b * hq, 1, wq, c]), [b, hq, wq, c]) as tf.Tensor4D;
      const [q, qq] = [Math.floor(i / sh), Math.floor(j / sw)];
      out.push(hq === oh && wq === ow ? phase : tf.slice(phase, [0, q, qq, 0], [b, oh, ow, c]));
    }
  }
  return out;
}

/**
 * Aᵀ·ddx for MaxPoolGrad: per window, ddx at the window's first maximum. Ties go to the first
 * offset in row-major order, as in tfjs-cpu's and the wasm training kernel's MaxPoolGrad.
 *
 * When windows do not overlap (stride ≥ window, the engine's CNN and most Keras models), the
 * kernel itself marks each window's chosen cell: mask = A·1 is 1 there and 0 elsewhere, with the
 * kernel's own tie rule and padding. The window sum of mask⊙ddx is then ddx at that cell, and
 * avgPool(mask⊙ddx) / avgPool(mask) is that sum whatever divisor the backend's avgPool uses
 * (the same one in both). Four fast kernels instead of 2·fh·fw copies: 0.9 s of a 5.4 s CNN HVP
 * on wasm (batch 256) went to those copies.
 */
function maxPoolGradTransposed(ddx: tf.Tensor4D, input: tf.Tensor4D, output: tf.Tensor4D, attrs: PoolAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const info = tf.backend_util.computePool2DInfo(input.shape, attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
    if (info.strideHeight >= info.filterHeight && info.strideWidth >= info.filterWidth) {
      const mask = tf.engine().runKernel(tf.MaxPoolGrad, { dy: tf.onesLike(output), input, output }, attrs as unknown as Attrs) as tf.Tensor4D;
      const pool = (t: tf.Tensor4D) => tf.avgPool(t, attrs.filterSize, attrs.strides, attrs.pad as 'same', attrs.dimRoundingMode);
      return tf.div(pool(tf.mul(mask, ddx)), pool(mask)) as tf.Tensor4D;
    }
    // Overlapping windows: a cell may be the maximum of several, so gather per window offset.
    // −∞ padding is never a window's maximum.
    const xs = windowOffsets(input, attrs, -Infinity);
    const gs = windowOffsets(ddx, attrs, 0);
    let taken: tf.Tensor = tf.zerosLike(output);
    let sum: tf.Tensor = tf.zerosLike(output);
    xs.forEach((x, k) => {
      const hit = tf.mul(tf.cast(tf.equal(x, output), 'float32'), tf.sub(1, taken));
      sum = tf.add(sum, tf.mul(hit, gs[k]));
      taken = tf.add(taken, hit);
    });
    return sum as tf.Tensor4D;
  });
}

export const maxPoolGradGradient: tf.GradConfig = {
  kernelName: tf.MaxPoolGrad,
  inputsToSave: ['input', 'output'],
  gradFunc: (ddx, saved, attrs: Attrs) => {
    const [input, output] = saved as [tf.Tensor4D, tf.Tensor4D];
    return {
      dy: () => maxPoolGradTransposed(ddx as tf.Tensor4D, input, output, attrs as unknown as PoolAttrs),
      input: () => tf.zerosLike(input),
      output: () => tf.zerosLike(output),
    };
  },
};

/**
 * Aᵀ·ddx for AvgPoolGrad: per window, the sum of ddx over the window's in-bounds cells divided by
 * the full window area. Every tfjs backend's AvgPoolGrad divides by the full area (while AvgPool
 * divides by the in-bounds count), so this is the transpose of the gradient training uses; with
 * 'valid' padding it equals avgPool(ddx).
 */
function avgPoolGradTransposed(ddx: tf.Tensor4D, attrs: PoolAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const gs = windowOffsets(ddx, attrs, 0);
    // A chain of adds, not addN: addN of more than 7 tensors exceeds WebGPU's storage-buffer limit.
    return tf.div(gs.reduce((a, b) => tf.add(a, b)), gs.length) as tf.Tensor4D;
  });
}

export const avgPoolGradGradient: tf.GradConfig = {
  kernelName: tf.AvgPoolGrad,
  inputsToSave: ['input'],
  gradFunc: (ddx, saved, attrs: Attrs) => {
    const [input] = saved as [tf.Tensor4D];
    return {
      dy: () => avgPoolGradTransposed(ddx as tf.Tensor4D, attrs as unknown as PoolAttrs),
      input: () => tf.zerosLike(input),
    };
  },
};
