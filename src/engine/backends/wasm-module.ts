// Instantiating tfjs-backend-wasm ourselves, so that Node (the CLI, the browser door's trainer
// child processes, Electron's trainer utilityProcess) gets the threaded SIMD build that the stock
// loader gives only to browsers. Two builds:
// - 'simd' (one thread): the package's single-threaded factory with the SIMD binary, exactly what
//   the stock loader uses in Node;
// - 'threaded-simd': the Emscripten pthreads factory. Its workers are started from a file (see
//   wasm-worker-file.ts) and re-read the factory script by path (the worker's Node branch reads a
//   string `mainScriptUrlOrBlob` with fs), and the pool size is set when the module is
//   instantiated: the C++ side sizes it from a static initialiser,
//     num_cores = emscripten_num_logical_cores() / 2      (backend.cc, "2 threads per core")
//   capped there, and in Node that import reads os.cpus().length (1 pool thread on 2 cores). We
//   replace that one import in the imports object, so the cap is exactly the requested count.
import { BackendWasm, setThreadsCount, version_wasm } from '@tensorflow/tfjs-backend-wasm';
import { readFile } from 'node:fs/promises';
import { Worker as NodeWorker, type WorkerOptions } from 'node:worker_threads';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ensureWorkerFile } from './wasm-worker-file';

export type WasmBuild = 'simd' | 'threaded-simd' | 'plain';

interface EmscriptenModule {
  cwrap(name: string, ret: string | null, args: string[]): (...a: number[]) => number;
  PThread?: { runningWorkers: { unref(): void }[]; unusedWorkers: { unref(): void }[] };
  tfjs?: unknown;
}
type Imports = { env: Record<string, unknown> };
interface FactoryConfig {
  locateFile(file: string, prefix: string): string;
  mainScriptUrlOrBlob?: string;
  instantiateWasm?(imports: Imports, receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void): object;
  onAbort?(what: unknown): void;
}
type Factory = (config: FactoryConfig) => Promise<EmscriptenModule>;

// Not named `require`: electron-vite's ESM shim declares that name at the top of the bundle.
const requireHere = createRequire(import.meta.url);
const wasmOut = (file: string) => requireHere.resolve(`@tensorflow/tfjs-backend-wasm/wasm-out/${file}`);

const FILES: Record<WasmBuild, { factory: string; binary: string }> = {
  plain: { factory: 'tfjs-backend-wasm.js', binary: 'tfjs-backend-wasm.wasm' },
  // The stock loader also runs the SIMD binary with the plain factory (same imports).
  simd: { factory: 'tfjs-backend-wasm.js', binary: 'tfjs-backend-wasm-simd.wasm' },
  'threaded-simd': { factory: 'tfjs-backend-wasm-threaded-simd.js', binary: 'tfjs-backend-wasm-threaded-simd.wasm' },
};

/** Checks that the files of a build are present, without loading anything. */
export function wasmBuildFiles(build: WasmBuild): { factory: string; binary: string } {
  const factory = wasmOut(FILES[build].factory);
  return { factory, binary: path.join(path.dirname(factory), FILES[build].binary) };
}

/** The C++ entry points BackendWasm calls, bound as the stock loader binds them. */
function bindTfjs(m: EmscriptenModule): void {
  m.tfjs = {
    init: m.cwrap('init', null, []),
    initWithThreadsCount: m.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: m.cwrap('get_threads_count', 'number', []),
    registerTensor: m.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: m.cwrap('dispose_data', null, ['number']),
    dispose: m.cwrap('dispose', null, []),
  };
}

/** Instantiates the binary with `emscripten_num_logical_cores` answering 2 × threads. */
function instantiateWithCores(binary: string, threads: number, fail: (e: Error) => void): FactoryConfig['instantiateWasm'] {
  return (imports, receive) => {
    imports.env.emscripten_num_logical_cores = () => 2 * threads;
    readFile(binary)
      .then((bytes) => WebAssembly.compile(bytes))
      .then(async (module) => receive(await WebAssembly.instantiate(module, imports as WebAssembly.Imports), module))
      .catch((e: unknown) => fail(e instanceof Error ? e : new Error(String(e))));
    return {}; // asynchronous: Emscripten waits for `receive`
  };
}

/**
 * Runs `start` with the global `Worker` answering a worker_threads Worker that does not inherit
 * this process's execArgv. Emscripten creates its 8 pthread workers synchronously inside the
 * factory call, as `new Worker(file)` on the global (which it sets itself; the setter is ignored
 * meanwhile). They run a plain CommonJS script: the parent's loader flags (tsx under the CLI and
 * the browser door) only slowed their start — 1.3 s and 90 MB more for the 8, measured here.
 */
function withPlainWorkers<T>(start: () => T): T {
  const saved = Object.getOwnPropertyDescriptor(globalThis, 'Worker');
  class PlainWorker extends NodeWorker {
    constructor(file: string | URL, options: WorkerOptions = {}) {
      super(file, { ...options, execArgv: [] });
    }
  }
  Object.defineProperty(globalThis, 'Worker', { configurable: true, get: () => PlainWorker, set: () => {} });
  try {
    return start();
  } finally {
    if (saved) Object.defineProperty(globalThis, 'Worker', saved);
    else delete (globalThis as { Worker?: unknown }).Worker;
  }
}

/**
 * A BackendWasm on `build` with a pool of `threads` (1 for the single-threaded builds).
 * Rejects with the loader's reason when the module cannot start.
 */
export async function createWasmBackend(build: WasmBuild, threads: number): Promise<BackendWasm> {
  const files = wasmBuildFiles(build);
  const factory = requireHere(files.factory) as Factory;
  const threaded = build === 'threaded-simd';
  let abort: (reason: Error) => void = () => {};
  const aborted = new Promise<never>((_, reject) => (abort = reject));
  const config: FactoryConfig = {
    locateFile(file, prefix) {
      if (file.endsWith('.worker.js')) {
        const { wasmWorkerContents } = requireHere(wasmOut(file)) as { wasmWorkerContents: string };
        return ensureWorkerFile(wasmWorkerContents, version_wasm);
      }
      return file.endsWith('.wasm') ? files.binary : prefix + file;
    },
    onAbort: (what) => abort(new Error(`the ${build} wasm module aborted: ${String(what)}`)),
  };
  if (threaded) {
    config.mainScriptUrlOrBlob = files.factory;
    config.instantiateWasm = instantiateWithCores(files.binary, threads, abort);
  }
  const module = await Promise.race([threaded ? withPlainWorkers(() => factory(config)) : factory(config), aborted]);
  bindTfjs(module);
  // BackendWasm's constructor creates the pool: init_with_threads_count(n) caps n by num_cores.
  setThreadsCount(threaded ? threads : -1);
  const backend = new BackendWasm(module as unknown as ConstructorParameters<typeof BackendWasm>[0]);
  // Emscripten refs a Node worker while it runs a pthread; XNNPACK's pool threads run for the
  // module's lifetime, so without this an idle pool would keep the process from exiting.
  for (const w of module.PThread?.runningWorkers ?? []) w.unref();
  return backend;
}

/** Threads the module's XNNPACK pool really has (what the C++ side reports). */
export function poolThreads(backend: BackendWasm): number {
  return (backend.wasm as unknown as { tfjs: { getThreadsCount(): number } }).tfjs.getThreadsCount();
}
