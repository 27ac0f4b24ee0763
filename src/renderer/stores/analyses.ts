// Analysis jobs (Hessian, density, trace, landscape of stored runs), kept current by pushed
// `analysis-updated` events. The Run page queues one for a checkpoint; the Compare page queues
// one for every compared run that has no spectrum yet.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { AnalysisJob, AnalysisRequest } from '../../shared/api';
import { api } from '../api';
import { onStudioEvent } from '../api/events';
import { errorText } from '../lib/errors';

/** Small enough to finish in seconds on a laptop CPU, large enough for a stable top eigenvalue. */
export const QUICK_ANALYSIS: AnalysisRequest = { checkpoint: 'last', topK: 5, batchSize: 256, maxIterations: 30, trace: true, density: false, landscape: false };

export const useAnalysesStore = defineStore('analyses', () => {
  const jobs = ref<AnalysisJob[]>([]);
  const error = ref<string | null>(null);

  function upsert(job: AnalysisJob): void {
    const i = jobs.value.findIndex((j) => j.id === job.id);
    if (i >= 0) jobs.value.splice(i, 1, job);
    else jobs.value.unshift(job);
  }

  onStudioEvent((e) => {
    if (e.type === 'analysis-updated') upsert(e.job);
    else if (e.type === 'run-deleted') jobs.value = jobs.value.filter((j) => j.runId !== e.runId);
  });

  async function load(runId?: number): Promise<void> {
    try {
      for (const j of await api.listAnalyses(runId === undefined ? {} : { runId })) upsert(j);
    } catch (err) {
      error.value = errorText(err);
    }
  }

  async function analyse(runId: number, request: AnalysisRequest): Promise<AnalysisJob | null> {
    try {
      const job = await api.analyseRun(runId, request);
      upsert(job);
      error.value = null;
      return job;
    } catch (err) {
      error.value = errorText(err);
      return null;
    }
  }

  async function cancel(jobId: number): Promise<void> {
    try {
      upsert(await api.cancelAnalysis(jobId));
    } catch (err) {
      error.value = errorText(err);
    }
  }

  const byRun = computed(() => (runId: number) => jobs.value.filter((j) => j.runId === runId));
  const pending = computed(() => jobs.value.filter((j) => j.status === 'queued' || j.status === 'running'));

  return { jobs, error, byRun, pending, load, analyse, cancel };
});
