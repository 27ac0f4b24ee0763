// Friendly-SAM (Li et al., CVPR 2024, "Friendly Sharpness-Aware Minimization"). The batch
// gradient g_t is a full-gradient component plus batch noise; the paper finds the noise is what
// makes SAM generalise, so the perturbation leaves out an estimate of the full gradient — an
// exponential moving average m of past batch gradients:
//   ε̂ = ρ·(g_t − σ·m_{t−1}) / ‖g_t − σ·m_{t−1}‖,    m_t = λ·m_{t−1} + (1 − λ)·g_t,   m_0 = g_0
//   step with ∇L(w + ε̂)
// (the authors' code, nblt/F-SAM: the first step perturbs along g_0 and sets m = g_0). p = ∞ and
// ASAM apply to the direction as they do to SAM's. σ = 0 is SAM. m is state (checkpointed).
// Always written "Friendly-SAM": "FSAM" also names Fisher SAM.
import * as tf from '@tensorflow/tfjs-core';
import type { SamPerturbationOptions } from '../sam';
import { samPerturbation } from '../sam';
import { addScaled } from '../vectors';
import { type SamVariant, secondPass } from './types';

export interface FriendlySamOptions extends SamPerturbationOptions {
  sigma: number;
  lambda: number;
}

const mKey = (i: number) => `m/${i}`;

export function friendlySamVariant(o: FriendlySamOptions): SamVariant {
  if (!(o.sigma >= 0)) throw new Error(`Invalid sam.variant.sigma = ${o.sigma}: Friendly-SAM's σ must be ≥ 0`);
  if (!(o.lambda >= 0 && o.lambda < 1)) throw new Error(`Invalid sam.variant.lambda = ${o.lambda}: Friendly-SAM's λ must be in [0, 1)`);
  const m = (state: Record<string, tf.Tensor>, n: number) => Array.from({ length: n }, (_, i) => state[mKey(i)]);
  return {
    name: 'friendly-sam',
    chunkable: false,
    init: (params) => Object.fromEntries(params.map((p, i) => [mKey(i), tf.zerosLike(p)])),
    passes: () => 2,
    perturb: ({ g, params, state, info }) => {
      const direction = info.t === 0 ? g : addScaled(g, -o.sigma, m(state, g.length));
      return samPerturbation(direction, params, o);
    },
    combine: ({ g, state, info }, gp) => {
      const next = info.t === 0 ? g : m(state, g.length).map((mi, i) => tf.add(tf.mul(mi, o.lambda), tf.mul(g[i], 1 - o.lambda)));
      return { grads: secondPass(gp, 'Friendly-SAM'), state: Object.fromEntries(next.map((t, i) => [mKey(i), t])) };
    },
  };
}
