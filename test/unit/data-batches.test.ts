// Mini-batching and augmentation: coverage, per-epoch shuffles, crop/flip geometry.
import { describe, expect, it } from 'vitest';
import { cropFlipInto } from '../../src/engine/data/augment';
import { iterateBatches } from '../../src/engine/data/batches';
import type { Split } from '../../src/engine/data/types';
import { Rng } from '../../src/engine/rng';

/** n images h×w×c; value = example·1000 + pixel index + 1 (never 0, so padding is visible). */
function images(n: number, h: number, w: number, c: number): Split {
  const d = h * w * c;
  const x = Float32Array.from({ length: n * d }, (_, k) => Math.floor(k / d) * 1000 + (k % d) + 1);
  return { x, y: Int32Array.from({ length: n }, (_, i) => i), n };
}

describe('iterateBatches', () => {
  it('covers every example once per epoch, shuffles differently each epoch, keeps x and y together', () => {
    const split = images(23, 2, 2, 1);
    const rng = new Rng(1);
    const epochs = [0, 1].map(() => [...iterateBatches(split, [2, 2, 1], { batchSize: 5, shuffle: true, rng })]);
    for (const batches of epochs) {
      expect(batches.map((b) => b.size)).toEqual([5, 5, 5, 5, 3]);
      const ys = batches.flatMap((b) => Array.from(b.y));
      expect([...ys].sort((a, b) => a - b)).toEqual(Array.from({ length: 23 }, (_, i) => i));
      for (const b of batches) for (let i = 0; i < b.size; i++) expect(b.x[i * 4]).toBe(b.y[i] * 1000 + 1);
    }
    expect(epochs[0].flatMap((b) => Array.from(b.y))).not.toEqual(epochs[1].flatMap((b) => Array.from(b.y)));
    const dropped = [...iterateBatches(split, [4], { batchSize: 5, shuffle: false, rng, dropLast: true })];
    expect(dropped.map((b) => b.size)).toEqual([5, 5, 5, 5]);
    expect(Array.from(dropped[0].y)).toEqual([0, 1, 2, 3, 4]);
  });

  it('is reproducible from the seed', () => {
    const split = images(50, 1, 1, 1);
    const order = (seed: number) => [...iterateBatches(split, [1], { batchSize: 50, shuffle: true, rng: new Rng(seed) })][0].y;
    expect(Array.from(order(4))).toEqual(Array.from(order(4)));
    expect(Array.from(order(4))).not.toEqual(Array.from(order(5)));
  });

  it('rejects a shape that does not match the split, and augmentation of flat inputs', () => {
    const split = images(3, 2, 2, 1);
    expect(() => [...iterateBatches(split, [5], { batchSize: 2, shuffle: false, rng: new Rng(0) })]).toThrow(/does not match the split/);
    expect(() => [...iterateBatches(split, [4], { batchSize: 2, shuffle: false, rng: new Rng(0), augment: { cropPadding: 0, flip: true } })]).toThrow(/needs image inputs/);
  });
});

describe('augmentation', () => {
  it('flip mirrors each row, channels kept in place', () => {
    const [h, w, c] = [3, 4, 2];
    const src = images(1, h, w, c).x;
    const dst = new Float32Array(src.length);
    cropFlipInto(src, 0, dst, 0, h, w, c, 0, 0, 0, true);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) expect(dst[(y * w + x) * c + k]).toBe(src[(y * w + (w - 1 - x)) * c + k]);
  });

  it('crop after padding shifts the image and fills with zeros', () => {
    const [h, w, c, pad] = [4, 5, 1, 2];
    const src = images(1, h, w, c).x;
    const dst = new Float32Array(src.length);
    // Corner (oy, ox) = (0, 4) in the padded image: shift down by 2, left by 2.
    cropFlipInto(src, 0, dst, 0, h, w, c, pad, 0, 4, false);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const [sy, sx] = [y - 2, x + 2];
        expect(dst[y * w + x]).toBe(sy >= 0 && sx < w ? src[sy * w + sx] : 0);
      }
  });

  it('batches of augmented images keep their shape; each is a shifted and/or mirrored copy', () => {
    const [h, w, c] = [6, 6, 3];
    const split = images(40, h, w, c);
    const rng = new Rng(2);
    let flips = 0, plain = 0;
    for (const b of iterateBatches(split, [h, w, c], { batchSize: 16, shuffle: true, rng, augment: { cropPadding: 0, flip: true } })) {
      expect(b.x.length).toBe(b.size * h * w * c);
      for (let i = 0; i < b.size; i++) {
        const base = b.y[i] * 1000 + 1;
        const first = b.x[i * h * w * c];
        // Pixel (0,0) channel 0 is either the original (0,0) or the mirrored (0,w-1).
        if (first === base) plain++;
        else if (first === base + (w - 1) * c) flips++;
        else throw new Error(`unexpected pixel ${first}`);
      }
    }
    expect(flips + plain).toBe(40);
    expect(flips).toBeGreaterThan(5);
    expect(plain).toBeGreaterThan(5);
    let zeros = 0;
    for (const b of iterateBatches(split, [h, w, c], { batchSize: 40, shuffle: false, rng, augment: { cropPadding: 2, flip: false } })) {
      for (const v of b.x) if (v === 0) zeros++;
    }
    // With padding 2 most crops are off-centre and show padding.
    expect(zeros).toBeGreaterThan(0);
  });
});
