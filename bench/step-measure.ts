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

/** Per-step wall and process-CPU ms; samples from several rounds concatenate. */
export interface StepSamples {
  wall: number[];
  cpu: number[];
}

export function runStep(stepper: Stepper, b: Batch, inputShape: number[], lr: number): void {
  const x = tf.tensor(b.x, [b.size, ...inputShape]);
  const y = tf.tensor1d(b.y, 'int32');
  const r = stepper.step(x, y, lr);
  r.loss.dataSync();
  tf.dispose([x, y, r.loss, r.correct, r.gradNorm, ...(r.epsNorm ? [r.epsNorm] : []), ...(r.perturbedLoss ? [r.perturbedLoss] : [])]);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function summarize(s: StepSamples): StepTiming {
  return { wallMs: median(s.wall), cpuMs: s.cpu.reduce((a, b) => a + b, 0) / s.cpu.length };
}

export function mergeSamples(a: StepSamples, b: StepSamples): StepSamples {
  return { wall: [...a.wall, ...b.wall], cpu: [...a.cpu, ...b.cpu] };
}

/**
 * Times SGD and SAM steps interleaved, alternating which goes first (SGD SAM, SAM SGD, …), so a
 * burst of load from other processes hits both alike and their ratio stays meaningful.
 */
export function sampleInterleaved(
  steppers: { sgd: Stepper; sam: Stepper },
  batches: () => Batch,
  inputShape: number[],
  o: { warmup: number; repeats: number; lr: number },
): { sgd: StepSamples; sam: StepSamples } {
  for (let i = 0; i < o.warmup; i++) {
    runStep(steppers.sgd, batches(), inputShape, o.lr);
    runStep(steppers.sam, batches(), inputShape, o.lr);
  }
  const out = { sgd: { wall: [] as number[], cpu: [] as number[] }, sam: { wall: [] as number[], cpu: [] as number[] } };
  for (let i = 0; i < o.repeats; i++) {
    for (const k of i % 2 === 0 ? (['sgd', 'sam'] as const) : (['sam', 'sgd'] as const)) {
      const b = batches();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      runStep(steppers[k], b, inputShape, o.lr);
      out[k].wall.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      out[k].cpu.push((c.user + c.system) / 1000);
    }
  }
  return out;
}
