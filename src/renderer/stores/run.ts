// The Run page's data: detail, metric series (downsampled, then extended live), spectra,
// landscapes and the latest progress/log lines of one run.
import { defineStore } from 'pinia';
import { ref, shallowRef, watch } from 'vue';
import type { RunDetail } from '../../shared/api';
import type { LandscapeEvent, SpectrumEvent } from '../../shared/events';
import { api } from '../api';
import { onStudioEvent } from '../api/events';
import { errorText } from '../lib/errors';
import { rafThrottle } from '../lib/raf';
import { appendEvent, fromSeries, type SeriesMap } from './series-buffer';
import { useSettingsStore } from './settings';

/** Points per series requested from the store; live appends may grow it to 3× before a reload. */
export const RUN_MAX_POINTS = 1500;

export const useRunStore = defineStore('run', () => {
  const settings = useSettingsStore();
  const runId = ref<number | null>(null);
  const run = ref<RunDetail | null>(null);
  const series = shallowRef<SeriesMap>(new Map());
  const version = ref(0);
  const spectra = ref<SpectrumEvent[]>([]);
  const landscapes = ref<LandscapeEvent[]>([]);
  const progress = ref<{ phase: string; done: number; total: number; message?: string } | null>(null);
  const logs = ref<{ level: string; message: string }[]>([]);
  const error = ref<string | null>(null);
  let reloadTimer: ReturnType<typeof setTimeout> | null = null;
  let loadToken = 0;
  const bump = rafThrottle(() => version.value++);

  async function loadSeries(): Promise<void> {
    const id = runId.value;
    if (id === null) return;
    const token = ++loadToken;
    const common = { runIds: [id], axis: settings.axis, maxPoints: RUN_MAX_POINTS };
    const [step, epoch] = await Promise.all([api.getSeries({ ...common, scope: 'step' }), api.getSeries({ ...common, scope: 'epoch' })]);
    if (token !== loadToken) return;
    series.value = fromSeries([...step, ...epoch]);
    version.value++;
  }

  async function open(id: number): Promise<void> {
    runId.value = id;
    run.value = null;
    spectra.value = [];
    landscapes.value = [];
    progress.value = null;
    logs.value = [];
    series.value = new Map();
    error.value = null;
    try {
      const [detail, spec, land] = await Promise.all([api.getRun(id), api.getSpectra(id), api.getLandscapes(id)]);
      if (runId.value !== id) return;
      run.value = detail;
      // Stored lines first; live 'log' events append to them.
      logs.value = detail.logs.map(({ level, message }) => ({ level, message }));
      spectra.value = spec;
      landscapes.value = land;
      await loadSeries();
    } catch (err) {
      error.value = errorText(err);
    }
  }

  /** Refetch downsampled series once live appends have made them long (never keep all points). */
  function scheduleReload(): void {
    if (reloadTimer) return;
    reloadTimer = setTimeout(() => {
      reloadTimer = null;
      void loadSeries();
    }, 1000);
  }

  onStudioEvent((e) => {
    const id = runId.value;
    if (id === null) return;
    if (e.type === 'run-updated' && e.run.id === id && run.value) {
      run.value = { ...run.value, ...e.run };
      return;
    }
    if (e.type !== 'run-event' || e.runId !== id) return;
    const ev = e.event;
    switch (ev.event) {
      case 'metrics': {
        const longest = appendEvent(series.value, id, ev, settings.axis);
        // Points are appended now; the page hears about it at most once per frame.
        bump.schedule();
        if (longest > 3 * RUN_MAX_POINTS) scheduleReload();
        break;
      }
      case 'spectrum':
        spectra.value = [...spectra.value, ev];
        break;
      case 'landscape':
        landscapes.value = [...landscapes.value, ev];
        break;
      case 'progress':
        progress.value = { phase: ev.phase, done: ev.done, total: ev.total, message: ev.message };
        break;
      case 'log':
        logs.value = [...logs.value.slice(-49), { level: ev.level, message: ev.message }];
        break;
      case 'done':
      case 'failed':
      case 'stopped':
        progress.value = null;
        void api.getRun(id).then((d) => {
          if (runId.value === id) run.value = d;
        });
        break;
      default:
        break;
    }
  });

  watch(
    () => settings.axis,
    () => void loadSeries(),
  );

  async function saveNotes(notes: string): Promise<void> {
    const id = runId.value;
    if (id === null || !run.value) return;
    try {
      const s = await api.updateRun(id, { notes });
      run.value = { ...run.value, ...s };
      error.value = null;
    } catch (err) {
      error.value = errorText(err);
    }
  }

  async function saveTags(tags: string[]): Promise<void> {
    const id = runId.value;
    if (id === null || !run.value) return;
    try {
      const s = await api.updateRun(id, { tags });
      run.value = { ...run.value, ...s };
    } catch (err) {
      error.value = errorText(err);
    }
  }

  return { runId, run, series, version, spectra, landscapes, progress, logs, error, open, loadSeries, saveNotes, saveTags };
});
