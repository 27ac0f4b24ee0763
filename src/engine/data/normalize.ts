// Normalisation, measured on the training split only (so nothing leaks from validation/test):
// - images: bytes scaled to [0, 1], then standardised per channel (the usual CIFAR recipe the
//   SAM paper's code follows; for Fashion-MNIST it also speeds SGD up over plain [0, 1] inputs);
// - tables (CSV): standardised per column (features on wildly different scales otherwise swamp SGD);
// - synthetic points: left alone (already of unit scale, and decision-boundary plots stay in
//   the generator's coordinates).
import type { RawKind } from './raw';
import type { Normalization } from './types';

/** Per-channel mean and std of the selected rows; channel of value j is j % channels. */
export function channelStats(x: ArrayLike<number>, rows: ArrayLike<number>, rowSize: number, channels: number, scale: number): { mean: number[]; std: number[] } {
  const sum = new Float64Array(channels);
  const sq = new Float64Array(channels);
  for (let r = 0; r < rows.length; r++) {
    const base = rows[r] * rowSize;
    for (let j = 0; j < rowSize; j++) {
      const v = x[base + j] / scale;
      const c = j % channels;
      sum[c] += v;
      sq[c] += v * v;
    }
  }
  const count = (rows.length * rowSize) / channels;
  const mean = Array.from(sum, (s) => s / Math.max(count, 1));
  // A constant channel/column gets std 1 so it maps to 0 rather than NaN.
  const std = Array.from(sq, (s, c) => {
    const v = s / Math.max(count, 1) - mean[c] * mean[c];
    return v > 1e-12 ? Math.sqrt(v) : 1;
  });
  return { mean, std };
}

export function chooseNormalization(kind: RawKind, x: ArrayLike<number>, trainRows: ArrayLike<number>, inputShape: number[]): Normalization {
  const rowSize = inputShape.reduce((a, b) => a * b, 1);
  if (kind === 'points') return { kind: 'none', scale: 1, mean: [0], std: [1] };
  const scale = kind === 'image' ? 255 : 1;
  const channels = kind === 'image' ? inputShape[inputShape.length - 1] : rowSize;
  return { kind: 'standardize', scale, ...channelStats(x, trainRows, rowSize, channels, scale) };
}

/** Copy the chosen rows into a new Float32Array, normalised. */
export function gatherNormalized(x: ArrayLike<number>, rows: ArrayLike<number>, rowSize: number, norm: Normalization): Float32Array {
  const out = new Float32Array(rows.length * rowSize);
  const channels = norm.mean.length;
  const inv = norm.std.map((s) => 1 / s);
  for (let r = 0; r < rows.length; r++) {
    const src = rows[r] * rowSize;
    const dst = r * rowSize;
    for (let j = 0; j < rowSize; j++) {
      const c = j % channels;
      out[dst + j] = (x[src + j] / norm.scale - norm.mean[c]) * inv[c];
    }
  }
  return out;
}
