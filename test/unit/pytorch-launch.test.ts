// The PyTorch bridge as users run it, on a fresh database: `sam-studio launch` trains a stored
// MLP run and a CNN run as 2 DDP processes (gloo, CPU; torchrun where it works, the env
// variables here), the events stream into the store while it trains, and the runs sit next to
// the local ones for Compare (the services API), with checkpoints the app's Hessian analysis
// reads; Ctrl-C stops a launched run with a checkpoint. The exported README's commands work as
// written (one process, and the processes started by hand), and their output imports.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStudioServices, type StudioServices } from '../../src/main/services/index';
import { NodeTrainerLauncher } from '../../src/main/services/node-trainer-launcher';
import type { RunSummary } from '../../src/shared/api';
import { parseRunConfig, type RunConfigInput } from '../../src/shared/config';
import { cliEnv, collect, runCli, startCli } from './helpers/cli';
import { freePort, PYTHON_ENV } from './helpers/pytorch-export';
import { makeTempDir, removeTempDir } from './helpers/tmp';

const FASHION = '/usr/share/datasets/fashion-mnist';
const work = makeTempDir('sam-launch-');
const db = join(work, 'runs.db');

const small = (over: Partial<RunConfigInput>): RunConfigInput => ({
  seed: 2,
  epochs: 1,
  batchSize: 32,
  backend: 'wasm',
  data: { name: 'fashion-mnist', limit: 1024, testLimit: 500 },
  model: { kind: 'mlp', hidden: [32] },
  optimizer: { kind: 'sgd', lr: 0.05 },
  sam: { rho: 0.05 },
  logEvery: 4,
  ...over,
});

/** `sam-studio train` of `config` into the test database; resolves with the run id. */
async function trainLocal(name: string, config: RunConfigInput): Promise<number> {
  const path = join(work, `${name}.json`);
  writeFileSync(path, JSON.stringify({ name, ...config }));
  const r = await runCli(['train', '--config', path, '--db', db, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { runId: number }).runId;
}

async function launch(runId: number): Promise<{ code: number | null; stderr: string }> {
  return runCli(['launch', '--run', String(runId), '--nproc', '2', '--threads', '1', '--db', db], PYTHON_ENV);
}

let services: StudioServices;
const ids: Record<string, number> = {};

afterAll(async () => {
  await services?.close();
  removeTempDir(work);
});

/** The services over the test database, as the app and the browser door open it. */
function studio(): StudioServices {
  services ??= createStudioServices({ dbPath: db, workDir: work, launcher: new NodeTrainerLauncher(), adoptQueued: false });
  return services;
}

describe.skipIf(!existsSync(FASHION))('sam-studio launch: a run as 2 PyTorch DDP processes, into the store', () => {
  it.each([
    ['mlp', small({})],
    ['cnn', small({ model: { kind: 'cnn', filters: [8], dense: 32 }, data: { name: 'fashion-mnist', limit: 512, testLimit: 300 } })],
  ] as const)('%s: trains, appears next to the local run with its curves, and lands within a few points of it', async (kind, config) => {
    ids[`${kind}Local`] = await trainLocal(`${kind} local`, config);
    const r = await launch(ids[`${kind}Local`]);
    expect(r.code, r.stderr).toBe(0);
    // How the processes were started is said, whichever way it was.
    expect(r.stderr).toMatch(/torchrun --standalone|processes started with MASTER_ADDR\/MASTER_PORT\/RANK\/WORLD_SIZE\/LOCAL_RANK/);
    const s = studio();
    const runs = await s.listRuns({ sort: 'createdAt', order: 'asc' });
    const local = runs.find((x) => x.id === ids[`${kind}Local`]) as RunSummary;
    const ddp = runs.at(-1) as RunSummary;
    ids[kind] = ddp.id;
    expect(ddp).toMatchObject({ status: 'done', backend: 'pytorch-ddp×2', name: `${kind} local · PyTorch DDP×2` });
    expect(ddp.tags).toContain('pytorch-ddp');
    expect(ddp.config).toEqual(local.config);
    // What Compare reads: both runs' step and epoch series, by the same names.
    const step = await s.getSeries({ runIds: [local.id, ddp.id], names: ['trainLoss', 'sharpness'], scope: 'step' });
    expect(step.map((x) => `${x.runId}:${x.name}`).sort()).toEqual([`${ddp.id}:sharpness`, `${ddp.id}:trainLoss`, `${local.id}:sharpness`, `${local.id}:trainLoss`].sort());
    for (const x of step) expect(x.total).toBe(config.data.limit! / 32 / 4);
    const epoch = await s.getSeries({ runIds: [ddp.id], names: ['testAccuracy'], scope: 'epoch' });
    expect(epoch[0].y).toHaveLength(1);
    // The same config for one epoch on a small Fashion-MNIST limit: within a few points.
    expect(Math.abs(ddp.finalMetrics!.testAccuracy! - local.finalMetrics!.testAccuracy!)).toBeLessThan(0.03);
    expect(ddp.finalMetrics!.testAccuracy).toBeGreaterThan(0.3); // learned: 10 classes
    const detail = await s.getRun(ddp.id);
    expect(detail.backendReport?.details).toMatchObject({ worldSize: 2, device: 'cpu', distributed: 'gloo' });
    expect(detail.checkpoints).toHaveLength(1);
  });

  it('writes checkpoints the app’s Hessian analysis reads (MLP and CNN)', async () => {
    for (const kind of ['mlp', 'cnn']) {
      const r = await runCli(['hessian', '--run', String(ids[kind]), '--top-k', '2', '--batch-size', '128', '--max-iterations', '20', '--db', db, '--json']);
      expect(r.code, r.stderr).toBe(0);
      const spectrum = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { topEigenvalues: number[] };
      expect(spectrum.topEigenvalues).toHaveLength(2);
      expect(spectrum.topEigenvalues[0]).toBeGreaterThan(0);
    }
  });

  it('streams the events into the store while it trains; Ctrl-C stops it with a checkpoint (exit 130)', async () => {
    // A stored run of 5,000 short epochs (never trained here): launched, recorded live, stopped mid-way.
    const long = studio().store.createRun({
      name: 'long',
      config: { ...small({ epochs: 5000, data: { name: 'fashion-mnist', limit: 64, testLimit: 64 }, logEvery: 1 }), checkpointEvery: 5000 },
      status: 'cancelled',
    });
    const child = startCli(['launch', '--run', String(long.id), '--nproc', '2', '--threads', '1', '--db', db, '--json'], { env: cliEnv({ ...process.env, ...PYTHON_ENV }) });
    const out = collect(child);
    let launched: RunSummary | undefined;
    await expect
      .poll(
        async () => {
          launched = (await studio().listRuns({ sort: 'createdAt', order: 'desc', limit: 1 }))[0];
          if (launched.backend !== 'pytorch-ddp×2' || launched.status !== 'running') return 0;
          return (await studio().getSeries({ runIds: [launched.id], names: ['trainLoss'], scope: 'step' }))[0]?.total ?? 0;
        },
        { timeout: 120_000, interval: 100 },
      )
      .toBeGreaterThan(0);
    process.kill(child.pid!, 'SIGINT');
    const r = await out;
    expect(r.code, r.stderr).toBe(130);
    const after = await studio().getRun(launched!.id);
    expect(after.status).toBe('interrupted');
    expect(after.checkpoints.length).toBeGreaterThan(0);
    expect(existsSync(after.checkpoints.at(-1)!.path)).toBe(true);
    expect(r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { event: string }).event).at(-1)).toBe('stopped');
  });
});

describe.skipIf(!existsSync(FASHION))('the launcher behind the scheduler', () => {
  it('vouches for its processes while they are silent (export, Python starting, steps between log lines), not while one is suspended', async () => {
    const { PytorchDdpLauncher } = await import('../../src/main/services/export/pytorch/index');
    const quiet = createStudioServices({
      dbPath: join(work, 'quiet.db'),
      workDir: join(work, 'quiet'),
      launcher: new PytorchDdpLauncher({ nproc: 2, threads: 1, appVersion: 'test' }),
      // Longer than the heartbeat's period, far shorter than the silences here: the export,
      // starting torch, and 128 steps between two log lines.
      silenceLimitMs: 3_000,
    });
    try {
      const run = await quiet.createRun(small({ model: { kind: 'mlp', hidden: [512, 512] }, data: { name: 'fashion-mnist', limit: 4096, testLimit: 64 }, logEvery: 1000 }));
      const end = await quiet.waitForRun(run.id);
      expect(end.failureReason).toBeNull();
      expect(end).toMatchObject({ status: 'done', backend: 'pytorch-ddp×2' });
      // …but not for a suspended one: SIGSTOP on the first process, and the watchdog ends the run.
      const long = await quiet.createRun(small({ epochs: 5000, data: { name: 'fashion-mnist', limit: 64, testLimit: 64 }, logEvery: 1 }));
      await expect.poll(async () => (await quiet.getRun(long.id)).backend, { timeout: 120_000, interval: 100 }).toBe('pytorch-ddp×2');
      process.kill(quiet.trainerPid(long.id)!, 'SIGSTOP');
      const stopped = await quiet.waitForRun(long.id);
      expect(stopped.status).toBe('failed');
      expect(stopped.failureReason).toMatch(/stopped responding/);
    } finally {
      await quiet.close();
    }
  });
});

describe.skipIf(!existsSync(FASHION))('the exported README’s commands, as written', () => {
  let project: string;
  beforeAll(async () => {
    // The local MLP run launched above (or, when that test is filtered out, a run of its config).
    const id = ids.mlpLocal ?? (await trainLocal('readme', small({})));
    project = join(work, 'project');
    const r = await runCli(['export', '--run', String(id), '--to', 'pytorch', '--out', project, '--db', db]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('python3 train.py > events.jsonl');
  });

  /** The fenced block under a README heading. */
  function block(heading: string): string {
    const readme = readFileSync(join(project, 'README.md'), 'utf8');
    const at = readme.indexOf(`## ${heading}`);
    expect(at, `README section "${heading}"`).toBeGreaterThanOrEqual(0);
    const m = /```\n([\s\S]*?)```/.exec(readme.slice(at));
    return m![1];
  }

  /** Runs README lines with bash in the project; Debian's python3 (with torch) first on PATH. */
  function bash(script: string) {
    return spawnSync('bash', ['-e', '-c', script], { cwd: project, encoding: 'utf8', env: { ...process.env, ...PYTHON_ENV, PATH: `/usr/bin:${process.env.PATH}` }, timeout: 600_000 });
  }

  it('one process: `python3 train.py > events.jsonl`, then `sam-studio import`', async () => {
    const lines = block('Train on one machine').trim().split('\n');
    expect(lines).toEqual(['python3 train.py > events.jsonl']);
    const r = bash(lines[0]);
    expect(r.status, r.stderr).toBe(0);
    const imported = await runCli(['import', '--events', join(project, 'events.jsonl'), '--db', db, '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    const run = await studio().getRun((JSON.parse(imported.stdout) as { runId: number }).runId);
    expect(run).toMatchObject({ status: 'done', backend: 'pytorch-ddp×1' });
  });

  it('two processes started by hand with MASTER_ADDR/MASTER_PORT/RANK/WORLD_SIZE/LOCAL_RANK (the port made free)', async () => {
    const commands = block('Without torchrun');
    expect(commands).toContain('WORLD_SIZE=2');
    // As written, but on a port free now (29500 may be taken on a shared machine).
    const r = bash(commands.replace('MASTER_PORT=29500', `MASTER_PORT=${await freePort()}`));
    expect(r.status, r.stderr).toBe(0);
    const events = readFileSync(join(project, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: string; worldSize?: number });
    expect(events.at(-1)).toMatchObject({ event: 'done', worldSize: 2, backend: 'pytorch-ddp×2' });
    const imported = await runCli(['import', '--events', join(project, 'events.jsonl'), '--db', db, '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ status: 'done', missingCheckpoints: [] });
  });
});

describe.skipIf(!existsSync(FASHION))('exit codes of export and launch, as the README states them (import’s: pytorch-import.test.ts)', () => {
  /** A stored run that was never trained here (its config as given). */
  function stored(name: string, config: RunConfigInput): number {
    return studio().store.createRun({ name, config: parseRunConfig(config), status: 'cancelled' }).id;
  }
  /** A stored CSV run whose file is gone: its data cannot be read. */
  function csvRunWithoutFile(): number {
    const csv = join(work, 'gone.csv');
    writeFileSync(csv, `label,a,b\n${Array.from({ length: 20 }, (_, i) => `${i % 2},${i},${-i}`).join('\n')}\n`);
    const id = stored('csv', { epochs: 1, batchSize: 8, data: { name: 'csv', path: csv, labelColumn: 'label' }, model: { kind: 'mlp', hidden: [4] }, optimizer: { kind: 'sgd', lr: 0.1 } });
    rmSync(csv);
    return id;
  }

  it('the README lists each command’s exit codes as its --help says them', async () => {
    const readme = readFileSync('README.md', 'utf8');
    for (const name of ['export', 'launch', 'import']) {
      const help = (await runCli([name, '--help'])).stdout;
      const codes = /\nexit codes: ([^\n]+(?:\n {2,}[^\n]+)*)/.exec(help)![1].replace(/\s+/g, ' ');
      expect(readme.replace(/\s+/g, ' ')).toContain(`\`${name}\`: ${codes}`);
    }
  });

  it('export: 2 for an unknown run, a run it cannot honour (named) and a folder that holds files; 1 when the data cannot be read', async () => {
    const out = join(work, 'exit-codes');
    expect((await runCli(['export', '--run', '999', '--to', 'pytorch', '--out', out, '--db', db])).code).toBe(2);
    const probe = stored('probe', small({ mSharpness: { m: [32], samples: 64 } }));
    const refused = await runCli(['export', '--run', String(probe), '--to', 'pytorch', '--out', out, '--db', db]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`run ${probe} cannot be exported: mSharpness:`);
    // The test's own folder holds the database.
    const full = await runCli(['export', '--run', String(stored('plain', small({}))), '--to', 'pytorch', '--out', work, '--db', db]);
    expect(full.code).toBe(2);
    expect(full.stderr).toContain('is not empty');
    const unreadable = await runCli(['export', '--run', String(csvRunWithoutFile()), '--to', 'pytorch', '--out', out, '--db', db]);
    expect(unreadable.code, unreadable.stderr).toBe(1);
    expect(unreadable.stderr).toContain('gone.csv');
  });

  it('launch: 2 for processes the batch does not split over, a run the export cannot honour and a data file that is gone; 1 when the run fails', async () => {
    const batch32 = stored('batch 32', small({}));
    const three = await runCli(['launch', '--run', String(batch32), '--nproc', '3', '--db', db]);
    expect(three.code).toBe(2);
    expect(three.stderr).toContain('--nproc 3');
    const probe = stored('probe', small({ mSharpness: { m: [32], samples: 64 } }));
    const refused = await runCli(['launch', '--run', String(probe), '--nproc', '2', '--db', db]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('mSharpness');
    const gone = await runCli(['launch', '--run', String(csvRunWithoutFile()), '--nproc', '2', '--db', db]);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toMatch(/data\.path: ".*gone\.csv" does not exist/);
    // lr 10 with momentum diverges within the epoch's 20 steps (as in cli-commands.test.ts): the run fails.
    const diverging = stored('diverging', small({ batchSize: 100, data: { name: 'fashion-mnist', limit: 2000, testLimit: 100 }, model: { kind: 'mlp', hidden: [64, 64] }, optimizer: { kind: 'sgd', lr: 10, momentum: 0.9 }, sam: null }));
    const failed = await runCli(['launch', '--run', String(diverging), '--nproc', '2', '--threads', '1', '--db', db], PYTHON_ENV);
    expect(failed.code, failed.stderr).toBe(1);
    const run = (await studio().listRuns({})).reduce((x, y) => (y.id > x.id ? y : x));
    expect(run).toMatchObject({ status: 'failed', name: 'diverging · PyTorch DDP×2' });
    expect(run.failureReason).toMatch(/NaN/);
  });
});
