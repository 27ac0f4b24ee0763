// SAM-ON (Mueller et al., NeurIPS 2023, "Normalization Layers Are All That Sharpness-Aware
// Minimization Needs"): perturb only the normalisation layers' scales and offsets N,
//   ε̂_N = ρ·g_N/‖g_N‖ (or p = ∞ / ASAM on g_N),   ε̂ = 0 on every other parameter,
//   step every parameter with ∇L(w + ε̂).
// The model says which parameters are normalisation parameters (EngineModel.normalization).
// Every parameter selected is SAM.
import * as tf from '@tensorflow/tfjs-core';
import type { SamPerturbationOptions } from '../sam';
import { samPerturbation } from '../sam';
import { type SamVariant, secondPass } from './types';

export function samOnVariant(o: SamPerturbationOptions, selected: readonly boolean[]): SamVariant {
  if (!selected.some(Boolean)) {
    throw new Error(
      'sam.variant.kind "sam-on" perturbs only normalisation layers\' parameters, and this model has none ' +
        '(no batch or layer normalisation); choose a ResNet or WRN, or another variant',
    );
  }
  return {
    name: 'sam-on',
    chunkable: true,
    init: () => ({}),
    passes: () => 2,
    perturb: ({ g, params }) => {
      // ‖g_N‖ is the norm of the masked gradient: the zeros elsewhere add nothing to it.
      const gN = g.map((gi, i) => (selected[i] ? gi : tf.zerosLike(gi)));
      return samPerturbation(gN, params, o);
    },
    combine: ({ state }, gp) => ({ grads: secondPass(gp, 'SAM-ON'), state }),
  };
}
