// The finite-difference step for a model: H·v ≈ (∇L(w + h·v) − ∇L(w − h·v)) / 2h with
// h = step·‖w‖/‖v‖, i.e. the weights move by `step` of their norm. Three errors pull on the step:
// - round-off: float32 gradients carry a relative error that grows with depth; divided by 2h it
//   swamps H·v along low-curvature directions at small steps (measured against exact HVPs on a
//   256-example Fashion-MNIST batch, untrained weights, along a random direction: MLP 784-512-512
//   tanh 0.02 % at 1e-3, 0.15 % at 1e-4, 1.4 % at 1e-5; ResNet-20 width 4 softplus 0.2 % at
//   1e-3, 1.3 % at 1e-4, 6 % at 1e-5);
// - curvature (truncation): O(h²) terms of the third derivative, large along the sharpest
//   direction (top eigenvector: tanh MLP 0.9 % at 1e-3, 0.01 % at 1e-4; softplus ResNet-20 1.2 %
//   at 1e-3, 0.02 % at 1e-4; tanh CNN 2 % at 1e-3, 1.5 % at 1e-4 — its max-pools switch);
// - kinks (ReLU, max-pool): wherever a pre-activation changes sign between w − hv and w + hv the
//   gradient jumps, adding jump/2h with a probability ∝ h. The error does not shrink with h (ReLU
//   CNN, top direction: 12 % at 1e-3, 11 % at 1e-4, 26 % at 1e-5; ReLU MLP 11 %, 11 %, 40 %;
//   ReLU ResNet-20 38 %, 38 %, 51 %) and gets noisier as h shrinks, until h falls below
//   the smallest pre-activation margin, which on real batches sits at the float32 round-off
//   floor (ReLU CNN at 3e-7: 0.2 % along the top direction, 48 % along a random one). No step makes finite differences of a ReLU net exact; they see the kinks' curvature
//   that exact double backprop (like PyTorch autograd) leaves out. Hence the warning wherever an
//   FD spectrum is shown.
// So: 1e-4 for MLPs and CNNs (the best step in every measurement above, smooth or not), 3e-4 for
// the deeper residual nets, whose larger round-off favours a larger step while their curvature
// error stays small there (≈ 0.1 % by the h² scaling of the 1.2 % at 1e-3). An imported Layers
// model is treated as an MLP/CNN.
import type { ModelConfig } from '../../shared/config';

export const FD_STEP_SHALLOW = 1e-4;
export const FD_STEP_RESIDUAL = 3e-4;

/** Relative finite-difference step for `model` (see the file comment for the measurements). */
export function fdStepFor(model: Pick<ModelConfig, 'kind'>): number {
  return model.kind === 'resnet20' || model.kind === 'resnet18' || model.kind === 'wrn' ? FD_STEP_RESIDUAL : FD_STEP_SHALLOW;
}
