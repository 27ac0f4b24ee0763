// GSAM (Zhuang et al., ICLR 2022, "Surrogate Gap Minimization Improves Sharpness-Aware Training",
// the surrogate-gap guided SAM). With f the loss and f_p(w) = f(w + ε̂) the perturbed loss:
//   ε̂ = ρ_t·∇f/‖∇f‖                          SAM's ascent at this step's radius (p, ASAM apply)
//   ∇f_p = ∇f(w + ε̂)                         the second pass
//   ∇f_⊥ = ∇f − (⟨∇f, ∇f_p⟩/‖∇f_p‖²)·∇f_p      the part of ∇f orthogonal to ∇f_p
//   update direction  ∇f_p − α·∇f_⊥            (Algorithm 1): descend f_p, and ascend f along
//                                              ∇f_⊥ — which shrinks the surrogate gap f_p − f
//                                              without moving f_p to first order
//   ρ_t = ρ_min + (ρ_max − ρ_min)·(lr_t − lr_min)/(lr_max − lr_min)        (§5.1: ρ_t follows the
//   learning-rate schedule; the authors' code, with ρ_t = ρ_max when lr_max = lr_min)
// α = 0 with a constant ρ is SAM.
import * as tf from '@tensorflow/tfjs-core';
import type { SamPerturbationOptions } from '../sam';
import { samPerturbation } from '../sam';
import { addScaled, orthogonalPart } from '../vectors';
import { type SamVariant, secondPass } from './types';

export interface GsamOptions extends SamPerturbationOptions {
  /** ρ_max = rho; ρ at the schedule's lowest lr. */
  rhoMin: number;
  alpha: number;
  /** The schedule's lowest and highest learning rates. */
  lrRange: { min: number; max: number };
}

/** ρ_t for learning rate lr: linear in lr between (lr_min, ρ_min) and (lr_max, ρ_max), clamped (warm-up). */
export function gsamRho(o: Pick<GsamOptions, 'rho' | 'rhoMin' | 'lrRange'>, lr: number): number {
  const { min, max } = o.lrRange;
  if (!(max > min)) return o.rho;
  const f = Math.min(1, Math.max(0, (lr - min) / (max - min)));
  return o.rhoMin + (o.rho - o.rhoMin) * f;
}

export function gsamVariant(o: GsamOptions): SamVariant {
  if (!(o.alpha >= 0)) throw new Error(`Invalid sam.variant.alpha = ${o.alpha}: GSAM's α must be ≥ 0`);
  if (!(o.rhoMin >= 0 && o.rhoMin <= o.rho)) throw new Error(`Invalid sam.variant.rhoMin = ${o.rhoMin}: must be in [0, sam.rho = ${o.rho}]`);
  return {
    name: 'gsam',
    chunkable: true,
    init: () => ({}),
    passes: () => 2,
    perturb: ({ g, gNorm, params, info }) => samPerturbation(g, params, { ...o, rho: gsamRho(o, info.lr) }, gNorm),
    combine: ({ g, state }, gp) => {
      const fp = secondPass(gp, 'GSAM');
      return { grads: addScaled(fp, tf.scalar(-o.alpha), orthogonalPart(g, fp)), state };
    },
  };
}
