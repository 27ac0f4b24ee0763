// A data-parallel worker thread (engine/parallel/data-parallel.ts): it holds a copy of the model,
// and for every pass rank 0 posts it loads the shared weights, takes the forward-backward pass on
// its rows of the shared batch on one wasm thread, and writes back the mean gradient, the mean
// loss, the correct count and each row's loss. Its copy has no optimizer: rank 0 steps the one
// set of weights and shares them again at the next pass.
import '@tensorflow/tfjs-layers';
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { wasmRung } from '../backends/wasm';
import { layoutOf, unflatten } from '../hessian/flat';
import { buildModel } from '../models/index';
import { gradientPass } from '../optim/pass';
import { heapBackend } from '../wasm-kernels/heap';
import {
  COUNT,
  DONE,
  ERROR_BYTES,
  ERROR_CAPACITY,
  FAILED,
  FLAGS,
  FLAG_CORRECT,
  FLAG_EXAMPLE_LOSSES,
  KIND,
  KIND_EXIT,
  SEQ,
  START,
  type WorkerStart,
} from './shared-batch';

const start = workerData as WorkerStart;
const control = new Int32Array(start.shared.control);
const mine = new Int32Array(start.own.control);

function fail(seq: number, e: unknown): void {
  const text = new TextEncoder().encode(`data-parallel worker ${start.rank}: ${e instanceof Error ? e.message : String(e)}`).slice(0, ERROR_CAPACITY);
  new Uint8Array(start.own.error).set(text);
  Atomics.store(mine, ERROR_BYTES, text.length);
  Atomics.store(mine, FAILED, 1);
  Atomics.store(mine, DONE, seq);
  Atomics.notify(mine, DONE);
}

async function main(): Promise<void> {
  const up = await wasmRung.activate({ threads: 1 });
  if (!up.ok) throw new Error(`the wasm backend did not start: ${up.reason}`);
  const model = await buildModel(start.model, start.inputShape, start.numClasses, 0);
  const weights = new Float32Array(start.shared.weights);
  const xs = new Float32Array(start.shared.x);
  const ys = new Int32Array(start.shared.y);
  const grads = new Float32Array(start.own.grads);
  const scalars = new Float32Array(start.own.scalars);
  const rowLosses = new Float32Array(start.own.exampleLosses);
  const scale = new Float32Array(start.own.scale);
  const heap = heapBackend(tf.backend());
  const inputSize = tf.util.sizeFromShape(start.inputShape);
  const layout = layoutOf(model.params);
  const mask = model.params.map(() => false);
  // Read before saying ready: rank 0 may post the first pass the moment it hears it.
  let seen = Atomics.load(control, SEQ);
  parentPort?.postMessage('ready');
  for (;;) {
    Atomics.wait(control, SEQ, seen);
    const seq = Atomics.load(control, SEQ);
    seen = seq;
    if (Atomics.load(control, KIND) === KIND_EXIT) break;
    try {
      const flags = Atomics.load(control, FLAGS);
      const from = Atomics.load(mine, START);
      const rows = Atomics.load(mine, COUNT);
      tf.tidy(() => {
        unflatten(weights, layout).forEach((w, i) => model.params[i].assign(w));
        const x = tf.tensor(xs.subarray(from * inputSize, (from + rows) * inputSize), [rows, ...start.inputShape]);
        const y = tf.tensor1d(ys.subarray(from, from + rows), 'int32');
        const r = gradientPass(model, x, y, {
          updateState: false,
          wantCorrect: (flags & FLAG_CORRECT) !== 0,
          wantExampleLosses: (flags & FLAG_EXAMPLE_LOSSES) !== 0,
          weightDecay: 0,
          decayMask: mask,
          lossScale: scale[0],
        });
        r.grads.forEach((g, i) => grads.set(heap.typedArrayFromHeap(g) as Float32Array, layout.offsets[i]));
        scalars[0] = r.loss.dataSync()[0];
        scalars[1] = r.correct ? r.correct.dataSync()[0] : 0;
        if (r.exampleLosses) rowLosses.set(r.exampleLosses.dataSync() as Float32Array);
      });
      Atomics.store(mine, DONE, seq);
      Atomics.notify(mine, DONE);
    } catch (e) {
      fail(seq, e);
    }
  }
  model.dispose();
}

// A failure to start rejects here and reaches rank 0 as the Worker's 'error' event.
await main();
