// Timing one training step the way the loop runs it: tensors from a real batch, one
// Stepper.step, then the loss read back (so the time includes all queued work).
import * as tf from '@tensorflow/tfjs-core';
import type { Batch } from '../src/engine/data/batches';
import type { Stepper } from '../src/engine/optim';

export interface StepTiming {
  /** Median wall-clock ms per step (robust to the odd scheduler hiccup). */
  wallMs: number;
  /** Mean process CPU ms per step: what the step costs when other processes compete for cores. */
  cpuMs: number;
}

export async function runStep(stepper: Stepper, b: Batch, inputShape: number[], lr: number): Promise<void> {
  const x = tf.tensor(b.x, [b.size, ...inputShape]);
  const y = tf.tensor1d(b.y, 'int32');
  const r = stepper.step(x, y, lr);
  // Asynchronous read: WebGPU cannot read synchronously in Node; on wasm and cpu it costs the same.
  await r.loss.data();
  tf.dispose([x, y, r.loss, r.correct, r.gradNorm, ...(r.epsNorm ? [r.epsNorm] : []), ...(r.perturbedLoss ? [r.perturbedLoss] : [])]);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Times SGD and SAM steps interleaved, alternating which goes first (SGD SAM, SAM SGD, …), so a
 * burst of load from other processes hits both alike and their ratio stays meaningful.
 */
export async function timeInterleaved(
  steppers: { sgd: Stepper; sam: Stepper },
  batches: () => Batch,
  inputShape: number[],
  o: { warmup: number; repeats: number; lr: number },
): Promise<{ sgd: StepTiming; sam: StepTiming }> {
  for (let i = 0; i < o.warmup; i++) {
    await runStep(steppers.sgd, batches(), inputShape, o.lr);
    await runStep(steppers.sam, batches(), inputShape, o.lr);
  }
  const wall = { sgd: [] as number[], sam: [] as number[] };
  const cpu = { sgd: 0, sam: 0 };
  for (let i = 0; i < o.repeats; i++) {
    for (const k of i % 2 === 0 ? (['sgd', 'sam'] as const) : (['sam', 'sgd'] as const)) {
      const b = batches();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await runStep(steppers[k], b, inputShape, o.lr);
      wall[k].push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu[k] += (c.user + c.system) / 1000;
    }
  }
  return {
    sgd: { wallMs: median(wall.sgd), cpuMs: cpu.sgd / o.repeats },
    sam: { wallMs: median(wall.sam), cpuMs: cpu.sam / o.repeats },
  };
}
