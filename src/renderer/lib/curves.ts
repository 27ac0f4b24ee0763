// Turn stored/live series into chart points for the chosen x axis, with optional smoothing.
import type { SeriesData } from '../stores/series-buffer';
import type { XAxis } from '../stores/settings';
import type { ChartPoint } from '../components/chart-types';
import { debiasedEma } from './ema';

/** Wall time is stored in ms; charts show seconds. */
export function xScale(axis: XAxis): number {
  return axis === 'time' ? 1 / 1000 : 1;
}

export function axisTitle(axis: XAxis): string {
  return axis === 'step' ? 'step' : axis === 'epoch' ? 'epoch' : 'wall time';
}

export function toPoints(s: SeriesData | { x: number[]; y: number[] } | undefined, axis: XAxis, smoothing = 0): ChartPoint[] {
  if (!s) return [];
  const ys = smoothing > 0 ? debiasedEma(s.y, smoothing) : s.y;
  const k = xScale(axis);
  const out = new Array<ChartPoint>(s.x.length);
  for (let i = 0; i < s.x.length; i++) out[i] = { x: s.x[i] * k, y: ys[i] };
  return out;
}
