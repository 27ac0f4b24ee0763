// Final numbers of a run as the report shows them: the run's stored final metrics, else the last
// finite epoch value of the series; plus the last Hessian spectrum.
import type { ReportRun } from './types';

export function finalValue(r: ReportRun, name: string): number | null {
  const stored = r.run.finalMetrics?.[name];
  if (typeof stored === 'number' && Number.isFinite(stored)) return stored;
  for (const scope of ['epoch', 'step'] as const) {
    const s = r.series.find((x) => x.name === name && x.scope === scope);
    if (!s) continue;
    for (let i = s.value.length - 1; i >= 0; i--) if (Number.isFinite(s.value[i])) return s.value[i];
  }
  return null;
}

/** Generalisation gap in accuracy: train − test (fractions), the quantity SAM aims to shrink. */
export function accuracyGap(r: ReportRun): number | null {
  const tr = finalValue(r, 'trainAccuracy');
  const te = finalValue(r, 'testAccuracy');
  return tr !== null && te !== null ? tr - te : null;
}

/** Generalisation gap in loss: test − train. */
export function lossGap(r: ReportRun): number | null {
  const tr = finalValue(r, 'trainLoss');
  const te = finalValue(r, 'testLoss');
  return tr !== null && te !== null ? te - tr : null;
}

export function lastSpectrum(r: ReportRun) {
  return r.spectra.length ? r.spectra.reduce((a, b) => (b.step >= a.step ? b : a)) : null;
}

export function lambdaMax(r: ReportRun): number | null {
  const s = lastSpectrum(r);
  const v = s?.topEigenvalues[0];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function isSam(r: ReportRun): boolean {
  return r.run.config.sam !== null && r.run.config.sam.rho > 0;
}

export interface MetricColumn {
  key: string;
  label: string;
  /** Which end is "best" for marking the table; null = not ranked. */
  better: 'high' | 'low' | 'nearZero' | null;
  value: (r: ReportRun) => number | null;
  format: (v: number) => string;
}

const pct = (v: number) => `${(v * 100).toFixed(2)} %`;
const pp = (v: number) => `${(v * 100).toFixed(2)} pp`;
const num = (v: number) => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toFixed(4));

export const METRIC_COLUMNS: MetricColumn[] = [
  { key: 'testAccuracy', label: 'Test accuracy', better: 'high', value: (r) => finalValue(r, 'testAccuracy'), format: pct },
  { key: 'testLoss', label: 'Test loss', better: 'low', value: (r) => finalValue(r, 'testLoss'), format: num },
  { key: 'trainAccuracy', label: 'Train accuracy', better: null, value: (r) => finalValue(r, 'trainAccuracy'), format: pct },
  { key: 'trainLoss', label: 'Train loss', better: null, value: (r) => finalValue(r, 'trainLoss'), format: num },
  { key: 'gap', label: 'Gap (train − test acc.)', better: 'nearZero', value: accuracyGap, format: pp },
  { key: 'lambdaMax', label: 'λ_max (final)', better: 'low', value: lambdaMax, format: num },
  {
    key: 'ratio',
    label: 'λ_max / λ_5',
    better: null,
    value: (r) => lastSpectrum(r)?.lambdaMaxOverLambda5 ?? null,
    format: (v) => v.toFixed(2),
  },
  { key: 'trace', label: 'Hessian trace', better: null, value: (r) => lastSpectrum(r)?.trace ?? null, format: num },
];

/** Index of the best run for a column (null when unranked, fewer than two values, or a tie for all). */
export function bestIndex(runs: ReportRun[], col: MetricColumn): number | null {
  if (!col.better || runs.length < 2) return null;
  let best: number | null = null;
  runs.forEach((r, i) => {
    const v = col.value(r);
    if (v === null || !Number.isFinite(v)) return;
    const b = best === null ? null : col.value(runs[best]);
    // A generalisation gap is best near zero whichever side it falls on.
    const better = col.better === 'high' ? (b: number) => v > b : col.better === 'low' ? (b: number) => v < b : (b: number) => Math.abs(v) < Math.abs(b);
    if (b === null || better(b)) best = i;
  });
  return best;
}
