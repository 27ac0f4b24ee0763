// `sam-studio runs` and `sam-studio resume` as real processes on a real database.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStudioServices } from '../../src/main/services/index';
import { NodeTrainerLauncher } from '../../src/main/services/node-trainer-launcher';
import { openStore } from '../../src/main/services/store/index';
import { runCli } from './helpers/cli';
import { FASHION_12_EPOCHS } from './helpers/configs';
import { makeTempDir, removeTempDir } from './helpers/tmp';

/** Runs the command; resolves with its output when it exits 0, rejects with it otherwise. */
async function cli(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  const r = await runCli(args);
  if (r.code !== 0) throw Object.assign(new Error(`sam-studio ${args.join(' ')} exited ${r.code}: ${r.stderr}`), r);
  return r;
}

/** 12 epochs leave time to kill it after the first. */
const fashion = FASHION_12_EPOCHS;

let dir: string;
let db: string;
beforeAll(() => {
  dir = makeTempDir('sam-cli-runs-');
  db = join(dir, 'runs.db');
});
afterAll(() => removeTempDir(dir));

describe('sam-studio runs', () => {
  it('prints one JSON object per run and shows a run whose process is gone as interrupted', async () => {
    const store = openStore(db);
    const done = store.createRun({ name: 'finished', config: fashion });
    store.setRunState(done.id, { status: 'done', backend: 'cpu', finalMetrics: { testAccuracy: 0.9, testLoss: 0.2, trainLoss: 0.1, trainAccuracy: 0.95 } });
    const ghost = store.createRun({ name: 'ghost', config: fashion });
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid!;
    store.setRunState(ghost.id, { status: 'running', pid: deadPid, ownerPid: deadPid, heartbeatAt: Date.now() });
    store.close();

    const { stdout } = await cli('runs', '--db', db, '--json');
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ id: done.id, name: 'finished', status: 'done', backend: 'cpu', sweepId: null, finalMetrics: { testAccuracy: 0.9 } });
    expect(lines[1]).toMatchObject({ id: ghost.id, name: 'ghost', status: 'interrupted', backend: null });
    expect(Object.keys(lines[1])).toEqual(expect.arrayContaining(['id', 'name', 'status', 'backend', 'sweepId', 'finalMetrics']));

    const table = await cli('runs', '--db', db);
    expect(table.stdout).toMatch(/interrupted .*ghost/);
  });

  it('names the problem when the database does not exist (exit 2)', async () => {
    const r = await runCli(['runs', '--db', join(dir, 'missing.db')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--db: .*missing\.db does not exist/);
  });
});

describe('sam-studio resume', () => {
  it('continues an interrupted run from its checkpoint in the foreground until done', async () => {
    const services = createStudioServices({ dbPath: db, workDir: dir, launcher: new NodeTrainerLauncher() });
    const created = await services.createRun(fashion, { name: 'to resume' });
    let checkpointStep = -1;
    await new Promise<void>((resolve) => {
      const off = services.subscribe((e) => {
        if (e.type === 'run-event' && e.runId === created.id && e.event.event === 'checkpoint') {
          off();
          checkpointStep = e.event.step;
          process.kill(services.trainerPid(created.id)!, 'SIGKILL');
          resolve();
        }
      });
    });
    expect((await services.waitForRun(created.id)).status).toBe('interrupted');
    await services.close();

    const { stdout, stderr } = await cli('resume', '--db', db, '--run', String(created.id));
    // Progress as `train` prints it (stderr), not a repeated status line; the summary on stdout.
    expect(stderr).toMatch(/training on cpu .* resumed at step \d+/);
    const resumedAt = Number(stderr.match(/resumed at step (\d+)/)![1]);
    expect(resumedAt).toBeGreaterThanOrEqual(checkpointStep);
    expect(stderr).toMatch(/epoch 12\/12 {2}train loss \d.* test loss \d.* acc/);
    expect(stderr).not.toMatch(/status: running/);
    expect(stdout).toMatch(/^done in [\d.]+ s on cpu: 12 epochs/);
    expect(stdout).toMatch(new RegExp(`run ${created.id}: done`));

    const store = openStore(db);
    const after = store.getRun(created.id)!;
    store.close();
    expect(after.status).toBe('done');
    expect(after.finalMetrics?.testAccuracy).toBeGreaterThan(0.3);
  });
});
