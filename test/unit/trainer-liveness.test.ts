// A trainer's own heartbeat is what keeps its run alive: a real trainer process suspended with
// SIGSTOP goes silent, and the owner kills it and fails the run with the reason. And the kill
// timers a stop and a shutdown arm are cleared, never left behind.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createStudioServices, type StudioServices } from '../../src/main/services/index';
import { NodeTrainerLauncher } from '../../src/main/services/node-trainer-launcher';
import { pidAlive } from '../../src/main/services/store/index';
import type { AnalysisJob, StudioEvent } from '../../src/shared/api';
import { FASHION_12_EPOCHS } from './helpers/configs';
import { makeTempDir, removeTempDir } from './helpers/tmp';

let dir: string;
let services: StudioServices | null = null;

function start(opts: { silenceLimitMs?: number; stopGraceMs?: number } = {}): StudioServices {
  services = createStudioServices({ dbPath: join(dir, 'runs.db'), workDir: dir, launcher: new NodeTrainerLauncher(), ...opts });
  return services;
}

function firstMetrics(s: StudioServices, runId: number): Promise<void> {
  return new Promise((resolve) => {
    const off = s.subscribe((e: StudioEvent) => {
      if (e.type === 'run-event' && e.runId === runId && e.event.event === 'metrics') {
        off();
        resolve();
      }
    });
  });
}

beforeEach(() => {
  dir = makeTempDir('sam-liveness-');
});
afterEach(async () => {
  vi.restoreAllMocks();
  await services?.close();
  services = null;
  removeTempDir(dir);
});

describe('trainer liveness', () => {
  it('fails the run of a trainer suspended with SIGSTOP, with the reason, and kills the process', async () => {
    // Long enough that a healthy trainer on a busy machine always beats in time (it beats every 2 s).
    const s = start({ silenceLimitMs: 8_000 });
    const run = await s.createRun({ ...FASHION_12_EPOCHS, epochs: 50 }, { name: 'to hang' });
    await firstMetrics(s, run.id);
    const pid = s.trainerPid(run.id)!;
    expect(pidAlive(pid)).toBe(true);
    process.kill(pid, 'SIGSTOP');
    const end = await s.waitForRun(run.id);
    expect(end.status).toBe('failed');
    expect(end.failureReason).toMatch(/^the trainer stopped responding: no heartbeat for \d+ s \(hung, or suspended by a signal such as SIGSTOP\), so it was killed at step \d+; resume continues from the last checkpoint$/);
    expect(pidAlive(pid)).toBe(false);
    // The metrics it sent before it hung are kept.
    const [loss] = await s.getSeries({ runIds: [run.id], names: ['trainLoss'] });
    expect(loss.total).toBeGreaterThan(0);
  });

  it('fails an analysis job whose process is suspended with SIGSTOP, with the reason, and kills the process', async () => {
    const s = start({ silenceLimitMs: 8_000 });
    const run = await s.createRun({ ...FASHION_12_EPOCHS, epochs: 1 }, { name: 'to analyse' });
    expect((await s.waitForRun(run.id)).status).toBe('done');
    const job = await s.analyseRun(run.id, { topK: 5, batchSize: 256, trace: false });
    // Suspend it as soon as its process exists: it cannot have finished by then.
    await jobWhere(s, job.id, (j) => j.status === 'running');
    const pid = s.analysisPid(job.id)!;
    expect(pidAlive(pid)).toBe(true);
    process.kill(pid, 'SIGSTOP');
    const end = await jobWhere(s, job.id, (j) => ['done', 'failed', 'cancelled'].includes(j.status));
    expect(end.status).toBe('failed');
    expect(end.error).toMatch(/^the analysis process stopped responding: no heartbeat for \d+ s \(hung, or suspended by a signal such as SIGSTOP\), so it was killed; analyse again to retry$/);
    expect(pidAlive(pid)).toBe(false);
  });

  it('leaves no kill timer behind when a run being stopped is shut down', async () => {
    const grace = 600_000;
    const s = start({ stopGraceMs: grace });
    const run = await s.createRun(FASHION_12_EPOCHS, { name: 'stopped, then closed' });
    await firstMetrics(s, run.id);
    // From here on, every timer is tracked: the stop arms one, the shutdown must replace it.
    const pending = trackTimers();
    await s.stopRun(run.id);
    await s.close();
    services = null;
    vi.restoreAllMocks();
    expect(pending().filter((ms) => ms === grace)).toEqual([]);
    const reopened = start();
    const end = await reopened.getRun(run.id);
    expect(end.status).toBe('interrupted');
    // The user's stop is what the run says, not the shutdown that followed.
    expect(end.failureReason).toMatch(/^stopped by the user at step \d+/);
  });
});

/** Resolves with the job once `ok` holds for it (pushed updates, or the list if it already does). */
function jobWhere(s: StudioServices, jobId: number, ok: (j: AnalysisJob) => boolean): Promise<AnalysisJob> {
  return new Promise((resolve) => {
    const check = (j: AnalysisJob) => {
      if (j.id !== jobId || !ok(j)) return;
      off();
      resolve(j);
    };
    const off = s.subscribe((e) => e.type === 'analysis-updated' && check(e.job));
    void s.listAnalyses().then((jobs) => jobs.forEach(check));
  });
}

/** Records setTimeout/clearTimeout calls (the real timers still run); returns the delays of timers neither fired nor cleared. */
function trackTimers(): () => number[] {
  const live = new Map<unknown, number>();
  const realSet = globalThis.setTimeout;
  const realClear = globalThis.clearTimeout;
  vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const t = realSet((...a: unknown[]) => {
      live.delete(t);
      fn(...a);
    }, ms, ...args);
    live.set(t, ms ?? 0);
    return t;
  }) as typeof setTimeout);
  vi.spyOn(globalThis, 'clearTimeout').mockImplementation(((t: Parameters<typeof clearTimeout>[0]) => {
    live.delete(t);
    realClear(t);
  }) as typeof clearTimeout);
  return () => [...live.values()];
}
