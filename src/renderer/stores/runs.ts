// The run list: every run the store knows, kept current by pushed `run-updated` events,
// filtered on the page (search + status) and a multi-selection for Compare.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { RunStatus, RunSummary } from '../../shared/api';
import { describeOptimizer } from '../../shared/config';
import { api } from '../api';
import { onStudioEvent } from '../api/events';
import { errorText } from '../lib/errors';

export const useRunsStore = defineStore('runs', () => {
  const runs = ref<RunSummary[]>([]);
  const loaded = ref(false);
  const error = ref<string | null>(null);
  const search = ref('');
  const status = ref<RunStatus | ''>('');
  const selected = ref<number[]>([]);
  /** Runs asked to stop that still run: the stop-checkpoint is being written. */
  const stopping = ref<number[]>([]);

  const filtered = computed(() => {
    const q = search.value.trim().toLowerCase();
    return runs.value.filter((r) => {
      if (status.value && r.status !== status.value) return false;
      if (!q) return true;
      const hay = [r.name, describeOptimizer(r.config), r.config.data.name, r.config.model.kind, r.backend ?? '', r.tags.join(' '), `#${r.id}`]
        .join(' ')
        .toLowerCase();
      return q.split(/\s+/).every((w) => hay.includes(w));
    });
  });

  function upsert(run: RunSummary): void {
    if (run.status !== 'running') stopping.value = stopping.value.filter((id) => id !== run.id);
    const i = runs.value.findIndex((r) => r.id === run.id);
    if (i >= 0) runs.value.splice(i, 1, run);
    else runs.value.unshift(run);
  }

  onStudioEvent((e) => {
    if (e.type === 'run-updated') upsert(e.run);
    else if (e.type === 'run-deleted') {
      runs.value = runs.value.filter((r) => r.id !== e.runId);
      selected.value = selected.value.filter((id) => id !== e.runId);
    }
  });

  async function load(): Promise<void> {
    try {
      runs.value = await api.listRuns({ sort: 'createdAt', order: 'desc', limit: 1000 });
      error.value = null;
    } catch (err) {
      error.value = errorText(err);
    } finally {
      loaded.value = true;
    }
  }

  function toggle(id: number): void {
    selected.value = selected.value.includes(id) ? selected.value.filter((x) => x !== id) : [...selected.value, id];
  }

  async function act(fn: () => Promise<RunSummary>): Promise<void> {
    try {
      upsert(await fn());
      error.value = null;
    } catch (err) {
      error.value = errorText(err);
    }
  }

  const resume = (id: number) => act(() => api.resumeRun(id));
  const stop = (id: number) =>
    act(async () => {
      const run = await api.stopRun(id);
      if (run.status === 'running' && !stopping.value.includes(id)) stopping.value = [...stopping.value, id];
      return run;
    });
  const cancel = (id: number) => act(() => api.cancelRun(id));
  const rerun = (id: number) => act(() => api.rerun(id));

  return { runs, loaded, error, search, status, selected, stopping, filtered, load, upsert, toggle, resume, stop, cancel, rerun };
});
