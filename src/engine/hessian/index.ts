// Hessian spectrum of a loss closure (issue 4): top-k eigenvalues by Lanczos, λ_max/λ_5 (the
// sharpness summary of Foret et al. 2021, SAM §4.2 / Table), Hutchinson trace and SLQ density
// (PyHessian, Yao et al. 2020; Ghorbani et al. 2019). All probes are seeded.
import type { HessianConfig } from '../../shared/config';
import type { SpectrumResult } from '../../shared/events';
import { Rng } from '../rng';
import type { LossClosure } from '../types';
import { broadenDensity, slqNodes } from './density';
import { gaussian } from './flat';
import { createHvp, type HvpMethod } from './hvp';
import { lanczosTopK } from './lanczos';
import type { TwinCheck } from './smooth-twin';
import { hutchinsonTrace } from './trace';

export { createHvp, exactHvp, finiteDifferenceHvp, flatGradient, trimmedRelativeError } from './hvp';
export { fdStepFor } from './fd-step';
export type { HvpCheck, HvpCheckedOn, HvpMethod, HvpOperator, HvpOptions } from './hvp';
export { needsSmoothTwin, smoothTwinOf, withSmoothTwin } from './smooth-twin';
export type { TwinCheck } from './smooth-twin';
export { lanczosTopK, runLanczos } from './lanczos';
export type { LinearOperator, TopEigenResult } from './lanczos';
export { hutchinsonTrace } from './trace';
export { broadenDensity, slqNodes } from './density';
export { symmetricEigen, tridiagonalEigen } from './eigen';
export * from './flat';

export interface SpectrumOptions {
  seed: number;
  /** H·v products done / planned (the plan is an upper bound; Lanczos may converge early). */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** Default 'auto' (exact if it checks out against finite differences). */
  hvpMethod?: 'auto' | HvpMethod;
  /** Relative finite-difference step; fdStepFor(config.model) picks one per model (fd-step.ts). */
  fdStep?: number;
  /** The smooth twin of a ReLU model (smooth-twin.ts), on which 'auto' checks exact against finite differences. */
  smoothTwin?: TwinCheck;
  /** Rademacher probes for the trace (default 20). */
  traceProbes?: number;
  /** Probe vectors for the density (default 2). */
  densityProbes?: number;
  /** Lanczos steps per density probe (default min(maxIterations, 50)). */
  densitySteps?: number;
  densityGridSize?: number;
  /** Examples in the batch the closure sees, recorded in the result (default cfg.batchSize). */
  batchSize?: number;
}

/** Salts so the Lanczos start, trace and density probes never share a random stream. */
const SALT = { check: 1, lanczos: 2, trace: 3, density: 4 } as const;

export async function analyzeSpectrum(closure: LossClosure, cfg: HessianConfig, opts: SpectrumOptions): Promise<SpectrumResult> {
  const started = Date.now();
  const k = cfg.topK;
  if (!(Number.isInteger(k) && k >= 1 && k <= 20)) throw new Error(`hessian.topK must be 1–20, got ${k}`);
  const traceProbes = cfg.trace ? (opts.traceProbes ?? 20) : 0;
  const densityProbes = cfg.density ? (opts.densityProbes ?? 2) : 0;
  const densitySteps = opts.densitySteps ?? Math.min(cfg.maxIterations, 50);
  const root = new Rng(opts.seed);
  const rngs = { check: root.fork(SALT.check), lanczos: root.fork(SALT.lanczos), trace: root.fork(SALT.trace), density: root.fork(SALT.density) };

  const op = await createHvp(closure, {
    method: opts.hvpMethod ?? 'auto',
    seed: Math.floor(rngs.check.next() * 2 ** 31),
    fdStep: opts.fdStep,
    checkOn: opts.smoothTwin,
  });
  try {
    const lanczosCap = Math.min(Math.max(cfg.maxIterations, k), op.n);
    const total = lanczosCap + traceProbes + densityProbes * Math.min(densitySteps, op.n);
    let done = 0;
    const onStep = async () => {
      done++;
      opts.onProgress?.(done, total);
      // Let the trainer process handle messages (stop, ping) between products.
      await new Promise<void>((resolve) => setImmediate(resolve));
    };
    const hooks = { onStep, signal: opts.signal };

    const top = await lanczosTopK(op, gaussian(op.n, rngs.lanczos), { ...hooks, k, maxIterations: cfg.maxIterations, tolerance: cfg.tolerance });
    done = lanczosCap;
    const topEigenvalues = top.values;
    const lambda5 = topEigenvalues.length >= 5 ? topEigenvalues[4] : null;
    // The ratio only means "how much the top eigenvalue stands out" when λ_5 is positive.
    const lambdaMaxOverLambda5 = lambda5 !== null && lambda5 > 0 ? topEigenvalues[0] / lambda5 : null;

    const trace = traceProbes > 0 ? await hutchinsonTrace(op, { ...hooks, probes: traceProbes, rng: rngs.trace }) : null;
    const density =
      densityProbes > 0
        ? broadenDensity(await slqNodes(op, { ...hooks, probes: densityProbes, steps: densitySteps, rng: rngs.density }), {
            gridSize: opts.densityGridSize,
          })
        : null;
    opts.onProgress?.(total, total);
    return {
      topEigenvalues,
      lambdaMaxOverLambda5,
      trace: trace ? trace.trace : null,
      traceStdErr: trace ? trace.stdErr : null,
      density,
      hvp: op.method,
      ...(op.method === 'finite-difference' ? { fdStep: op.fdStep } : {}),
      hvpReason: op.check ? op.check.summary : `${op.method === 'exact' ? 'exact double backprop' : 'finite differences'} requested`,
      ...(op.check ? { hvpCheckedOn: op.check.on } : {}),
      hessianBatchSize: opts.batchSize ?? cfg.batchSize,
      iterations: top.iterations,
      elapsedMs: Date.now() - started,
    };
  } finally {
    op.dispose();
  }
}
