// The Hessian analysis with per-layer results (hessian.perLayer, issue 13 item 3): the full
// spectrum first (it decides exact vs finite differences once), then each layer's block λ_max
// with the same method and step, then each layer's share of ‖ε̂‖. One progress bar runs over
// both: the block products are planned up front and added to the spectrum's total.
import type { HessianConfig } from '../../shared/config';
import type { SpectrumResult } from '../../shared/events';
import type { LayerSpectrum } from '../../shared/layer-sharpness';
import { Rng } from '../rng';
import type { LossClosure } from '../types';
import { epsilonShares } from './eps-shares';
import { analyzeSpectrum, type SpectrumOptions } from './index';
import { blockProductBudget, blockTopEigenvalues } from './layer-blocks';
import { layerGroups } from './layer-groups';

/** What the ε̂ shares need beyond the loss closure: the model, the batch, the run's SAM options. */
export interface LayerContext {
  model: Parameters<typeof epsilonShares>[0];
  x: Parameters<typeof epsilonShares>[1];
  y: Parameters<typeof epsilonShares>[2];
  weightDecay: number;
  config: Parameters<typeof epsilonShares>[4];
}

/** Salt of the block start vectors: never the full spectrum's streams. */
const BLOCK_SALT = 0x1a7e;

/** analyzeSpectrum, plus `perLayer` when the config asks for it. */
export async function analyzeWithLayers(closure: LossClosure, cfg: HessianConfig, opts: SpectrumOptions, ctx: LayerContext): Promise<SpectrumResult> {
  if (!cfg.perLayer) return analyzeSpectrum(closure, cfg, opts);
  const groups = layerGroups(closure.params);
  const budget = blockProductBudget(groups, cfg.maxIterations);
  let spectrumTotal = 0;
  const spectrum = await analyzeSpectrum(closure, cfg, {
    ...opts,
    onProgress: (d, t) => {
      spectrumTotal = t;
      opts.onProgress?.(d, t + budget);
    },
  });
  const started = Date.now();
  let done = 0;
  const blocks = await blockTopEigenvalues(closure, groups, {
    seed: new Rng(opts.seed).fork(BLOCK_SALT).int(2 ** 31),
    method: spectrum.hvp,
    fdStep: opts.fdStep,
    maxIterations: cfg.maxIterations,
    tolerance: cfg.tolerance,
    signal: opts.signal,
    onStep: async () => {
      done++;
      opts.onProgress?.(spectrumTotal + done, spectrumTotal + budget);
      // Let the process handle messages (stop, ping) between products.
      await new Promise<void>((resolve) => setImmediate(resolve));
    },
  });
  const eps = await epsilonShares(ctx.model, ctx.x, ctx.y, ctx.weightDecay, ctx.config, groups);
  opts.onProgress?.(spectrumTotal + budget, spectrumTotal + budget);
  const perLayer: LayerSpectrum = {
    layers: groups.map((g, i) => ({
      name: g.name,
      tensors: g.tensors,
      paramCount: g.paramCount,
      lambdaMax: blocks[i].lambdaMax,
      residual: blocks[i].residual,
      iterations: blocks[i].iterations,
      epsShare: eps.shares[i],
    })),
    eps: eps.source,
    hvp: spectrum.hvp,
    elapsedMs: Date.now() - started,
  };
  return { ...spectrum, perLayer, elapsedMs: spectrum.elapsedMs + perLayer.elapsedMs };
}
