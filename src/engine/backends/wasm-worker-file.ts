// The pthread worker script of tfjs-backend-wasm's threaded build, as a file. The package ships it
// only as a string (`wasmWorkerContents`) and the stock loader hands it to `new Worker` as a
// `blob:` URL, which Node's worker_threads refuses (ERR_WORKER_PATH; tfjs issue 3830). Node's
// Worker needs a file path, so the source is written once to the per-user cache:
// - not into node_modules, which may be read-only (system installs, packaged apps);
// - content-addressed (a hash in the name), so package upgrades and concurrent trainer processes
//   never see each other's half-written or stale file; written to a temporary name and renamed;
// - with a `.cjs` extension, because the worker is CommonJS (`require`, `__filename`) and a `.js`
//   file under a `"type": "module"` package.json would be loaded as ESM.
// If the cache cannot be written, a private temporary directory (mkdtemp, owner-only) is used.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where SAM Studio keeps generated files it can always rebuild: $XDG_CACHE_HOME or ~/.cache. */
export function wasmCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'sam-studio', 'wasm');
}

/**
 * The worker source as tfjs prepares it before making a blob: its string literals contain raw
 * newlines (`"\n"` inside a template literal), which must be escaped to parse as a script.
 */
export function workerScript(wasmWorkerContents: string): string {
  return wasmWorkerContents.replace(/\n/g, '\\n');
}

function sameContent(file: string, text: string): boolean {
  try {
    return readFileSync(file, 'utf8') === text;
  } catch {
    return false;
  }
}

function writeAtomically(dir: string, name: string, text: string): string {
  const file = join(dir, name);
  if (sameContent(file, text)) return file;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${name}.${process.pid}.tmp`);
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, file);
  return file;
}

/** Path of a file holding the worker script; `version` names the package release it came from. */
export function ensureWorkerFile(wasmWorkerContents: string, version: string, dir = wasmCacheDir()): string {
  const text = workerScript(wasmWorkerContents);
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 12);
  const name = `tfjs-backend-wasm-${version}-threaded-simd.worker.${hash}.cjs`;
  try {
    return writeAtomically(dir, name, text);
  } catch {
    return writeAtomically(mkdtempSync(join(tmpdir(), 'sam-studio-wasm-')), name, text);
  }
}
