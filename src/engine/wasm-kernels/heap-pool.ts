// Runs the loops of our JS kernels (heap-tasks.ts) on several threads. On the threaded build the
// wasm heap is a SharedArrayBuffer, so worker threads can read and write tensors in place: each
// takes a share while the main thread does its own, then the main thread waits (Atomics.wait;
// Node's main thread may block). XNNPACK's pool only covers its own operators; without this,
// transposes, bias-gradient sums and the max-pool gradient would stay on one core.
// On the single-threaded build (an unshared heap) every task runs inline, in one share.
import { Worker } from 'node:worker_threads';
import { HEAP_TASKS, type HeapTask } from './heap-tasks';

/** Below this many elements a task runs inline: waking a worker costs tens of microseconds. */
export const PARALLEL_MIN_ELEMENTS = 1 << 16;

// Control block (Int32): [generation, pending shares, task id, parts, failed]; then the
// arguments (Float64); then the first failure's message (UTF-8). Workers never die on a task's
// error: they record it here and go on, because the main thread, blocked in Atomics.wait, could
// not receive an 'error' event.
const GEN = 0;
const PENDING = 1;
const TASK = 2;
const PARTS = 3;
const FAILED = 4;
const STOP = -1;
const MAX_ARGS = 64;
const ARGS_AT = 32;
const MESSAGE_AT = ARGS_AT + 8 * MAX_ARGS;
const MESSAGE_BYTES = 512;

function workerSource(): string {
  const tasks = HEAP_TASKS.map((t) => `(${t.toString()})`).join(',\n');
  // `__name` is the helper esbuild's keepNames inserts into function bodies.
  return `'use strict';
const { workerData } = require('node:worker_threads');
var __name = (f) => f;
const tasks = [${tasks}];
const { memory, control, part } = workerData;
const ctl = new Int32Array(control, 0, 8);
const args = new Float64Array(control, ${ARGS_AT}, ${MAX_ARGS});
const message = new Uint8Array(control, ${MESSAGE_AT}, ${MESSAGE_BYTES});
let gen = 0;
for (;;) {
  Atomics.wait(ctl, ${GEN}, gen);
  gen = Atomics.load(ctl, ${GEN});
  const task = ctl[${TASK}];
  if (task === ${STOP}) break;
  if (part >= ctl[${PARTS}]) continue;
  try {
    tasks[task](memory.buffer, args, part, ctl[${PARTS}]);
  } catch (e) {
    if (Atomics.compareExchange(ctl, ${FAILED}, 0, 1) === 0) {
      message.fill(0);
      new TextEncoder().encodeInto(String(e && e.stack || e).slice(0, ${MESSAGE_BYTES / 4}), message);
    }
  }
  if (Atomics.sub(ctl, ${PENDING}, 1) === 1) Atomics.notify(ctl, ${PENDING});
}`;
}

export class HeapPool {
  private readonly workers: Worker[] = [];
  private readonly ctl: Int32Array;
  private readonly args: Float64Array;
  private readonly message: Uint8Array;

  /**
   * `threads` shares per task: the calling thread and threads − 1 workers, which need the shared
   * `memory`; `heap()` is the current heap buffer on this thread (it changes when memory grows).
   */
  constructor(
    private readonly heap: () => ArrayBufferLike,
    readonly threads: number,
    memory?: WebAssembly.Memory,
  ) {
    if (threads > 1 && !(memory?.buffer instanceof SharedArrayBuffer)) throw new Error('a heap pool of several threads needs a shared wasm memory');
    const control = new SharedArrayBuffer(MESSAGE_AT + MESSAGE_BYTES);
    this.ctl = new Int32Array(control, 0, 8);
    this.args = new Float64Array(control, ARGS_AT, MAX_ARGS);
    this.message = new Uint8Array(control, MESSAGE_AT, MESSAGE_BYTES);
    const src = workerSource();
    for (let part = 1; part < threads; part++) {
      // execArgv: [] — the loop needs no loader flags of the parent (tsx), which slow its start.
      const w = new Worker(src, { eval: true, workerData: { memory, control, part }, execArgv: [] });
      w.unref(); // an idle pool never keeps the process alive
      this.workers.push(w);
    }
  }

  /** How many shares a task over `elements` values is split into. */
  partsFor(elements: number): number {
    return elements >= PARALLEL_MIN_ELEMENTS ? this.threads : 1;
  }

  /** Runs `task` over the heap in partsFor(elements) shares (inline when the job is small). */
  run(task: HeapTask, args: number[], elements: number): void {
    const id = HEAP_TASKS.indexOf(task);
    if (id < 0) throw new Error('not a heap task');
    if (args.length > MAX_ARGS) throw new Error(`a heap task takes at most ${MAX_ARGS} arguments`);
    const a = Float64Array.from(args);
    const parts = this.partsFor(elements);
    if (parts === 1) {
      task(this.heap(), a, 0, 1);
      return;
    }
    this.args.set(a);
    this.ctl[TASK] = id;
    this.ctl[PARTS] = parts;
    Atomics.store(this.ctl, PENDING, parts - 1);
    Atomics.add(this.ctl, GEN, 1);
    Atomics.notify(this.ctl, GEN);
    let own: unknown = null;
    try {
      task(this.heap(), a, 0, parts);
    } catch (e) {
      own = e;
    }
    // The workers' shares write into tensors the caller is about to use: always wait for them.
    for (let p = Atomics.load(this.ctl, PENDING); p !== 0; p = Atomics.load(this.ctl, PENDING)) Atomics.wait(this.ctl, PENDING, p);
    const workerFailed = Atomics.exchange(this.ctl, FAILED, 0) !== 0;
    if (own) throw own;
    if (workerFailed) {
      const text = new TextDecoder().decode(this.message.slice()).replace(/\0+$/, '');
      throw new Error(`a wasm heap worker failed: ${text}`);
    }
  }

  dispose(): void {
    this.ctl[TASK] = STOP;
    Atomics.add(this.ctl, GEN, 1);
    Atomics.notify(this.ctl, GEN);
    for (const w of this.workers) void w.terminate();
  }
}

interface WasmModule {
  HEAPU8: Uint8Array;
  wasmMemory?: WebAssembly.Memory;
  tfjs?: { getThreadsCount(): number };
}

const pools = new WeakMap<object, HeapPool>();

/**
 * The pool for a wasm backend: as many shares as its XNNPACK pool has threads when its heap is
 * shared, else inline. Created on first use and kept with the module.
 */
export function heapPoolFor(backend: unknown): HeapPool {
  const wasm = (backend as { wasm?: WasmModule }).wasm;
  if (!wasm?.HEAPU8) throw new Error('this kernel runs only on the wasm backend');
  let pool = pools.get(wasm);
  if (!pool) {
    const memory = wasm.wasmMemory;
    const shared = memory?.buffer instanceof SharedArrayBuffer;
    const threads = shared ? Math.max(1, wasm.tfjs?.getThreadsCount() ?? 1) : 1;
    // Emscripten refreshes HEAPU8 whenever the main thread grows the heap.
    pool = new HeapPool(() => wasm.HEAPU8.buffer, threads, memory);
    pools.set(wasm, pool);
  }
  return pool;
}

/** Stops the workers of a backend's pool (when its module is replaced). */
export function releaseHeapPool(backend: unknown): void {
  const wasm = (backend as { wasm?: WasmModule } | null)?.wasm;
  if (!wasm) return;
  pools.get(wasm)?.dispose();
  pools.delete(wasm);
}
