// The Hessian/landscape schedule inside a run (issue 4, point 4): on a fixed, seeded batch of
// training examples, the top-k spectrum (+ trace, density) and optionally loss-landscape slices.
import * as tf from '@tensorflow/tfjs-core';
import type { RunConfig } from '../shared/config';
import type { LandscapeEvent, LandscapeKind, ProgressEvent, SpectrumEvent } from '../shared/events';
import type { Split } from './data/types';
import { fdStepFor } from './hessian/index';
import { analyzeWithLayers } from './hessian/layer-analysis';
import { computeLandscapes } from './landscape/index';
import { makeLossClosure } from './loss';
import { Rng } from './rng';
import type { EngineModel } from './types';

/** Salt for the Hessian batch's rng, so it never shares a stream with shuffles or init. */
const HESSIAN_BATCH_SALT = 0x4e55;

// The schedule is shared with the services, which plan progress and ETA with it.
export { analysisDue } from '../shared/hessian-schedule';

/**
 * The same `size` training examples every time (seeded), so spectra from different epochs of a
 * run — and from runs with the same seed — are measured on the same loss.
 */
export function hessianBatch(train: Split, inputShape: number[], size: number, seed: number): { x: tf.Tensor; y: tf.Tensor1D } {
  return fixedSample(train, inputShape, size, seed, HESSIAN_BATCH_SALT);
}

/** `size` training examples (all, if fewer) in an order fixed by the seed and the caller's salt. */
export function fixedSample(train: Split, inputShape: number[], size: number, seed: number, salt: number): { x: tf.Tensor; y: tf.Tensor1D } {
  const n = Math.min(size, train.n);
  const order = new Rng(seed).fork(salt).shuffle(Int32Array.from({ length: train.n }, (_, i) => i));
  const dim = inputShape.reduce((a, b) => a * b, 1);
  const xs = new Float32Array(n * dim);
  const ys = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const j = order[i];
    xs.set(train.x.subarray(j * dim, (j + 1) * dim), i * dim);
    ys[i] = train.y[j];
  }
  return { x: tf.tensor(xs, [n, ...inputShape]), y: tf.tensor1d(ys, 'int32') };
}

export interface AnalysisContext {
  config: RunConfig;
  model: EngineModel;
  train: Split;
  runId: number | null;
  epoch: number;
  step: number;
  /** ε̂ of the last SAM step, for the 1-D slice along it; null without SAM. */
  epsDirection: tf.Tensor[] | null;
  /** The L2 coefficient inside the training loss (Stepper.lossWeightDecay), so the analysed loss is the trained one. */
  weightDecay: number;
  emit: (e: SpectrumEvent | LandscapeEvent | ProgressEvent) => void;
  /** A stop request interrupts the analysis (the loop then stops at its next step boundary). */
  signal?: AbortSignal;
}

/** Runs the configured analysis and emits its events; returns λ_max (or null). */
export async function runAnalysis(ctx: AnalysisContext): Promise<{ lambdaMax: number | null }> {
  const h = ctx.config.hessian;
  if (!h) return { lambdaMax: null };
  const { x, y } = hessianBatch(ctx.train, ctx.model.inputShape, h.batchSize, ctx.config.seed);
  try {
    const closure = makeLossClosure(ctx.model, x, y, ctx.weightDecay, ctx.config.optimizer.weightDecayParams);
    const progress = (phase: string) => (done: number, total: number) =>
      ctx.emit({ event: 'progress', runId: ctx.runId, phase, done, total, message: `epoch ${ctx.epoch}` });
    const spectrum = await analyzeWithLayers(
      closure,
      h,
      { seed: ctx.config.seed, onProgress: progress('hessian'), signal: ctx.signal, batchSize: y.shape[0], fdStep: fdStepFor(ctx.config.model) },
      { model: ctx.model, x, y, weightDecay: ctx.weightDecay, config: ctx.config },
    );
    ctx.emit({ event: 'spectrum', runId: ctx.runId, epoch: ctx.epoch, step: ctx.step, ...spectrum });
    if (h.landscape) {
      const kinds: LandscapeKind[] = ['1d-random', '2d-random'];
      if (ctx.epsDirection) kinds.push('1d-eps');
      const slices = await computeLandscapes(closure, {
        seed: ctx.config.seed,
        kinds,
        epsDirection: ctx.epsDirection,
        onProgress: progress('landscape'),
        signal: ctx.signal,
      });
      for (const s of slices) ctx.emit({ event: 'landscape', runId: ctx.runId, epoch: ctx.epoch, step: ctx.step, ...s });
    }
    return { lambdaMax: spectrum.topEigenvalues[0] ?? null };
  } finally {
    x.dispose();
    y.dispose();
  }
}
