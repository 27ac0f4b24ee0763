// Image augmentation on NHWC rows, the standard CIFAR recipe the SAM paper uses: random crop
// after zero-padding by `pad` pixels on every side, and a horizontal flip with probability ½.
// Padding is with 0 in the *normalised* space, i.e. with the training set's mean colour.
import type { Rng } from '../rng';

/**
 * Write one augmented H×W×C image from `src` (at `srcOff`) to `dst` (at `dstOff`).
 * (oy, ox) ∈ [0, 2·pad]² is the crop's corner in the padded image.
 */
export function cropFlipInto(src: Float32Array, srcOff: number, dst: Float32Array, dstOff: number, h: number, w: number, c: number, pad: number, oy: number, ox: number, flip: boolean): void {
  for (let y = 0; y < h; y++) {
    const sy = y + oy - pad;
    for (let x = 0; x < w; x++) {
      const sx = (flip ? w - 1 - x : x) + ox - pad;
      const d = dstOff + (y * w + x) * c;
      if (sy < 0 || sy >= h || sx < 0 || sx >= w) {
        for (let k = 0; k < c; k++) dst[d + k] = 0;
      } else {
        const s = srcOff + (sy * w + sx) * c;
        for (let k = 0; k < c; k++) dst[d + k] = src[s + k];
      }
    }
  }
}

export function augmentInto(src: Float32Array, srcOff: number, dst: Float32Array, dstOff: number, shape: number[], opts: { cropPadding: number; flip: boolean }, rng: Rng): void {
  const [h, w, c] = shape;
  const pad = opts.cropPadding;
  const oy = pad > 0 ? rng.int(2 * pad + 1) : 0;
  const ox = pad > 0 ? rng.int(2 * pad + 1) : 0;
  const flip = opts.flip && rng.next() < 0.5;
  cropFlipInto(src, srcOff, dst, dstOff, h, w, c, pad, oy, ox, flip);
}
