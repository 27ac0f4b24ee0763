// `sam-studio train` as users run it (node bin/sam-studio.js, the built CLI in that process):
// JSON lines ending with `done`, the run recorded in the run database (--db, else the default
// one), exit code 2 with every bad field or option named, and Ctrl-C on the command's pid
// stopping the training itself with a checkpoint (exit 130).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/main/services/store/index';
import { collect, DEFAULT_DB, runCli as cli, startCli } from './helpers/cli';
import { makeTempDir } from './helpers/tmp';

const work = makeTempDir('cli-train-');

function writeConfig(name: string, config: unknown): string {
  const path = join(work, name);
  writeFileSync(path, JSON.stringify(config));
  return path;
}

const SMALL = {
  seed: 1,
  epochs: 1,
  batchSize: 100,
  backend: 'wasm',
  data: { name: 'fashion-mnist', limit: 1000, testLimit: 500 },
  model: { kind: 'mlp', hidden: [16] },
  optimizer: { kind: 'sgd', lr: 0.05 },
  sam: { rho: 0.05 },
  logEvery: 5,
};

describe('sam-studio train', () => {
  it('--json prints one event object per line, ends with done carrying the final metrics, and records the run in the default database', async () => {
    const r = await cli(['train', '--config', writeConfig('ok.json', SMALL), '--json', '--threads', '2', '--work-dir', join(work, 'ok')]);
    expect(r.code, r.stderr).toBe(0);
    // Nothing but the events: no library banner or warning on either stream.
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n');
    const events = lines.map((l) => JSON.parse(l) as { event: string; [k: string]: unknown });
    expect(events.every((e) => typeof e.event === 'string')).toBe(true);
    // --threads reaches the wasm backend of this real child process: its threaded build, 2 threads.
    const started = events.find((e) => e.event === 'started') as unknown as { backend: { details: Record<string, unknown> }; config: { threads: number } };
    expect(started.backend.details).toMatchObject({ build: 'threaded-simd', threads: 2, threadsFrom: 'run config' });
    expect(started.config.threads).toBe(2);
    const done = events.at(-1)!;
    expect(done.event).toBe('done');
    expect(done).toMatchObject({ backend: 'wasm', epochs: 1, steps: 10 });
    expect(done.runId).toBeGreaterThan(0);
    const m = done.metrics as Record<string, number>;
    for (const k of ['testAccuracy', 'testLoss', 'trainLoss', 'trainAccuracy', 'sharpness']) expect(typeof m[k]).toBe('number');
    expect(m.testAccuracy).toBeGreaterThan(0.3);
    const ck = events.find((e) => e.event === 'checkpoint')!;
    expect(existsSync(ck.path as string)).toBe(true);
    // No --db: the database the app and every door share (under this test's home).
    const store = openStore(DEFAULT_DB);
    try {
      expect(store.getRun(done.runId as number)).toMatchObject({ status: 'done', backend: 'wasm' });
    } finally {
      store.close();
    }
    const runs = await cli(['runs', '--json']);
    expect(runs.code, runs.stderr).toBe(0);
    expect(runs.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { id: number }).id)).toContain(done.runId);
  });

  it('--epochs/--limit override the file, and without --json prints progress on stderr and a summary on stdout', async () => {
    const r = await cli(['train', '--config', writeConfig('human.json', { ...SMALL, epochs: 3 }), '--epochs', '1', '--limit', '500', '--work-dir', join(work, 'human')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/training on wasm .* 500 train \/ 500 test examples · 5 steps per epoch/);
    expect(r.stderr).toMatch(/epoch 1\/1 {2}train loss \d/);
    expect(r.stdout).toMatch(/^done in [\d.]+ s on wasm: 1 epochs, 5 steps/);
    expect(r.stdout).toMatch(/test accuracy \d+\.\d%/);
  });

  it('kill -INT on the sam-studio pid stops the training itself at a step boundary with a checkpoint and exits 130', async () => {
    const db = join(work, 'sigint.db');
    const config = writeConfig('sigint.json', { ...SMALL, epochs: 50, logEvery: 2 });
    const child = startCli(['train', '--config', config, '--json', '--db', db]);
    let stdout = '';
    child.stdout!.on('data', (d: Buffer) => {
      const before = stdout;
      stdout += d.toString();
      // The pid is the command's own (node bin/sam-studio.js), as `kill -INT <pid>` would hit it.
      if (!before.includes('"scope":"step"') && stdout.includes('"scope":"step"')) process.kill(child.pid!, 'SIGINT');
    });
    const { code } = await collect(child);
    expect(code).toBe(130);
    const last = JSON.parse(stdout.trim().split('\n').at(-1)!) as { event: string; runId: number; step: number; checkpoint: string };
    expect(last.event).toBe('stopped');
    expect(last.step).toBeGreaterThan(0);
    expect(last.step).toBeLessThan(50 * 10);
    expect(existsSync(last.checkpoint)).toBe(true);
    // Nothing trains on once the command has exited (the old bin left its child training to "done").
    const stillTraining = (existsSync('/proc') ? readdirSync('/proc') : [])
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(config);
        } catch {
          return false;
        }
      });
    expect(stillTraining).toEqual([]);
    const store = openStore(db);
    try {
      const run = store.getRun(last.runId)!;
      expect(run.status).toBe('interrupted');
      expect(run.checkpoints.at(-1)!.step).toBe(last.step);
    } finally {
      store.close();
    }
  });

  it('refuses an unknown option, naming it and the option meant, and a stray word (exit 2)', async () => {
    const config = writeConfig('flags.json', SMALL);
    const typo = await cli(['train', '--config', config, '--epoch', '5']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('sam-studio train: unknown option --epoch; did you mean --epochs?');
    const stray = await cli(['train', '--config', config, '--json', '5']);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain('unexpected argument "5"; --json takes no value');
    const missing = await cli(['train', '--config']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--config needs a value');
    for (const r of [typo, stray, missing]) expect(r.stdout).toBe('');
  });

  it('a bad config exits 2 and names every bad field', async () => {
    const bad = { ...SMALL, batchSize: 0, optimizer: { kind: 'sgd', lr: -1 }, sam: { rho: 0.05, m: 3 } };
    const r = await cli(['train', '--config', writeConfig('bad.json', bad)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('batchSize');
    expect(r.stderr).toContain('optimizer.lr');
    expect(r.stdout).toBe('');

    const j = await cli(['train', '--config', writeConfig('bad2.json', { ...SMALL, model: { kind: 'transformer' } }), '--json']);
    expect(j.code).toBe(2);
    const failed = JSON.parse(j.stdout.trim()) as { event: string; reason: string; errors: { field: string }[] };
    expect(failed.event).toBe('failed');
    expect(failed.errors.map((e) => e.field)).toContain('model.kind');
  });

  it('names the field and the path when a file the config points at is missing', async () => {
    const missing = join(work, 'nowhere.csv');
    const r = await cli(['train', '--config', writeConfig('csv.json', { ...SMALL, data: { name: 'csv', path: missing } })]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('data.path');
    expect(r.stderr).toContain(missing);
    const n = await cli(['train', '--config', join(work, 'no-such-config.json')]);
    expect(n.code).toBe(2);
    expect(n.stderr).toMatch(/--config .*no-such-config\.json cannot be read: no such file/);
  });

  it('--db records the run in the store: status, final metrics, series, checkpoints; a diverged run is marked failed', async () => {
    const db = join(work, 'runs.db');
    const r = await cli(['train', '--config', writeConfig('db.json', { ...SMALL, name: 'db run' }), '--json', '--db', db]);
    expect(r.code, r.stderr).toBe(0);
    const done = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { event: string; runId: number; metrics: Record<string, number> };
    expect(done.event).toBe('done');
    expect(done.runId).toBeGreaterThan(0);

    const bad = await cli(['train', '--config', writeConfig('db-nan.json', { ...SMALL, name: 'nan run', sam: null, model: { kind: 'mlp', hidden: [64, 64] }, optimizer: { kind: 'sgd', lr: 10, momentum: 0.9 }, logEvery: 2 }), '--db', db]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/failed: loss became NaN at step \d+/);

    const store = openStore(db);
    try {
      const run = store.getRun(done.runId)!;
      expect(run).toMatchObject({ name: 'db run', status: 'done', backend: 'wasm', paramCount: 784 * 16 + 16 + 16 * 10 + 10 });
      expect(run.finalMetrics?.testAccuracy).toBe(done.metrics.testAccuracy);
      expect(run.checkpoints).toHaveLength(1);
      expect(existsSync(run.checkpoints[0].path)).toBe(true);
      // Checkpoints default to a folder beside the database.
      expect(run.checkpoints[0].path.startsWith(join(work, 'runs', String(done.runId)))).toBe(true);
      expect(store.seriesNames(done.runId, 'step')).toEqual(expect.arrayContaining(['trainLoss', 'epsNorm', 'sharpness']));
      expect(store.getRawSeries(done.runId, 'epoch', 'testAccuracy').map((p) => p.value)).toEqual([done.metrics.testAccuracy]);
      const failed = store.listRuns({ search: 'nan run' })[0];
      expect(failed.status).toBe('failed');
      expect(failed.failureReason).toMatch(/^loss became NaN at step \d+/);
    } finally {
      store.close();
    }
  });
});
