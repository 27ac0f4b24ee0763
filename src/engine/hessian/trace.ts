// Hutchinson's trace estimator (Hutchinson 1990; PyHessian, Yao et al. 2020): for Rademacher
// probes z (entries ±1), E[zᵀHz] = tr(H). The mean of the probes' zᵀHz estimates the trace and
// their sample standard deviation / √probes is its standard error.
import type { Rng } from '../rng';
import { dot, rademacher } from './flat';
import type { LinearOperator, StepHooks } from './lanczos';

export interface TraceEstimate {
  trace: number;
  /** Standard error of the mean over probes (null with a single probe). */
  stdErr: number | null;
  /** zᵀHz of each probe. */
  samples: number[];
}

export async function hutchinsonTrace(op: LinearOperator, opts: StepHooks & { probes: number; rng: Rng }): Promise<TraceEstimate> {
  if (!(Number.isInteger(opts.probes) && opts.probes >= 1)) throw new Error(`hutchinsonTrace: probes must be a whole number ≥ 1, got ${opts.probes}`);
  const samples: number[] = [];
  for (let p = 0; p < opts.probes; p++) {
    if (opts.signal?.aborted) throw new Error('Hessian analysis aborted');
    const z = rademacher(op.n, opts.rng);
    const hz = await op.apply(z);
    await opts.onStep?.();
    const s = dot(z, hz);
    if (!Number.isFinite(s)) throw new Error(`Hessian-vector product gave NaN or Infinity at trace probe ${p + 1}`);
    samples.push(s);
  }
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  if (samples.length < 2) return { trace: mean, stdErr: null, samples };
  const variance = samples.reduce((a, b) => a + (b - mean) ** 2, 0) / (samples.length - 1);
  return { trace: mean, stdErr: Math.sqrt(variance / samples.length), samples };
}
