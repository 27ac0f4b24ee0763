// SAM (Foret et al. 2021, "Sharpness-Aware Minimization for Efficiently Improving Generalization"):
//   ε̂(w) = argmax_{‖ε‖_p ≤ ρ} εᵀ∇L(w) = ρ·sign(g)|g|^(q−1) / ‖g‖_q^(q−1)      (eq. 2, 1/p + 1/q = 1)
//   step with ∇L(w)|_{w + ε̂}                                                    (eq. 3)
// p = 2, p = ∞ and ASAM (Kwon et al. 2021) are options of ε̂ (../sam.ts). m-sharpness (§4.1) is
// the stepper's chunk loop: SAM keeps no state, so any chunk may take its own ε̂.
import type { SamPerturbationOptions } from '../sam';
import { samPerturbation } from '../sam';
import { type SamVariant, secondPass } from './types';

export function samVariant(o: SamPerturbationOptions): SamVariant {
  return {
    name: 'sam',
    chunkable: true,
    init: () => ({}),
    passes: () => 2,
    perturb: ({ g, gNorm, params }) => samPerturbation(g, params, o, gNorm),
    combine: ({ state }, gp) => ({ grads: secondPass(gp, 'SAM'), state }),
  };
}
