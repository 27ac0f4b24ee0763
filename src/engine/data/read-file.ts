// Reads a data file, transparently gunzipping it when it starts with the gzip magic bytes, so a
// set may be stored as .gz (as distributed) or raw (as some tools unpack it).
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileError } from './errors';

export function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

export function readMaybeGzip(path: string): Buffer {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw fileError(path, `cannot read the file (${(e as Error).message})`);
  }
  if (!isGzip(buf)) return buf;
  try {
    return gunzipSync(buf);
  } catch (e) {
    throw fileError(path, `is not a valid gzip file (${(e as Error).message}); the download may be truncated — delete it and fetch it again`);
  }
}
