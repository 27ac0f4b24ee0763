// Symmetric label noise, as in SAM's label-noise experiments (Foret et al. 2021, §3.3, following
// Jiang et al. 2018's noisy CIFAR): exactly round(fraction · n) training labels, picked at random,
// each replaced by a uniformly random *different* class. Seeded; returns the picked indices.
import type { Rng } from '../rng';
import { DataError } from './errors';

export function applyLabelNoise(y: Int32Array, numClasses: number, fraction: number, rng: Rng): Int32Array {
  const n = y.length;
  const k = Math.round(fraction * n);
  if (k === 0) return new Int32Array(0);
  if (numClasses < 2) throw new DataError(`data.labelNoise needs at least 2 classes, the data set has ${numClasses}`);
  // Partial Fisher–Yates: the first k slots of a random permutation are a uniform k-subset.
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(n - i);
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  const picked = idx.slice(0, k).sort();
  for (const i of picked) {
    // Shift by 1..K-1 (mod K): uniform over the other K-1 classes.
    y[i] = (y[i] + 1 + rng.int(numClasses - 1)) % numClasses;
  }
  return picked;
}
