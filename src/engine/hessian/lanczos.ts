// Lanczos iteration with full re-orthogonalisation (Golub & Van Loan §10.1; PyHessian's SLQ does
// the same): builds an orthonormal Krylov basis Q and the tridiagonal T = Qᵀ H Q whose eigenvalues
// (Ritz values) approximate H's extreme eigenvalues after few H·v products. Full
// re-orthogonalisation ("twice is enough", Giraud et al. 2005) keeps ghost copies of converged
// eigenvalues out at the cost of storing the basis (m flat vectors).
import { axpy, dot, norm, normalized, scale } from './flat';
import { tridiagonalEigen } from './eigen';

/** What Lanczos needs of an operator: its size and H·v. */
export interface LinearOperator {
  readonly n: number;
  /** Asynchronous for tensor-backed operators (reading a GPU result back is); plain matrices may answer at once. */
  apply(v: Float32Array): Float32Array | Promise<Float32Array>;
}

export interface StepHooks {
  /** After every H·v (progress, yielding to the event loop). */
  onStep?: () => void | Promise<void>;
  signal?: AbortSignal;
}

export interface LanczosRun {
  /** Diagonal of T. */
  alpha: number[];
  /** Off-diagonal of T (length alpha.length − 1). */
  beta: number[];
  /** ‖r‖ after the last step: the residual norm that bounds Ritz-pair errors. */
  lastBeta: number;
}

/**
 * Runs up to `maxSteps` Lanczos steps from `start` (normalised here). After each step,
 * `stop(alpha, beta, lastBeta)` may end the run early. Stops by itself when the Krylov space is
 * exhausted (lastBeta ≈ 0: an invariant subspace, the Ritz values are then exact).
 */
export async function runLanczos(
  op: LinearOperator,
  start: Float32Array,
  maxSteps: number,
  hooks: StepHooks & { stop?: (alpha: number[], beta: number[], lastBeta: number) => boolean } = {},
): Promise<LanczosRun> {
  const steps = Math.min(maxSteps, op.n);
  const basis: Float32Array[] = [normalized(start)];
  const alpha: number[] = [];
  const beta: number[] = [];
  let lastBeta = 0;
  let scaleEstimate = 0;
  for (let j = 0; j < steps; j++) {
    if (hooks.signal?.aborted) throw new Error('Hessian analysis aborted');
    const q = basis[j];
    const w = await op.apply(q);
    await hooks.onStep?.();
    if (!w.every(Number.isFinite)) throw new Error(`Hessian-vector product gave NaN or Infinity at Lanczos step ${j + 1}`);
    if (j > 0) axpy(-beta[j - 1], basis[j - 1], w);
    const a = dot(w, q);
    alpha.push(a);
    axpy(-a, q, w);
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i <= j; i++) axpy(-dot(w, basis[i]), basis[i], w);
    }
    lastBeta = norm(w);
    scaleEstimate = Math.max(scaleEstimate, Math.abs(a), lastBeta);
    if (lastBeta <= 1e-7 * scaleEstimate || j + 1 === steps) break;
    if (hooks.stop?.(alpha, beta, lastBeta)) break;
    beta.push(lastBeta);
    scale(1 / lastBeta, w);
    basis.push(w);
  }
  return { alpha, beta, lastBeta };
}

export interface TopEigenResult {
  /** Descending; min(k, steps taken) values. */
  values: number[];
  /** H·v products used. */
  iterations: number;
  /** Every returned Ritz value met the residual tolerance (or the Krylov space was exhausted). */
  converged: boolean;
  /** Residual bound |β·s_last| of each returned value: |λ − θ| ≤ residual. */
  residuals: number[];
}

/**
 * The k largest eigenvalues of a symmetric operator. Converged when each of the top-k Ritz pairs
 * has residual ‖Hy − θy‖ = |β_m · s_m| ≤ tolerance·|θ| (Parlett, The Symmetric Eigenvalue Problem,
 * §13.1), or the Krylov space is exhausted; otherwise stops after maxIterations H·v products.
 */
export async function lanczosTopK(
  op: LinearOperator,
  start: Float32Array,
  opts: StepHooks & { k: number; maxIterations: number; tolerance: number },
): Promise<TopEigenResult> {
  const { k, tolerance } = opts;
  if (!(k >= 1)) throw new Error(`lanczosTopK: k must be ≥ 1, got ${k}`);
  const topRitz = (alpha: number[], beta: number[], lastBeta: number) => {
    const { values, vectors } = tridiagonalEigen(alpha, beta);
    const m = alpha.length;
    const count = Math.min(k, m);
    const out: { values: number[]; residuals: number[] } = { values: [], residuals: [] };
    for (let r = 0; r < count; r++) {
      const idx = m - 1 - r;
      out.values.push(values[idx]);
      out.residuals.push(Math.abs(lastBeta * vectors[(m - 1) * m + idx]));
    }
    return out;
  };
  let converged = false;
  const run = await runLanczos(op, start, Math.max(opts.maxIterations, k), {
    onStep: opts.onStep,
    signal: opts.signal,
    stop: (alpha, beta, lastBeta) => {
      // Fewer than k + 1 steps cannot separate k values from the rest of the spectrum.
      if (alpha.length <= k) return false;
      const { values, residuals } = topRitz(alpha, beta, lastBeta);
      const scaleEstimate = Math.max(...values.map(Math.abs), 1e-12);
      converged = residuals.every((r, i) => r <= tolerance * Math.max(Math.abs(values[i]), 1e-3 * scaleEstimate));
      return converged;
    },
  });
  const { values, residuals } = topRitz(run.alpha, run.beta, run.lastBeta);
  if (!converged) {
    const scaleEstimate = Math.max(...values.map(Math.abs), 1e-12);
    converged = residuals.every((r, i) => r <= tolerance * Math.max(Math.abs(values[i]), 1e-3 * scaleEstimate));
  }
  return { values, iterations: run.alpha.length, converged, residuals };
}
