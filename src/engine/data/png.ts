// PNG decoding with nothing but zlib (PNG spec, ISO/IEC 15948): all colour types (grey, RGB,
// palette, grey+alpha, RGBA), bit depths 1–16, the five row filters. Interlaced (Adam7) images
// are refused with a clear message. Alpha is dropped: images come out as 1 (grey) or 3 (RGB)
// channels of 8 bits. Also a tiny encoder, used to write test fixtures and thumbnails.
import { crc32, deflateSync, inflateSync } from 'node:zlib';
import { fileError } from './errors';

export interface DecodedImage {
  width: number;
  height: number;
  channels: 1 | 3;
  /** height × width × channels bytes, row-major (HWC). */
  data: Uint8Array;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

export function isPng(buf: Uint8Array): boolean {
  return SIGNATURE.every((b, i) => buf[i] === b);
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Undo the per-row filters in place; returns the filter-byte-free scanlines. */
function unfilter(raw: Uint8Array, height: number, stride: number, bpp: number, file: string): Uint8Array {
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    const prev = row - stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? out[row + x - bpp] : 0;
      const b = y > 0 ? out[prev + x] : 0;
      const c = y > 0 && x >= bpp ? out[prev + x - bpp] : 0;
      const v = raw[src + x];
      switch (filter) {
        case 0: out[row + x] = v; break;
        case 1: out[row + x] = v + a; break;
        case 2: out[row + x] = v + b; break;
        case 3: out[row + x] = v + ((a + b) >> 1); break;
        case 4: out[row + x] = v + paeth(a, b, c); break;
        default: throw fileError(file, `corrupt PNG: unknown row filter ${filter} on row ${y}`);
      }
    }
  }
  return out;
}

export function decodePng(buf: Uint8Array, file: string): DecodedImage {
  if (!isPng(buf)) throw fileError(file, 'is not a PNG file (bad signature)');
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let off = 8;
  let width = 0, height = 0, depth = 0, colorType = -1, interlace = 0;
  let palette: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  while (off + 8 <= buf.length) {
    const len = view.getUint32(off);
    const type = String.fromCharCode(...buf.subarray(off + 4, off + 8));
    const data = buf.subarray(off + 8, off + 8 + len);
    if (data.length < len) throw fileError(file, `truncated PNG: chunk ${type} needs ${len} bytes`);
    if (type === 'IHDR') {
      width = view.getUint32(off + 8);
      height = view.getUint32(off + 12);
      depth = data[8];
      colorType = data[9];
      interlace = data[12];
    } else if (type === 'PLTE') palette = data;
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  if (width === 0 || height === 0 || !(colorType in CHANNELS)) throw fileError(file, 'corrupt PNG: missing or invalid IHDR header');
  if (interlace !== 0) throw fileError(file, 'interlaced (Adam7) PNGs are not supported; re-save the image without interlacing');
  if (colorType === 3 && !palette) throw fileError(file, 'corrupt PNG: palette image without a PLTE chunk');
  const spp = CHANNELS[colorType];
  const bitsPerPixel = spp * depth;
  const stride = Math.ceil((width * bitsPerPixel) / 8);
  let raw: Uint8Array;
  try {
    raw = inflateSync(Buffer.concat(idat));
  } catch (e) {
    throw fileError(file, `corrupt PNG image data (${(e as Error).message})`);
  }
  if (raw.length < height * (stride + 1)) throw fileError(file, `truncated PNG image data: ${raw.length} bytes, expected ${height * (stride + 1)}`);
  const lines = unfilter(raw, height, stride, Math.max(1, bitsPerPixel >> 3), file);
  const maxV = (1 << depth) - 1;
  // Sample s of pixel x on a row, scaled to 8 bits (palette indices are returned as-is).
  const sample = (row: number, x: number, s: number): number => {
    const i = x * spp + s;
    if (depth === 8) return lines[row + i];
    if (depth === 16) return lines[row + 2 * i];
    const bit = i * depth;
    const v = (lines[row + (bit >> 3)] >> (8 - depth - (bit & 7))) & maxV;
    return colorType === 3 ? v : Math.round((v * 255) / maxV);
  };
  const channels: 1 | 3 = colorType === 0 || colorType === 4 ? 1 : 3;
  const out = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * channels;
      if (colorType === 3) {
        const p = sample(row, x, 0) * 3;
        if (p + 2 >= palette!.length) throw fileError(file, `corrupt PNG: palette index ${p / 3} out of range`);
        out[o] = palette![p];
        out[o + 1] = palette![p + 1];
        out[o + 2] = palette![p + 2];
      } else for (let c = 0; c < channels; c++) out[o + c] = sample(row, x, c);
    }
  }
  return { width, height, channels, data: out };
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** 8-bit PNG of HWC bytes with 1 (grey), 3 (RGB) or 4 (RGBA) channels. */
export function encodePng(width: number, height: number, channels: 1 | 3 | 4, data: Uint8Array): Buffer {
  const colorType = channels === 1 ? 0 : channels === 3 ? 2 : 6;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = colorType;
  const stride = width * channels;
  const raw = Buffer.alloc(height * (stride + 1));
  for (let y = 0; y < height; y++) raw.set(data.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  return Buffer.concat([Buffer.from(SIGNATURE), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
}
