// Directions for loss-landscape slices (Li, Xu, Taylor, Studer & Goldstein 2018, "Visualizing the
// Loss Landscape of Neural Nets", §4): a Gaussian direction d rescaled filter by filter so that
// ‖d_filter‖ = ‖w_filter‖, which removes the scale invariance of ReLU nets from the picture.
// Biases and batch-norm parameters (rank ≤ 1) get d = 0 ("ignore biasbn" in their code).
// tfjs stores dense kernels as [in, out] and conv kernels as [kh, kw, in, out]: a filter (one
// output unit / channel) is a slice along the LAST axis.
import * as tf from '@tensorflow/tfjs-core';
import { globalNorm } from '../optim/clip';
import type { SamVariant, StepInfo } from '../optim/variants/index';
import type { Rng } from '../rng';
import type { LossClosure } from '../types';

export async function filterNormalizedDirection(params: readonly tf.Tensor[], rng: Rng): Promise<tf.Tensor[]> {
  // Read asynchronously (WebGPU cannot read synchronously in Node), all tensors at once.
  const values = await Promise.all(params.map((p) => (p.rank <= 1 ? null : p.data())));
  return params.map((p, i) => {
    if (p.rank <= 1) return tf.zeros(p.shape);
    const w = values[i] as Float32Array;
    const filters = p.shape[p.rank - 1];
    const d = new Float32Array(w.length);
    for (let i = 0; i < d.length; i++) d[i] = rng.normal();
    const wNorm = new Float64Array(filters);
    const dNorm = new Float64Array(filters);
    for (let i = 0; i < d.length; i++) {
      const f = i % filters;
      wNorm[f] += w[i] * w[i];
      dNorm[f] += d[i] * d[i];
    }
    for (let i = 0; i < d.length; i++) {
      const f = i % filters;
      d[i] *= Math.sqrt(wNorm[f]) / (Math.sqrt(dNorm[f]) + 1e-10);
    }
    return tf.tensor(d, p.shape, 'float32');
  });
}

/**
 * ε̂ at the closure's current weights, as the run's own SAM takes it from a first pass: ∇ of the
 * closure's loss, then the variant's `perturb` (optim/variants: plain SAM is optim/sam.ts
 * samPerturbation with the run's p, ASAM and η; GSAM's ρ_t follows `info.lr`; SAM-ON perturbs
 * normalisation layers only; ESAM masks with `info.seed`). For the 1-D slice along ε̂ when no ε̂
 * from a training step is at hand (a stored checkpoint). A variant's memory across steps
 * (Friendly-SAM's gradient average, LookSAM's g_v) is not part of one: it starts fresh, as at a
 * run's first step. The caller disposes the result.
 */
export function samEpsilonAt(closure: LossClosure, variant: SamVariant, info: StepInfo = { t: 0, lr: 0, seed: 0 }): tf.Tensor[] {
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(closure.loss, closure.params);
    value.dispose();
    const g = closure.params.map((p) => grads[p.name] ?? tf.zerosLike(p));
    const state = variant.init(closure.params);
    return variant.perturb({ g, gNorm: globalNorm(g), params: closure.params, state, info }).eps;
  });
}
