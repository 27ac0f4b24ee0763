// Baseline JPEG decoding in plain TypeScript (ITU-T T.81: sequential DCT, Huffman coded, 8-bit;
// any sampling factors, restart intervals; greyscale, YCbCr (JFIF) or Adobe RGB). Progressive,
// lossless, arithmetic-coded and CMYK files are refused with a message naming the file.
// Subsampled chroma is upsampled bilinearly (centred), close to libjpeg's default.
import { fileError } from './errors';
import type { DecodedImage } from './png';

/** Zig-zag index → natural (row-major) position in the 8×8 block (T.81 Figure A.6). */
const ZIGZAG = Int32Array.from([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36,
  29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
]);

/** IDCT basis: COS[x * 8 + u] = C(u) · cos((2x + 1)uπ / 16), C(0) = 1/√2 (T.81 A.3.3). */
const COS = new Float64Array(64);
for (let x = 0; x < 8; x++) for (let u = 0; u < 8; u++) COS[x * 8 + u] = (u === 0 ? Math.SQRT1_2 : 1) * Math.cos(((2 * x + 1) * u * Math.PI) / 16);

export function isJpeg(buf: Uint8Array): boolean {
  return buf.length > 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff;
}

interface Huffman {
  maxcode: Int32Array;
  mincode: Int32Array;
  valptr: Int32Array;
  values: Uint8Array;
}

function buildHuffman(counts: Uint8Array, values: Uint8Array): Huffman {
  const maxcode = new Int32Array(18).fill(-1);
  const mincode = new Int32Array(17);
  const valptr = new Int32Array(17);
  let code = 0;
  let k = 0;
  for (let l = 1; l <= 16; l++) {
    valptr[l] = k;
    mincode[l] = code;
    code += counts[l - 1];
    k += counts[l - 1];
    maxcode[l] = counts[l - 1] ? code - 1 : -1;
    code <<= 1;
  }
  return { maxcode, mincode, valptr, values };
}

interface Component {
  id: number;
  h: number;
  v: number;
  tq: number;
  /** Blocks per line / column as allocated (whole MCUs). */
  bpl: number;
  bpc: number;
  /** Blocks actually covering the image (non-interleaved scans walk these). */
  usedBpl: number;
  usedBpc: number;
  pixels: Uint8Array;
  pred: number;
  dc: Huffman | null;
  ac: Huffman | null;
}

/** 8×8 inverse DCT of dequantised coefficients, level-shifted and clamped to 0–255. */
function idctBlock(coef: Float64Array, out: Uint8Array, offset: number, stride: number): void {
  const tmp = new Float64Array(64);
  for (let v = 0; v < 8; v++)
    for (let x = 0; x < 8; x++) {
      let s = 0;
      for (let u = 0; u < 8; u++) s += COS[x * 8 + u] * coef[v * 8 + u];
      tmp[v * 8 + x] = s;
    }
  for (let y = 0; y < 8; y++)
    for (let x = 0; x < 8; x++) {
      let s = 0;
      for (let v = 0; v < 8; v++) s += COS[y * 8 + v] * tmp[v * 8 + x];
      const p = Math.round(s / 4 + 128);
      out[offset + y * stride + x] = p < 0 ? 0 : p > 255 ? 255 : p;
    }
}

/** Frame-wide facts a scan needs. */
interface Frame {
  comps: Component[];
  mcusX: number;
  mcusY: number;
  qt: Int32Array[];
  restartInterval: number;
}

/**
 * Decode one Huffman-coded scan starting at byte `start`; returns the offset of the marker that
 * follows it. Interleaved scans walk MCUs of H×V blocks per component; a single-component scan
 * walks that component's blocks in raster order (T.81 A.2).
 */
function decodeScan(buf: Uint8Array, start: number, frame: Frame, scomps: Component[], file: string): number {
  const { mcusX, mcusY, qt, restartInterval } = frame;
  const corrupt = (what: string) => fileError(file, `corrupt JPEG: ${what}`);
  let pos = start;
  let bitBuf = 0, bitCnt = 0;
  const bit = (): number => {
    if (bitCnt === 0) {
      let b = 0;
      if (pos < buf.length) {
        b = buf[pos];
        if (b === 0xff) {
          if (buf[pos + 1] === 0) pos += 2;
          else b = 0; // a marker: feed zeros, never step over it
        } else pos++;
      }
      bitBuf = b;
      bitCnt = 8;
    }
    bitCnt--;
    return (bitBuf >> bitCnt) & 1;
  };
  const receive = (n: number) => {
    let v = 0;
    for (let i = 0; i < n; i++) v = (v << 1) | bit();
    return v;
  };
  const extend = (v: number, n: number) => (n === 0 ? 0 : v < 1 << (n - 1) ? v - (1 << n) + 1 : v);
  const huff = (t: Huffman) => {
    let code = 0;
    for (let l = 1; l <= 16; l++) {
      code = (code << 1) | bit();
      if (code <= t.maxcode[l]) return t.values[t.valptr[l] + code - t.mincode[l]];
    }
    throw corrupt('bad Huffman code');
  };
  const coef = new Float64Array(64);
  const block = (c: Component, row: number, col: number) => {
    coef.fill(0);
    const q = qt[c.tq];
    const t = huff(c.dc!);
    c.pred += extend(receive(t), t);
    coef[0] = c.pred * q[0];
    for (let k = 1; k < 64; ) {
      const rs = huff(c.ac!);
      const r = rs >> 4, s = rs & 15;
      if (s === 0) {
        if (r !== 15) break;
        k += 16;
        continue;
      }
      k += r;
      if (k > 63) throw corrupt('AC coefficient index past 63');
      coef[ZIGZAG[k]] = extend(receive(s), s) * q[k];
      k++;
    }
    const stride = c.bpl * 8;
    idctBlock(coef, c.pixels, row * 8 * stride + col * 8, stride);
  };
  const single = scomps.length === 1;
  const total = single ? scomps[0].usedBpl * scomps[0].usedBpc : mcusX * mcusY;
  for (const c of scomps) c.pred = 0;
  for (let m = 0; m < total; m++) {
    if (restartInterval && m > 0 && m % restartInterval === 0) {
      // Restart: byte-align, expect RSTn, reset the DC predictions (T.81 F.2.2.1).
      bitCnt = 0;
      while (pos + 1 < buf.length && !(buf[pos] === 0xff && buf[pos + 1] >= 0xd0 && buf[pos + 1] <= 0xd7)) pos++;
      pos += 2;
      for (const c of scomps) c.pred = 0;
    }
    if (single) {
      const c = scomps[0];
      block(c, Math.floor(m / c.usedBpl), m % c.usedBpl);
    } else {
      const my = Math.floor(m / mcusX), mx = m % mcusX;
      for (const c of scomps) for (let v = 0; v < c.v; v++) for (let h = 0; h < c.h; h++) block(c, my * c.v + v, mx * c.h + h);
    }
  }
  // Skip the padding bits up to the next marker.
  while (pos + 1 < buf.length && !(buf[pos] === 0xff && buf[pos + 1] !== 0 && !(buf[pos + 1] >= 0xd0 && buf[pos + 1] <= 0xd7))) pos++;
  return pos;
}

/** SOF0/SOF1: image size and components; allocates each component's plane in whole MCUs. */
function readFrame(buf: Uint8Array, seg: number, file: string) {
  const u16 = (p: number) => (buf[p] << 8) | buf[p + 1];
  if (buf[seg] !== 8) throw fileError(file, `${buf[seg]}-bit JPEG samples are not supported (only 8-bit)`);
  const height = u16(seg + 1);
  const width = u16(seg + 3);
  const n = buf[seg + 5];
  if (n !== 1 && n !== 3) throw fileError(file, `JPEG with ${n} colour components (CMYK?) is not supported; convert it to RGB or PNG`);
  if (width === 0 || height === 0) throw fileError(file, 'corrupt JPEG: zero image size (DNL markers are not supported)');
  const comps: Component[] = [];
  for (let i = 0; i < n; i++) {
    const b = seg + 6 + 3 * i;
    comps.push({ id: buf[b], h: buf[b + 1] >> 4, v: buf[b + 1] & 15, tq: buf[b + 2], bpl: 0, bpc: 0, usedBpl: 0, usedBpc: 0, pixels: new Uint8Array(0), pred: 0, dc: null, ac: null });
  }
  if (comps.some((c) => c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4)) throw fileError(file, 'corrupt JPEG: sampling factors must be 1–4');
  const hmax = Math.max(...comps.map((c) => c.h));
  const vmax = Math.max(...comps.map((c) => c.v));
  const mcusX = Math.ceil(width / (8 * hmax));
  const mcusY = Math.ceil(height / (8 * vmax));
  for (const c of comps) {
    c.bpl = mcusX * c.h;
    c.bpc = mcusY * c.v;
    c.usedBpl = Math.ceil(Math.ceil((width * c.h) / hmax) / 8);
    c.usedBpc = Math.ceil(Math.ceil((height * c.v) / vmax) / 8);
    c.pixels = new Uint8Array(c.bpl * c.bpc * 64);
  }
  return { comps, width, height, hmax, vmax, mcusX, mcusY };
}

export function decodeJpeg(buf: Uint8Array, file: string): DecodedImage {
  if (!isJpeg(buf)) throw fileError(file, 'is not a JPEG file (no SOI marker)');
  const qt: Int32Array[] = [];
  const dcTables: Huffman[] = [];
  const acTables: Huffman[] = [];
  let comps: Component[] = [];
  let width = 0, height = 0, hmax = 1, vmax = 1, mcusX = 0, mcusY = 0;
  let restartInterval = 0;
  let adobeTransform = -1;
  let frameSeen = false;
  let scans = 0;
  let pos = 2;
  const u16 = (p: number) => (buf[p] << 8) | buf[p + 1];
  const corrupt = (what: string) => fileError(file, `corrupt JPEG: ${what}`);

  while (pos + 4 <= buf.length) {
    if (buf[pos] !== 0xff) throw corrupt(`expected a marker at byte ${pos}`);
    const marker = buf[pos + 1];
    if (marker === 0xff) {
      pos++;
      continue;
    }
    if (marker === 0xd9) break; // EOI
    const len = u16(pos + 2);
    const seg = pos + 4;
    const end = pos + 2 + len;
    if (end > buf.length) throw fileError(file, `truncated JPEG: segment 0xFF${marker.toString(16).toUpperCase()} runs past the end of the file`);
    if (marker === 0xdb) {
      for (let p = seg; p < end; ) {
        const precision = buf[p] >> 4, id = buf[p] & 15;
        const table = new Int32Array(64);
        for (let k = 0; k < 64; k++) table[k] = precision ? u16(p + 1 + 2 * k) : buf[p + 1 + k];
        qt[id] = table;
        p += 1 + 64 * (precision ? 2 : 1);
      }
    } else if (marker === 0xc4) {
      for (let p = seg; p < end; ) {
        const cls = buf[p] >> 4, id = buf[p] & 15;
        const counts = buf.subarray(p + 1, p + 17);
        const n = counts.reduce((a, b) => a + b, 0);
        const table = buildHuffman(counts, buf.slice(p + 17, p + 17 + n));
        (cls === 0 ? dcTables : acTables)[id] = table;
        p += 17 + n;
      }
    } else if (marker === 0xc0 || marker === 0xc1) {
      ({ comps, width, height, hmax, vmax, mcusX, mcusY } = readFrame(buf, seg, file));
      frameSeen = true;
    } else if (marker >= 0xc2 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      const kind = marker === 0xc2 || marker === 0xc6 || marker === 0xca || marker === 0xce ? 'progressive' : marker === 0xc3 || marker === 0xc7 || marker === 0xcb || marker === 0xcf ? 'lossless' : 'arithmetic-coded';
      throw fileError(file, `${kind} JPEG is not supported (only baseline); re-save it as a baseline JPEG or a PNG`);
    } else if (marker === 0xdd) {
      restartInterval = u16(seg);
    } else if (marker === 0xee && len >= 12 && String.fromCharCode(...buf.subarray(seg, seg + 5)) === 'Adobe') {
      adobeTransform = buf[seg + 11];
    } else if (marker === 0xda) {
      if (!frameSeen) throw corrupt('scan before the frame header');
      const ns = buf[seg];
      const scomps: Component[] = [];
      for (let i = 0; i < ns; i++) {
        const c = comps.find((k) => k.id === buf[seg + 1 + 2 * i]);
        if (!c) throw corrupt(`scan names unknown component ${buf[seg + 1 + 2 * i]}`);
        c.dc = dcTables[buf[seg + 2 + 2 * i] >> 4] ?? null;
        c.ac = acTables[buf[seg + 2 + 2 * i] & 15] ?? null;
        if (!c.dc || !c.ac || !qt[c.tq]) throw corrupt('scan uses a missing Huffman or quantisation table');
        scomps.push(c);
      }
      pos = decodeScan(buf, end, { comps, mcusX, mcusY, qt, restartInterval }, scomps, file);
      scans++;
      continue;
    }
    pos = end;
  }
  if (!frameSeen || scans === 0) throw fileError(file, 'truncated JPEG: no image data');

  return toImage(comps, width, height, hmax, vmax, adobeTransform !== 0);
}

/** Upsample the component planes to full size and convert to grey or RGB bytes (HWC). */
function toImage(comps: Component[], width: number, height: number, hmax: number, vmax: number, isYcc: boolean): DecodedImage {
  const channels: 1 | 3 = comps.length === 1 ? 1 : 3;
  const out = new Uint8Array(width * height * channels);
  // Subsampled components are upsampled with centred bilinear weights (libjpeg's "fancy"
  // upsampling: ¾/¼ for 2×), full-resolution ones are read directly.
  const planes = comps.map((c) => {
    const stride = c.bpl * 8;
    if (c.h === hmax && c.v === vmax) return (x: number, y: number) => c.pixels[y * stride + x];
    const sx = c.h / hmax, sy = c.v / vmax;
    const maxX = Math.ceil((width * c.h) / hmax) - 1, maxY = Math.ceil((height * c.v) / vmax) - 1;
    return (x: number, y: number) => {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), maxX);
      const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), maxY);
      const x0 = Math.floor(fx), y0 = Math.floor(fy);
      const x1 = Math.min(x0 + 1, maxX), y1 = Math.min(y0 + 1, maxY);
      const tx = fx - x0, ty = fy - y0;
      const p = c.pixels;
      return (p[y0 * stride + x0] * (1 - tx) + p[y0 * stride + x1] * tx) * (1 - ty) + (p[y1 * stride + x0] * (1 - tx) + p[y1 * stride + x1] * tx) * ty;
    };
  });
  const ycc = comps.length === 3 && isYcc;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * channels;
      if (channels === 1) {
        out[o] = Math.round(planes[0](x, y));
        continue;
      }
      const a = planes[0](x, y), b = planes[1](x, y), c = planes[2](x, y);
      if (!ycc) {
        out[o] = Math.round(a);
        out[o + 1] = Math.round(b);
        out[o + 2] = Math.round(c);
        continue;
      }
      // JFIF YCbCr → RGB (ITU-R BT.601, full range).
      const cb = b - 128, cr = c - 128;
      const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));
      out[o] = clamp(a + 1.402 * cr);
      out[o + 1] = clamp(a - 0.344136 * cb - 0.714136 * cr);
      out[o + 2] = clamp(a + 1.772 * cb);
    }
  return { width, height, channels, data: out };
}
