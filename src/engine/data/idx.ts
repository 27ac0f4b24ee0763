// IDX files (LeCun's MNIST format, reused by Fashion-MNIST and KMNIST): a big-endian header
// `0x00 0x00 <type> <ndim>` then ndim uint32 sizes, then the values. We accept only unsigned
// bytes (type 0x08): images are 0x00000803 (n × rows × cols), labels 0x00000801 (n).
import { fileError } from './errors';
import { readMaybeGzip } from './read-file';

export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

/** Parse an IDX buffer; `file` is only used to name it in errors. */
export function parseIdx(buf: Uint8Array, file: string, expectedMagic: number): IdxArray {
  const what = expectedMagic === IDX_IMAGES_MAGIC ? 'an IDX image file' : 'an IDX label file';
  if (buf.length < 8) throw fileError(file, `is ${buf.length} bytes long, too short for ${what} (expected magic ${hex(expectedMagic)})`);
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
  const count = dims.reduce((a, b) => a * b, 1);
  const expected = headerLen + count;
  if (buf.length !== expected) {
    const how = buf.length < expected ? 'truncated' : 'longer than its header says';
    throw fileError(file, `${how}: the header says ${dims.join(' × ')} = ${count.toLocaleString('en-US')} values (${expected.toLocaleString('en-US')} bytes), the file has ${buf.length.toLocaleString('en-US')} bytes`);
  }
  return { dims, data: buf.subarray(headerLen, expected) };
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
  const img = parseIdx(readMaybeGzip(imagesPath), imagesPath, IDX_IMAGES_MAGIC);
  const lab = parseIdx(readMaybeGzip(labelsPath), labelsPath, IDX_LABELS_MAGIC);
  const [n, rows, cols] = img.dims;
  if (lab.dims[0] !== n) {
    throw fileError(labelsPath, `has ${lab.dims[0].toLocaleString('en-US')} labels but ${imagesPath} has ${n.toLocaleString('en-US')} images; the two files must come from the same split`);
  }
  return { images: img.data, labels: lab.data, n, rows, cols };
}
