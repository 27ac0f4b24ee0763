// Comparing decoded images with a reference decode.

/** Largest and mean absolute difference of two pixel arrays (which must be equally long). */
export function pixelDiff(a: ArrayLike<number>, b: ArrayLike<number>): { max: number; mean: number } {
  if (a.length !== b.length) throw new Error(`pixelDiff: ${a.length} values against ${b.length}`);
  let sum = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    sum += d;
    max = Math.max(max, d);
  }
  return { max, mean: sum / a.length };
}
