// The WebAssembly backend (XNNPACK), on every core: the threaded SIMD build of tfjs-backend-wasm
// instantiated by wasm-module.ts (the stock loader runs one thread under Node, tfjs issue 3830),
// with a pool of `threads` (default: the machine's cores, at most WASM_MAX_THREADS). One thread
// runs the single-threaded SIMD build, the one the stock loader uses. If the threaded build cannot
// start, the rung falls back to one thread and says why in its details.
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../wasm-kernels';
import { heapPoolFor, releaseHeapPool } from '../wasm-kernels/heap-pool';
import { type ActivateOptions, type BackendRung, type ProbeResult, errorText } from './types';
import { createWasmBackend, poolThreads, wasmBuildFiles, type WasmBuild } from './wasm-module';
import { WASM_MAX_THREADS, chooseThreads, machineThreads } from './wasm-threads';

type Details = Record<string, string | number | boolean>;

/** The module behind the registered 'wasm' backend, when we registered it. */
let live: { build: WasmBuild; threads: number } | null = null;

function buildFor(simd: boolean, threads: number): WasmBuild {
  if (!simd) return 'plain';
  return threads > 1 ? 'threaded-simd' : 'simd';
}

type Installed = { ok: true; backend: BackendWasm; kept?: string } | { ok: false; reason: string };

/**
 * Makes 'wasm' the tfjs backend on `build` with `threads`; replaces a module of another build or
 * pool size — unless tensors still live on it (replacing would free them under their owners):
 * then it stays, and `kept` says so.
 */
async function install(build: WasmBuild, threads: number): Promise<Installed> {
  const running = tf.findBackend('wasm');
  if (live && (live.build !== build || live.threads !== threads) && running && running.numDataIds() > 0) {
    if (!(await tf.setBackend('wasm'))) return { ok: false, reason: 'wasm backend failed to initialise' };
    const kept = `kept the wasm module already running (${live.build}, ${live.threads} thread${live.threads === 1 ? '' : 's'}): tensors live on it`;
    return { ok: true, backend: tf.backend() as BackendWasm, kept };
  }
  if (!live || live.build !== build || live.threads !== threads) {
    releaseHeapPool(tf.findBackend('wasm'));
    if (tf.findBackendFactory('wasm')) tf.removeBackend('wasm');
    live = null;
    let failure: unknown = null;
    tf.registerBackend(
      'wasm',
      () =>
        createWasmBackend(build, threads).catch((e: unknown) => {
          failure = e;
          throw e;
        }),
      2,
    );
    const warn = console.warn;
    // tfjs-core warns and returns false when a factory rejects; we report the reason ourselves.
    console.warn = () => {};
    const ok = await tf.setBackend('wasm').finally(() => (console.warn = warn));
    if (!ok) {
      tf.removeBackend('wasm');
      return { ok: false, reason: failure ? errorText(failure) : `the ${build} module failed to initialise` };
    }
    live = { build, threads };
    heapPoolFor(tf.backend()); // start the kernels' worker threads now, not in the first step
  } else if (!(await tf.setBackend('wasm'))) return { ok: false, reason: 'wasm backend failed to initialise' };
  return { ok: true, backend: tf.backend() as BackendWasm };
}

async function activateWasm(opts: ActivateOptions): Promise<ProbeResult> {
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  const choice = chooseThreads(opts.threads);
  // Kernels first: the engine runs every registered kernel's setup when the backend comes up.
  registerWasmTrainingKernels();
  const details: Details = {
    simd,
    threadsFrom: choice.source,
    machineThreads: machineThreads(),
    ...(choice.note ? { threadsNote: choice.note } : {}),
  };
  let build = buildFor(simd, choice.threads);
  let r = await install(build, build === 'threaded-simd' ? choice.threads : 1);
  if (!r.ok && build === 'threaded-simd') {
    details.threadsNote = `the threaded build failed (${r.reason}); running on 1 thread`;
    build = 'simd';
    r = await install(build, 1);
  }
  if (!r.ok) return { ok: false, reason: `wasm backend failed: ${r.reason}` };
  if (r.kept) {
    details.threadsNote = r.kept;
    build = live?.build ?? build;
  }
  return { ok: true, details: { ...details, build, threads: poolThreads(r.backend), multithreaded: build === 'threaded-simd', trainingKernels: 'registered' } };
}

export const wasmRung: BackendRung = {
  name: 'wasm',
  async probe() {
    try {
      const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
      const threads = chooseThreads(null).threads;
      wasmBuildFiles(buildFor(simd, threads));
      return { ok: true, details: { simd, threads, maxThreads: WASM_MAX_THREADS } };
    } catch (e) {
      return { ok: false, reason: `@tensorflow/tfjs-backend-wasm unavailable: ${errorText(e)}` };
    }
  },
  async activate(opts = {}) {
    try {
      return await activateWasm(opts);
    } catch (e) {
      return { ok: false, reason: `wasm backend failed: ${errorText(e)}` };
    }
  },
};

export const cpuRung: BackendRung = {
  name: 'cpu',
  async probe() {
    return { ok: true, details: { implementation: 'plain JavaScript', threads: 1 } };
  },
  async activate() {
    await import('@tensorflow/tfjs-backend-cpu');
    if (!(await tf.setBackend('cpu'))) return { ok: false, reason: 'cpu backend failed to initialise' };
    // tfjs-cpu prints an "install tfjs-node" banner on first use; our BackendReport already says
    // why tensorflow was skipped, in the run's own words, so the banner is only noise in --json output.
    (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
    return { ok: true, details: { implementation: 'plain JavaScript', threads: 1 } };
  },
};
