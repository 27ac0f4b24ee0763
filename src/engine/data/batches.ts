// Mini-batches as plain typed arrays (the caller makes tensors on whatever backend it runs).
// One call = one epoch: with shuffle, the order is a fresh permutation drawn from `rng`, so
// successive epochs differ and a run with the same seed repeats exactly.
import type { Rng } from '../rng';
import { augmentInto } from './augment';
import type { Split } from './types';

export interface Batch {
  x: Float32Array;
  y: Int32Array;
  size: number;
}

export interface BatchOptions {
  batchSize: number;
  shuffle: boolean;
  rng: Rng;
  /** Images only (inputShape [H, W, C]); ignored when both parts are off. */
  augment?: { cropPadding: number; flip: boolean };
  /** Skip a last, smaller batch (default false). */
  dropLast?: boolean;
}

export function* iterateBatches(split: Split, inputShape: number[], opts: BatchOptions): Generator<Batch> {
  const dim = inputShape.reduce((a, b) => a * b, 1);
  if (split.n * dim !== split.x.length) {
    throw new Error(`iterateBatches: input shape [${inputShape.join(', ')}] (${dim} values) does not match the split (${split.x.length} values for ${split.n} examples)`);
  }
  if (!(opts.batchSize >= 1)) throw new Error(`iterateBatches: batchSize must be ≥ 1, got ${opts.batchSize}`);
  const aug = opts.augment && (opts.augment.cropPadding > 0 || opts.augment.flip) ? opts.augment : null;
  if (aug && inputShape.length !== 3) {
    throw new Error(`data.augment (crop/flip) needs image inputs [height, width, channels]; this input shape is [${inputShape.join(', ')}]`);
  }
  const order = Int32Array.from({ length: split.n }, (_, i) => i);
  if (opts.shuffle) opts.rng.shuffle(order);
  for (let start = 0; start < split.n; start += opts.batchSize) {
    const size = Math.min(opts.batchSize, split.n - start);
    if (size < opts.batchSize && opts.dropLast) return;
    const x = new Float32Array(size * dim);
    const y = new Int32Array(size);
    for (let i = 0; i < size; i++) {
      const e = order[start + i];
      y[i] = split.y[e];
      if (aug) augmentInto(split.x, e * dim, x, i * dim, inputShape, aug, opts.rng);
      else x.set(split.x.subarray(e * dim, (e + 1) * dim), i * dim);
    }
    yield { x, y, size };
  }
}
