// Progressive JPEGs and interlaced PNGs made by real encoders (libjpeg-turbo's cjpeg, netpbm's
// pnmtopng: test/fixtures/data/make-libjpeg.sh) load, and hostile headers are refused by name.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/engine/data/index';
import { MAX_IMAGE_PIXELS } from '../../src/engine/data/decoded-image';
import { decodeJpeg } from '../../src/engine/data/jpeg';
import { decodePng } from '../../src/engine/data/png';
import { dataSchema } from '../../src/shared/config';
import { removeTmpDirs, tmpDir } from '../fixtures/data/make';
import { pixelDiff } from './helpers/pixels';

afterAll(removeTmpDirs);

const FIX = join(__dirname, '../fixtures/data/progressive');
const read = (name: string) => readFileSync(join(FIX, name));

/** The markers of a JPEG's segments, in order (entropy-coded data skipped: 0xFF there is stuffed). */
function jpegMarkers(buf: Buffer): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < buf.length; i++) if (buf[i] === 0xff && buf[i + 1] !== 0 && buf[i + 1] !== 0xff && (buf[i + 1] < 0xd0 || buf[i + 1] > 0xd7)) out.push(buf[i + 1]);
  return out;
}

/** The pixels of a binary PPM/PGM (P6/P5, one header line per field). */
function netpbmPixels(buf: Buffer): Buffer {
  const header = buf.toString('latin1', 0, 32).split('\n').slice(0, 3);
  const [w, h] = header[1].split(' ').map(Number);
  const bytesPerSample = Number(header[2]) > 255 ? 2 : 1;
  const samples = w * h * (header[0] === 'P6' ? 3 : 1) * bytesPerSample;
  return buf.subarray(buf.length - samples);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([head, body, crc]);
}

/** A well-formed PNG (valid CRCs) whose header says width × height and whose image data is `idat`. */
function pngWithHeader(width: number, height: number, colorType: number, interlace: 0 | 1, idat: Buffer): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = colorType;
  ihdr[12] = interlace;
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, pngChunk('IHDR', ihdr), pngChunk('IDAT', idat), pngChunk('IEND', Buffer.alloc(0))]);
}

describe('progressive JPEG', () => {
  it('loads a libjpeg-turbo progressive file: the pixels of the same encoder’s baseline file, within 3 levels of libjpeg-turbo’s decode', () => {
    const progressive = read('progressive.jpg');
    const markers = jpegMarkers(progressive);
    expect(markers).toContain(0xc2); // SOF2: progressive DCT
    expect(markers).not.toContain(0xc0);
    expect(markers.filter((m) => m === 0xda).length).toBeGreaterThan(3); // several scans
    expect(jpegMarkers(read('baseline.jpg'))).toContain(0xc0);

    const img = decodeJpeg(progressive, 'progressive.jpg');
    expect([img.width, img.height, img.channels]).toEqual([37, 29, 3]);
    // Same quantised coefficients, sent in one scan or in several: the same pixels.
    expect(img.data).toEqual(decodeJpeg(read('baseline.jpg'), 'baseline.jpg').data);
    const ref = decodePng(read('progressive.libjpeg.png'), 'ref');
    const d = pixelDiff(img.data, ref.data);
    expect(d.max).toBeLessThanOrEqual(3);
    expect(d.mean).toBeLessThan(0.75);
  });

  it.each([
    ['progressive-grey', 1],
    ['restart-progressive', 3],
    ['restart-grey', 1],
  ] as const)('%s.jpg decodes to %i channel(s) within 3 levels of libjpeg-turbo', (name, channels) => {
    const img = decodeJpeg(read(`${name}.jpg`), name);
    expect([img.width, img.height, img.channels]).toEqual([37, 29, channels]);
    const ref = decodePng(read(`${name}.libjpeg.png`), 'ref');
    expect(ref.channels).toBe(channels);
    expect(pixelDiff(img.data, ref.data).max).toBeLessThanOrEqual(3);
  });
});

describe('interlaced PNG', () => {
  it('loads an Adam7 RGB file exactly and a 16-bit grey one scaled to 8 bits', () => {
    const rgb = read('interlaced.png');
    expect(rgb[28]).toBe(1); // IHDR interlace method: Adam7
    const img = decodePng(rgb, 'interlaced.png');
    expect([img.width, img.height, img.channels]).toEqual([37, 29, 3]);
    expect(Buffer.from(img.data).equals(netpbmPixels(read('source-37x29.ppm')))).toBe(true);

    const grey = read('interlaced-grey16.png');
    expect([grey[24], grey[25], grey[28]]).toEqual([16, 0, 1]); // 16-bit, grey, Adam7
    const g = decodePng(grey, 'interlaced-grey16.png');
    expect([g.width, g.height, g.channels]).toEqual([37, 29, 1]);
    const source = netpbmPixels(read('source-grey16.pgm'));
    const expected = Uint8Array.from({ length: 37 * 29 }, (_, i) => Math.round((source.readUInt16BE(2 * i) * 255) / 65535));
    expect(g.data).toEqual(expected);
  });
});

describe('an image folder of them', () => {
  it('loads progressive JPEGs and interlaced PNGs side by side', async () => {
    const root = tmpDir('sam-prog-');
    mkdirSync(join(root, 'jpeg'));
    mkdirSync(join(root, 'png'));
    for (const f of ['progressive.jpg', 'restart-progressive.jpg', 'progressive-grey.jpg']) writeFileSync(join(root, 'jpeg', f), read(f));
    for (const f of ['interlaced.png', 'interlaced-grey16.png']) writeFileSync(join(root, 'png', f), read(f));
    const ds = await loadDataset(dataSchema.parse({ name: 'images', path: root, testSplit: 0.2 }), { seed: 0, download: false });
    expect(ds.inputShape).toEqual([29, 37, 3]);
    expect(ds.classNames).toEqual(['jpeg', 'png']);
    expect(ds.train.n + ds.test.n).toBe(5);
  });
});

describe('hostile headers', () => {
  it('refuses a PNG header claiming 100,000 × 100,000 pixels by name, before decoding', () => {
    const huge = pngWithHeader(100_000, 100_000, 2, 0, deflateSync(Buffer.alloc(64)));
    expect(() => decodePng(huge, '/data/huge.png')).toThrow(`/data/huge.png: PNG is 100000×100000 pixels (10000 megapixels); images above ${MAX_IMAGE_PIXELS / 1e6} megapixels are refused`);
  });

  it('refuses a JPEG frame header claiming 65,535 × 65,535 pixels by name', () => {
    const jpeg = Buffer.from(read('baseline.jpg'));
    const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
    jpeg.writeUInt16BE(65535, sof + 5); // lines
    jpeg.writeUInt16BE(65535, sof + 7); // samples per line
    expect(() => decodeJpeg(jpeg, '/data/huge.jpg')).toThrow(/^\/data\/huge\.jpg: JPEG is about 4295 megapixels; images above 50 megapixels are refused/);
  });

  it('refuses an interlaced PNG whose data inflates far past what its header needs', () => {
    // 64×64 grey needs ~4.6 kB of scanlines; this IDAT inflates to 32 MB.
    const bomb = pngWithHeader(64, 64, 0, 1, deflateSync(Buffer.alloc(32 * 1024 * 1024)));
    expect(bomb.length).toBeLessThan(64 * 1024);
    expect(() => decodePng(bomb, '/data/bomb.png')).toThrow(/^\/data\/bomb\.png: corrupt PNG: image data inflates beyond the \d+ bytes its 64×64 header allows/);
  });
});
