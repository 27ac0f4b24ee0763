// Numbers the Compare page derives from series: mean ± std over seed groups, best values.

export interface XY {
  x: number[];
  y: number[];
}

/** Linear interpolation of s at x; null outside s's x range. s.x ascending. */
export function interpolateAt(s: XY, x: number): number | null {
  const n = s.x.length;
  if (n === 0 || x < s.x[0] || x > s.x[n - 1]) return null;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (s.x[mid] <= x) lo = mid;
    else hi = mid;
  }
  if (s.x[lo] === x || hi === lo) return s.y[lo];
  if (s.x[hi] === x) return s.y[hi];
  const t = (x - s.x[lo]) / (s.x[hi] - s.x[lo]);
  return s.y[lo] + t * (s.y[hi] - s.y[lo]);
}

/**
 * Mean and sample standard deviation (n − 1, as in the metrics tables; 0 for one series) across
 * series on the x grid of the longest one; at each x only the series that reach it contribute
 * (so a still-running seed shortens nothing).
 */
export function meanStd(series: readonly XY[]): { x: number[]; mean: number[]; std: number[]; n: number[] } {
  const ref = series.reduce((a, b) => (b.x.length > a.x.length ? b : a), { x: [], y: [] } as XY);
  const out = { x: [] as number[], mean: [] as number[], std: [] as number[], n: [] as number[] };
  for (const x of ref.x) {
    const vals = series.map((s) => interpolateAt(s, x)).filter((v): v is number => v !== null && Number.isFinite(v));
    if (!vals.length) continue;
    const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
    const variance = vals.length > 1 ? vals.reduce((a, b) => a + (b - mean) ** 2, 0) / (vals.length - 1) : 0;
    out.x.push(x);
    out.mean.push(mean);
    out.std.push(Math.sqrt(variance));
    out.n.push(vals.length);
  }
  return out;
}

/** The best value of a series and where it happened; `mode` min for losses, max for accuracies. */
export function bestOf(s: XY | undefined, mode: 'min' | 'max'): { value: number; at: number } | null {
  if (!s || !s.y.length) return null;
  let best: { value: number; at: number } | null = null;
  for (let i = 0; i < s.y.length; i++) {
    const v = s.y[i];
    if (!Number.isFinite(v)) continue;
    if (!best || (mode === 'min' ? v < best.value : v > best.value)) best = { value: v, at: s.x[i] };
  }
  return best;
}

export function lastOf(s: XY | undefined): number | null {
  if (!s) return null;
  for (let i = s.y.length - 1; i >= 0; i--) if (Number.isFinite(s.y[i])) return s.y[i];
  return null;
}

export function metricMode(name: string): 'min' | 'max' {
  return /accuracy/i.test(name) ? 'max' : 'min';
}
