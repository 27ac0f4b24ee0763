// The Compare page's data: the selected runs, their series (downsampled by the store to a
// budget shared across runs, then extended live) and spectra, plus the page's toggles.
import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import type { RunSummary } from '../../shared/api';
import type { RunConfig } from '../../shared/config';
import type { SpectrumEvent } from '../../shared/events';
import { api } from '../api';
import { onStudioEvent } from '../api/events';
import { errorText } from '../lib/errors';
import { rafThrottle } from '../lib/raf';
import { appendEvent, fromSeries, seriesKey, type SeriesData, type SeriesMap } from './series-buffer';
import { groupLabels, runDiffLabel, seedGroups, type SeedGroup } from '../../shared/seed-groups';
import { runColor } from '../lib/colors';
import { lastOf } from '../lib/stats';
import { useSettingsStore } from './settings';

/**
 * Total points one overlay may hold across runs; each run gets its share (≥ 200, ≤ 1000). The
 * store's min/max downsampling keeps spikes, and 12,000 points keep one redraw of a 50-run
 * overlay around 30–60 ms in software-rendered Chromium on 2 cores (bench/ui.ts).
 */
const POINT_BUDGET = 12_000;
export function pointsPerRun(n: number): number {
  return Math.max(200, Math.min(1000, Math.floor(POINT_BUDGET / Math.max(1, n))));
}

export const useCompareStore = defineStore('compare', () => {
  const settings = useSettingsStore();
  const ids = ref<number[]>([]);
  const runs = ref<RunSummary[]>([]);
  const series = shallowRef<SeriesMap>(new Map());
  /** Bumped when step series change (live or reload) / when epoch series change. */
  const stepVersion = ref(0);
  const epochVersion = ref(0);
  /** Configs by run id: fixed per run, so kept apart from the status updates that stream in. */
  const configs = shallowRef<RunConfig[]>([]);
  const spectra = ref<Record<number, SpectrumEvent[]>>({});
  const stepMetric = ref('trainLoss');
  const epochMetric = ref('testAccuracy');
  const grouped = ref(false);
  const diffOnly = ref(true);
  const loading = ref(false);
  const error = ref<string | null>(null);
  /** performance.now() when the last load finished: the bench reads it. */
  const loadedAt = ref<number | null>(null);
  let loadToken = 0;
  const bumpStep = rafThrottle(() => stepVersion.value++);
  const bumpEpoch = rafThrottle(() => epochVersion.value++);
  const liveCount = new Map<number, number>();

  async function loadSeries(): Promise<void> {
    if (!ids.value.length) return;
    const token = ++loadToken;
    const maxPoints = pointsPerRun(ids.value.length);
    const [epoch, step] = await Promise.all([
      api.getSeries({ runIds: ids.value, scope: 'epoch', axis: settings.axis, maxPoints }),
      api.getSeries({ runIds: ids.value, scope: 'step', axis: settings.axis, names: [stepMetric.value], maxPoints }),
    ]);
    if (token !== loadToken) return;
    series.value = fromSeries([...epoch, ...step]);
    liveCount.clear();
    stepVersion.value++;
    epochVersion.value++;
  }

  /** Replace one run's series by a fresh downsampled copy (the others keep their cached points). */
  const reloading = new Set<number>();
  async function reloadRun(runId: number): Promise<void> {
    if (reloading.has(runId)) return;
    reloading.add(runId);
    liveCount.set(runId, 0);
    const token = loadToken;
    try {
      const maxPoints = pointsPerRun(ids.value.length);
      const [epoch, step] = await Promise.all([
        api.getSeries({ runIds: [runId], scope: 'epoch', axis: settings.axis, maxPoints }),
        api.getSeries({ runIds: [runId], scope: 'step', axis: settings.axis, names: [stepMetric.value], maxPoints }),
      ]);
      if (token !== loadToken) return;
      fromSeries([...epoch, ...step], series.value);
      stepVersion.value++;
      epochVersion.value++;
    } finally {
      reloading.delete(runId);
    }
  }

  async function open(newIds: number[]): Promise<void> {
    ids.value = [...new Set(newIds)];
    loading.value = true;
    error.value = null;
    loadedAt.value = null;
    try {
      const [details, spec] = await Promise.all([
        Promise.all(ids.value.map((id) => api.getRun(id))),
        Promise.all(ids.value.map((id) => api.getSpectra(id).then((s) => [id, s] as const))),
      ]);
      runs.value = details;
      configs.value = details.map((d) => d.config);
      spectra.value = Object.fromEntries(spec);
      await loadSeries();
      loadedAt.value = performance.now();
    } catch (err) {
      error.value = errorText(err);
    } finally {
      loading.value = false;
    }
  }

  onStudioEvent((e) => {
    if (e.type === 'run-updated') {
      const i = runs.value.findIndex((r) => r.id === e.run.id);
      if (i < 0) return;
      // Progress ticks arrive often; only a status, name or final-metrics change matters here.
      const old = runs.value[i];
      if (old.status === e.run.status && old.name === e.run.name && JSON.stringify(old.finalMetrics) === JSON.stringify(e.run.finalMetrics)) return;
      runs.value.splice(i, 1, e.run);
      return;
    }
    if (e.type !== 'run-event' || !ids.value.includes(e.runId)) return;
    const ev = e.event;
    if (ev.event === 'metrics') {
      // Step events only matter for the overlaid step metric; skip the rest cheaply.
      if (ev.scope === 'step' && ev.values[stepMetric.value as keyof typeof ev.values] === undefined) return;
      const values = ev.scope === 'step' ? { [stepMetric.value]: ev.values[stepMetric.value as keyof typeof ev.values] } : ev.values;
      appendEvent(series.value, e.runId, { ...ev, values }, settings.axis);
      // Points are appended now; pages hear about it at most once per frame.
      if (ev.scope === 'step') bumpStep.schedule();
      else bumpEpoch.schedule();
      const n = (liveCount.get(e.runId) ?? 0) + (ev.scope === 'step' ? 1 : 0);
      liveCount.set(e.runId, n);
      // Live points beyond twice the budget: refetch that run only, downsampled by the store.
      if (n > 2 * pointsPerRun(ids.value.length)) void reloadRun(e.runId);
    } else if (ev.event === 'spectrum') {
      spectra.value = { ...spectra.value, [e.runId]: [...(spectra.value[e.runId] ?? []), ev] };
    }
  });

  watch([() => settings.axis, stepMetric], () => void loadSeries());

  /** A series of one run; reading it makes the caller depend on that scope's version only. */
  function get(runId: number, scope: 'step' | 'epoch', name: string): SeriesData | undefined {
    void (scope === 'step' ? stepVersion.value : epochVersion.value);
    return series.value.get(seriesKey(runId, scope, name));
  }

  /** Seed groups: runs whose configs are equal except for the seed (and name). */
  // `ids` changes as a page opens, `configs` once the runs have loaded: pair them only when they match.
  const loadedIds = computed(() => (configs.value.length === ids.value.length ? ids.value : []));
  const groups = computed<SeedGroup[]>(() => seedGroups(loadedIds.value.map((id, i) => ({ id, config: configs.value[i] }))));
  /** "SAM ρ=0.05 · 3 seeds": what sets each group apart, never run ids. */
  const groupNames = computed(() => groupLabels(groups.value));
  /** Each run by what sets it apart (seed included), so two seeds of one config read apart. */
  const diffLabels = computed(() => Object.fromEntries(loadedIds.value.map((id, i) => [id, runDiffLabel(configs.value, i)])) as Record<number, string>);
  const groupOf = computed(() => {
    const m = new Map<number, SeedGroup>();
    for (const g of groups.value) for (const id of g.ids) m.set(id, g);
    return m;
  });
  /** One colour per run everywhere on the page; grouped, a run wears its group's (its first run's). */
  function colorOf(id: number): string {
    return runColor(grouped.value ? (groupOf.value.get(id)?.ids[0] ?? id) : id);
  }

  /** Each run's latest analysis. */
  const latestSpectrum = computed(() => {
    const out: Record<number, SpectrumEvent | null> = {};
    for (const id of ids.value) {
      const s = spectra.value[id] ?? [];
      out[id] = s.length ? s.reduce((a, b) => (b.step > a.step ? b : a)) : null;
    }
    return out;
  });
  /** λ_max of each run's latest analysis. */
  const lambdaMax = computed(() => {
    const out: Record<number, number | null> = {};
    for (const id of ids.value) out[id] = latestSpectrum.value[id]?.topEigenvalues[0] ?? null;
    return out;
  });

  /** The stored final metric, else the last per-epoch value. */
  function finalOf(run: RunSummary, name: 'testAccuracy' | 'testLoss' | 'trainLoss' | 'trainAccuracy'): number | null {
    return run.finalMetrics?.[name] ?? lastOf(get(run.id, 'epoch', name));
  }

  return { get, groups, groupNames, diffLabels, groupOf, colorOf, lambdaMax, latestSpectrum, finalOf, ids, runs, configs, series, stepVersion, epochVersion, spectra, stepMetric, epochMetric, grouped, diffOnly, loading, error, loadedAt, open, loadSeries };
});
