// JPEG decoding (jpeg-js), checked on JPEGs Chromium encoded (fixtures made by
// test/fixtures/data/make-jpeg.ts) against libjpeg-turbo's decode of them (make-libjpeg.sh) and
// Chromium's own, and against hand-built DC-only files.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/engine/data/index';
import { decodeJpeg } from '../../src/engine/data/jpeg';
import { decodePng } from '../../src/engine/data/png';
import { dataSchema } from '../../src/shared/config';
import { greyJpegDcOnly, tmpDir, removeTmpDirs } from '../fixtures/data/make';
import { pixelDiff } from './helpers/pixels';

afterAll(removeTmpDirs);

const FIX = join(__dirname, '../fixtures/data/jpeg');

describe('JPEG decoder', () => {
  it.each(['gradient-37x29', 'shapes-64x48'])('%s (4:2:0, Chromium-encoded) matches libjpeg-turbo’s decode within 3 levels, and Chromium’s in luma', (name) => {
    const file = join(FIX, `${name}.jpg`);
    const img = decodeJpeg(readFileSync(file), file);
    // libjpeg-turbo with chroma replicated (djpeg -nosmooth), as jpeg-js upsamples.
    const libjpeg = decodePng(readFileSync(join(FIX, `${name}.libjpeg.png`)), name);
    expect([img.width, img.height, img.channels]).toEqual([libjpeg.width, libjpeg.height, 3]);
    const d = pixelDiff(img.data, libjpeg.data);
    expect(d.max).toBeLessThanOrEqual(3);
    expect(d.mean).toBeLessThan(0.75);
    // Chromium interpolates chroma; luma, which upsampling does not set, agrees on average.
    const chromium = decodePng(readFileSync(join(FIX, `${name}.ref.png`)), name);
    const luma = (rgb: Uint8Array) => Float64Array.from({ length: rgb.length / 3 }, (_, i) => 0.299 * rgb[3 * i] + 0.587 * rgb[3 * i + 1] + 0.114 * rgb[3 * i + 2]);
    expect(pixelDiff(luma(img.data), luma(chromium.data)).mean).toBeLessThan(1);
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
    const whole = readFileSync(join(FIX, 'gradient-37x29.jpg'));
    const cut = whole.subarray(0, 300);
    expect(() => decodeJpeg(cut, '/x/cut.jpg')).toThrow(/\/x\/cut\.jpg: /);
    // Cut inside the scan: jpeg-js alone would fill the rest with grey.
    const cutLate = whole.subarray(0, Math.floor(whole.length * 0.8));
    expect(() => decodeJpeg(cutLate, '/x/late.jpg')).toThrow('/x/late.jpg: truncated JPEG');
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
