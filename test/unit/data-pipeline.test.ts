// The common pipeline: synthetic sets, validation split, limits, label noise, seeding.
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/engine/data/index';
import { applyLabelNoise } from '../../src/engine/data/label-noise';
import { Rng } from '../../src/engine/rng';
import { dataSchema } from '../../src/shared/config';

const load = (c: Record<string, unknown>, seed = 0) => loadDataset(dataSchema.parse(c), { seed, download: false });

describe('synthetic 2-D sets', () => {
  it.each([
    ['synthetic-moons', 2],
    ['synthetic-spirals', 3],
    ['synthetic-blobs', 4],
  ] as const)('%s: shapes, balanced classes, untouched coordinates', async (name, classes) => {
    const ds = await load({ name, samples: 600 });
    expect(ds.inputShape).toEqual([2]);
    expect(ds.numClasses).toBe(classes);
    expect(ds.train.n).toBe(600);
    expect(ds.train.x.length).toBe(1200);
    expect(ds.test.n).toBe(150);
    expect(ds.normalization!.kind).toBe('none');
    const counts = new Array(classes).fill(0);
    for (const y of ds.train.y) counts[y]++;
    expect(counts).toEqual(new Array(classes).fill(600 / classes));
    for (const v of ds.train.x) expect(Math.abs(v)).toBeLessThan(6);
  });

  it('is seeded: same seed same points, other seed other points; noise spreads them', async () => {
    const a = await load({ name: 'synthetic-moons', samples: 200 }, 5);
    const b = await load({ name: 'synthetic-moons', samples: 200 }, 5);
    const c = await load({ name: 'synthetic-moons', samples: 200 }, 6);
    expect(a.train.x).toEqual(b.train.x);
    expect(a.train.x).not.toEqual(c.train.x);
    // Noise-free moons lie exactly on unit half-circles centred at (-0.5, -0.25) and (0.5, 0.25).
    const clean = await load({ name: 'synthetic-moons', samples: 200, noise: 0 }, 5);
    for (let i = 0; i < clean.train.n; i++) {
      const [x, y] = [clean.train.x[2 * i], clean.train.x[2 * i + 1]];
      const r = clean.train.y[i] === 0 ? Math.hypot(x + 0.5, y + 0.25) : Math.hypot(x - 0.5, y - 0.25);
      expect(r).toBeCloseTo(1, 5);
    }
    const noisy = await load({ name: 'synthetic-moons', samples: 200, noise: 0.3 }, 5);
    let off = 0;
    for (let i = 0; i < noisy.train.n; i++) {
      const [x, y] = [noisy.train.x[2 * i], noisy.train.x[2 * i + 1]];
      off += Math.abs((noisy.train.y[i] === 0 ? Math.hypot(x + 0.5, y + 0.25) : Math.hypot(x - 0.5, y - 0.25)) - 1);
    }
    expect(off / noisy.train.n).toBeGreaterThan(0.1);
  });
});

describe('splits and limits', () => {
  it('holds out round(validationSplit · n) for validation, disjoint from training; limit keeps validation proportional', async () => {
    const ds = await load({ name: 'synthetic-blobs', samples: 1000, validationSplit: 0.15 }, 1);
    expect(ds.validation!.n).toBe(150);
    expect(ds.train.n).toBe(850);
    // No training point appears in validation (points are continuous, so equality means the same example).
    const key = (x: Float32Array, i: number) => `${x[2 * i]},${x[2 * i + 1]}`;
    const train = new Set(Array.from({ length: ds.train.n }, (_, i) => key(ds.train.x, i)));
    for (let i = 0; i < ds.validation!.n; i++) expect(train.has(key(ds.validation!.x, i))).toBe(false);
    // With a limit, validation stays 15 % of the data in use: ⌈100 / 0.85⌉ = 118 drawn, 18 held out.
    const limited = await load({ name: 'synthetic-blobs', samples: 1000, validationSplit: 0.15, limit: 100, testLimit: 40 }, 1);
    expect(limited.validation!.n).toBe(18);
    expect(limited.train.n).toBe(100);
    expect(limited.test.n).toBe(40);
    const limitedTrain = new Set(Array.from({ length: limited.train.n }, (_, i) => key(limited.train.x, i)));
    for (let i = 0; i < limited.validation!.n; i++) expect(limitedTrain.has(key(limited.validation!.x, i))).toBe(false);
    // A limit above the pool size changes nothing.
    const big = await load({ name: 'synthetic-blobs', samples: 1000, validationSplit: 0.15, limit: 5000 }, 1);
    expect([big.train.n, big.validation!.n]).toEqual([850, 150]);
    expect(big.validation!.x).toEqual(ds.validation!.x);
  });
});

describe('label noise', () => {
  it('flips exactly round(fraction · n) training labels to a different class, seeded', async () => {
    const clean = await load({ name: 'synthetic-spirals', samples: 999, validationSplit: 0.1 }, 3);
    const noisy = await load({ name: 'synthetic-spirals', samples: 999, validationSplit: 0.1, labelNoise: 0.25 }, 3);
    const again = await load({ name: 'synthetic-spirals', samples: 999, validationSplit: 0.1, labelNoise: 0.25 }, 3);
    const n = clean.train.n;
    expect(noisy.noisyIndices.length).toBe(Math.round(0.25 * n));
    expect(Array.from(noisy.noisyIndices)).toEqual(Array.from(again.noisyIndices));
    expect(Array.from(noisy.train.y)).toEqual(Array.from(again.train.y));
    // Same points, only the chosen labels changed, each to another class; validation/test clean.
    expect(noisy.train.x).toEqual(clean.train.x);
    const picked = new Set(noisy.noisyIndices);
    let changed = 0;
    for (let i = 0; i < n; i++) {
      if (picked.has(i)) expect(noisy.train.y[i]).not.toBe(clean.train.y[i]);
      else expect(noisy.train.y[i]).toBe(clean.train.y[i]);
      if (noisy.train.y[i] !== clean.train.y[i]) changed++;
    }
    expect(changed).toBe(noisy.noisyIndices.length);
    expect(Array.from(noisy.validation!.y)).toEqual(Array.from(clean.validation!.y));
    expect(Array.from(noisy.test.y)).toEqual(Array.from(clean.test.y));
    const other = await load({ name: 'synthetic-spirals', samples: 999, validationSplit: 0.1, labelNoise: 0.25 }, 4);
    expect(Array.from(other.noisyIndices)).not.toEqual(Array.from(noisy.noisyIndices));
  });

  it('spreads replacements uniformly over the other classes', () => {
    const y = new Int32Array(40000);
    const idx = applyLabelNoise(y, 5, 1, new Rng(9));
    expect(idx.length).toBe(40000);
    const counts = [0, 0, 0, 0, 0];
    for (const v of y) counts[v]++;
    expect(counts[0]).toBe(0);
    // Each of the 4 other classes gets 10,000 ± a few standard deviations (σ ≈ 87).
    for (const c of counts.slice(1)) expect(Math.abs(c - 10000)).toBeLessThan(500);
  });
});
