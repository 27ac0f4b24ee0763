// Data-parallel passes on worker threads (issue 11's fallback for wasm): each forward-backward
// pass is shared out by rows. Rank 0 (this thread) writes the weights it is at (w, or w + ε̂) and
// the batch into shared memory, wakes the workers, takes its own rows, waits, and adds the ranks'
// gradients, each of a loss scaled by the rank's share of the rows — the full batch's mean
// gradient, so SAM's ε̂ comes from the whole batch.
// Everything else (ε̂, the optimizer, checkpoints) stays on rank 0 with the one set of weights.
// Each rank computes on one wasm thread, so every kernel runs in parallel — tfjs's element-wise
// kernels and XNNPACK's weight packing included, which the threaded build runs on one thread.
// Rank 0 blocks in Atomics.wait for the workers: a pass is milliseconds, and the stepper is
// synchronous. Only models whose gradient is a plain mean over examples qualify: batch norm
// (statistics over the batch) and dropout (one mask stream per step) do not.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../../shared/config';
import type { EngineModel } from '../types';
import { layoutOf, unflatten } from '../hessian/flat';
import { type PassFn, type PassResult, gradientPass } from '../optim/pass';
import { addDecayGradient } from '../optim/weight-decay';
import { heapBackend } from '../wasm-kernels/heap';
import { dataParallelUnfit } from './plan';
import {
  COUNT,
  DONE,
  ERROR_BYTES,
  FAILED,
  FLAGS,
  FLAG_CORRECT,
  FLAG_EXAMPLE_LOSSES,
  KIND,
  KIND_EXIT,
  KIND_PASS,
  SEQ,
  START,
  type SharedBatch,
  type WorkerStart,
  allocateSharedBatch,
} from './shared-batch';

/** How long rank 0 waits for a worker's pass before it calls the worker lost. */
const PASS_TIMEOUT_MS = 10 * 60_000;

export interface DataParallel {
  /** The stepper's pass (StepperConfig.pass). */
  pass: PassFn;
  /** Ranks, this thread included. */
  readonly ranks: number;
  /** Stops the workers (they also end with the process). */
  dispose(): void;
}

/**
 * The worker: the bundled entry (out/cli/ beside this code, out/main/ one up from its chunks/),
 * or, running from source under tsx, the .ts source behind a bootstrap that registers tsx in the
 * new thread (a worker does not inherit the parent's module hooks: a .ts entry fails with
 * "Unknown file extension"). No inherited flags: with a parent's --input-type (any `node -e`
 * script) a worker fails to start, as the wasm pool's pthread workers did.
 */
function newWorker(workerData: WorkerStart): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) {
    const bundled = ['./data-parallel-worker.js', '../data-parallel-worker.js'].map((f) => new URL(f, here)).find((u) => existsSync(u));
    if (!bundled) throw new Error(`data-parallel-worker.js is missing beside ${fileURLToPath(here)}; rebuild with npm run build`);
    return new Worker(bundled, { workerData, execArgv: [] });
  }
  const api = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const entry = JSON.stringify(new URL('./data-parallel-worker.ts', here).href);
  return new Worker(`import(${api}).then((m) => { m.register(); return import(${entry}); })`, { eval: true, workerData, execArgv: [] });
}

/** Rows of an n-row batch per rank, rank 0 first: as even as can be. */
export function shareRows(n: number, ranks: number): number[] {
  const base = Math.floor(n / ranks);
  return Array.from({ length: ranks }, (_, r) => base + (r < n % ranks ? 1 : 0));
}

export async function startDataParallel(o: {
  model: EngineModel;
  config: ModelConfig;
  ranks: number;
  /** The most rows a pass shares out; larger passes run on rank 0 alone. */
  maxRows: number;
}): Promise<DataParallel> {
  const refusal = dataParallelUnfit(o.config) ?? (o.model.state.length > 0 ? 'it has batch-norm statistics' : null);
  if (refusal) throw new Error(`model "${o.config.kind}" cannot train on data-parallel ranks: ${refusal}`);
  if (o.ranks < 2) throw new Error(`data-parallel training needs at least 2 ranks, got ${o.ranks}`);
  const { inputShape, numClasses, paramCount } = o.model;
  const inputSize = tf.util.sizeFromShape(inputShape);
  const shared = allocateSharedBatch({ workers: o.ranks - 1, paramCount, maxRows: o.maxRows, inputSize });
  const lost: Record<number, string> = {};
  const workers = await Promise.all(shared.workers.map((own, i) => spawn({ rank: i + 1, model: o.config, inputShape, numClasses, shared, own }, lost)));
  let closing = false;
  const pass = sharedPass(shared, o.maxRows, o.ranks, () => {
    const dead = closing ? [] : Object.entries(lost);
    if (dead.length > 0) throw new Error(`data-parallel worker ${dead[0][0]} is gone: ${dead[0][1]}`);
  });
  return {
    pass,
    ranks: o.ranks,
    dispose() {
      closing = true;
      const control = new Int32Array(shared.control);
      Atomics.store(control, KIND, KIND_EXIT);
      Atomics.add(control, SEQ, 1);
      Atomics.notify(control, SEQ);
      for (const w of workers) void w.terminate();
    },
  };
}

function spawn(start: WorkerStart, lost: Record<number, string>): Promise<Worker> {
  return new Promise((resolve, reject) => {
    const w = newWorker(start);
    const onError = (e: Error) => reject(new Error(`data-parallel worker ${start.rank} did not start: ${e.message}`));
    w.once('error', onError);
    w.once('message', (m) => {
      if (m !== 'ready') return reject(new Error(`data-parallel worker ${start.rank} said "${String(m)}" instead of ready`));
      w.off('error', onError);
      // A failing pass is reported through shared memory, at that pass; a worker that died
      // between passes is noticed here (rank 0's event loop runs between steps).
      w.on('error', (e) => (lost[start.rank] ??= e.message));
      w.on('exit', (code) => (lost[start.rank] ??= `it exited with code ${code}`));
      w.unref();
      resolve(w);
    });
  });
}

function sharedPass(shared: SharedBatch, maxRows: number, ranks: number, checkAlive: () => void): PassFn {
  const control = new Int32Array(shared.control);
  const weights = new Float32Array(shared.weights);
  const xs = new Float32Array(shared.x);
  const ys = new Int32Array(shared.y);
  const mine = shared.workers.map((w) => ({
    control: new Int32Array(w.control),
    grads: new Float32Array(w.grads),
    scalars: new Float32Array(w.scalars),
    rowLosses: new Float32Array(w.exampleLosses),
    scale: new Float32Array(w.scale),
    error: new Uint8Array(w.error),
  }));

  return (model, x, y, o): PassResult => {
    const n = x.shape[0];
    const rows = shareRows(n, ranks);
    if (n > maxRows || rows.some((r) => r === 0)) return gradientPass(model, x, y, o);
    checkAlive();
    const heap = heapBackend(tf.backend());
    const layout = layoutOf(model.params);
    model.params.forEach((p, i) => weights.set(heap.typedArrayFromHeap(p) as Float32Array, layout.offsets[i]));
    xs.set(heap.typedArrayFromHeap(x) as Float32Array);
    ys.set(heap.typedArrayFromHeap(y) as Int32Array);
    let from = rows[0];
    mine.forEach((w, i) => {
      Atomics.store(w.control, START, from);
      Atomics.store(w.control, COUNT, rows[i + 1]);
      w.scale[0] = rows[i + 1] / n;
      from += rows[i + 1];
    });
    Atomics.store(control, FLAGS, (o.wantCorrect ? FLAG_CORRECT : 0) | (o.wantExampleLosses ? FLAG_EXAMPLE_LOSSES : 0));
    Atomics.store(control, KIND, KIND_PASS);
    const seq = Atomics.add(control, SEQ, 1) + 1;
    Atomics.notify(control, SEQ);

    // Each rank's loss is scaled by its share of the rows, so the shares' gradients simply add up
    // to the full batch's mean gradient.
    const n0 = rows[0];
    const own = gradientPass(model, tf.slice(x, 0, n0), tf.slice(y, 0, n0), { ...o, weightDecay: 0, lossScale: n0 / n });
    for (const w of mine) waitFor(w, seq);

    const theirs = mine.map((w) => unflatten(w.grads, layout));
    const grads = own.grads.map((g0, j) => theirs.reduce((sum, t) => tf.add(sum, t[j]), g0));
    const loss = mine.reduce((sum, w) => tf.add(sum, w.scalars[0]), own.loss) as tf.Scalar;
    const correct = own.correct ? (mine.reduce((sum, w) => tf.add(sum, tf.scalar(w.scalars[1], 'int32')), own.correct) as tf.Scalar) : null;
    // Row losses come from the logits, unscaled.
    const exampleLosses = own.exampleLosses
      ? (tf.concat([own.exampleLosses, ...mine.map((w, i) => tf.tensor1d(w.rowLosses.slice(0, rows[i + 1])))]) as tf.Tensor1D)
      : null;
    return { loss, grads: addDecayGradient(grads, model.params, o.decayMask, o.weightDecay), correct, exampleLosses };
  };
}

function waitFor(w: { control: Int32Array; error: Uint8Array }, seq: number): void {
  const t0 = performance.now();
  while (Atomics.load(w.control, DONE) !== seq) {
    if (performance.now() - t0 > PASS_TIMEOUT_MS) throw new Error(`a data-parallel worker took over ${PASS_TIMEOUT_MS / 60_000} minutes for one pass; it is lost`);
    Atomics.wait(w.control, DONE, Atomics.load(w.control, DONE), 1000);
  }
  if (Atomics.load(w.control, FAILED) === 1) {
    throw new Error(new TextDecoder().decode(w.error.slice(0, Atomics.load(w.control, ERROR_BYTES))));
  }
}
