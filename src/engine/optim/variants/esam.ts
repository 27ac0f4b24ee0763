// ESAM (Du et al., ICLR 2022, "Efficient Sharpness-aware Minimization for Improved Training of
// Neural Networks"): SAM made cheaper by two approximations (§3).
//   Stochastic weight perturbation (SWP): each weight is perturbed with probability β,
//     ε̃ = (m ⊙ ε̂)/β,   m_i ~ Bernoulli(β) i.i.d. per weight,   so E[ε̃] = ε̂
//   Sharpness-sensitive data selection (SDS): with ΔL_i = L_i(w + ε̃) − L_i(w) per example,
//     B⁺ = the ⌈γ·|B|⌉ examples with the largest ΔL_i;   step with ∇L_{B⁺}(w + ε̃)
// The authors' code (dydjw9/Efficient_SAM) draws SWP per parameter tensor; this draws per weight,
// as the paper writes it, from the step's seed (a resumed run draws the same mask). SDS costs a
// forward pass at w + ε̃ over the whole batch and saves (1 − γ) of the second backward pass.
// β = γ = 1 is SAM: no mask, every example, no extra forward. With dropout, the ranking pass
// replays the first pass's masks; the second pass draws its masks for the smaller batch (tfjs
// draws a mask per tensor), so its selected rows do not keep their first-pass masks.
import * as tf from '@tensorflow/tfjs-core';
import type { SamPerturbationOptions } from '../sam';
import { samPerturbation } from '../sam';
import { Rng } from '../../rng';
import { globalNorm } from '../clip';
import { type SamVariant, secondPass } from './types';

export interface EsamOptions extends SamPerturbationOptions {
  beta: number;
  gamma: number;
}

/** The ⌈γ·n⌉ rows whose loss rose most under ε̃ (at least one), as int32 indices. */
export function sharpestRows(before: tf.Tensor1D, after: tf.Tensor1D, gamma: number): tf.Tensor1D {
  const n = before.shape[0];
  const keep = Math.min(n, Math.max(1, Math.ceil(gamma * n)));
  return tf.tidy(() => tf.topk(tf.sub(after, before), keep).indices as tf.Tensor1D);
}

/**
 * m/β with m_i ~ Bernoulli(β), drawn on the CPU from the step's seeded stream (mulberry32 is
 * several times faster than tf.randomUniform's per-value generator, and a seed is a seed).
 */
function keepMask(shape: number[], beta: number, rng: Rng): tf.Tensor {
  const v = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < v.length; i++) v[i] = rng.next() < beta ? 1 / beta : 0;
  return tf.tensor(v, shape);
}

export function esamVariant(o: EsamOptions): SamVariant {
  for (const [k, v] of [['beta', o.beta], ['gamma', o.gamma]] as const) {
    if (!(v > 0 && v <= 1)) throw new Error(`Invalid sam.variant.${k} = ${v}: ESAM's ${k === 'beta' ? 'β' : 'γ'} must be in (0, 1]`);
  }
  const variant: SamVariant = {
    name: 'esam',
    chunkable: true,
    init: () => ({}),
    passes: () => 2,
    perturb: ({ g, gNorm, params, info }) => {
      const p = samPerturbation(g, params, o, gNorm);
      if (o.beta === 1) return p;
      const rng = new Rng(info.seed);
      const eps = p.eps.map((e) => tf.mul(e, keepMask(e.shape, o.beta, rng)));
      return { eps, epsNorm: globalNorm(eps) };
    },
    combine: ({ state }, gp) => ({ grads: secondPass(gp, 'ESAM'), state }),
  };
  if (o.gamma < 1) variant.select = (before, after) => sharpestRows(before, after, o.gamma);
  return variant;
}
