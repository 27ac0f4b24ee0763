// Summary statistics for seed groups: mean, sample standard deviation and a 95 % confidence
// interval of the mean from Student's t (n ≥ 3; with two seeds the interval is too wide to say
// anything, with one there is none). Pure numbers, used by the app and the reports alike.

/** t_{0.975, df} for df = 1…30 (two-sided 95 %), from the standard table. */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074,
  2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/**
 * The 97.5 % quantile of Student's t with `df` degrees of freedom (df may be fractional, as
 * Welch's df is). Table for df ≤ 30, linear in 1/df between entries; above 30 the Cornish–Fisher
 * expansion around z = 1.959964 (Abramowitz & Stegun 26.7.5), accurate to 1e-4 there.
 */
export function tQuantile975(df: number): number {
  if (!(df >= 1)) throw new Error(`Student t needs df ≥ 1, got ${df}`);
  if (df <= 30) {
    const lo = Math.floor(df);
    const hi = Math.ceil(df);
    if (lo === hi) return T975[lo - 1];
    const w = (1 / df - 1 / hi) / (1 / lo - 1 / hi);
    return w * T975[lo - 1] + (1 - w) * T975[hi - 1];
  }
  const z = 1.959964;
  const z3 = z ** 3;
  const z5 = z ** 5;
  const z7 = z ** 7;
  return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df ** 2) + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df ** 3);
}

export interface Summary {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1); 0 for a single value. */
  sd: number;
  /** 95 % confidence interval of the mean; null when n < 3. */
  ci95: [number, number] | null;
}

/** Mean, sd and the 95 % CI of the finite values; null when there are none. */
export function summarize(values: readonly (number | null | undefined)[]): Summary | null {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  const n = v.length;
  if (n === 0) return null;
  const mean = v.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  const half = n >= 3 ? (tQuantile975(n - 1) * sd) / Math.sqrt(n) : null;
  return { n, mean, sd, ci95: half === null ? null : [mean - half, mean + half] };
}

export interface Difference {
  /** mean(a) − mean(b). */
  diff: number;
  /** Welch's 95 % interval of the difference; null unless both groups have ≥ 2 values. */
  ci95: [number, number] | null;
  /** Welch–Satterthwaite degrees of freedom. */
  df: number | null;
}

/** Difference of two groups' means with Welch's t interval (unequal variances). */
export function welchDifference(a: Summary, b: Summary): Difference {
  const diff = a.mean - b.mean;
  if (a.n < 2 || b.n < 2) return { diff, ci95: null, df: null };
  const va = a.sd ** 2 / a.n;
  const vb = b.sd ** 2 / b.n;
  const se = Math.sqrt(va + vb);
  if (se === 0) return { diff, ci95: [diff, diff], df: a.n + b.n - 2 };
  const df = (va + vb) ** 2 / (va ** 2 / (a.n - 1) + vb ** 2 / (b.n - 1));
  const half = tQuantile975(Math.max(1, df)) * se;
  return { diff, ci95: [diff - half, diff + half], df };
}

/** "0.712 ± 0.004 (n = 3, 95 % CI 0.702–0.722)" pieces for tables: the caller formats numbers. */
export function describeSummary(s: Summary, fmt: (v: number) => string): string {
  if (s.n === 1) return `${fmt(s.mean)} (1 seed)`;
  const ci = s.ci95 ? `, 95 % CI ${fmt(s.ci95[0])} … ${fmt(s.ci95[1])}` : '';
  return `${fmt(s.mean)} ± ${fmt(s.sd)} (n = ${s.n}${ci})`;
}
