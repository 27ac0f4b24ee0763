// Each layer's share of SAM's ascent step, ‖ε̂_l‖² / ‖ε̂‖² (issue 13, item 3): where the
// perturbation of Foret et al. (2021, eq. 2) puts its radius ρ. ε̂ is the run's own: its
// variant's perturb() (../../optim/variants) with its ρ, p, ASAM and m — never a second copy of
// the formula. Measured on the Hessian batch at the analysed weights, with the loss the Hessian
// sees (eval-mode forward, the L2 term when training put it in the loss):
// - m-sharpness: each chunk of m examples gets its own ε̂, as in the stepper; the shares are the
//   mean over the first MAX_CHUNKS chunks (each chunk's shares sum to 1, so the mean does too);
// - state a variant keeps across steps is not in a checkpoint's weights: the variant starts from
//   its initial state at step 0 (Friendly-SAM then perturbs along g itself, as at its first step);
//   ESAM's random mask is drawn from the run's seed;
// - a run without SAM is measured with SAM's p = 2 step ρ·∇L/‖∇L‖, whose shares are the layers'
//   shares of ‖∇L‖² (ρ cancels): where SAM would have pushed these weights.
import * as tf from '@tensorflow/tfjs-core';
import { describeSam, samSchema, type RunConfig } from '../../shared/config';
import type { EpsShareSource } from '../../shared/layer-sharpness';
import { makeLossClosure } from '../loss';
import { globalNorm } from '../optim/clip';
import { variantSeed } from '../optim/step-seeds';
import { makeSamVariant } from '../optim/variants/index';
import type { EngineModel } from '../types';
import type { LayerGroup } from './layer-groups';

/** Enough chunks for a stable mean; a 1024-example batch at m = 8 has 128. */
export const MAX_CHUNKS = 16;

export interface EpsShares {
  /** Per group, in the groups' order; null when ε̂ was zero in every chunk. */
  shares: (number | null)[];
  source: EpsShareSource;
}

/** Squared norm of each tensor, in one read (asynchronous: WebGPU cannot read synchronously in Node). */
async function squaredNorms(ts: readonly tf.Tensor[]): Promise<Float32Array> {
  const stacked = tf.tidy(() => tf.stack(ts.map((t) => tf.sum(tf.square(t)))));
  try {
    return (await stacked.data()) as Float32Array;
  } finally {
    stacked.dispose();
  }
}

export async function epsilonShares(
  model: EngineModel,
  x: tf.Tensor,
  y: tf.Tensor,
  weightDecay: number,
  config: Pick<RunConfig, 'sam' | 'optimizer' | 'seed'>,
  groups: readonly LayerGroup[],
): Promise<EpsShares> {
  const fromRun = config.sam !== null;
  const sam = config.sam ?? samSchema.parse({ rho: 0.05 });
  const lr = config.optimizer.lr;
  const variant = makeSamVariant(sam, { model, lrRange: { min: lr, max: lr } });
  const params = model.params;
  const n = x.shape[0];
  const m = sam.m !== null && sam.m < n ? sam.m : n;
  const chunks = Math.min(Math.floor(n / m), MAX_CHUNKS);
  const sums = new Float64Array(groups.length);
  let counted = 0;
  for (let c = 0; c < chunks; c++) {
    const sq = tf.tidy(() => {
      const xs = m === n ? x : tf.slice(x, c * m, m);
      const ys = m === n ? y : tf.slice(y, c * m, m);
      const closure = makeLossClosure(model, xs, ys, weightDecay, config.optimizer.weightDecayParams);
      const { value, grads } = tf.variableGrads(closure.loss, params);
      value.dispose();
      const g = params.map((p) => grads[p.name] ?? tf.zerosLike(p));
      const state = variant.init(params);
      const info = { t: 0, lr, seed: variantSeed(config.seed, 0, c) };
      return variant.perturb({ g, gNorm: globalNorm(g), params, state, info }).eps;
    });
    let perTensor: Float32Array;
    try {
      perTensor = await squaredNorms(sq);
    } finally {
      sq.forEach((t) => t.dispose());
    }
    const total = perTensor.reduce((a, b) => a + b, 0);
    if (!(total > 0) || !Number.isFinite(total)) continue;
    groups.forEach((grp, i) => {
      sums[i] += grp.indices.reduce((s, k) => s + perTensor[k], 0) / total;
    });
    counted++;
  }
  const description = fromRun
    ? `${describeSam(sam)}${m < n ? `, mean over ${chunks} chunks of ${m}` : ''}`
    : 'no SAM in this run: SAM’s p = 2 step ρ·∇L/‖∇L‖ (shares of ‖∇L‖²)';
  return {
    shares: groups.map((_, i) => (counted > 0 ? sums[i] / counted : null)),
    source: { source: fromRun ? 'run' : 'sam-p2', description, chunks },
  };
}
