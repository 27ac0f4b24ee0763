// IDX loading: the real Fashion-MNIST from Debian's package, and generated files for the
// corner cases (gz vs raw, corrupt headers, truncation, mismatched pairs, missing files).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { dataSchema, type DataConfig } from '../../src/shared/config';
import { loadDataset } from '../../src/engine/data/index';
import { idxBuffer, pixel, tmpDir, writeIdxSet, removeTmpDirs } from '../fixtures/data/make';

afterAll(removeTmpDirs);

const FASHION = '/usr/share/datasets/fashion-mnist';
const cfg = (c: Record<string, unknown>): DataConfig => dataSchema.parse(c);

function meanStd(x: Float32Array): { mean: number; std: number } {
  let s = 0, q = 0;
  for (const v of x) { s += v; q += v * v; }
  const mean = s / x.length;
  return { mean, std: Math.sqrt(q / x.length - mean * mean) };
}

describe('real Fashion-MNIST (Debian dataset-fashion-mnist)', () => {
  it('loads 60,000 × 28×28 training and 10,000 test images, labels 0–9, standardised', async () => {
    const phases: string[] = [];
    const ds = await loadDataset(cfg({ name: 'fashion-mnist' }), { seed: 0, download: false, onProgress: (p) => phases.push(p.phase) });
    expect(ds.inputShape).toEqual([28, 28, 1]);
    expect(ds.train.n).toBe(60000);
    expect(ds.train.x.length).toBe(60000 * 784);
    expect(ds.test.n).toBe(10000);
    expect(ds.test.x.length).toBe(10000 * 784);
    expect(ds.numClasses).toBe(10);
    expect(ds.classNames[9]).toBe('Ankle boot');
    expect(ds.validation).toBeNull();
    expect(ds.noisyIndices.length).toBe(0);
    expect(ds.source).toContain(FASHION);
    expect(phases).toContain('load');
    // Fashion-MNIST is balanced: 6,000 of each class in train, 1,000 in test.
    const counts = new Array(10).fill(0);
    for (const y of ds.train.y) counts[y]++;
    expect(counts).toEqual(new Array(10).fill(6000));
    const testCounts = new Array(10).fill(0);
    for (const y of ds.test.y) testCounts[y]++;
    expect(testCounts).toEqual(new Array(10).fill(1000));
    // Per-channel standardisation measured on the training set: the well-known 0.2860 / 0.3530.
    expect(ds.normalization!.kind).toBe('standardize');
    expect(ds.normalization!.mean[0]).toBeCloseTo(0.286, 3);
    expect(ds.normalization!.std[0]).toBeCloseTo(0.353, 3);
    const s = meanStd(ds.train.x);
    expect(s.mean).toBeCloseTo(0, 4);
    expect(s.std).toBeCloseTo(1, 4);
    expect(ds.train.x.every(Number.isFinite)).toBe(true);
    expect(Math.min(...ds.test.x.subarray(0, 784))).toBeCloseTo(-0.286 / 0.353, 2);
  });

  it('honours limit, testLimit and the seed', async () => {
    const c = cfg({ name: 'fashion-mnist', limit: 300, testLimit: 120 });
    const a = await loadDataset(c, { seed: 7, download: false });
    const b = await loadDataset(c, { seed: 7, download: false });
    const other = await loadDataset(c, { seed: 8, download: false });
    expect(a.train.n).toBe(300);
    expect(a.train.x.length).toBe(300 * 784);
    expect(a.test.n).toBe(120);
    expect(Array.from(a.train.y)).toEqual(Array.from(b.train.y));
    expect(Buffer.from(a.train.x.buffer).equals(Buffer.from(b.train.x.buffer))).toBe(true);
    // Another seed draws another random subset of the training set.
    expect(Array.from(a.train.y)).not.toEqual(Array.from(other.train.y));
    for (const y of a.train.y) expect(y >= 0 && y < 10).toBe(true);
  });
});

describe('IDX files', () => {
  it('reads raw and gzipped files with the same result, pixels scaled then standardised', async () => {
    const raw = tmpDir();
    const gz = tmpDir();
    writeIdxSet(raw, { nTrain: 20, nTest: 5 });
    writeIdxSet(gz, { nTrain: 20, nTest: 5, gz: true });
    const a = await loadDataset(cfg({ name: 'mnist', path: raw }), { seed: 1, download: false });
    const b = await loadDataset(cfg({ name: 'mnist', path: gz }), { seed: 1, download: false });
    expect(a.inputShape).toEqual([4, 3, 1]);
    expect(a.train.n).toBe(20);
    expect(a.test.n).toBe(5);
    expect(Buffer.from(a.train.x.buffer).equals(Buffer.from(b.train.x.buffer))).toBe(true);
    // Undo the normalisation: the test set comes in file order, so image i holds pixel(i, j).
    const { mean, std, scale } = a.normalization!;
    for (let i = 0; i < 5; i++) {
      for (let j = 0; j < 12; j++) expect((a.test.x[i * 12 + j] * std[0] + mean[0]) * scale).toBeCloseTo(pixel(i, j), 3);
      expect(a.test.y[i]).toBe(i % 10);
    }
  });

  it('sees a replaced file on the next load (the in-process cache is keyed by file stamps)', async () => {
    const dir = tmpDir();
    writeIdxSet(dir, { nTrain: 8, nTest: 4 });
    const a = await loadDataset(cfg({ name: 'mnist', path: dir }), { seed: 1, download: false });
    expect(Array.from(a.test.y)).toEqual([0, 1, 2, 3]);
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idxBuffer([4], Uint8Array.from([9, 9, 9, 9])));
    const b = await loadDataset(cfg({ name: 'mnist', path: dir }), { seed: 1, download: false });
    expect(Array.from(b.test.y)).toEqual([9, 9, 9, 9]);
  });

  it('names the file and the expected magic number when images and labels are swapped', async () => {
    const dir = tmpDir();
    writeIdxSet(dir, { nTrain: 4, nTest: 2 });
    const img = readFileSync(join(dir, 'train-images-idx3-ubyte'));
    const lab = readFileSync(join(dir, 'train-labels-idx1-ubyte'));
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), lab);
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), img);
    const err = await loadDataset(cfg({ name: 'mnist', path: dir }), { seed: 0, download: false }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain(join(dir, 'train-images-idx3-ubyte'));
    expect((err as Error).message).toContain('wrong magic number 0x00000801; expected 0x00000803');
  });

  it('reports a truncated image file with the sizes the header promised', async () => {
    const dir = tmpDir();
    writeIdxSet(dir, { nTrain: 6, nTest: 2, gz: true });
    const file = join(dir, 't10k-images-idx3-ubyte.gz');
    const full = gunzipSync(readFileSync(file));
    writeFileSync(file, gzipSync(full.subarray(0, full.length - 5)));
    const err = await loadDataset(cfg({ name: 'kmnist', path: dir }), { seed: 0, download: false }).catch((e: Error) => e);
    expect((err as Error).message).toContain(file);
    expect((err as Error).message).toMatch(/truncated: the header says 2 × 4 × 3 = 24 values \(40 bytes\), the file has 35 bytes/);
  });

  it('reports a cut-off gzip download', async () => {
    const dir = tmpDir();
    writeIdxSet(dir, { nTrain: 50, nTest: 2, gz: true });
    const file = join(dir, 'train-images-idx3-ubyte.gz');
    const gz = readFileSync(file);
    writeFileSync(file, gz.subarray(0, Math.floor(gz.length / 2)));
    const err = await loadDataset(cfg({ name: 'mnist', path: dir }), { seed: 0, download: false }).catch((e: Error) => e);
    expect((err as Error).message).toContain(file);
    expect((err as Error).message).toContain('is not a valid gzip file');
  });

  it('rejects a label file whose count differs from its image file', async () => {
    const dir = tmpDir();
    writeIdxSet(dir, { nTrain: 6, nTest: 3 });
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idxBuffer([5], new Uint8Array(5)));
    const err = await loadDataset(cfg({ name: 'mnist', path: dir }), { seed: 0, download: false }).catch((e: Error) => e);
    expect((err as Error).message).toContain(join(dir, 'train-labels-idx1-ubyte'));
    expect((err as Error).message).toContain('has 5 labels but');
    expect((err as Error).message).toContain('has 6 images');
  });

  it('rejects labels outside 0–9', async () => {
    const dir = tmpDir();
    writeIdxSet(dir, { nTrain: 3, nTest: 3 });
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idxBuffer([3], Uint8Array.from([1, 12, 3])));
    const err = await loadDataset(cfg({ name: 'mnist', path: dir }), { seed: 0, download: false }).catch((e: Error) => e);
    expect((err as Error).message).toContain(join(dir, 't10k-labels-idx1-ubyte'));
    expect((err as Error).message).toContain('label 12 at index 1 is out of range');
  });

  it('says where to put missing files and which Debian package has them', async () => {
    const dir = tmpDir();
    const err = await loadDataset(cfg({ name: 'fashion-mnist', path: dir }), { seed: 0, download: false }).catch((e: Error) => e);
    const msg = (err as Error).message;
    expect(msg).toContain(`Fashion-MNIST not found in ${dir}`);
    expect(msg).toContain('train-images-idx3-ubyte.gz');
    expect(msg).toContain('apt-get install dataset-fashion-mnist');
    expect(msg).toContain('data.path');
    const mnist = await loadDataset(cfg({ name: 'mnist', path: dir }), { seed: 0, download: false }).catch((e: Error) => e);
    expect((mnist as Error).message).toContain(`put the files (.gz or unpacked) in ${dir}`);
    expect((mnist as Error).message).not.toContain('apt-get');
    // Without an explicit `download`, nothing is fetched under vitest: no "Downloading failed".
    const implicit = await loadDataset(cfg({ name: 'kmnist', path: dir }), { seed: 0 }).catch((e: Error) => e);
    expect((implicit as Error).message).toContain(`KMNIST not found in ${dir}`);
    expect((implicit as Error).message).not.toContain('Downloading failed');
  });
});
