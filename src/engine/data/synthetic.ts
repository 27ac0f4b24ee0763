// Synthetic 2-D classification sets for instant demos (and for plotting decision boundaries):
// points come out in their natural coordinates (roughly [-2, 2]²), class-balanced, seeded.
import { Rng } from '../rng';
import type { RawDataset, RawSplit } from './raw';

export type SyntheticKind = 'moons' | 'spirals' | 'blobs';

export const SYNTHETIC_DEFAULTS: Record<SyntheticKind, { classes: number; noise: number }> = {
  moons: { classes: 2, noise: 0.1 },
  spirals: { classes: 3, noise: 0.1 },
  blobs: { classes: 4, noise: 0.5 },
};

export const DEFAULT_SYNTHETIC_SAMPLES = 1000;

/** One point of class `c`; `u` is uniform in [0, 1) along the class's curve. */
function point(kind: SyntheticKind, c: number, classes: number, u: number): [number, number] {
  if (kind === 'moons') {
    // Two interleaving half circles (as scikit-learn's make_moons), centred on the origin.
    const t = Math.PI * u;
    return c === 0 ? [Math.cos(t) - 0.5, Math.sin(t) - 0.25] : [0.5 - Math.cos(t), 0.25 - Math.sin(t)];
  }
  if (kind === 'spirals') {
    // Arm c: radius grows linearly over 1.5 turns; arms rotated by 2π/classes.
    const r = 0.1 + 1.9 * u;
    const t = (2 * Math.PI * c) / classes + 3 * Math.PI * u;
    return [r * Math.cos(t), r * Math.sin(t)];
  }
  // blobs: centres evenly on a circle of radius 2; spread comes from the noise term alone.
  const t = (2 * Math.PI * c) / classes;
  return [2 * Math.cos(t), 2 * Math.sin(t)];
}

export function generateSynthetic(kind: SyntheticKind, n: number, noise: number, rng: Rng): RawSplit {
  const classes = SYNTHETIC_DEFAULTS[kind].classes;
  const x = new Float32Array(2 * n);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    const [px, py] = point(kind, c, classes, rng.next());
    x[2 * i] = px + noise * rng.normal();
    x[2 * i + 1] = py + noise * rng.normal();
    y[i] = c;
  }
  return { x, y, n };
}

/** Training set of `samples` points and an independent test draw of a quarter that size (≥ 100). */
export function syntheticDataset(kind: SyntheticKind, opts: { samples?: number; noise?: number; seed: number }): RawDataset {
  const samples = opts.samples ?? DEFAULT_SYNTHETIC_SAMPLES;
  const noise = opts.noise ?? SYNTHETIC_DEFAULTS[kind].noise;
  const rng = new Rng(opts.seed);
  const train = generateSynthetic(kind, samples, noise, rng.fork(1));
  const test = generateSynthetic(kind, Math.max(100, Math.ceil(samples / 4)), noise, rng.fork(2));
  const classes = SYNTHETIC_DEFAULTS[kind].classes;
  return {
    name: `synthetic-${kind}`,
    kind: 'points',
    inputShape: [2],
    numClasses: classes,
    classNames: Array.from({ length: classes }, (_, i) => `class ${i}`),
    train,
    test,
    source: `synthetic ${kind}: ${samples} points, noise ${noise}, seed ${opts.seed}`,
  };
}
