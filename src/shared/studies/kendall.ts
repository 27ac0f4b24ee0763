// Kendall's rank correlation τ_b (Kendall 1945, "The treatment of ties in ranking problems"), the
// statistic of the SAM paper's Fig. 3 (m-sharpness against the generalisation gap). Ties are
// handled: a pair tied in x or in y is neither concordant nor discordant, and the denominator
// counts only the pairs not tied in each variable:
//   τ_b = (n_c − n_d) / √((n₀ − n₁)(n₀ − n₂)),   n₀ = n(n−1)/2,
//   n₁ = Σ tᵢ(tᵢ−1)/2 over groups of tied x, n₂ the same over tied y.
// Its spread under independence uses the tie-corrected variance of S = n_c − n_d (Kendall 1970,
// "Rank correlation methods", eq. 4.3), so a small study can say when τ is within noise.

export interface KendallResult {
  tau: number;
  n: number;
  concordant: number;
  discordant: number;
  /** Pairs tied in x (whatever y does) and pairs tied in y. */
  tiedX: number;
  tiedY: number;
  /** z = S / √Var(S) under independence (normal approximation: rough below ~10 points). */
  z: number | null;
  /** Two-sided p-value of τ = 0 from z; null when the variance is 0. */
  p: number | null;
}

/** Sizes of the groups of equal values. */
function tieGroups(v: readonly number[]): number[] {
  const counts = new Map<number, number>();
  for (const x of v) counts.set(x, (counts.get(x) ?? 0) + 1);
  return [...counts.values()].filter((t) => t > 1);
}

/** Φ(x), the standard normal CDF (Abramowitz & Stegun 7.1.26 for erf; |error| < 1.5e-7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/**
 * τ_b of paired values; pairs with a non-finite member are dropped. null when fewer than two
 * pairs remain or when every x (or every y) is the same (τ is undefined then).
 */
export function kendallTau(xs: readonly number[], ys: readonly number[]): KendallResult | null {
  if (xs.length !== ys.length) throw new Error(`kendallTau: ${xs.length} x values but ${ys.length} y values; give one y per x`);
  const x: number[] = [];
  const y: number[] = [];
  xs.forEach((v, i) => {
    if (Number.isFinite(v) && Number.isFinite(ys[i])) {
      x.push(v);
      y.push(ys[i]);
    }
  });
  const n = x.length;
  if (n < 2) return null;
  let concordant = 0;
  let discordant = 0;
  let tiedX = 0;
  let tiedY = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = Math.sign(x[i] - x[j]);
      const dy = Math.sign(y[i] - y[j]);
      if (dx === 0) tiedX++;
      if (dy === 0) tiedY++;
      if (dx * dy > 0) concordant++;
      else if (dx * dy < 0) discordant++;
    }
  }
  const n0 = (n * (n - 1)) / 2;
  const denom = Math.sqrt((n0 - tiedX) * (n0 - tiedY));
  if (denom === 0) return null;
  const s = concordant - discordant;
  const tx = tieGroups(x);
  const ty = tieGroups(y);
  const sum = (ts: number[], f: (t: number) => number) => ts.reduce((a, t) => a + f(t), 0);
  let varS = (n * (n - 1) * (2 * n + 5) - sum(tx, (t) => t * (t - 1) * (2 * t + 5)) - sum(ty, (t) => t * (t - 1) * (2 * t + 5))) / 18;
  if (n > 2) varS += (sum(tx, (t) => t * (t - 1) * (t - 2)) * sum(ty, (t) => t * (t - 1) * (t - 2))) / (9 * n * (n - 1) * (n - 2));
  varS += (sum(tx, (t) => t * (t - 1)) * sum(ty, (t) => t * (t - 1))) / (2 * n * (n - 1));
  const z = varS > 0 ? s / Math.sqrt(varS) : null;
  return { tau: s / denom, n, concordant, discordant, tiedX, tiedY, z, p: z === null ? null : 2 * (1 - normalCdf(Math.abs(z))) };
}
