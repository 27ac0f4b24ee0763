// Timing one training step the way the loop runs it: tensors from a real batch, one
// Stepper.step, then the loss read back (so the time includes all queued work).
import * as tf from '@tensorflow/tfjs-core';
import type { Batch } from '../src/engine/data/batches';
import type { StepCost, Stepper } from '../src/engine/optim';

export interface StepTiming {
  /** Median wall-clock ms per step (robust to the odd scheduler hiccup). */
  wallMs: number;
  /** Mean wall-clock ms per step: the figure for steppers whose steps differ (LookSAM's SAM step every k). */
  meanWallMs: number;
  /** Mean process CPU ms per step: what the step costs when other processes compete for cores. */
  cpuMs: number;
  /** Mean forward-backward (and forward-only) passes per timed step, in batch units. */
  passes: StepCost;
}

export async function runStep(stepper: Stepper, b: Batch, inputShape: number[], lr: number): Promise<StepCost> {
  const x = tf.tensor(b.x, [b.size, ...inputShape]);
  const y = tf.tensor1d(b.y, 'int32');
  const r = stepper.step(x, y, lr);
  // Asynchronous read: WebGPU cannot read synchronously in Node; on wasm and cpu it costs the same.
  await r.loss.data();
  tf.dispose([x, y, r.loss, r.correct, r.gradNorm, ...(r.epsNorm ? [r.epsNorm] : []), ...(r.perturbedLoss ? [r.perturbedLoss] : [])]);
  return r.passes;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Times the steppers' steps interleaved, rotating which goes first (SGD SAM, SAM SGD, …), so a
 * burst of load from other processes hits all alike and their ratios stay meaningful.
 */
export async function timeInterleaved<K extends string>(
  steppers: Record<K, Stepper>,
  batches: () => Batch,
  inputShape: number[],
  o: { warmup: number; repeats: number; lr: number },
): Promise<Record<K, StepTiming>> {
  const keys = Object.keys(steppers) as K[];
  for (let i = 0; i < o.warmup; i++) for (const k of keys) await runStep(steppers[k], batches(), inputShape, o.lr);
  const wall = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  const cpu = Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
  const passes = Object.fromEntries(keys.map((k) => [k, { forwardBackward: 0, forward: 0 }])) as Record<K, StepCost>;
  for (let i = 0; i < o.repeats; i++) {
    const order = [...keys.slice(i % keys.length), ...keys.slice(0, i % keys.length)];
    for (const k of order) {
      const b = batches();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const p = await runStep(steppers[k], b, inputShape, o.lr);
      wall[k].push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu[k] += (c.user + c.system) / 1000;
      passes[k].forwardBackward += p.forwardBackward / o.repeats;
      passes[k].forward += p.forward / o.repeats;
    }
  }
  const out = {} as Record<K, StepTiming>;
  for (const k of keys) {
    out[k] = { wallMs: median(wall[k]), meanWallMs: wall[k].reduce((a, b) => a + b, 0) / o.repeats, cpuMs: cpu[k] / o.repeats, passes: passes[k] };
  }
  return out;
}
