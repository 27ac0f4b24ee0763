// How a Hessian spectrum's Hessian-vector products were computed, in words, and the warning every
// view (run page, Compare, report, CLI) shows beside a finite-difference spectrum (issue 11):
// central differences of a ReLU or max-pool network cross kinks, so their eigenvalues are
// approximate, while exact double backprop is what PyTorch autograd / PyHessian compute.
import type { SpectrumResult } from './events';

export type HvpMethodInfo = Pick<SpectrumResult, 'hvp' | 'fdStep' | 'hvpReason'>;

const stepText = (s: HvpMethodInfo) => (s.fdStep !== undefined ? `step ${s.fdStep.toExponential(0)}·‖w‖` : '');

/** Short label: "exact (double backprop)" or "finite differences (step 1e-4·‖w‖)". */
export function hvpMethodLabel(s: HvpMethodInfo): string {
  if (s.hvp === 'exact') return 'exact (double backprop)';
  const step = stepText(s);
  return step ? `finite differences (${step})` : 'finite differences';
}

/** The warning for a finite-difference spectrum, or null for an exact one. */
export function finiteDifferenceWarning(s: HvpMethodInfo): string | null {
  if (s.hvp !== 'finite-difference') return null;
  const step = stepText(s);
  return (
    `Finite-difference spectrum: each Hessian-vector product is a central difference of two gradients` +
    `${step ? ` (${step})` : ''}, not exact double backprop, so these eigenvalues are approximate; on ReLU or ` +
    `max-pool networks the differences cross kinks and can add spurious eigenvalues.` +
    (s.hvpReason ? ` Why finite differences: ${s.hvpReason.replace(/\.?$/, '.')}` : '')
  );
}
