// Debiased exponential moving average, the smoothing TensorBoard uses: s_t = β·s_{t-1} + (1-β)·y_t,
// divided by (1 - β^t) so the first points are not pulled towards 0 (the bias correction of
// Adam, Kingma & Ba 2015, §3). Non-finite values pass through unsmoothed and do not poison s.
export function debiasedEma(ys: readonly number[], beta: number): number[] {
  if (!(beta > 0)) return ys.slice();
  const b = Math.min(beta, 0.999);
  const out = new Array<number>(ys.length);
  let s = 0;
  let t = 0;
  for (let i = 0; i < ys.length; i++) {
    const y = ys[i];
    if (!Number.isFinite(y)) {
      out[i] = y;
      continue;
    }
    t++;
    s = b * s + (1 - b) * y;
    out[i] = s / (1 - b ** t);
  }
  return out;
}
