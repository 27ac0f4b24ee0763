// PNG decoding (every row filter, colour types, palettes) and image-folder data sets.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/engine/data/index';
import { decodePng, encodePng } from '../../src/engine/data/png';
import { dataSchema } from '../../src/shared/config';
import { palettePng1Bit, pngWithFilters, tmpDir, removeTmpDirs } from '../fixtures/data/make';

afterAll(removeTmpDirs);

const pattern = (n: number, salt: number) => Uint8Array.from({ length: n }, (_, i) => (i * 37 + salt * 11 + ((i * i) >> 3)) & 0xff);

describe('PNG decoder', () => {
  it('undoes all five row filters for grey, RGB and RGBA (alpha dropped)', () => {
    const [w, h] = [7, 10];
    for (const colorType of [0, 2, 6] as const) {
      const spp = colorType === 0 ? 1 : colorType === 2 ? 3 : 4;
      const data = pattern(w * h * spp, colorType);
      const img = decodePng(pngWithFilters(w, h, colorType, data, [0, 1, 2, 3, 4]), 'f.png');
      expect([img.width, img.height, img.channels]).toEqual([w, h, colorType === 0 ? 1 : 3]);
      for (let p = 0; p < w * h; p++) for (let c = 0; c < img.channels; c++) expect(img.data[p * img.channels + c]).toBe(data[p * spp + c]);
    }
  });

  it('unpacks 1-bit palette images', () => {
    const bits = [1, 0, 0, 1, 1, 1, 0, 0, 1, 0, 1, 0];
    const img = decodePng(palettePng1Bit(12, 1, bits, [[10, 20, 30], [200, 150, 100]]), 'p.png');
    expect(img.channels).toBe(3);
    bits.forEach((b, x) => expect(Array.from(img.data.subarray(3 * x, 3 * x + 3))).toEqual(b ? [200, 150, 100] : [10, 20, 30]));
  });

  it('round-trips its own encoder and names bad files', () => {
    const data = pattern(5 * 4 * 3, 1);
    expect(decodePng(encodePng(5, 4, 3, data), 'x.png').data).toEqual(data);
    expect(() => decodePng(Buffer.from('GIF89a.....'), '/imgs/a.png')).toThrow('/imgs/a.png: is not a PNG file');
    const cut = encodePng(5, 4, 3, data).subarray(0, 40);
    expect(() => decodePng(cut, '/imgs/b.png')).toThrow(/\/imgs\/b\.png: /);
  });
});

/** root/<class>/<i>.png, grey w×h images whose pixels are all `classValue + i`. */
function makeFolder(root: string, classes: Record<string, number>, perClass: number, w = 6, h = 5): void {
  for (const [name, v] of Object.entries(classes)) {
    mkdirSync(join(root, name), { recursive: true });
    for (let i = 0; i < perClass; i++) writeFileSync(join(root, name, `${i}.png`), encodePng(w, h, 1, new Uint8Array(w * h).fill(v + i)));
  }
}

describe('image folders', () => {
  it('loads one sub-folder per class, holds out a test fraction, standardises', async () => {
    const root = tmpDir('sam-img-');
    makeFolder(root, { cat: 10, dog: 200 }, 5);
    writeFileSync(join(root, 'cat', 'notes.txt'), 'ignored');
    const ds = await loadDataset(dataSchema.parse({ name: 'images', path: root, testSplit: 0.2 }), { seed: 1, download: false });
    expect(ds.classNames).toEqual(['cat', 'dog']);
    expect(ds.inputShape).toEqual([5, 6, 1]);
    expect(ds.train.n + ds.test.n).toBe(10);
    expect(ds.test.n).toBe(2);
    // Undo the normalisation: every image is uniform, with value 10..14 (cat) or 200..204 (dog).
    const { mean, std, scale } = ds.normalization!;
    for (let i = 0; i < ds.train.n; i++) {
      const v = Math.round((ds.train.x[i * 30] * std[0] + mean[0]) * scale);
      expect(ds.train.y[i] === 0 ? v >= 10 && v <= 14 : v >= 200 && v <= 204).toBe(true);
    }
  });

  it('uses train/ and test/ folders, promotes grey to RGB and resizes to the first image', async () => {
    const root = tmpDir('sam-img-');
    makeFolder(join(root, 'train'), { a: 0, b: 100 }, 3);
    makeFolder(join(root, 'test'), { a: 0, b: 100 }, 1);
    writeFileSync(join(root, 'train', 'b', 'z-colour.png'), encodePng(12, 10, 3, new Uint8Array(12 * 10 * 3).fill(50)));
    const ds = await loadDataset(dataSchema.parse({ name: 'images', path: root }), { seed: 0, download: false });
    expect(ds.train.n).toBe(7);
    expect(ds.test.n).toBe(2);
    expect(ds.inputShape).toEqual([5, 6, 3]);
    expect(ds.source).toContain('1 resized to 6×5');
  });

  it('names the image it cannot read, and a folder without classes', async () => {
    const root = tmpDir('sam-img-');
    makeFolder(root, { a: 0, b: 9 }, 2);
    writeFileSync(join(root, 'b', 'photo.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xc2, 0x00, 0x0b, 8, 0, 8, 0, 8, 1, 1, 0x11, 0]));
    const jpeg = await loadDataset(dataSchema.parse({ name: 'images', path: root }), { seed: 0 }).catch((e: Error) => e.message);
    expect(jpeg).toContain(`${join(root, 'b', 'photo.jpg')}: truncated JPEG`);
    writeFileSync(join(root, 'b', 'photo.jpg'), 'GIF89a');
    const notImage = await loadDataset(dataSchema.parse({ name: 'images', path: root }), { seed: 0 }).catch((e: Error) => e.message);
    expect(notImage).toContain(`${join(root, 'b', 'photo.jpg')}: is neither a PNG nor a JPEG file`);

    const root2 = tmpDir('sam-img-');
    makeFolder(root2, { a: 0, b: 9 }, 2);
    writeFileSync(join(root2, 'a', 'broken.png'), encodePng(6, 5, 1, new Uint8Array(30)).subarray(0, 30));
    const broken = await loadDataset(dataSchema.parse({ name: 'images', path: root2 }), { seed: 0 }).catch((e: Error) => e.message);
    expect(broken).toContain(join(root2, 'a', 'broken.png'));

    const empty = tmpDir('sam-img-');
    const none = await loadDataset(dataSchema.parse({ name: 'images', path: empty }), { seed: 0 }).catch((e: Error) => e.message);
    expect(none).toContain(`${empty}: no class folders found`);
  });
});
