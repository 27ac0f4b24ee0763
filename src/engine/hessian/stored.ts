// The Hessian analysis of a stored run after the fact (issue 4, point 4): rebuild the model from a
// checkpoint, take the run's fixed seeded Hessian batch, and compute the same spectrum (and
// landscapes) the trainer would have emitted at that epoch.
import * as tf from '@tensorflow/tfjs-core';
import type { HessianConfig, RunConfig, SamConfig } from '../../shared/config';
import type { LandscapeEvent, LandscapeKind, SpectrumEvent } from '../../shared/events';
import { computeLandscapes, samEpsilonAt } from '../landscape/index';
import { makeLossClosure } from '../loss';
import { restoreForAnalysis } from '../restore';
import { makeBaseOptimizer } from '../optim/base';
import { learningRateAt, learningRateRange } from '../optim/schedule';
import { makeSamVariant } from '../optim/variants/index';
import { hessianBatch } from '../train-analysis';
import type { EngineModel } from '../types';
import { fdStepFor, type SpectrumOptions } from './index';
import { analyzeWithLayers } from './layer-analysis';

export interface StoredAnalysis {
  spectrum: SpectrumEvent;
  landscapes: LandscapeEvent[];
  paramCount: number;
}

/**
 * ε̂ at the checkpoint's weights as the run's own SAM takes it (its variant, p, ASAM's adaptive and
 * η; GSAM's ρ_t at the lr of the checkpoint's step), from the gradient of the analysed loss (L2
 * term included exactly when training put it in the loss). Under m-sharpness the trainer's ε̂ is
 * its first chunk's, taken from m examples: here likewise, from the first m examples of the
 * Hessian batch. (Training takes ε̂ in training mode — dropout, batch statistics — which a stored
 * analysis has no batch draw for; the analysed loss is eval-mode.)
 */
function storedEpsilon(model: EngineModel, x: tf.Tensor, y: tf.Tensor1D, config: RunConfig, sam: SamConfig, at: { step: number; stepsPerEpoch: number }): tf.Tensor[] {
  const m = sam.m !== null && sam.m < x.shape[0] ? sam.m : null;
  const [xm, ym] = m === null ? [x, y] : [tf.slice(x, 0, m), tf.slice(y, 0, m)];
  try {
    const { lossWeightDecay } = makeBaseOptimizer(config.optimizer, []);
    const variant = makeSamVariant(sam, { model, lrRange: learningRateRange(config) });
    const lastStep = config.epochs * at.stepsPerEpoch - 1;
    const lr = learningRateAt(config, Math.min(at.step, lastStep), at.stepsPerEpoch);
    const closure = makeLossClosure(model, xm, ym, lossWeightDecay, config.optimizer.weightDecayParams);
    return samEpsilonAt(closure, variant, { t: 0, lr, seed: config.seed });
  } finally {
    if (m !== null) tf.dispose([xm, ym]);
  }
}

export async function analyzeCheckpoint(
  runId: number,
  config: RunConfig,
  checkpointPath: string | null,
  hessian: HessianConfig,
  opts: Pick<SpectrumOptions, 'signal' | 'hvpMethod'> & { onProgress?: (phase: string, done: number, total: number) => void } = {},
): Promise<StoredAnalysis> {
  const { model, dataset, epoch, step } = await restoreForAnalysis(config, checkpointPath, {
    onProgress: (p) => opts.onProgress?.(p.phase, p.done, p.total),
  });
  const { x, y } = hessianBatch(dataset.train, model.inputShape, hessian.batchSize, config.seed);
  try {
    // The analysed loss is the trained one: the L2 term is in it exactly when training put it there.
    const { lossWeightDecay } = makeBaseOptimizer(config.optimizer, []);
    const closure = makeLossClosure(model, x, y, lossWeightDecay, config.optimizer.weightDecayParams);
    const result = await analyzeWithLayers(
      closure,
      hessian,
      {
        seed: config.seed,
        batchSize: x.shape[0],
        signal: opts.signal,
        hvpMethod: opts.hvpMethod,
        fdStep: fdStepFor(config.model),
        onProgress: (d, t) => opts.onProgress?.('hessian', d, t),
      },
      { model, x, y, weightDecay: lossWeightDecay, config },
    );
    const spectrum: SpectrumEvent = { event: 'spectrum', runId, epoch, step, ...result };
    const landscapes: LandscapeEvent[] = [];
    if (hessian.landscape) {
      const stepsPerEpoch = Math.max(1, dataset.train.n >= config.batchSize ? Math.floor(dataset.train.n / config.batchSize) : 1);
      const eps = config.sam && config.sam.rho > 0 ? storedEpsilon(model, x, y, config, config.sam, { step, stepsPerEpoch }) : null;
      const kinds: LandscapeKind[] = eps ? ['1d-random', '2d-random', '1d-eps'] : ['1d-random', '2d-random'];
      try {
        const slices = await computeLandscapes(closure, {
          seed: config.seed,
          kinds,
          epsDirection: eps,
          signal: opts.signal,
          onProgress: (d, t) => opts.onProgress?.('landscape', d, t),
        });
        for (const s of slices) landscapes.push({ event: 'landscape', runId, epoch, step, ...s });
      } finally {
        eps?.forEach((t) => t.dispose());
      }
    }
    return { spectrum, landscapes, paramCount: model.paramCount };
  } finally {
    x.dispose();
    y.dispose();
    model.dispose();
  }
}
