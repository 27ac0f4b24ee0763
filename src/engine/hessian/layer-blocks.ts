// Top eigenvalue of each layer's diagonal Hessian block H_ll = ∂²L/∂w_l² (issue 13, item 3; the
// per-layer spectra PyHessian users compute by hand). The block operator is the Hessian of the
// same loss with only the layer's tensors as variables: double backprop through
// tf.variableGrads(loss, layerParams) differentiates w.r.t. those alone, and the finite
// differences of createHvp move only them — so H_ll·v costs one HVP of the whole network, with
// no projection of full-size vectors. Lanczos (k = 1) on it gives λ_max(H_ll); by Cauchy's
// interlacing theorem λ_max(H_ll) ≤ λ_max(H) for every principal block.
import { Rng } from '../rng';
import type { LossClosure } from '../types';
import { gaussian } from './flat';
import { createHvp, type HvpMethod } from './hvp';
import { lanczosTopK, type StepHooks } from './lanczos';
import type { LayerGroup } from './layer-groups';

export interface BlockEigen {
  lambdaMax: number;
  residual: number;
  iterations: number;
  converged: boolean;
}

export interface BlockOptions extends StepHooks {
  seed: number;
  /** The method the full spectrum settled on (its exact-vs-FD check is not repeated per block). */
  method: HvpMethod;
  fdStep?: number;
  maxIterations: number;
  tolerance: number;
}

/** H·v products the blocks may take at most: the progress plan. */
export function blockProductBudget(groups: readonly LayerGroup[], maxIterations: number): number {
  return groups.reduce((n, g) => n + Math.min(Math.max(maxIterations, 1), g.paramCount), 0);
}

/** λ_max of each group's diagonal block, in the groups' order. */
export async function blockTopEigenvalues(closure: LossClosure, groups: readonly LayerGroup[], opts: BlockOptions): Promise<BlockEigen[]> {
  const root = new Rng(opts.seed);
  const out: BlockEigen[] = [];
  for (const g of groups) {
    // Each block its own start vector, independent of how many blocks came before.
    const rng = root.fork(out.length);
    const op = await createHvp({ params: g.indices.map((i) => closure.params[i]), loss: closure.loss }, { method: opts.method, fdStep: opts.fdStep });
    try {
      const top = await lanczosTopK(op, gaussian(op.n, rng), {
        k: 1,
        maxIterations: opts.maxIterations,
        tolerance: opts.tolerance,
        onStep: opts.onStep,
        signal: opts.signal,
      });
      out.push({ lambdaMax: top.values[0], residual: top.residuals[0], iterations: top.iterations, converged: top.converged });
    } finally {
      op.dispose();
    }
  }
  return out;
}
