// IDX files (LeCun's MNIST format, reused by Fashion-MNIST and KMNIST): a big-endian header
// `0x00 0x00 <type> <ndim>` then ndim uint32 sizes, then the values. We accept only unsigned
// bytes (type 0x08): images are 0x00000803 (n × rows × cols), labels 0x00000801 (n).
// A gzipped file is inflated no further than its header promises (a .gz bomb stops there).
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { fileError } from './errors';
import { gunzipBounded, gunzipPrefix, isGzip, readBytes } from './read-file';

export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;
/** The most values a header may promise (EMNIST, the largest MNIST-family set, has ~0.55 GB). */
export const IDX_MAX_VALUES = 2 ** 30;

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

export interface IdxHeader {
  dims: number[];
  /** Bytes before the values. */
  headerLen: number;
  /** Values the header promises (product of dims). */
  count: number;
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;
const fmt = (n: number) => n.toLocaleString('en-US');

/** Read and check an IDX header from the start of `buf`; `file` is only used to name it in errors. */
export function parseIdxHeader(buf: Uint8Array, file: string, expectedMagic: number): IdxHeader {
  const what = expectedMagic === IDX_IMAGES_MAGIC ? 'an IDX image file' : 'an IDX label file';
  if (buf.length < 4) throw fileError(file, `is ${buf.length} bytes long, too short for ${what} (expected magic ${hex(expectedMagic)})`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = view.getUint32(0);
  if (magic !== expectedMagic) {
    throw fileError(file, `wrong magic number ${hex(magic)}; expected ${hex(expectedMagic)} for ${what}${magic === (expectedMagic ^ 2) ? ' (images and labels swapped?)' : ''}`);
  }
  const ndim = buf[3];
  const headerLen = 4 + 4 * ndim;
  if (buf.length < headerLen) throw fileError(file, `truncated header: ${ndim} dimensions need ${headerLen} bytes, the file has ${buf.length}`);
  const dims: number[] = [];
  for (let i = 0; i < ndim; i++) dims.push(view.getUint32(4 + 4 * i));
  if (dims.some((d) => d === 0)) throw fileError(file, `the header's sizes ${dims.join(' × ')} include a 0; ${what} holds at least one value`);
  const count = dims.reduce((a, b) => a * b, 1);
  if (count > IDX_MAX_VALUES) {
    throw fileError(file, `the header promises ${dims.map(fmt).join(' × ')} = ${fmt(count)} values, more than the ${fmt(IDX_MAX_VALUES)} an IDX file may hold here`);
  }
  return { dims, headerLen, count };
}

/** Parse an IDX buffer; `file` is only used to name it in errors. */
export function parseIdx(buf: Uint8Array, file: string, expectedMagic: number): IdxArray {
  const { dims, headerLen, count } = parseIdxHeader(buf, file, expectedMagic);
  checkLength({ dims, headerLen, count }, buf.length, file);
  return { dims, data: buf.subarray(headerLen, headerLen + count) };
}

function checkLength(h: IdxHeader, length: number, file: string): void {
  const expected = h.headerLen + h.count;
  if (length === expected) return;
  const how = length < expected ? 'truncated' : 'longer than its header says';
  throw fileError(file, `${how}: the header says ${h.dims.join(' × ')} = ${fmt(h.count)} values (${fmt(expected)} bytes), the file has ${fmt(length)} bytes`);
}

/** The bytes of an IDX file, raw or gzipped; a gzipped one is inflated only as far as its header promises. */
export function readIdxBytes(path: string, expectedMagic: number): Buffer {
  const raw = readBytes(path);
  if (!isGzip(raw)) return raw;
  // The magic and ndim first, then the whole header (at most 4 + 4·255 bytes), then the values.
  const head = gunzipPrefix(raw, path, 4 + 4 * 255);
  const { dims, headerLen, count } = parseIdxHeader(head, path, expectedMagic);
  return gunzipBounded(raw, path, headerLen + count, `what its header promises (${dims.map(fmt).join(' × ')} values after a ${headerLen}-byte header)`);
}

export function readIdxFile(path: string, expectedMagic: number): IdxArray {
  return parseIdx(readIdxBytes(path, expectedMagic), path, expectedMagic);
}

/** The first `n` bytes of a file. */
function readHead(path: string, n: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw fileError(path, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    const buf = Buffer.alloc(n);
    return buf.subarray(0, readSync(fd, buf, 0, n, 0));
  } finally {
    closeSync(fd);
  }
}

/**
 * Check an IDX file without loading it: its header (magic, rank, sizes) and, for a raw file, its
 * length. Reads at most 64 KiB; a gzipped file's length is only known by inflating it all, which
 * the loader does within the header's bound.
 */
export function checkIdxFile(path: string, expectedMagic: number): IdxHeader {
  const head = readHead(path, 64 * 1024);
  const gz = isGzip(head);
  const h = parseIdxHeader(gz ? gunzipPrefix(head, path, 4 + 4 * 255) : head, path, expectedMagic);
  if (!gz) checkLength(h, statSync(path).size, path);
  return h;
}



export interface IdxPair {
  /** n × rows × cols bytes. */
  images: Uint8Array;
  labels: Uint8Array;
  n: number;
  rows: number;
  cols: number;
}

/** Load an images + labels pair and check they agree with each other. */
export function loadIdxPair(imagesPath: string, labelsPath: string): IdxPair {
  // The magic's last byte is the rank: 3 for images, 1 for labels.
  const img = readIdxFile(imagesPath, IDX_IMAGES_MAGIC);
  const lab = readIdxFile(labelsPath, IDX_LABELS_MAGIC);
  const [n, rows, cols] = img.dims;
  if (lab.dims[0] !== n) {
    throw fileError(labelsPath, `has ${fmt(lab.dims[0])} labels but ${imagesPath} has ${fmt(n)} images; the two files must come from the same split`);
  }
  return { images: img.data, labels: lab.data, n, rows, cols };
}
