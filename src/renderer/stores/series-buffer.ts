// Metric series held by a page: loaded downsampled from the store, then extended in place by
// live events. Arrays are not made reactive (thousands of points); a version counter is.
import type { Series } from '../../shared/api';
import type { MetricsEvent } from '../../shared/events';
import type { XAxis } from './settings';

export interface SeriesData {
  x: number[];
  y: number[];
  total: number;
}

export type SeriesMap = Map<string, SeriesData>;

export const seriesKey = (runId: number, scope: 'step' | 'epoch', name: string): string => `${runId}:${scope}:${name}`;

export function fromSeries(list: readonly Series[], into: SeriesMap = new Map()): SeriesMap {
  for (const s of list) into.set(seriesKey(s.runId, s.scope, s.name), { x: s.x.slice(), y: s.y.slice(), total: s.total });
  return into;
}

export function xOf(e: MetricsEvent, axis: XAxis): number {
  return axis === 'step' ? e.step : axis === 'epoch' ? e.epoch : e.timeMs;
}

/** Append one metrics event; returns how many points the longest touched series now holds. */
export function appendEvent(map: SeriesMap, runId: number, e: MetricsEvent, axis: XAxis): number {
  const x = xOf(e, axis);
  let longest = 0;
  for (const [name, v] of Object.entries(e.values)) {
    if (v === undefined) continue;
    const key = seriesKey(runId, e.scope, name);
    let s = map.get(key);
    if (!s) map.set(key, (s = { x: [], y: [], total: 0 }));
    // Events can repeat a point the initial load already returned; keep x ascending.
    if (s.x.length && x <= s.x[s.x.length - 1]) continue;
    s.x.push(x);
    s.y.push(v === null ? NaN : v);
    s.total++;
    longest = Math.max(longest, s.x.length);
  }
  return longest;
}
