// The run list: every run the store knows, kept current by pushed `run-updated` events,
// filtered on the page (the shared search language, status, archived), sorted by any column,
// a multi-selection for Compare, and the run-management actions (rename, archive, delete).
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { RunStatus, RunSummary } from '../../shared/api';
import { matchesSearch, parseRunSearch } from '../../shared/run-search';
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

  const showArchived = ref(false);
  const parsedSearch = computed(() => parseRunSearch(search.value));
  /** What the search box could not read (an unknown field), shown under it. */
  const searchErrors = computed(() => parsedSearch.value.errors);

  const filtered = computed(() =>
    runs.value.filter((r) => {
      if (status.value && r.status !== status.value) return false;
      if (r.archived && !showArchived.value) return false;
      return matchesSearch(r, parsedSearch.value);
    }),
  );
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
  const rename = (id: number, name: string) => act(() => api.updateRun(id, { name }));

  async function setArchived(ids: number[], archived: boolean): Promise<void> {
    for (const id of ids) await act(() => api.updateRun(id, { archived }));
    if (archived && !showArchived.value) selected.value = selected.value.filter((id) => !ids.includes(id));
  }

  /** Delete runs (the services remove their files); true when all went. */
  async function remove(ids: number[]): Promise<boolean> {
    try {
      for (const id of ids) {
        await api.deleteRun(id);
        runs.value = runs.value.filter((r) => r.id !== id);
        selected.value = selected.value.filter((x) => x !== id);
      }
      error.value = null;
      return true;
    } catch (err) {
      error.value = errorText(err);
      return false;
    }
  }

  return { runs, loaded, error, search, searchErrors, status, showArchived, selected, stopping, filtered, load, upsert, toggle, resume, stop, cancel, rerun, rename, setArchived, remove };
});
