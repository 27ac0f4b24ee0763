// Min/max decimation for charts: a 200,000-step series becomes ≤ maxPoints points that keep every
// bucket's extremes (spikes survive) and its gaps (a bucket with a non-finite value keeps a NaN,
// so the drawn line still breaks there). The CSV/JSON exports never decimate.

export function decimate(x: readonly number[], y: readonly number[], maxPoints: number): { x: number[]; y: number[] } {
  const n = Math.min(x.length, y.length);
  if (n <= maxPoints) return { x: x.slice(0, n), y: y.slice(0, n) };
  const buckets = Math.max(1, Math.floor((maxPoints - 2) / 3));
  const ox: number[] = [x[0]];
  const oy: number[] = [y[0]];
  for (let b = 0; b < buckets; b++) {
    const lo = 1 + Math.floor((b * (n - 2)) / buckets);
    const hi = 1 + Math.floor(((b + 1) * (n - 2)) / buckets);
    let iMin = -1;
    let iMax = -1;
    let gap = -1;
    for (let i = lo; i < hi; i++) {
      const v = y[i];
      if (!Number.isFinite(v)) {
        if (gap < 0) gap = i;
        continue;
      }
      if (iMin < 0 || v < y[iMin]) iMin = i;
      if (iMax < 0 || v > y[iMax]) iMax = i;
    }
    const keep = [iMin, iMax, gap].filter((i) => i >= 0).sort((a, c) => a - c);
    for (const i of new Set(keep)) {
      ox.push(x[i]);
      oy.push(i === gap ? NaN : y[i]);
    }
  }
  ox.push(x[n - 1]);
  oy.push(y[n - 1]);
  return { x: ox, y: oy };
}
