// The run database on real SQLite files: migrations, config validation, queries, downsampling,
// orphan detection and event ingest.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { MIGRATIONS, openStore, type Store } from '../../src/main/services/store';
import { migrate } from '../../src/main/services/store/migrations';
import type { RunConfigInput } from '../../src/shared/config';
import type { TrainerEvent } from '../../src/shared/events';
import { makeTempDir, removeTempDir } from './helpers/tmp';

const baseConfig: RunConfigInput = {
  epochs: 2,
  batchSize: 10,
  data: { name: 'synthetic-moons', samples: 100 },
  model: { kind: 'mlp', hidden: [8] },
  optimizer: { kind: 'sgd', lr: 0.1 },
};

let dir: string;
let store: Store;
beforeEach(() => {
  dir = makeTempDir('sam-store-');
  store = openStore(join(dir, 'runs.db'));
});
afterEach(() => {
  store.close();
  removeTempDir(dir);
});

/** A pid that certainly belonged to a process which has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.exit(0)']);
  return r.pid!;
}

describe('schema', () => {
  it('applies migrations once and keeps data across reopen', () => {
    const run = store.createRun({ name: 'a', config: baseConfig });
    store.close();
    store = openStore(join(dir, 'runs.db'));
    store.close();
    store = openStore(join(dir, 'runs.db'));
    expect(store.schemaVersion()).toBe(MIGRATIONS[MIGRATIONS.length - 1].version);
    const count = store.db.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get() as { n: number };
    expect(count.n).toBe(MIGRATIONS.length);
    expect(store.getRun(run.id)?.name).toBe('a');
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('upgrades a database written by an older version in place', () => {
    store.close();
    const path = join(dir, 'old.db');
    const old = new Database(path);
    migrate(old, MIGRATIONS.slice(0, 1));
    old
      .prepare("INSERT INTO runs (name, config, status, created_at) VALUES ('from v1', ?, 'done', 1)")
      .run(JSON.stringify(baseConfig));
    old.close();
    store = openStore(path);
    expect(store.schemaVersion()).toBe(MIGRATIONS.at(-1)!.version);
    expect(store.listRuns().map((r) => r.name)).toEqual(['from v1']);
    expect((store.db.prepare('SELECT time_offset_ms AS t FROM runs').get() as { t: number }).t).toBe(0);
  });

  it('upgrading keeps stored runs on the init and weight-decay mask they were trained with; new runs get the new defaults', () => {
    store.close();
    const path = join(dir, 'v3.db');
    const old = new Database(path);
    migrate(old, MIGRATIONS.filter((m) => m.version <= 3));
    // Configs as version 2 stored them: parsed, every field then known filled in, no init, no mask.
    const v2 = { ...baseConfig, model: { kind: 'mlp', hidden: [8], activation: 'relu', dropout: 0 }, optimizer: { kind: 'sgd', lr: 0.1, weightDecay: 5e-4, weightDecayMode: 'loss' } };
    const insert = old.prepare("INSERT INTO runs (name, config, status, created_at) VALUES (?, ?, 'done', 1)");
    insert.run('mlp from v2', JSON.stringify(v2));
    insert.run('layers from v2', JSON.stringify({ ...v2, model: { kind: 'layers', path: '/models/model.json' } }));
    old.prepare('INSERT INTO sweeps (name, spec, created_at) VALUES (?, ?, 1)').run('sweep from v2', JSON.stringify({ name: 'sweep from v2', base: v2, rho: [0.05] }));
    old.close();

    store = openStore(path);
    const [mlp, layers] = store.listRuns().sort((a, b) => a.id - b.id).map((r) => store.getRun(r.id)!.config);
    expect(mlp.model).toMatchObject({ kind: 'mlp', init: 'he-normal' });
    expect(mlp.optimizer).toMatchObject({ weightDecay: 5e-4, weightDecayParams: 'weights-only' });
    // No init for a Layers model; its batch norm and dropout read as what v2 did (model.apply with
    // training on): batch statistics in training, dropout kept.
    expect(layers.model).toEqual({ kind: 'layers', path: '/models/model.json', batchNorm: 'train', dropout: 'keep' });
    expect(layers.optimizer.weightDecayParams).toBe('weights-only');
    const spec = store.getSweep(1)!.spec as { base: { model: { init: string }; optimizer: { weightDecayParams: string } } };
    expect([spec.base.model.init, spec.base.optimizer.weightDecayParams]).toEqual(['he-normal', 'weights-only']);
    const fresh = store.createRun({ name: 'new', config: baseConfig });
    expect([fresh.config.model.kind === 'mlp' && fresh.config.model.init, fresh.config.optimizer.weightDecayParams]).toEqual(['pytorch', 'all']);
  });

  it('read-only: reads an existing database, writes nothing (every write fails), refuses a missing file or an old schema', () => {
    const run = store.createRun({ name: 'kept', config: baseConfig, status: 'done' });
    store.close();
    const path = join(dir, 'runs.db');
    const bytes = readFileSync(path);
    const ro = openStore(path, { readonly: true });
    try {
      expect(ro.getRunRecord(run.id)).toMatchObject({ name: 'kept', status: 'done' });
      expect(() => ro.createRun({ name: 'new', config: baseConfig })).toThrow(/readonly/);
    } finally {
      ro.close();
    }
    expect(readFileSync(path).equals(bytes)).toBe(true);
    const missing = join(dir, 'none', 'gone.db');
    expect(() => openStore(missing, { readonly: true })).toThrow(/cannot open the run database/);
    expect(existsSync(join(dir, 'none'))).toBe(false);
    const old = new Database(join(dir, 'v1.db'));
    migrate(old, MIGRATIONS.slice(0, 1));
    old.close();
    expect(() => openStore(join(dir, 'v1.db'), { readonly: true })).toThrow(`has schema version 1, this SAM Studio reads ${MIGRATIONS.at(-1)!.version}; open it once with the app`);
    store = openStore(path);
  });

  it('judges "newer than this app" by the migrations it is given, not the built-in list', () => {
    store.close();
    const db = new Database(join(dir, 'custom.db'));
    const custom = [...MIGRATIONS, { version: 900, name: 'a later migration', sql: 'CREATE TABLE later (x INTEGER)' }];
    expect(migrate(db, custom)).toEqual([...MIGRATIONS.map((m) => m.version), 900]);
    // Reopening with the same list is a no-op, not "version 900 is newer than 2".
    expect(migrate(db, custom)).toEqual([]);
    expect(() => migrate(db, MIGRATIONS)).toThrow(`schema version 900 is newer than this SAM Studio understands (${MIGRATIONS.at(-1)!.version})`);
    db.close();
    store = openStore(join(dir, 'other.db'));
  });

  it('refuses a database from a newer version with a clear message', () => {
    store.db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, ?, 0)').run('future');
    store.close();
    expect(() => (store = openStore(join(dir, 'runs.db')))).toThrow(/schema version 999 is newer/);
    store = openStore(join(dir, 'other.db'));
  });
});

describe('runs', () => {
  it('validates configs on write and on read, naming the field', () => {
    expect(() => store.createRun({ name: 'bad', config: { ...baseConfig, sam: { rho: 0.05, m: 3 } } })).toThrow(/m = 3 does not divide batchSize = 10/);
    const run = store.createRun({ name: 'ok', config: baseConfig });
    expect(run.config.optimizer.momentum).toBe(0.9); // defaults filled in
    store.db.prepare('UPDATE runs SET config = ? WHERE id = ?').run(JSON.stringify({ ...baseConfig, epochs: -1 }), run.id);
    expect(() => store.getRun(run.id)).toThrow(new RegExp(`run ${run.id}: the stored config no longer validates \\(epochs`));
  });

  it('filters by status, search, sweep and tag, and sorts by final test accuracy', () => {
    const sweepId = store.createSweep('grid', { rho: [0.05] });
    const a = store.createRun({ name: 'alpha SGD', config: baseConfig, tags: ['baseline'] });
    const b = store.createRun({ name: 'beta SAM', config: baseConfig, sweepId, tags: ['sam'] });
    const c = store.createRun({ name: 'gamma SAM', config: baseConfig, sweepId });
    store.setRunState(a.id, { status: 'done', finalMetrics: { testAccuracy: 0.8, testLoss: 0.5, trainLoss: 0.4, trainAccuracy: 0.85 } });
    store.setRunState(b.id, { status: 'done', finalMetrics: { testAccuracy: 0.9, testLoss: 0.3, trainLoss: 0.3, trainAccuracy: 0.9 } });
    store.setRunState(c.id, { status: 'failed', failureReason: 'loss became NaN at step 3' });

    expect(store.listRuns({ status: ['done'] }).map((r) => r.id).sort()).toEqual([a.id, b.id]);
    expect(store.listRuns({ search: 'sam' }).map((r) => r.name).sort()).toEqual(['beta SAM', 'gamma SAM']);
    expect(store.listRuns({ sweepId }).map((r) => r.id).sort()).toEqual([b.id, c.id]);
    expect(store.listRuns({ tag: 'baseline' }).map((r) => r.id)).toEqual([a.id]);
    expect(store.listRuns({ sort: 'testAccuracy', order: 'desc' }).map((r) => r.id)).toEqual([b.id, a.id, c.id]);
    expect(store.listRuns({ sort: 'testAccuracy', order: 'asc' }).map((r) => r.id)).toEqual([a.id, b.id, c.id]);
    expect(store.getRun(c.id)?.failureReason).toBe('loss became NaN at step 3');
    expect(store.updateRun(a.id, { notes: 'first try', tags: ['x'] }).notes).toBe('first try');
    expect(store.listRuns({ search: 'first' }).map((r) => r.id)).toEqual([a.id]);
  });

  it('reads a running run whose process is gone or whose heartbeat is stale as interrupted', () => {
    const now = Date.now();
    const gone = store.createRun({ name: 'gone', config: baseConfig });
    const stale = store.createRun({ name: 'stale', config: baseConfig });
    const alive = store.createRun({ name: 'alive', config: baseConfig });
    store.setRunState(gone.id, { status: 'running', pid: deadPid(), ownerPid: process.pid, heartbeatAt: now });
    store.setRunState(stale.id, { status: 'running', pid: process.pid, ownerPid: process.pid, heartbeatAt: now - 10 * 60_000 });
    store.setRunState(alive.id, { status: 'running', pid: process.pid, ownerPid: process.pid, heartbeatAt: now });

    expect(store.getRun(gone.id)?.status).toBe('interrupted');
    expect(store.getRun(gone.id)?.failureReason).toMatch(/trainer process \(pid \d+\) is gone/);
    expect(store.getRun(stale.id)?.status).toBe('interrupted');
    expect(store.getRun(stale.id)?.failureReason).toMatch(/no heartbeat for \d+ s/);
    expect(store.getRun(alive.id)?.status).toBe('running');
    expect(store.listRuns({ status: ['interrupted'] }).map((r) => r.id).sort()).toEqual([gone.id, stale.id]);

    // Persisting it makes the state survive whatever happens to the pids later.
    expect(store.markOrphansInterrupted().sort()).toEqual([gone.id, stale.id]);
    const raw = store.db.prepare('SELECT status FROM runs WHERE id = ?').get(gone.id) as { status: string };
    expect(raw.status).toBe('interrupted');
  });
});

describe('series', () => {
  it('downsamples to at most N points and keeps the extremes and the ends', () => {
    const run = store.createRun({ name: 's', config: baseConfig });
    // A noisy decaying curve with one spike up and one dip down at seeded places.
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const n = 10_000;
    const spikeAt = 1 + Math.floor(rand() * (n - 2));
    const dipAt = 1 + Math.floor(rand() * (n - 2));
    const values = Array.from({ length: n }, (_, i) => 2 * Math.exp(-i / 3000) + 0.1 * rand());
    values[spikeAt] = 50;
    values[dipAt] = -5;
    store.addPoints(values.map((value, i) => ({ runId: run.id, scope: 'step' as const, name: 'trainLoss', step: i + 1, epoch: (i + 1) / 100, timeMs: i * 3, value })));

    const [s] = store.getSeries({ runIds: [run.id], names: ['trainLoss'], maxPoints: 200 });
    expect(s.total).toBe(n);
    expect(s.x.length).toBeLessThanOrEqual(200);
    expect(s.x.length).toBeGreaterThan(150);
    expect(s.x).toEqual([...s.x].sort((a, b) => a - b));
    expect(s.y[s.x.indexOf(spikeAt + 1)]).toBe(50);
    expect(s.y[s.x.indexOf(dipAt + 1)]).toBe(-5);
    expect(s.x[0]).toBe(1);
    expect(s.x[s.x.length - 1]).toBe(n);
    expect(Math.max(...s.y)).toBe(Math.max(...values));
    expect(Math.min(...s.y)).toBe(Math.min(...values));

    // Under the cap: every point, exactly; the time axis uses time_ms.
    const [all] = store.getSeries({ runIds: [run.id], names: ['trainLoss'], maxPoints: 20_000, axis: 'time' });
    expect(all.y).toEqual(values);
    expect(all.x[10]).toBe(30);
    expect(store.getRawSeries(run.id, 'step', 'trainLoss').map((p) => p.value)).toEqual(values);
  });

  it('ingests trainer events: points, progress, results; a resume drops the replayed tail', () => {
    const run = store.createRun({ name: 'e', config: baseConfig });
    const started = (resumedFromStep: number | null): TrainerEvent => ({
      event: 'started',
      runId: run.id,
      backend: { name: 'cpu', skipped: [], details: {} },
      paramCount: 42,
      trainExamples: 100,
      testExamples: 20,
      stepsPerEpoch: 10,
      resumedFromStep,
      config: run.config,
    });
    const metric = (step: number, loss: number): TrainerEvent => ({
      event: 'metrics',
      runId: run.id,
      scope: 'step',
      step,
      epoch: step / 10,
      timeMs: step * 100,
      values: { trainLoss: loss, lr: 0.1 },
    });
    store.ingest([
      { runId: run.id, event: started(null) },
      ...[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((s) => ({ runId: run.id, event: metric(s, 1 / s) })),
      { runId: run.id, event: { event: 'checkpoint', runId: run.id, epoch: 1, step: 10, path: '/ckpt/1' } },
      ...[11, 12, 13].map((s) => ({ runId: run.id, event: metric(s, 1 / s) })),
      { runId: run.id, event: metric(14, NaN) },
    ]);
    let r = store.getRun(run.id)!;
    expect(r.paramCount).toBe(42);
    expect(r.backend).toBe('cpu');
    expect(r.progress).toBeCloseTo(14 / 20);
    expect(r.etaMs).toBe(Math.round((1400 * (1 - 0.7)) / 0.7));
    expect(r.checkpoints).toEqual([{ epoch: 1, step: 10, path: '/ckpt/1' }]);
    expect(store.seriesNames(run.id, 'step')).toEqual(['lr', 'trainLoss']);
    // NaN is stored as NULL and skipped by reads.
    expect(store.getRawSeries(run.id, 'step', 'trainLoss').at(-1)).toEqual({ step: 14, epoch: 1.4, timeMs: 1400, value: null });
    expect(store.getSeries({ runIds: [run.id], names: ['trainLoss'] })[0].x).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);

    // The resumed trainer's clock restarts at 0: its points continue after the last kept one.
    store.ingest([{ runId: run.id, event: started(10) }, { runId: run.id, event: { ...metric(11, 0.5), timeMs: 100 } as TrainerEvent }]);
    r = store.getRun(run.id)!;
    expect(store.getRawSeries(run.id, 'step', 'trainLoss').slice(-2).map((p) => p.timeMs)).toEqual([1000, 1100]);
    expect(store.getSeries({ runIds: [run.id], names: ['trainLoss'] })[0].y.slice(-2)).toEqual([0.1, 0.5]);
    expect(store.getSeries({ runIds: [run.id], names: ['trainLoss'] })[0].x.at(-1)).toBe(11);
    store.ingest([{ runId: run.id, event: { ...metric(12, 0.4), timeMs: 200 } as TrainerEvent }]);
    expect(store.getRawSeries(run.id, 'step', 'trainLoss').at(-1)?.timeMs).toBe(1200);
  });

  it('reuses a finished run\'s downsampled series until the run changes again', () => {
    const run = store.createRun({ name: 'c', config: baseConfig });
    const pt = (step: number, value: number) => ({ runId: run.id, scope: 'step' as const, name: 'trainLoss', step, epoch: step, timeMs: step, value });
    store.addPoints([pt(1, 1), pt(2, 0.5)]);
    store.setRunState(run.id, { status: 'interrupted', endedAt: 1000 });
    const first = store.getSeries({ runIds: [run.id], names: ['trainLoss'] })[0];
    first.y.push(99); // callers get copies: mutating one must not leak into the cache
    expect(store.getSeries({ runIds: [run.id], names: ['trainLoss'] })[0].y).toEqual([1, 0.5]);
    // Resumed (possibly by another process) and finished again: the new points are served.
    store.setRunState(run.id, { status: 'running' });
    store.addPoints([pt(3, 0.25)]);
    expect(store.getSeries({ runIds: [run.id], names: ['trainLoss'] })[0].y).toEqual([1, 0.5, 0.25]);
    store.setRunState(run.id, { status: 'done', endedAt: 2000 });
    store.addPoints([pt(4, 0.125)]);
    expect(store.getSeries({ runIds: [run.id], names: ['trainLoss'] })[0].y).toEqual([1, 0.5, 0.25, 0.125]);
  });

  it('lists artifacts per run and deletes a run with its points', () => {
    const a = store.createRun({ name: 'a', config: baseConfig });
    const b = store.createRun({ name: 'b', config: baseConfig });
    const art = store.addArtifact({ runIds: [a.id, b.id], format: 'html', path: '/tmp/r.html' });
    expect(store.listArtifacts(a.id)).toEqual([art]);
    expect(store.getRun(b.id)?.artifacts.map((x) => x.id)).toEqual([art.id]);
    store.addPoints([{ runId: a.id, scope: 'epoch', name: 'testAccuracy', step: 10, epoch: 1, timeMs: 5, value: 0.7 }]);
    store.deleteRun(a.id);
    expect(store.getRun(a.id)).toBeNull();
    expect(store.getSeries({ runIds: [a.id], scope: 'epoch' })).toEqual([]);
    expect(store.getArtifact(art.id)?.runIds).toEqual([b.id]);
  });
});
