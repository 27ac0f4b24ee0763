// LookSAM (Liu et al., CVPR 2022, "Towards Efficient and Scalable Sharpness-Aware Minimization"):
// SAM's gradient g_s = ∇L(w + ε̂) changes mostly along g = ∇L(w); the rest, g_v, changes slowly,
// so it is computed every k steps and reused in between at one pass per step (§3.2).
//   t mod k = 0:  g_s = ∇L(w + ε̂),  g_v = g_s − (⟨g_s, g⟩/‖g‖²)·g  (= g_s − ‖g_s‖cos θ·g/‖g‖, eq. 6)
//                 step with g_s
//   otherwise:    step with g + α·(‖g‖/‖g_v‖)·g_v                                       (eq. 7)
// k = 1 is SAM. g_v is state (checkpointed); the schedule t mod k comes from the stepper's count.
import * as tf from '@tensorflow/tfjs-core';
import { globalNorm } from '../clip';
import type { SamPerturbationOptions } from '../sam';
import { samPerturbation } from '../sam';
import { addScaled, orthogonalPart } from '../vectors';
import type { SamVariant } from './types';

export interface LookSamOptions extends SamPerturbationOptions {
  k: number;
  alpha: number;
}

const gvKey = (i: number) => `gv/${i}`;

export function lookSamVariant(o: LookSamOptions): SamVariant {
  if (!(Number.isInteger(o.k) && o.k >= 1)) throw new Error(`Invalid sam.variant.k = ${o.k}: LookSAM's k must be a whole number ≥ 1`);
  if (!(o.alpha >= 0)) throw new Error(`Invalid sam.variant.alpha = ${o.alpha}: LookSAM's α must be ≥ 0`);
  return {
    name: 'looksam',
    chunkable: false,
    init: (params) => Object.fromEntries(params.map((p, i) => [gvKey(i), tf.zerosLike(p)])),
    passes: ({ t }) => (t % o.k === 0 ? 2 : 1),
    perturb: ({ g, gNorm, params }) => samPerturbation(g, params, o, gNorm),
    combine: ({ g, gNorm, state }, gp) => {
      if (gp) {
        const gv = orthogonalPart(gp, g);
        return { grads: gp, state: Object.fromEntries(gv.map((t, i) => [gvKey(i), t])) };
      }
      const gv = g.map((_, i) => state[gvKey(i)]);
      const scale = tf.mul(o.alpha, tf.divNoNan(gNorm, globalNorm(gv))) as tf.Scalar;
      return { grads: addScaled(g, scale, gv), state };
    },
  };
}
