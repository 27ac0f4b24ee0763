// Fetches one file of a named set into the cache with a progress report and a SHA-256 check.
// The file is written to `<dest>.part` and renamed only once its checksum matches, so a broken
// download never looks like a cached file. A `<dest>.sha256` marker records a verified file so
// later loads skip re-hashing 170 MB archives.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { RemoteFile } from './catalog';
import { DataError } from './errors';

export type ProgressFn = (p: { phase: string; done: number; total: number; message?: string }) => void;

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** True when `dest` was verified against `sha256` before (marker present, size unchanged). */
export function isVerified(dest: string, remote: RemoteFile): boolean {
  if (!existsSync(dest) || !existsSync(`${dest}.sha256`)) return false;
  const [sum, size] = readFileSync(`${dest}.sha256`, 'utf8').trim().split(/\s+/);
  return sum === remote.sha256 && Number(size) === statSync(dest).size;
}

/** fetch() says only "fetch failed"; the useful part (DNS, refused, TLS) is in its cause. */
function describe(e: unknown): string {
  const err = e as Error & { cause?: { message?: string; code?: string } };
  const cause = err.cause?.code ?? err.cause?.message;
  return cause ? `${err.message} (${cause})` : err.message;
}

/** A download that receives nothing for this long is abandoned (offline machines fail fast-ish). */
export const IDLE_TIMEOUT_MS = 30_000;

async function openSource(url: string, signal: AbortSignal): Promise<{ body: AsyncIterable<Uint8Array>; total: number }> {
  if (url.startsWith('file:')) {
    const path = fileURLToPath(url);
    return { body: createReadStream(path), total: statSync(path).size };
  }
  const res = await fetch(url, { signal, redirect: 'follow' });
  if (!res.ok || !res.body) throw new Error(`HTTP ${res.status} ${res.statusText}`);
  const total = Number(res.headers.get('content-length') ?? 0);
  return { body: Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>), total };
}

/** An abort signal that fires on the caller's signal or after IDLE_TIMEOUT_MS without `touch()`. */
function idleSignal(outer?: AbortSignal): { signal: AbortSignal; touch: () => void; done: () => void } {
  const ctl = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const touch = () => {
    clearTimeout(timer);
    timer = setTimeout(() => ctl.abort(new Error(`no data for ${IDLE_TIMEOUT_MS / 1000} s`)), IDLE_TIMEOUT_MS);
  };
  const onOuter = () => ctl.abort(outer?.reason ?? new Error('cancelled'));
  outer?.addEventListener('abort', onOuter, { once: true });
  touch();
  return { signal: ctl.signal, touch, done: () => { clearTimeout(timer); outer?.removeEventListener('abort', onOuter); } };
}

/**
 * Make sure `dest` holds the verified file: reuse a verified or matching cached copy, otherwise
 * download it. Returns whether it was already cached.
 */
export async function fetchVerified(remote: RemoteFile, dest: string, opts: { onProgress?: ProgressFn; signal?: AbortSignal } = {}): Promise<'cached' | 'downloaded'> {
  if (isVerified(dest, remote)) return 'cached';
  if (existsSync(dest) && (await sha256File(dest)) === remote.sha256) {
    writeFileSync(`${dest}.sha256`, `${remote.sha256} ${statSync(dest).size}\n`);
    return 'cached';
  }
  mkdirSync(dirname(dest), { recursive: true });
  const part = `${dest}.part`;
  const hash = createHash('sha256');
  let done = 0;
  const idle = idleSignal(opts.signal);
  try {
    const { body, total } = await openSource(remote.url, idle.signal);
    const expected = total || remote.bytes;
    const out = createWriteStream(part);
    let lastReport = -1;
    for await (const chunk of body) {
      idle.touch();
      hash.update(chunk);
      done += chunk.length;
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      // Report at most every 1 % so a slow UI is not flooded.
      const pct = Math.floor((100 * done) / Math.max(expected, 1));
      if (pct !== lastReport) {
        lastReport = pct;
        opts.onProgress?.({ phase: 'download', done, total: expected, message: `downloading ${remote.file}` });
      }
    }
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  } catch (e) {
    idle.done();
    rmSync(part, { force: true });
    const reason = idle.signal.aborted && idle.signal.reason instanceof Error ? idle.signal.reason.message : describe(e);
    throw new DataError(`could not download ${remote.url} to ${dest}: ${reason}`, dest);
  }
  idle.done();
  const sum = hash.digest('hex');
  if (sum !== remote.sha256) {
    rmSync(part, { force: true });
    throw new DataError(`checksum mismatch for ${remote.url}: got SHA-256 ${sum}, expected ${remote.sha256} (${done} bytes received); the file was discarded`, dest);
  }
  renameSync(part, dest);
  writeFileSync(`${dest}.sha256`, `${remote.sha256} ${done}\n`);
  return 'downloaded';
}
