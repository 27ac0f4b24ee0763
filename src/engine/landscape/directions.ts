// Directions for loss-landscape slices (Li, Xu, Taylor, Studer & Goldstein 2018, "Visualizing the
// Loss Landscape of Neural Nets", §4): a Gaussian direction d rescaled filter by filter so that
// ‖d_filter‖ = ‖w_filter‖, which removes the scale invariance of ReLU nets from the picture.
// Biases and batch-norm parameters (rank ≤ 1) get d = 0 ("ignore biasbn" in their code).
// tfjs stores dense kernels as [in, out] and conv kernels as [kh, kw, in, out]: a filter (one
// output unit / channel) is a slice along the LAST axis.
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../rng';

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
 * SAM's first-order perturbation for p = 2 (Foret et al. 2021, eq. 2): ε̂ = ρ·∇L/‖∇L‖₂. Used for
 * the 1-D slice along ε̂ when the caller has no ε̂ from a training step (e.g. a stored checkpoint).
 */
export function samEpsilon(lossFn: () => tf.Scalar, params: tf.Variable[], rho: number): tf.Tensor[] {
  if (!(rho > 0)) throw new Error(`samEpsilon: rho must be > 0, got ${rho}`);
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(lossFn, params);
    value.dispose();
    const gs = params.map((p) => grads[p.name] ?? tf.zerosLike(p));
    const gNorm = tf.sqrt(tf.addN(gs.map((g) => tf.sum(tf.square(g)))));
    const factor = tf.div(rho, tf.add(gNorm, 1e-12));
    return gs.map((g) => tf.mul(g, factor));
  });
}
