// CIFAR-10/100 binary batches (https://www.cs.toronto.edu/~kriz/cifar.html): fixed-size records
// of label byte(s) then 3 × 1024 pixel bytes, channel-planar (all R, all G, all B, each 32 × 32
// row-major). We transpose to NHWC bytes, the layout the engine batches.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileError } from './errors';

export const CIFAR_SIDE = 32;
const PIXELS = CIFAR_SIDE * CIFAR_SIDE;
const IMAGE_BYTES = 3 * PIXELS;

export interface CifarBatch {
  /** n × 32 × 32 × 3 bytes (NHWC). */
  x: Uint8Array;
  /** CIFAR-10 label, or CIFAR-100 fine label. */
  y: Int32Array;
  /** CIFAR-100 only: the 20 super-classes. */
  coarse: Int32Array | null;
  n: number;
}

/** Parse one batch buffer. `labelBytes` is 1 for CIFAR-10 and 2 (coarse, fine) for CIFAR-100. */
export function parseCifar(buf: Uint8Array, file: string, variant: 'cifar10' | 'cifar100'): CifarBatch {
  const labelBytes = variant === 'cifar10' ? 1 : 2;
  const record = labelBytes + IMAGE_BYTES;
  if (buf.length === 0 || buf.length % record !== 0) {
    throw fileError(
      file,
      `${buf.length.toLocaleString('en-US')} bytes is not a whole number of ${record.toLocaleString('en-US')}-byte ${variant === 'cifar10' ? 'CIFAR-10' : 'CIFAR-100'} records (${labelBytes} label byte${labelBytes > 1 ? 's' : ''} + 32×32×3 pixels); the file is truncated or of the other variant`,
    );
  }
  const n = buf.length / record;
  const x = new Uint8Array(n * IMAGE_BYTES);
  const y = new Int32Array(n);
  const coarse = variant === 'cifar100' ? new Int32Array(n) : null;
  const maxLabel = variant === 'cifar10' ? 10 : 100;
  for (let i = 0; i < n; i++) {
    const r = i * record;
    const label = buf[r + labelBytes - 1];
    if (label >= maxLabel) throw fileError(file, `record ${i} has label ${label}; ${variant} labels are 0–${maxLabel - 1}`);
    y[i] = label;
    if (coarse) {
      if (buf[r] >= 20) throw fileError(file, `record ${i} has coarse label ${buf[r]}; CIFAR-100 coarse labels are 0–19`);
      coarse[i] = buf[r];
    }
    const src = r + labelBytes;
    const dst = i * IMAGE_BYTES;
    for (let p = 0; p < PIXELS; p++) {
      x[dst + 3 * p] = buf[src + p];
      x[dst + 3 * p + 1] = buf[src + PIXELS + p];
      x[dst + 3 * p + 2] = buf[src + 2 * PIXELS + p];
    }
  }
  return { x, y, coarse, n };
}

export function readCifarFile(path: string, variant: 'cifar10' | 'cifar100'): CifarBatch {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw fileError(path, `cannot read the file (${(e as Error).message})`);
  }
  return parseCifar(buf, path, variant);
}

export function concatBatches(batches: CifarBatch[]): CifarBatch {
  const n = batches.reduce((a, b) => a + b.n, 0);
  const x = new Uint8Array(n * IMAGE_BYTES);
  const y = new Int32Array(n);
  const coarse = batches[0].coarse ? new Int32Array(n) : null;
  let at = 0;
  for (const b of batches) {
    x.set(b.x, at * IMAGE_BYTES);
    y.set(b.y, at);
    if (coarse && b.coarse) coarse.set(b.coarse, at);
    at += b.n;
  }
  return { x, y, coarse, n };
}

export const CIFAR_FILES = {
  cifar10: { sub: 'cifar-10-batches-bin', train: [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`), test: ['test_batch.bin'], names: 'batches.meta.txt' },
  cifar100: { sub: 'cifar-100-binary', train: ['train.bin'], test: ['test.bin'], names: 'fine_label_names.txt' },
} as const;

/** The folder holding the .bin files: `dir` itself or the archive's sub-folder inside it. */
export function findCifarDir(dir: string, variant: 'cifar10' | 'cifar100'): string | null {
  const f = CIFAR_FILES[variant];
  for (const d of [dir, join(dir, f.sub)]) if (existsSync(join(d, f.test[0]))) return d;
  return null;
}

/** Class names from the archive's text file, if present and the right length. */
export function cifarClassNames(dir: string, variant: 'cifar10' | 'cifar100', fallback: string[]): string[] {
  const p = join(dir, CIFAR_FILES[variant].names);
  if (!existsSync(p)) return fallback;
  const names = readFileSync(p, 'utf8').split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
  return names.length === fallback.length ? names : fallback;
}
