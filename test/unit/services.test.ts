// The services with real SQLite files and real trainer processes (child_process.fork under tsx):
// the run lifecycle, the concurrency limit, crash → interrupted → resume, divergence, sweeps,
// stop/cancel and start-up recovery.
import { availableParallelism } from 'node:os';
import { WASM_MAX_THREADS } from '../../src/engine/backends/wasm-threads';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createStudioServices, type StudioServices, type TrainerLaunchRequest, type TrainerLauncher } from '../../src/main/services/index';
import { NodeTrainerLauncher } from '../../src/main/services/node-trainer-launcher';
import { openStore } from '../../src/main/services/store/index';
import type { AnalysisJob, RunStatus, StudioEvent } from '../../src/shared/api';
import type { RunConfigInput } from '../../src/shared/config';
import type { StartedEvent, TrainerEvent } from '../../src/shared/events';
import { FASHION_12_EPOCHS } from './helpers/configs';
import { makeTempDir, removeTempDir } from './helpers/tmp';

/** Two moons, a tiny MLP: a whole run takes well under a second of training. */
const moons: RunConfigInput = {
  epochs: 2,
  batchSize: 16,
  backend: 'cpu',
  data: { name: 'synthetic-moons', samples: 200 },
  model: { kind: 'mlp', hidden: [8] },
  optimizer: { kind: 'sgd', lr: 0.1 },
  logEvery: 2,
};

/** The shared Fashion-MNIST slice (12 epochs, long enough to kill in the middle), logging every 2 steps. */
const fashion: RunConfigInput = { ...FASHION_12_EPOCHS, logEvery: 2 };

let dir: string;
let services: StudioServices | null = null;
const events: StudioEvent[] = [];

function start(opts: { concurrency?: number } = {}): StudioServices {
  const s = createStudioServices({ dbPath: join(dir, 'runs.db'), workDir: dir, launcher: new NodeTrainerLauncher(), concurrency: opts.concurrency });
  s.subscribe((e) => events.push(e));
  services = s;
  return s;
}

function statusesOf(runId: number): RunStatus[] {
  const seen: RunStatus[] = [];
  for (const e of events) {
    if (e.type === 'run-updated' && e.run.id === runId && seen.at(-1) !== e.run.status) seen.push(e.run.status);
  }
  return seen;
}

function trainerEvents(runId: number): TrainerEvent[] {
  return events.flatMap((e) => (e.type === 'run-event' && e.runId === runId ? [e.event] : []));
}

function nextEvent(s: StudioServices, pred: (e: StudioEvent) => boolean): Promise<StudioEvent> {
  return new Promise((resolve) => {
    const off = s.subscribe((e) => {
      if (pred(e)) {
        off();
        resolve(e);
      }
    });
  });
}

beforeEach(() => {
  dir = makeTempDir('sam-services-');
  events.length = 0;
});
afterEach(async () => {
  await services?.close();
  services = null;
  removeTempDir(dir);
});

describe('run lifecycle', () => {
  it('goes queued → running → done with its metrics, checkpoints and final metrics stored', async () => {
    const s = start();
    const created = await s.createRun(moons, { name: 'moons', tags: ['smoke'] });
    expect(created.status).toBe('queued');
    const done = await s.waitForRun(created.id);
    expect(done.status).toBe('done');
    expect(statusesOf(created.id)).toEqual(['queued', 'running', 'done']);

    const detail = await s.getRun(created.id);
    expect(detail.backend).toBe('cpu');
    expect(detail.paramCount).toBeGreaterThan(0);
    expect(detail.progress).toBe(1);
    expect(detail.tags).toEqual(['smoke']);
    // The trainer's log lines are kept, so a reopened Run page still shows where the data came from.
    const sentLogs = trainerEvents(created.id).flatMap((e) => (e.event === 'log' ? [e.message] : []));
    expect(sentLogs.length).toBeGreaterThan(0);
    expect(detail.logs.map((l) => l.message)).toEqual(sentLogs);
    const started = trainerEvents(created.id).find((e) => e.event === 'started');
    const stepsPerEpoch = started?.event === 'started' ? started.stepsPerEpoch : -1;
    expect(detail.checkpoints.at(-1)?.step).toBe(2 * stepsPerEpoch);
    const final = trainerEvents(created.id).find((e) => e.event === 'done');
    expect(final?.event === 'done' && detail.finalMetrics).toEqual(final?.event === 'done' ? final.metrics : null);

    // Every step metric the trainer sent is in the store (the terminal flush lost nothing).
    const sent = trainerEvents(created.id).filter((e) => e.event === 'metrics' && e.scope === 'step');
    const [loss] = await s.getSeries({ runIds: [created.id], names: ['trainLoss'] });
    expect(loss.total).toBe(sent.length);
    expect(loss.y).toEqual(sent.map((e) => (e.event === 'metrics' ? e.values.trainLoss : NaN)));
    const epochSeries = await s.getSeries({ runIds: [created.id], scope: 'epoch', names: ['testAccuracy'] });
    expect(epochSeries[0].x).toEqual([stepsPerEpoch, 2 * stepsPerEpoch]);
    expect((await s.listRuns({ status: ['done'] })).map((r) => r.id)).toEqual([created.id]);
  });

  it('runs at most `concurrency` trainers at once', async () => {
    const s = start({ concurrency: 1 });
    const a = await s.createRun(moons, { name: 'a' });
    const b = await s.createRun({ ...moons, seed: 1 }, { name: 'b' });
    expect((await s.getRun(b.id)).status).toBe('queued');
    let running = 0;
    let maxRunning = 0;
    const state = new Map<number, RunStatus>();
    for (const e of events) if (e.type === 'run-updated') state.set(e.run.id, e.run.status);
    s.subscribe((e) => {
      if (e.type !== 'run-updated') return;
      state.set(e.run.id, e.run.status);
      running = [...state.values()].filter((st) => st === 'running').length;
      maxRunning = Math.max(maxRunning, running);
    });
    const [ra, rb] = await Promise.all([s.waitForRun(a.id), s.waitForRun(b.id)]);
    expect([ra.status, rb.status]).toEqual(['done', 'done']);
    expect(maxRunning).toBe(1);
    expect(rb.startedAt!).toBeGreaterThanOrEqual(ra.endedAt!);
  });

  it('gives each of `concurrency` trainers its share of the cores for wasm, unless the run or $SAM_WASM_THREADS says', async () => {
    // Two trainers, each with a pool the size of the machine, would fight over its cores.
    const s = start({ concurrency: 2 });
    const share = Math.max(1, Math.floor(availableParallelism() / 2));
    const open = await s.createRun({ ...moons, backend: 'wasm' }, { name: 'threads open' });
    const pinned = await s.createRun({ ...moons, backend: 'wasm', seed: 1, threads: 1 }, { name: 'threads 1' });
    expect((await Promise.all([s.waitForRun(open.id), s.waitForRun(pinned.id)])).map((r) => r.status)).toEqual(['done', 'done']);
    const backendOf = (id: number) => trainerEvents(id).find((e): e is StartedEvent => e.event === 'started')!.backend;
    const env = process.env.SAM_WASM_THREADS;
    expect(backendOf(open.id).details).toMatchObject({ threadsFrom: 'SAM_WASM_THREADS', threads: env ? Math.min(Number(env), WASM_MAX_THREADS) : share });
    expect(backendOf(pinned.id).details).toMatchObject({ threadsFrom: 'run config', threads: 1 });
  });

  it('gives an analysis process the same share of the cores as each trainer (it runs beside them)', async () => {
    // The real launcher, with each launch request kept to read the share it was given.
    const real = new NodeTrainerLauncher();
    const requests: TrainerLaunchRequest[] = [];
    const launcher: TrainerLauncher = { launch: (req) => (requests.push(req), real.launch(req)) };
    const s = createStudioServices({ dbPath: join(dir, 'runs.db'), workDir: dir, launcher, concurrency: 2 });
    services = s;
    const share = Math.max(1, Math.floor(availableParallelism() / 2));
    const run = await s.createRun({ ...moons, backend: 'wasm' }, { name: 'analysed' });
    expect((await s.waitForRun(run.id)).status).toBe('done');
    const job = await s.analyseRun(run.id, { topK: 1, batchSize: 32, maxIterations: 5, trace: false });
    const done = await new Promise<AnalysisJob>((resolve) => {
      const check = (j: AnalysisJob) => j.id === job.id && ['done', 'failed', 'cancelled'].includes(j.status) && resolve(j);
      s.subscribe((e) => e.type === 'analysis-updated' && check(e.job));
      void s.listAnalyses().then((jobs) => jobs.forEach(check));
    });
    expect(done.status, done.error ?? '').toBe('done');
    expect(requests.map((r) => [r.analysis ? 'analysis' : 'training', r.threadShare])).toEqual([
      ['training', share],
      ['analysis', share],
    ]);
  });

  it('marks a run that diverges failed with "loss became NaN at step N" and keeps its metrics', async () => {
    const s = start();
    const run = await s.createRun(
      { ...moons, epochs: 10, logEvery: 1, model: { kind: 'mlp', hidden: [256, 256, 256], activation: 'elu' }, optimizer: { kind: 'sgd', lr: 10, momentum: 0.99 } },
      { name: 'diverges' },
    );
    const end = await s.waitForRun(run.id);
    expect(end.status).toBe('failed');
    expect(end.failureReason).toMatch(/loss became NaN at step \d+/);
    const series = await s.getSeries({ runIds: [run.id], names: ['lr'] });
    expect(series[0].total).toBeGreaterThan(0);
  });
});

describe('failure and resume', () => {
  it('SIGKILL of a trainer leaves the run interrupted with its metrics; resume continues from the checkpoint to done', async () => {
    const s = start();
    const run = await s.createRun(fashion, { name: 'fashion' });
    // Kill right after the first checkpoint is written (end of epoch 1 of 12).
    const ckpt = await nextEvent(s, (e) => e.type === 'run-event' && e.runId === run.id && e.event.event === 'checkpoint');
    const pid = s.trainerPid(run.id);
    expect(pid).toBeGreaterThan(0);
    process.kill(pid!, 'SIGKILL');
    const killed = await s.waitForRun(run.id);
    expect(killed.status).toBe('interrupted');
    expect(killed.failureReason).toMatch(/killed \(SIGKILL\)/);
    const ckptStep = ckpt.type === 'run-event' && ckpt.event.event === 'checkpoint' ? ckpt.event.step : -1;
    const before = await s.getSeries({ runIds: [run.id], names: ['trainLoss'] });
    expect(before[0].total).toBeGreaterThan(0);
    expect(before[0].x.at(-1)).toBeGreaterThanOrEqual(ckptStep);
    const detail = await s.getRun(run.id);
    expect(detail.checkpoints.length).toBeGreaterThanOrEqual(1);
    const lastCkpt = detail.checkpoints.at(-1)!;

    const resumed = await s.resumeRun(run.id);
    expect(resumed.status).toBe('queued');
    const end = await s.waitForRun(run.id);
    expect(end.status).toBe('done');
    const started = trainerEvents(run.id).filter((e) => e.event === 'started');
    expect(started.map((e) => (e.event === 'started' ? e.resumedFromStep : undefined))).toEqual([null, lastCkpt.step]);
    // One end-of-epoch evaluation per epoch, none lost or doubled across the kill.
    const [acc] = await s.getSeries({ runIds: [run.id], scope: 'epoch', names: ['testAccuracy'], axis: 'epoch' });
    expect(acc.x).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(end.finalMetrics?.testAccuracy).toBeGreaterThan(0.3);
  });

  it('stops a running run gracefully (interrupted, resumable) and cancels a queued one', async () => {
    const s = start({ concurrency: 1 });
    const a = await s.createRun(fashion, { name: 'to stop' });
    const b = await s.createRun(moons, { name: 'to cancel' });
    await nextEvent(s, (e) => e.type === 'run-event' && e.runId === a.id && e.event.event === 'metrics');
    expect((await s.cancelRun(b.id)).status).toBe('cancelled');
    await s.stopRun(a.id);
    const end = await s.waitForRun(a.id);
    expect(end.status).toBe('interrupted');
    expect(end.failureReason).toMatch(/stopped by the user at step \d+/);
    expect(trainerEvents(a.id).at(-1)?.event).toBe('stopped');
    expect(statusesOf(b.id)).toEqual(['queued', 'cancelled']);

    // Resumed, then cancelled while running: it ends `cancelled`, not `interrupted`.
    await s.resumeRun(a.id);
    await nextEvent(s, (e) => e.type === 'run-event' && e.runId === a.id && e.event.event === 'metrics');
    await s.cancelRun(a.id);
    const cancelled = await s.waitForRun(a.id);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.failureReason).toMatch(/cancelled by the user at step \d+/);
  });

  it('at start-up marks orphaned runs interrupted and adopts queued runs nobody owns', async () => {
    const store = openStore(join(dir, 'runs.db'));
    const orphan = store.createRun({ name: 'orphan', config: moons });
    store.setRunState(orphan.id, { status: 'running', pid: 2 ** 22 + 12345, ownerPid: 2 ** 22 + 12346, heartbeatAt: Date.now() });
    // Same owner pid as ours and a live trainer pid: an earlier process that had our pid.
    const samePid = store.createRun({ name: 'same pid', config: moons });
    store.setRunState(samePid.id, { status: 'running', pid: process.pid, ownerPid: process.pid, heartbeatAt: Date.now() });
    const waiting = store.createRun({ name: 'waiting', config: moons });
    store.close();
    const s = start();
    expect((await s.getRun(orphan.id)).status).toBe('interrupted');
    expect((await s.getRun(orphan.id)).failureReason).toMatch(/is gone/);
    expect((await s.getRun(samePid.id)).status).toBe('interrupted');
    expect((await s.getRun(samePid.id)).failureReason).toMatch(/restarted/);
    expect((await s.waitForRun(waiting.id)).status).toBe('done');
  });
});

describe('sweeps and copies', () => {
  it('a sweep of 2 ρ × 2 m plus the SGD baseline creates 5 runs under one sweep, and they all train', async () => {
    const s = start();
    const spec = { name: 'm-sharpness', base: { ...moons, epochs: 1 }, rho: [0.02, 0.05], m: [4, 8] };
    expect(await s.previewSweep(spec)).toHaveLength(5);
    const { sweepId, runs } = await s.createSweep(spec);
    expect(runs).toHaveLength(5);
    expect(new Set(runs.map((r) => r.sweepId))).toEqual(new Set([sweepId]));
    expect(runs.filter((r) => r.config.sam === null).map((r) => r.tags)).toEqual([['baseline']]);
    expect(runs.filter((r) => r.config.sam).map((r) => [r.config.sam!.rho, r.config.sam!.m])).toEqual([
      [0.02, 4],
      [0.02, 8],
      [0.05, 4],
      [0.05, 8],
    ]);
    const ends = await Promise.all(runs.map((r) => s.waitForRun(r.id)));
    expect(ends.map((r) => r.status)).toEqual(['done', 'done', 'done', 'done', 'done']);
    expect((await s.listRuns({ sweepId })).length).toBe(5);
  });

  it('re-runs and duplicates with changes; rejects a bad config naming the field', async () => {
    const s = start();
    const a = await s.createRun(moons, { name: 'orig' });
    await s.waitForRun(a.id);
    const again = await s.rerun(a.id);
    expect(again.name).toBe('orig (re-run)');
    const copy = await s.duplicateRun(a.id, { ...moons, sam: { rho: 0.05 } });
    expect(copy.name).toBe('orig (copy)');
    expect(copy.config.sam?.rho).toBe(0.05);
    await expect(s.duplicateRun(a.id, { ...moons, sam: { rho: 0.05, m: 5 } })).rejects.toThrow(/sam\.m = 5 does not divide batchSize = 16/);
    expect((await s.waitForRun(again.id)).status).toBe('done');
    expect((await s.waitForRun(copy.id)).status).toBe('done');
    await s.deleteRun(a.id);
    await expect(s.getRun(a.id)).rejects.toThrow(/run \d+ \(“orig”\) was deleted on /);
  });
});

describe('files a config points at', () => {
  beforeEach(() => {
    dir = makeTempDir('sam-services-paths-');
  });
  afterEach(async () => {
    await services?.close();
    services = null;
    removeTempDir(dir);
  });

  it('refuses to queue a run or a sweep whose data file is missing, naming data.path, and stores nothing', async () => {
    const s = start();
    const csv = { ...moons, data: { name: 'csv', path: join(dir, 'missing.csv') } };
    const err = await s.createRun(csv).catch((e: unknown) => e as Error & { issues?: { field: string; message: string }[] });
    expect(err).toBeInstanceOf(Error);
    expect((err as { issues: { field: string }[] }).issues).toEqual([{ field: 'data.path', message: expect.stringContaining('missing.csv" does not exist') }]);
    await expect(s.createSweep({ name: 'bad', base: csv, rho: [0.05] })).rejects.toThrow(/data\.path/);
    expect(await s.listRuns()).toEqual([]);
  });
});
