// PNG decoding with pngjs (every colour type, bit depths 1–16, palettes, Adam7 interlacing;
// 16-bit samples are scaled to 8). Two bounds come first, since the file is untrusted: the size
// in the IHDR header (MAX_IMAGE_PIXELS), and, for interlaced files, the inflated size that header
// promises — pngjs bounds the inflate of non-interlaced data itself but not of interlaced data,
// so a small file could otherwise inflate to gigabytes. Images come out as 1 (grey, grey+alpha)
// or 3 (RGB, RGBA, palette) channels of 8 bits; alpha is dropped. Also an encoder, for tests.
import { inflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { checkImageSize, toGreyOrRgb, type DecodedImage } from './decoded-image';
import { fileError } from './errors';

export type { DecodedImage } from './decoded-image';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Samples per pixel by colour type (PNG spec 11.2.2). */
const SAMPLES: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** Adam7 passes: x start, y start, x step, y step (PNG spec 8.2). */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

export function isPng(buf: Uint8Array): boolean {
  return buf.length >= 8 && SIGNATURE.equals(buf.subarray(0, 8));
}

interface Header {
  width: number;
  height: number;
  bitsPerPixel: number;
  interlaced: boolean;
}

/** The IHDR chunk, which the spec requires first (right after the signature). */
function readHeader(buf: Buffer, file: string): Header {
  if (buf.length < 33 || buf.toString('latin1', 12, 16) !== 'IHDR') throw fileError(file, 'corrupt PNG: no IHDR header chunk after the signature');
  const width = buf.readUInt32BE(16);
  const height = buf.readUInt32BE(20);
  const depth = buf[24];
  const colorType = buf[25];
  if (!(colorType in SAMPLES) || ![1, 2, 4, 8, 16].includes(depth)) throw fileError(file, `corrupt PNG: colour type ${colorType} with bit depth ${depth} is not valid`);
  checkImageSize(width, height, file, 'PNG');
  return { width, height, bitsPerPixel: SAMPLES[colorType] * depth, interlaced: buf[28] === 1 };
}

/** Bytes of filtered scanlines that an Adam7 image of this header inflates to. */
function adam7Bytes(h: Header): number {
  let total = 0;
  for (const [x0, y0, dx, dy] of ADAM7) {
    const w = Math.ceil((h.width - x0) / dx);
    const rows = Math.ceil((h.height - y0) / dy);
    if (w > 0 && rows > 0) total += rows * (1 + Math.ceil((w * h.bitsPerPixel) / 8));
  }
  return total;
}

/** Inflate an interlaced file's IDAT data with the bound its header sets; throws past it. */
function checkInterlacedInflate(buf: Buffer, h: Header, file: string): void {
  const idat: Buffer[] = [];
  for (let off = 8; off + 8 <= buf.length; ) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('latin1', off + 4, off + 8);
    if (type === 'IDAT') idat.push(buf.subarray(off + 8, off + 8 + len));
    if (type === 'IEND') break;
    off += 12 + len;
  }
  const limit = adam7Bytes(h);
  try {
    inflateSync(Buffer.concat(idat), { maxOutputLength: limit });
  } catch (e) {
    const tooBig = (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
    throw fileError(file, tooBig ? `corrupt PNG: image data inflates beyond the ${limit} bytes its ${h.width}×${h.height} header allows` : `corrupt PNG image data (${(e as Error).message})`);
  }
}

export function decodePng(bytes: Uint8Array, file: string): DecodedImage {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!isPng(buf)) throw fileError(file, 'is not a PNG file (bad signature)');
  const header = readHeader(buf, file);
  if (header.interlaced) checkInterlacedInflate(buf, header, file);
  let png: ReturnType<typeof PNG.sync.read>;
  try {
    png = PNG.sync.read(buf);
  } catch (e) {
    throw fileError(file, `corrupt PNG (${e instanceof Error ? e.message : String(e)})`);
  }
  // pngjs gives 8-bit RGBA for every colour type; grey types (0, 4) keep one channel.
  return toGreyOrRgb(png.data, png.width, png.height, 4, png.colorType === 0 || png.colorType === 4);
}

/** 8-bit PNG of HWC bytes with 1 (grey), 3 (RGB) or 4 (RGBA) channels. */
export function encodePng(width: number, height: number, channels: 1 | 3 | 4, data: Uint8Array): Buffer {
  const colorType = channels === 1 ? 0 : channels === 3 ? 2 : 6;
  const image = Object.assign(new PNG({ width: 0, height: 0 }), { width, height, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength) });
  return PNG.sync.write(image, { colorType, inputColorType: colorType, inputHasAlpha: channels === 4, bitDepth: 8 });
}
