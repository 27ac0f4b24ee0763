// Eigenvalue density by stochastic Lanczos quadrature (Ghorbani, Krishnan & Xiao 2019; Lin, Saad &
// Yang 2016; PyHessian's density). For a unit probe v, m Lanczos steps give T = U Θ Uᵀ and
// vᵀ f(H) v ≈ Σ_i τ_i f(θ_i) with nodes θ_i and weights τ_i = (U_{0i})². Averaging the
// Gaussian-broadened spectral measures Σ_i τ_i g_σ(t − θ_i) over probes estimates the density
// φ(t) = (1/n) Σ_j g_σ(t − λ_j), which integrates to 1 (the weights of each probe sum to 1).
import type { Rng } from '../rng';
import { tridiagonalEigen } from './eigen';
import { gaussian } from './flat';
import { runLanczos, type LinearOperator, type StepHooks } from './lanczos';

export interface QuadratureNodes {
  nodes: number[];
  weights: number[];
}

export interface Density {
  grid: number[];
  values: number[];
}

export async function slqNodes(op: LinearOperator, opts: StepHooks & { probes: number; steps: number; rng: Rng }): Promise<QuadratureNodes[]> {
  if (!(Number.isInteger(opts.probes) && opts.probes >= 1)) throw new Error(`slqNodes: probes must be a whole number ≥ 1, got ${opts.probes}`);
  if (!(Number.isInteger(opts.steps) && opts.steps >= 1)) throw new Error(`slqNodes: steps must be a whole number ≥ 1, got ${opts.steps}`);
  const out: QuadratureNodes[] = [];
  for (let p = 0; p < opts.probes; p++) {
    const run = await runLanczos(op, gaussian(op.n, opts.rng), opts.steps, { onStep: opts.onStep, signal: opts.signal });
    const { values, vectors } = tridiagonalEigen(run.alpha, run.beta);
    const m = run.alpha.length;
    out.push({ nodes: Array.from(values), weights: Array.from({ length: m }, (_, i) => vectors[i] ** 2) });
  }
  return out;
}

/**
 * Gaussian broadening of the probes' quadratures onto a uniform grid. σ is a fraction of the
 * spectrum's width (PyHessian uses a variance of 1e-5·width; we keep σ ≥ 2 grid cells so the
 * grid resolves each kernel and the Riemann sum of the density stays ≈ 1). Values are floored at
 * a tiny positive number so the curve can be drawn on a log scale.
 */
export function broadenDensity(quads: QuadratureNodes[], opts: { gridSize?: number; sigmaFraction?: number; floor?: number } = {}): Density {
  if (quads.length === 0) throw new Error('broadenDensity: no quadrature nodes');
  const gridSize = opts.gridSize ?? 400;
  const all = quads.flatMap((q) => q.nodes);
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const width = Math.max(hi - lo, 1e-6 * Math.max(Math.abs(hi), Math.abs(lo)), 1e-9);
  // The grid covers [lo − 5σ, hi + 5σ]; σ ≥ 2.5·width/gridSize keeps σ above ~2 grid cells.
  const sigma = Math.max(opts.sigmaFraction ?? 0.01, 2.5 / gridSize) * width;
  const start = lo - 5 * sigma;
  const end = hi + 5 * sigma;
  const step = (end - start) / (gridSize - 1);
  const grid = Array.from({ length: gridSize }, (_, i) => start + i * step);
  const values = new Array<number>(gridSize).fill(0);
  const norm = 1 / (Math.sqrt(2 * Math.PI) * sigma * quads.length);
  for (const q of quads) {
    q.nodes.forEach((theta, i) => {
      const w = q.weights[i] * norm;
      // Only grid points within 8σ matter (e^{-32} ≈ 1e-14).
      const from = Math.max(0, Math.floor((theta - 8 * sigma - start) / step));
      const to = Math.min(gridSize - 1, Math.ceil((theta + 8 * sigma - start) / step));
      for (let g = from; g <= to; g++) values[g] += w * Math.exp(-((grid[g] - theta) ** 2) / (2 * sigma * sigma));
    });
  }
  const floor = opts.floor ?? 1e-12;
  return { grid, values: values.map((v) => Math.max(v, floor)) };
}
