// The Hessian analysis of a stored run after the fact (issue 4, point 4): rebuild the model from a
// checkpoint, take the run's fixed seeded Hessian batch, and compute the same spectrum (and
// landscapes) the trainer would have emitted at that epoch.
import type { HessianConfig, RunConfig } from '../../shared/config';
import type { LandscapeEvent, LandscapeKind, SpectrumEvent } from '../../shared/events';
import { computeLandscapes } from '../landscape/index';
import { makeLossClosure } from '../loss';
import { restoreForAnalysis } from '../restore';
import { makeBaseOptimizer } from '../optim/base';
import { hessianBatch } from '../train-analysis';
import { fdStepFor, type SpectrumOptions } from './index';
import { analyzeWithLayers } from './layer-analysis';

export interface StoredAnalysis {
  spectrum: SpectrumEvent;
  landscapes: LandscapeEvent[];
  paramCount: number;
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
    const closure = makeLossClosure(model, x, y, lossWeightDecay);
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
      // Without a stored ε̂, the slice along ε̂ uses SAM's p = 2 formula ρ∇L/‖∇L‖ at these weights.
      const kinds: LandscapeKind[] = config.sam ? ['1d-random', '2d-random', '1d-eps'] : ['1d-random', '2d-random'];
      const slices = await computeLandscapes(closure, {
        seed: config.seed,
        kinds,
        rho: config.sam?.rho,
        signal: opts.signal,
        onProgress: (d, t) => opts.onProgress?.('landscape', d, t),
      });
      for (const s of slices) landscapes.push({ event: 'landscape', runId, epoch, step, ...s });
    }
    return { spectrum, landscapes, paramCount: model.paramCount };
  } finally {
    x.dispose();
    y.dispose();
    model.dispose();
  }
}
