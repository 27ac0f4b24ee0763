// How fast is a rung here? `auto` takes the fastest rung that passes the self-check, timed on this
// machine rather than assumed from the ladder's order (a GPU behind WebGPU may beat libtensorflow
// on CPU; a software WebGPU adapter such as SwiftShader loses to wasm). The workload is one SAM
// step of an MLP 784-128-10 on a batch of 64: big enough that kernels, not dispatch overhead,
// dominate on a CPU, small enough to time in well under a second on wasm.
import * as tf from '@tensorflow/tfjs-core';
import { modelSchema, optimizerSchema, samSchema } from '../../shared/config';
import { buildModel } from '../models/index';
import { createStepper } from '../optim/index';
import { Rng } from '../rng';

export const TIMING_DESCRIPTION = 'SAM step, MLP 784-128-10, batch 64';
const BATCH = 64;
const INPUT = 784;
const CLASSES = 10;

/**
 * Median wall time (ms) of a SAM step on the active backend: one untimed warm-up step (kernel
 * compilation), then up to `maxSteps` timed steps or until `budgetMs` has passed.
 */
export async function timeSamStep(budgetMs = 1000, maxSteps = 5): Promise<number> {
  const rng = new Rng(5);
  const model = await buildModel(modelSchema.parse({ kind: 'mlp', hidden: [128] }), [INPUT], CLASSES, 5);
  const stepper = createStepper(model, {
    optimizer: optimizerSchema.parse({ kind: 'sgd', lr: 0.01, momentum: 0.9 }),
    sam: samSchema.parse({ rho: 0.05 }),
  });
  const x = tf.tensor2d(Float32Array.from({ length: BATCH * INPUT }, () => rng.next()), [BATCH, INPUT]);
  const y = tf.tensor1d(Int32Array.from({ length: BATCH }, (_, i) => i % CLASSES), 'int32');
  const step = async () => {
    const t0 = performance.now();
    const r = stepper.step(x, y, 0.01);
    await r.loss.data(); // waits for the whole step: the loss is read after the update was queued
    tf.dispose([r.loss, r.correct, r.gradNorm, r.epsNorm!, r.perturbedLoss!]);
    return performance.now() - t0;
  };
  try {
    await step();
    const times: number[] = [];
    const start = performance.now();
    while (times.length < maxSteps && (times.length === 0 || performance.now() - start < budgetMs)) times.push(await step());
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)];
  } finally {
    stepper.dispose();
    model.dispose();
    tf.dispose([x, y]);
  }
}
