// Reads a data file, transparently gunzipping it when it starts with the gzip magic bytes, so a
// set may be stored as .gz (as distributed) or raw (as some tools unpack it). Inflating is always
// bounded: deflate expands up to ~1032:1, so a few MB of hostile .gz could otherwise fill memory.
import { readFileSync } from 'node:fs';
import { constants, gunzipSync } from 'node:zlib';
import { fileError } from './errors';

/** No data file this app reads inflates to more than this (CIFAR's archives: ~180 MB). */
export const MAX_INFLATED_BYTES = 2 ** 30;

export function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

export function readBytes(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw fileError(path, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

const mb = (n: number) => `${(n / 2 ** 20).toLocaleString('en-US', { maximumFractionDigits: 1 })} MiB`;

/** Inflate a whole gzip buffer, refusing to produce more than `maxBytes` (`why` says whose limit it is). */
export function gunzipBounded(buf: Uint8Array, path: string, maxBytes: number, why = `the ${mb(MAX_INFLATED_BYTES)} a data file may hold`): Buffer {
  try {
    return gunzipSync(buf, { maxOutputLength: maxBytes });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw fileError(path, `inflates to more than ${maxBytes.toLocaleString('en-US')} bytes, ${why}; the file is corrupt or not what it claims to be`);
    }
    throw fileError(path, `is not a valid gzip file (${(e as Error).message}); the download may be truncated — delete it and fetch it again`);
  }
}

/**
 * The first `n` (≤ 64 KiB) inflated bytes of a gzip buffer, inflating little more than that:
 * only a growing prefix of the input is decoded (at most 16 KiB, so at most ~16 MiB of output).
 * Fewer bytes come back when the stream is shorter.
 */
export function gunzipPrefix(buf: Uint8Array, path: string, n: number): Buffer {
  let out = Buffer.alloc(0);
  for (let k = 256; ; k *= 2) {
    const part = buf.subarray(0, Math.min(k, buf.length));
    try {
      out = gunzipSync(part, { finishFlush: constants.Z_SYNC_FLUSH });
    } catch (e) {
      throw fileError(path, `is not a valid gzip file (${(e as Error).message})`);
    }
    if (out.length >= n || part.length === buf.length) return out.subarray(0, n);
    if (k >= 16 * 1024) throw fileError(path, `has no data in its first ${k.toLocaleString('en-US')} bytes of gzip stream; the file is corrupt or not a data file`);
  }
}

export function readMaybeGzip(path: string, maxBytes = MAX_INFLATED_BYTES): Buffer {
  const buf = readBytes(path);
  return isGzip(buf) ? gunzipBounded(buf, path, maxBytes) : buf;
}
