// How far a backend's numbers are from cpu's: per named tensor, the largest absolute difference
// relative to the largest magnitude of the reference (so a tensor of tiny gradients is judged on
// its own scale), and Infinity for NaN/Infinity or a shape that does not match.

export interface Difference {
  name: string;
  relError: number;
}

export function relativeError(got: ArrayLike<number>, ref: ArrayLike<number>): number {
  if (got.length !== ref.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(got[i] - ref[i]);
    if (!Number.isFinite(got[i]) && got[i] !== ref[i]) return Infinity;
    if (d > diff) diff = d;
    const s = Math.abs(ref[i]);
    if (s > scale) scale = s;
  }
  if (diff === 0) return 0;
  return diff / Math.max(scale, 1e-6);
}

/** Every named result, worst first. */
export function compareAll(got: Map<string, ArrayLike<number>>, ref: Map<string, ArrayLike<number>>): Difference[] {
  const out: Difference[] = [];
  for (const [name, r] of ref) {
    const g = got.get(name);
    out.push({ name, relError: g ? relativeError(g, r) : Infinity });
  }
  return out.sort((a, b) => b.relError - a.relError);
}

export function formatError(e: number): string {
  return Number.isFinite(e) ? e.toExponential(1) : 'not finite';
}
