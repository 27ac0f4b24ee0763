// Axis scales and tick choice for the report's SVG charts. Pure functions, no DOM.

export interface Scale {
  /** Data value → pixel. */
  map(v: number): number;
  ticks: number[];
  format(v: number): string;
  log: boolean;
  domain: [number, number];
}

/** 1, 2 or 5 × 10^k steps so an axis gets about `count` ticks (Heckbert's "nice numbers"). */
export function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  const nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  return nice * mag;
}

/** Extent of the finite values (and positive ones for a log axis); null when none are left. */
export function extent(values: Iterable<number>, log: boolean): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v) || (log && v <= 0)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : null;
}

export function formatTick(v: number, step: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(step >= a / 10 ? 0 : 1).replace('e+', 'e');
  const decimals = Math.max(0, Math.min(10, -Math.floor(Math.log10(step))));
  return v.toFixed(decimals);
}

export function linearScale(dom: [number, number], range: [number, number], tickCount = 5): Scale {
  let [lo, hi] = dom;
  if (hi - lo <= 1e-6 * Math.max(Math.abs(lo), Math.abs(hi))) {
    // A flat series (or one that only wobbles in the 7th digit, like ‖ε̂‖ = ρ) still needs a
    // readable axis: pad by 5% of the value (or ±1 around zero).
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.05;
    lo -= pad;
    hi += pad;
  }
  const step = niceStep(hi - lo, tickCount);
  lo = Math.floor(lo / step + 1e-9) * step;
  hi = Math.ceil(hi / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let t = lo; t <= hi + step * 1e-6; t += step) ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  const [r0, r1] = range;
  return {
    map: (v) => r0 + ((v - lo) / (hi - lo)) * (r1 - r0),
    ticks,
    format: (v) => formatTick(v, step),
    log: false,
    domain: [lo, hi],
  };
}

/** Base-10 log axis; ticks at whole decades (and 2, 5 within short ranges). Values must be > 0. */
export function logScale(dom: [number, number], range: [number, number]): Scale {
  let lo = Math.floor(Math.log10(dom[0]));
  let hi = Math.ceil(Math.log10(dom[1]));
  if (hi === lo) {
    lo -= 1;
    hi += 0;
  }
  const decades = hi - lo;
  const every = Math.max(1, Math.ceil(decades / 6));
  const ticks: number[] = [];
  for (let k = lo; k <= hi; k += every) {
    ticks.push(10 ** k);
    if (decades <= 2 && k < hi) ticks.push(2 * 10 ** k, 5 * 10 ** k);
  }
  ticks.sort((a, b) => a - b);
  const [r0, r1] = range;
  return {
    map: (v) => r0 + ((Math.log10(v) - lo) / (hi - lo)) * (r1 - r0),
    ticks,
    format: (v) => {
      const k = Math.log10(v);
      if (Math.abs(k - Math.round(k)) < 1e-9) return k >= -2 && k <= 3 ? String(10 ** Math.round(k)) : `1e${Math.round(k)}`;
      return v >= 0.01 && v < 1e4 ? String(Number(v.toPrecision(2))) : v.toExponential(0).replace('e+', 'e');
    },
    log: true,
    domain: [10 ** lo, 10 ** hi],
  };
}
