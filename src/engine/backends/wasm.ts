// The WebAssembly backend (XNNPACK). The .wasm binaries are loaded from the package's dist folder
// on disk. Multithreading needs worker threads the Node build does not use, so it runs on 1 thread.
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import { registerWasmTrainingKernels } from '../wasm-kernels';
import { type BackendRung, type ProbeResult, errorText } from './types';

function wasmDistDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
}

async function wasmFacts(): Promise<Record<string, string | number | boolean>> {
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  return { simd: Boolean(simd), multithreaded: Boolean(threads), threads: threads ? 'auto' : 1 };
}

export const wasmRung: BackendRung = {
  name: 'wasm',
  async probe() {
    try {
      wasmDistDir();
      return { ok: true, details: await wasmFacts() };
    } catch (e) {
      return { ok: false, reason: `@tensorflow/tfjs-backend-wasm unavailable: ${errorText(e)}` };
    }
  },
  async activate(): Promise<ProbeResult> {
    try {
      setWasmPaths(wasmDistDir());
      registerWasmTrainingKernels();
      if (!(await tf.setBackend('wasm'))) return { ok: false, reason: 'wasm backend failed to initialise (see console)' };
      return { ok: true, details: { ...(await wasmFacts()), trainingKernels: 'registered' } };
    } catch (e) {
      return { ok: false, reason: `wasm backend failed: ${errorText(e)}` };
    }
  },
};

export const cpuRung: BackendRung = {
  name: 'cpu',
  async probe() {
    return { ok: true, details: { implementation: 'plain JavaScript' } };
  },
  async activate() {
    await import('@tensorflow/tfjs-backend-cpu');
    if (!(await tf.setBackend('cpu'))) return { ok: false, reason: 'cpu backend failed to initialise' };
    // tfjs-cpu prints an "install tfjs-node" banner on first use; our BackendReport already says
    // why tensorflow was skipped, in the run's own words, so the banner is only noise in --json output.
    (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
    return { ok: true, details: { implementation: 'plain JavaScript' } };
  },
};
