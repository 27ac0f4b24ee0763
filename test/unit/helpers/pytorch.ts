// Running the PyTorch references in test/python/ (Debian's python3-torch, which `.ci/run`
// installs) on data the engine exports: a manifest.json plus raw little-endian arrays.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** Debian's interpreter: the python3 first on PATH may be another one, without torch. */
export const PYTHON = '/usr/bin/python3';
const SCRIPTS = fileURLToPath(new URL('../../python', import.meta.url));

export interface NamedArray {
  data: Float32Array | Int32Array;
  shape: number[];
}

/** Writes `manifest` (plus where each array lives) and every array to `dir`. */
export function writeBundle(dir: string, manifest: Record<string, unknown>, arrays: Record<string, NamedArray>): void {
  const specs: Record<string, { file: string; dtype: string; shape: number[] }> = {};
  for (const [name, a] of Object.entries(arrays)) {
    const size = a.shape.reduce((p, d) => p * d, 1);
    if (size !== a.data.length) throw new Error(`writeBundle: ${name} has ${a.data.length} values for shape [${a.shape}]`);
    const file = `${name}.bin`;
    writeFileSync(join(dir, file), new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength));
    specs[name] = { file, dtype: a.data instanceof Float32Array ? '<f4' : '<i4', shape: a.shape };
  }
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, arrays: specs }));
}

/** Runs test/python/<script> with `args` and parses the JSON line it prints. */
export async function runTorchReference<T>(script: string, args: string[]): Promise<T> {
  try {
    const { stdout } = await promisify(execFile)(PYTHON, [join(SCRIPTS, script), ...args], {
      cwd: SCRIPTS,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, OMP_NUM_THREADS: '1', PYTHONDONTWRITEBYTECODE: '1' },
    });
    return JSON.parse(stdout.trim().split('\n').at(-1) as string) as T;
  } catch (e) {
    const err = e as { code?: string; stderr?: string; message: string };
    if (/No module named 'torch'/.test(err.stderr ?? '') || err.code === 'ENOENT') {
      throw new Error(`${script} needs PyTorch in ${PYTHON}: install Debian's python3-torch (apt-get install python3-torch; .ci/run does)`);
    }
    throw new Error(`${script} failed: ${err.stderr || err.message}`);
  }
}
