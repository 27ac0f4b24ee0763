// Directions for loss-landscape slices (Li, Xu, Taylor, Studer & Goldstein 2018, "Visualizing the
// Loss Landscape of Neural Nets", §4): a Gaussian direction d rescaled filter by filter so that
// ‖d_filter‖ = ‖w_filter‖, which removes the scale invariance of ReLU nets from the picture.
// Biases and batch-norm parameters (rank ≤ 1) get d = 0 ("ignore biasbn" in their code).
// tfjs stores dense kernels as [in, out] and conv kernels as [kh, kw, in, out]: a filter (one
// output unit / channel) is a slice along the LAST axis.
import * as tf from '@tensorflow/tfjs-core';
import { checkSamOptions, samPerturbation, type SamPerturbationOptions } from '../optim/sam';
import type { Rng } from '../rng';
import type { LossClosure } from '../types';

export function filterNormalizedDirection(params: readonly tf.Tensor[], rng: Rng): tf.Tensor[] {
  return params.map((p) => {
    if (p.rank <= 1) return tf.zeros(p.shape);
    const w = p.dataSync() as Float32Array;
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
 * ε̂ at the closure's current weights, as the run's stepper would take it: ∇ of the closure's loss,
 * then the one SAM perturbation (optim/sam.ts: p = 2 or ∞, ASAM's |w| + η scaling) with the run's
 * own options. For the 1-D slice along ε̂ when no ε̂ from a training step is at hand (a stored
 * checkpoint). The caller disposes the result.
 */
export function samEpsilonAt(closure: LossClosure, sam: SamPerturbationOptions): tf.Tensor[] {
  checkSamOptions(sam);
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(closure.loss, closure.params);
    value.dispose();
    const g = closure.params.map((p) => grads[p.name] ?? tf.zerosLike(p));
    return samPerturbation(g, closure.params, sam).eps;
  });
}
