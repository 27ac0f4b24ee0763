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

/** What each timed step took; samples from several rounds concatenate (mergeSamples). */
export interface StepSamples {
  wall: number[];
  cpu: number[];
  passes: StepCost[];
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

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export function summarize(s: StepSamples): StepTiming {
  return {
    wallMs: median(s.wall),
    meanWallMs: mean(s.wall),
    cpuMs: mean(s.cpu),
    passes: { forwardBackward: mean(s.passes.map((p) => p.forwardBackward)), forward: mean(s.passes.map((p) => p.forward)) },
  };
}

export function mergeSamples(a: StepSamples, b: StepSamples): StepSamples {
  return { wall: [...a.wall, ...b.wall], cpu: [...a.cpu, ...b.cpu], passes: [...a.passes, ...b.passes] };
}

/**
 * Times the steppers' steps interleaved, rotating which goes first (SGD SAM, SAM SGD, …), so a
 * burst of load from other processes hits all alike and their ratios stay meaningful.
 */
export async function sampleInterleaved<K extends string>(
  steppers: Record<K, Stepper>,
  batches: () => Batch,
  inputShape: number[],
  o: { warmup: number; repeats: number; lr: number },
): Promise<Record<K, StepSamples>> {
  const keys = Object.keys(steppers) as K[];
  for (let i = 0; i < o.warmup; i++) for (const k of keys) await runStep(steppers[k], batches(), inputShape, o.lr);
  const out = Object.fromEntries(keys.map((k) => [k, { wall: [], cpu: [], passes: [] } as StepSamples])) as Record<K, StepSamples>;
  for (let i = 0; i < o.repeats; i++) {
    const order = [...keys.slice(i % keys.length), ...keys.slice(0, i % keys.length)];
    for (const k of order) {
      const b = batches();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const p = await runStep(steppers[k], b, inputShape, o.lr);
      out[k].wall.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      out[k].cpu.push((c.user + c.system) / 1000);
      out[k].passes.push(p);
    }
  }
  return out;
}

export async function timeInterleaved<K extends string>(
  steppers: Record<K, Stepper>,
  batches: () => Batch,
  inputShape: number[],
  o: { warmup: number; repeats: number; lr: number },
): Promise<Record<K, StepTiming>> {
  const s = await sampleInterleaved(steppers, batches, inputShape, o);
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, summarize(v as StepSamples)])) as Record<K, StepTiming>;
}
