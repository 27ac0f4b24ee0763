// Managing and analysing runs through the services, with real SQLite files and real trainer and
// analysis processes: delete (with the files a run owns), archive, rename, search, truthful
// "not found" messages, Hessian analyses of finished runs as queued jobs, and progress that
// counts the Hessian work.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createStudioServices, type StudioServices } from '../../src/main/services/index';
import { NodeTrainerLauncher } from '../../src/main/services/node-trainer-launcher';
import { openStore } from '../../src/main/services/store/index';
import type { AnalysisJob, StudioEvent } from '../../src/shared/api';
import type { RunConfigInput } from '../../src/shared/config';
import type { TrainerEvent } from '../../src/shared/events';
import { makeTempDir, removeTempDir } from './helpers/tmp';

const moons: RunConfigInput = {
  epochs: 2,
  batchSize: 16,
  backend: 'cpu',
  data: { name: 'synthetic-moons', samples: 200 },
  model: { kind: 'mlp', hidden: [8] },
  optimizer: { kind: 'sgd', lr: 0.1 },
  logEvery: 2,
};

let dir: string;
let services: StudioServices | null = null;
const events: StudioEvent[] = [];

function start(): StudioServices {
  const s = createStudioServices({ dbPath: join(dir, 'runs.db'), workDir: dir, launcher: new NodeTrainerLauncher() });
  s.subscribe((e) => events.push(e));
  services = s;
  return s;
}

function waitForJob(s: StudioServices, jobId: number): Promise<AnalysisJob> {
  return new Promise((resolve) => {
    const check = (job: AnalysisJob) => {
      if (job.id === jobId && ['done', 'failed', 'cancelled'].includes(job.status)) {
        off();
        resolve(job);
      }
    };
    const off = s.subscribe((e) => e.type === 'analysis-updated' && check(e.job));
    void s.listAnalyses().then((jobs) => jobs.forEach(check));
  });
}

beforeEach(() => {
  dir = makeTempDir('sam-workbench-');
  events.length = 0;
});
afterEach(async () => {
  await services?.close();
  services = null;
  removeTempDir(dir);
});

describe('managing runs', () => {
  it('deletes a run with its checkpoints and the reports of it alone, and says so afterwards', async () => {
    const s = start();
    const a = await s.createRun(moons, { name: 'keep' });
    const b = await s.createRun({ ...moons, seed: 1 }, { name: 'drop me' });
    await Promise.all([s.waitForRun(a.id), s.waitForRun(b.id)]);
    const own = await s.exportReport({ runIds: [b.id], format: 'json' });
    const shared = await s.exportReport({ runIds: [a.id, b.id], format: 'json' });
    const runDir = join(dir, 'runs', String(b.id));
    expect(readdirSync(runDir).some((f) => f.endsWith('.ckpt'))).toBe(true);

    await s.deleteRun(b.id);
    expect(existsSync(runDir)).toBe(false);
    expect(existsSync(own.path)).toBe(false);
    // A report that also covers another run stays (with that run).
    expect(existsSync(shared.path)).toBe(true);
    expect(events.some((e) => e.type === 'run-deleted' && e.runId === b.id)).toBe(true);
    await expect(s.getRun(b.id)).rejects.toThrow(`run ${b.id} (“drop me”) was deleted on`);
    // Never deleted, never created: the message says that, and no "may have been deleted".
    const never = await s.getRun(999).then(() => '', (e: Error) => e.message);
    expect(never).toBe(`run 999 does not exist: run ids here go up to ${a.id}; list runs to pick another id`);
    // The id is not handed out again.
    const c = await s.createRun(moons, { name: 'next' });
    expect(c.id).toBe(b.id + 1);
    await s.waitForRun(c.id);
  });

  it('renames and archives; the list filters archived runs and searches with the app’s language', async () => {
    const s = start();
    const sgd = await s.createRun(moons);
    const sam = await s.createRun({ ...moons, sam: { rho: 0.05 } });
    await Promise.all([s.waitForRun(sgd.id), s.waitForRun(sam.id)]);
    expect(sam.name).toBe('Two moons MLP 8 · SAM ρ=0.05');
    expect((await s.updateRun(sgd.id, { name: 'baseline A' })).name).toBe('baseline A');
    await s.updateRun(sam.id, { archived: true });
    expect((await s.listRuns({ archived: false })).map((r) => r.id)).toEqual([sgd.id]);
    expect((await s.listRuns({ archived: true })).map((r) => r.id)).toEqual([sam.id]);
    expect((await s.listRuns({ search: 'rho=0.05' })).map((r) => r.id)).toEqual([sam.id]);
    expect((await s.listRuns({ search: 'ρ>0.02' })).map((r) => r.id)).toEqual([sam.id]);
    expect((await s.listRuns({ search: 'baseline' })).map((r) => r.id)).toEqual([sgd.id]);
    await expect(s.listRuns({ search: 'rhoo=1' })).rejects.toMatchObject({ name: 'ApiValidationError', issues: [{ field: 'search' }] });
  });
});

describe('analysing a finished run', () => {
  it('queues a Hessian analysis of the last checkpoint as a job with its own progress; results land on the run', async () => {
    const s = start();
    const run = await s.createRun({ ...moons, sam: { rho: 0.05 } });
    await s.waitForRun(run.id);
    expect(await s.getSpectra(run.id)).toEqual([]);

    const job = await s.analyseRun(run.id, { topK: 3, batchSize: 64, maxIterations: 15, trace: true, landscape: true });
    expect(job.status).toBe('queued');
    expect(job.checkpoint?.step).toBe((await s.getRun(run.id)).checkpoints.at(-1)!.step);
    const done = await waitForJob(s, job.id);
    expect(done.status, done.error ?? '').toBe('done');
    expect(done.progress).toBe(1);

    // Progress rose through the job's own phases.
    const seen = events.flatMap((e) => (e.type === 'analysis-updated' && e.job.id === job.id ? [e.job] : []));
    const fractions = seen.filter((j) => j.status === 'running').map((j) => j.progress);
    expect(fractions.some((f) => f > 0 && f < 1)).toBe(true);
    expect(seen.some((j) => j.phase?.startsWith('Hessian'))).toBe(true);

    // Stored exactly like the trainer's: one spectrum with trace, landscapes, at the checkpoint's step.
    const spectra = await s.getSpectra(run.id);
    expect(spectra).toHaveLength(1);
    expect(spectra[0]).toMatchObject({ step: done.checkpoint!.step, epoch: 2 });
    expect(spectra[0].topEigenvalues).toHaveLength(3);
    expect(spectra[0].trace).not.toBeNull();
    expect((await s.getLandscapes(run.id)).map((l) => l.kind).sort()).toEqual(['1d-eps', '1d-random', '2d-random']);
    // The final weights were analysed: the run's λ_max is known now (lists, search, reports).
    expect((await s.getRun(run.id)).finalMetrics?.lambdaMax).toBe(spectra[0].topEigenvalues[0]);
    // Pages hear the results as the trainer's events.
    const pushed = events.flatMap((e) => (e.type === 'run-event' && e.runId === run.id ? [e.event.event] : []));
    expect(pushed).toContain('spectrum');
    expect(await s.listAnalyses({ runId: run.id })).toMatchObject([{ id: job.id, status: 'done' }]);
  });

  it('analyses the initial weights, refuses a missing checkpoint by name, and cancels a queued job', async () => {
    const s = start();
    const run = await s.createRun(moons);
    await s.waitForRun(run.id);
    await expect(s.analyseRun(run.id, { checkpoint: 12345 })).rejects.toThrow(/has no checkpoint at step 12345; its checkpoints are at steps \d+, \d+/);
    await expect(s.analyseRun(run.id, { topK: 3, batchSize: 0 })).rejects.toThrow(/batchSize/);
    // A misspelt setting is named, with the one meant, as at every door.
    await expect(s.analyseRun(run.id, { topk: 3 } as never)).rejects.toMatchObject({ name: 'ApiValidationError', issues: [{ field: 'topk', message: 'topk is not a setting; did you mean topK?' }] });
    const first = await s.analyseRun(run.id, { checkpoint: 'initial', topK: 2, batchSize: 32, maxIterations: 10, trace: false });
    const second = await s.analyseRun(run.id, { topK: 2, batchSize: 32, maxIterations: 10 });
    expect((await s.cancelAnalysis(second.id)).status).toBe('cancelled');
    const done = await waitForJob(s, first.id);
    expect(done.status, done.error ?? '').toBe('done');
    const spectra = await s.getSpectra(run.id);
    expect(spectra.map((x) => x.step)).toEqual([0]);
  });
});

describe('progress of a run with a Hessian analysis', () => {
  it('is not 100 % at the last step while the final analysis is still to run', () => {
    const store = openStore(join(dir, 'p.db'));
    try {
      const config = { ...moons, hessian: { topK: 3, batchSize: 64, maxIterations: 20 } };
      const run = store.createRun({ name: 'p', config, status: 'running' });
      const t0 = Date.now();
      // Owned by this (live) process, so readers do not take it for an orphan.
      store.setRunState(run.id, { ownerPid: process.pid, heartbeatAt: t0 });
      const ev: TrainerEvent[] = [
        { event: 'started', runId: run.id, backend: { name: 'cpu', skipped: [], details: {} }, paramCount: 1, trainExamples: 160, testExamples: 40, stepsPerEpoch: 10, resumedFromStep: null, config: run.config },
      ];
      for (let i = 1; i <= 20; i++) ev.push({ event: 'metrics', runId: run.id, scope: 'step', step: i, epoch: i / 10, timeMs: i * 100, values: { trainLoss: 1 } });
      store.ingest(ev.map((event, i) => ({ runId: run.id, event, at: t0 + i * 100 })));
      const r = store.getSummary(run.id);
      expect(r.progress).toBeLessThan(0.99);
      expect(r.etaMs).toBeGreaterThan(0);
      expect(r.phase).toBe('training · epoch 2/2');
    } finally {
      store.close();
    }
  });
});

