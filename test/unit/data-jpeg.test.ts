// Baseline JPEG decoding, checked against Chromium's own decode of JPEGs Chromium encoded
// (fixtures made by test/fixtures/data/make-jpeg.ts) and against hand-built DC-only files.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/engine/data/index';
import { decodeJpeg } from '../../src/engine/data/jpeg';
import { decodePng } from '../../src/engine/data/png';
import { dataSchema } from '../../src/shared/config';
import { greyJpegDcOnly, tmpDir, removeTmpDirs } from '../fixtures/data/make';

afterAll(removeTmpDirs);

const FIX = join(__dirname, '../fixtures/data/jpeg');

describe('JPEG decoder', () => {
  it.each(['gradient-37x29', 'shapes-64x48'])('%s (4:2:0, Chromium-encoded) matches Chromium’s decode within 2 levels', (name) => {
    const file = join(FIX, `${name}.jpg`);
    const img = decodeJpeg(readFileSync(file), file);
    const ref = decodePng(readFileSync(join(FIX, `${name}.ref.png`)), name);
    expect([img.width, img.height, img.channels]).toEqual([ref.width, ref.height, 3]);
    let sum = 0, max = 0;
    for (let i = 0; i < img.data.length; i++) {
      const d = Math.abs(img.data[i] - ref.data[i]);
      sum += d;
      max = Math.max(max, d);
    }
    expect(max).toBeLessThanOrEqual(2);
    expect(sum / img.data.length).toBeLessThan(0.5);
  });

  it('decodes greyscale, non-interleaved scans with restart markers, cropping partial blocks', () => {
    // 20×12 pixels → 3×2 blocks; the last column and row of blocks are partly outside the image.
    const levels = [-100, -3, 0, 1, 64, 127];
    for (const restart of [0, 1, 2, 4]) {
      const img = decodeJpeg(greyJpegDcOnly(20, 12, levels, restart), 'dc.jpg');
      expect([img.width, img.height, img.channels]).toEqual([20, 12, 1]);
      for (let y = 0; y < 12; y++) for (let x = 0; x < 20; x++) expect(img.data[y * 20 + x]).toBe(128 + levels[Math.floor(y / 8) * 3 + Math.floor(x / 8)]);
    }
  });

  it('names files it cannot decode', () => {
    const progressive = Buffer.from(readFileSync(join(FIX, 'gradient-37x29.jpg')));
    const sof = progressive.indexOf(Buffer.from([0xff, 0xc0]));
    progressive[sof + 1] = 0xc2;
    expect(() => decodeJpeg(progressive, '/x/p.jpg')).toThrow('/x/p.jpg: progressive JPEG is not supported');
    const cut = readFileSync(join(FIX, 'gradient-37x29.jpg')).subarray(0, 300);
    expect(() => decodeJpeg(cut, '/x/cut.jpg')).toThrow(/\/x\/cut\.jpg: /);
    expect(() => decodeJpeg(Buffer.from('not a jpeg'), '/x/n.jpg')).toThrow('/x/n.jpg: is not a JPEG file');
  });

  it('loads JPEG and PNG images side by side in an image folder', async () => {
    const root = tmpDir('sam-jpg-');
    for (const [cls, base] of [['dark', -100], ['light', 100]] as const) {
      mkdirSync(join(root, cls));
      for (let i = 0; i < 3; i++) writeFileSync(join(root, cls, `${i}.jpeg`), greyJpegDcOnly(16, 8, [base + i, base - i]));
    }
    const ds = await loadDataset(dataSchema.parse({ name: 'images', path: root, testSplit: 0.34 }), { seed: 0, download: false });
    expect(ds.inputShape).toEqual([8, 16, 1]);
    expect(ds.classNames).toEqual(['dark', 'light']);
    expect(ds.train.n + ds.test.n).toBe(6);
    const { mean, std, scale } = ds.normalization!;
    for (let i = 0; i < ds.train.n; i++) {
      const v = Math.round((ds.train.x[i * 128] * std[0] + mean[0]) * scale);
      expect(ds.train.y[i] === 0 ? v < 40 : v > 200).toBe(true);
    }
  });
});
