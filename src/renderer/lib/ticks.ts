// Tick labels for the app's charts: readable log axes (1-2-5 within short ranges, not one lonely
// "1"), wall time as durations, whole numbers for steps and epochs.
import { fmtNum } from './format';

/** "45s", "2m 05s", "1h 02m": a wall-time axis value given in seconds. */
export function fmtClock(seconds: number): string {
  if (!Number.isFinite(seconds)) return '';
  const s = Math.round(seconds);
  if (Math.abs(s) < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/**
 * Which of chart.js's log ticks (1…9 × 10^k) get a label: all of them over less than ~1.5
 * decades, 1-2-5 over up to 3 decades, powers of ten beyond — and no more than `maxLabels`
 * (every second or third decade on a short, wide-ranging axis). Null for unlabelled ticks.
 */
export function logTickLabel(v: number, all: readonly number[], maxLabels = Infinity): string | null {
  const pos = all.filter((x) => x > 0);
  if (!(v > 0) || !pos.length) return null;
  const span = Math.log10(Math.max(...pos) / Math.min(...pos));
  const exponent = Math.floor(Math.log10(v) + 1e-9);
  const mantissa = Number((v / 10 ** exponent).toPrecision(3));
  const perDecade = span < 1.5 ? 9 : span <= 3 ? 3 : 1;
  const fits = perDecade * Math.max(1, span) <= maxLabels;
  let show: boolean;
  if (span < 1.5 && fits) show = true;
  else if (span <= 3 && fits) show = [1, 2, 5].includes(mantissa);
  else {
    // Powers of ten, thinned to every k-th decade so the labels fit the axis.
    const every = Math.max(1, Math.ceil((span + 1) / Math.max(1, maxLabels)));
    show = mantissa === 1 && exponent % every === 0;
  }
  if (!show) return null;
  const e = Math.log10(v);
  if (Math.abs(e - Math.round(e)) < 1e-9 && Math.abs(e) > 3) return `1e${Math.round(e)}`;
  return fmtNum(v, 3);
}
