// Every `sam-studio` command as a real process (node bin/sam-studio.js, the built CLI): its
// --help, the exit codes the README documents (0 done, 1 failed, 2 bad input, 130 stopped with
// Ctrl-C), run management (runs --sort, rename, rm with its confirmation), resume's progress
// and its Ctrl-C, and the README's command lines against the options each command takes.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/main/services/store/index';
import { BIN, CLI_ENV, collect, runCli as cli, startCli, type CliResult } from './helpers/cli';
import { makeTempDir } from './helpers/tmp';

const COMMANDS = ['train', 'resume', 'sweep', 'runs', 'rename', 'rm', 'hessian', 'report', 'export', 'launch', 'import', 'config', 'serve', 'bench'];

const work = makeTempDir('cli-commands-');
const db = join(work, 'runs.db');

const SMALL = {
  seed: 1,
  epochs: 1,
  batchSize: 100,
  backend: 'wasm',
  data: { name: 'fashion-mnist', limit: 500, testLimit: 200 },
  model: { kind: 'mlp', hidden: [16] },
  optimizer: { kind: 'sgd', lr: 0.05 },
  logEvery: 2,
};

function config(name: string, extra: Record<string, unknown> = {}): string {
  const path = join(work, `${name}.json`);
  writeFileSync(path, JSON.stringify({ ...SMALL, name, ...extra }));
  return path;
}

/** Trains a config into the test database; resolves with the exit code and the run id. */
async function train(path: string, stopAtFirstStep = false): Promise<{ code: number | null; runId: number }> {
  const child = startCli(['train', '--config', path, '--db', db, '--json']);
  let stdout = '';
  child.stdout!.on('data', (d: Buffer) => {
    const had = stdout.includes('"scope":"step"');
    stdout += d.toString();
    if (stopAtFirstStep && !had && stdout.includes('"scope":"step"')) process.kill(child.pid!, 'SIGINT');
  });
  const { code, stderr } = await collect(child);
  const last = JSON.parse(stdout.trim().split('\n').at(-1)!) as { runId: number };
  expect(last.runId, stderr).toBeGreaterThan(0);
  return { code, runId: last.runId };
}

function storeRun(id: number) {
  const store = openStore(db);
  try {
    return store.getRun(id);
  } finally {
    store.close();
  }
}

/** `sam-studio <args>` on a pseudo-terminal (util-linux `script`), typing `input`; stdout has both streams. */
function onTerminal(args: string[], input: string): Promise<CliResult> {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], { env: CLI_ENV, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end(input);
  return collect(child);
}

let done: number;
let interrupted: number;
let failed: number;
beforeAll(async () => {
  const a = await train(config('done run'));
  expect(a.code).toBe(0);
  done = a.runId;
  const b = await train(config('long run', { epochs: 40 }), true);
  expect(b.code).toBe(130);
  interrupted = b.runId;
  // lr 10 with momentum blows up at step 6 (PyTorch-default init): an epoch of 20 steps gets there.
  const nan = { data: { ...SMALL.data, limit: 2000 }, sam: null, model: { kind: 'mlp', hidden: [64, 64] }, optimizer: { kind: 'sgd', lr: 10, momentum: 0.9 } };
  const c = await train(config('nan run', nan));
  expect(c.code).toBe(1);
  failed = c.runId;
});

describe('--help', () => {
  it.each(COMMANDS)('%s --help prints its usage, every option and its exit codes, and exits 0', async (name) => {
    const r = await cli([name, '--help']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^usage: sam-studio ${name}( --\\S+ \\S+)* \\[options\\]`));
    expect(r.stdout).toMatch(/\noptions:\n/);
    expect(r.stdout).toMatch(/--verbose .*\n {2}--help /);
    expect(r.stdout).toMatch(/\nexit codes: 0 /);
    expect(r.stdout).not.toMatch(/is required \(/); // help is not an error (hessian --help said "--db is required")
    expect(r.stderr).toBe('');
  });

  it('sam-studio alone prints the commands and exits 2; --help exits 0; an unknown command 2 with the one meant', async () => {
    const bare = await cli([]);
    expect(bare.code).toBe(2);
    for (const name of COMMANDS) expect(bare.stderr).toMatch(new RegExp(`\\n {2}${name} +\\S`));
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('exit codes: 0 done, 1 the run (or the command) failed, 2 bad input, 130 stopped with Ctrl-C');
    const typo = await cli(['trian']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('unknown command "trian"; did you mean train?');
    const version = await cli(['--version']);
    expect(version.stdout.trim()).toBe((JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version);
  });

  it('every command line in the README uses options the command has', async () => {
    const readme = readFileSync('README.md', 'utf8');
    const section = readme.slice(readme.indexOf('## Command line'), readme.indexOf('\n## ', readme.indexOf('## Command line') + 1));
    const lines = section.split('\n').filter((l) => l.startsWith('npx sam-studio '));
    expect(lines.length).toBeGreaterThanOrEqual(COMMANDS.length - 1);
    for (const line of lines) {
      const name = line.split(' ')[2];
      expect(COMMANDS).toContain(name);
      const help = (await cli([name, '--help'])).stdout;
      for (const flag of line.match(/--[a-z][a-z-]*/g) ?? []) expect(help, `${line}: ${flag}`).toContain(`  ${flag}`);
    }
  });
});

describe('unknown options (exit 2, the option named and the one meant)', () => {
  it.each([
    ['runs', ['--sortt', 'name'], 'unknown option --sortt; did you mean --sort?'],
    ['hessian', ['--run', '1', '--topk', '3'], 'unknown option --topk; did you mean --top-k?'],
    ['report', ['--run', '1'], 'unknown option --run; did you mean --runs?'],
    ['rm', ['--run', '1', '--force'], 'unknown option --force; the options are --run, --yes, --db, --verbose, --help'],
    ['serve', ['--prot', '80'], 'unknown option --prot; did you mean --port?'],
    ['config', ['--example', 'moons-sam', 'extra'], 'unexpected argument "extra"'],
    ['bench', ['--onyl', 'step'], 'unknown option --onyl; did you mean --only?'],
    ['sweep', ['--spec', 'x.json', '--concurency', '2'], 'unknown option --concurency; did you mean --concurrency?'],
    ['sweep', ['--spec', 'x.json', '--dry-run', 'yes'], 'unexpected argument "yes"; --dry-run takes no value'],
    ['resume', ['--run'], '--run needs a value'],
    ['rename', ['--run', '1', '--name'], '--name needs a value'],
  ])('%s %j', async (name, args, message) => {
    const r = await cli([name, ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`sam-studio ${name}: ${message}`);
    expect(r.stdout).toBe('');
  });
});

describe('config', () => {
  it('--list exits 0; an example prints a config; an unknown one exits 2 naming the one meant', async () => {
    const list = await cli(['config', '--list']);
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')).toContain('fashion-mnist-sam');
    const one = await cli(['config', '--example', 'moons-sam']);
    expect(one.code).toBe(0);
    expect(JSON.parse(one.stdout)).toMatchObject({ data: { name: 'synthetic-moons' } });
    const bad = await cli(['config', '--example', 'fashion-mnist-sma']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown example "fashion-mnist-sma"; did you mean fashion-mnist-sam?');
    expect((await cli(['config'])).code).toBe(2);
  });
});

describe('runs', () => {
  it('--sort and --order order the list; an unknown column exits 2 naming the one meant', async () => {
    const ids = async (...args: string[]) => {
      const r = await cli(['runs', '--db', db, '--json', ...args]);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: number; name: string });
    };
    expect((await ids()).map((r) => r.id)).toEqual([done, interrupted, failed]);
    expect((await ids('--sort', 'createdAt', '--order', 'desc')).map((r) => r.id)).toEqual([failed, interrupted, done]);
    expect((await ids('--sort', 'name')).map((r) => r.name)).toEqual(['done run', 'long run', 'nan run']);
    expect((await ids('--sort', 'status', '--order', 'desc')).map((r) => r.id)).toEqual([interrupted, failed, done]);
    const table = await cli(['runs', '--db', db, '--sort', 'testAccuracy', '--order', 'desc']);
    expect(table.stdout.split('\n')[1]).toMatch(new RegExp(`^${done} +done `));
    const bad = await cli(['runs', '--db', db, '--sort', 'testAcc']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--sort testAcc: did you mean testAccuracy?');
    const order = await cli(['runs', '--db', db, '--order', 'up']);
    expect(order.code).toBe(2);
    expect(order.stderr).toContain('choose one of asc, desc');
  });
});

describe('rename', () => {
  it('renames a run (exit 0); an unknown run or an empty name exits 2', async () => {
    const r = await cli(['rename', '--db', db, '--run', String(done), '--name', 'baseline, renamed']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`run ${done} renamed: "done run" → "baseline, renamed"`);
    expect(storeRun(done)!.name).toBe('baseline, renamed');
    const missing = await cli(['rename', '--db', db, '--run', '999', '--name', 'x']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`run 999 is not in ${db}`);
    const empty = await cli(['rename', '--db', db, '--run', String(done), '--name', '  ']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('--name:');
  });
});

describe('hessian and report', () => {
  it('a report that cannot be written exits 1; a run whose checkpoint file is gone fails its analysis with 1', async () => {
    const report = await cli(['report', '--db', db, '--runs', String(done), '--format', 'csv', '--out', '/dev/null/r.csv']);
    expect(report.code).toBe(1);
    expect(report.stderr).toMatch(/^sam-studio report: /);
    const ok = await cli(['report', '--db', db, '--runs', String(done), '--format', 'csv', '--out', join(work, 'r.csv')]);
    expect(ok.code, ok.stderr).toBe(0);

    const ck = storeRun(done)!.checkpoints.at(-1)!;
    const saved = readFileSync(ck.path);
    rmSync(ck.path);
    try {
      const r = await cli(['hessian', '--db', db, '--run', String(done), '--top-k', '2', '--max-iterations', '5', '--batch-size', '50']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^sam-studio hessian: /);
    } finally {
      writeFileSync(ck.path, saved);
    }
  });
});

describe('resume', () => {
  it('a done run exits 2; a run that fails again exits 1', async () => {
    const doneRun = await cli(['resume', '--db', db, '--run', String(done)]);
    expect(doneRun.code).toBe(2);
    expect(doneRun.stderr).toContain(`run ${done} is done; only interrupted, failed or cancelled runs can be resumed`);
    const again = await cli(['resume', '--db', db, '--run', String(failed)]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/failed: loss became NaN at step \d+/);
    expect(again.stdout).toBe('');
  });

  it('Ctrl-C on its terminal (SIGINT to the process group) stops the trainer with a checkpoint and exits 130', async () => {
    // Its own process group, as a shell gives a foreground job: the signal reaches every process in it.
    const child = startCli(['resume', '--db', db, '--run', String(interrupted), '--json'], { detached: true });
    let stdout = '';
    child.stdout!.on('data', (d: Buffer) => {
      const had = stdout.includes('"scope":"step"');
      stdout += d.toString();
      if (!had && stdout.includes('"scope":"step"')) process.kill(-child.pid!, 'SIGINT');
    });
    const { code, stderr } = await collect(child);
    expect(code, stderr).toBe(130);
    const events = stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; step?: number; checkpoint?: string; resumedFromStep?: number | null });
    expect(events.find((e) => e.event === 'started')!.resumedFromStep).toBeGreaterThan(0);
    // The trainer was not killed by the signal: the CLI stopped it, and it wrote its checkpoint.
    const last = events.at(-1)!;
    expect(last.event).toBe('stopped');
    expect(existsSync(last.checkpoint!)).toBe(true);
    const run = storeRun(interrupted)!;
    expect(run.status).toBe('interrupted');
    expect(run.checkpoints.at(-1)!.step).toBe(last.step);
  });
});

describe('rm', () => {
  it('asks on a terminal: "n" keeps the run (exit 1), "y" deletes it with its folder of checkpoints (exit 0)', async () => {
    const folder = join(dirname(db), 'runs', String(interrupted));
    expect(storeRun(interrupted)!.checkpoints.length).toBeGreaterThan(0);
    expect(existsSync(folder)).toBe(true);
    const no = await onTerminal(['rm', '--db', db, '--run', String(interrupted)], 'n\n');
    expect(no.stdout).toContain(`delete run ${interrupted} "long run" (interrupted, `);
    expect(no.code).toBe(1);
    expect(storeRun(interrupted)).not.toBeNull();
    expect(existsSync(folder)).toBe(true);
    const yes = await onTerminal(['rm', '--db', db, '--run', String(interrupted)], 'y\n');
    expect(yes.code, yes.stdout).toBe(0);
    expect(yes.stdout).toContain(`deleted run ${interrupted} "long run"`);
    expect(storeRun(interrupted)).toBeNull();
    expect(existsSync(folder)).toBe(false);
  });

  it('without a terminal needs --yes (exit 2); refuses a running run (exit 2); deletes with --yes (exit 0)', async () => {
    const noYes = await cli(['rm', '--db', db, '--run', String(failed)]);
    expect(noYes.code).toBe(2);
    expect(noYes.stderr).toContain('pass --yes to confirm');
    expect(storeRun(failed)).not.toBeNull();

    const store = openStore(db);
    const live = store.createRun({ name: 'live', config: storeRun(done)!.config, status: 'running' });
    store.setRunState(live.id, { pid: process.pid, ownerPid: process.pid, heartbeatAt: Date.now() });
    store.close();
    const running = await cli(['rm', '--db', db, '--run', String(live.id), '--yes']);
    expect(running.code).toBe(2);
    expect(running.stderr).toContain(`run ${live.id} is training`);
    expect(storeRun(live.id)).not.toBeNull();

    const r = await cli(['rm', '--db', db, '--run', `${failed}`, '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`deleted run ${failed} "nan run" (failed)`);
    expect(storeRun(failed)).toBeNull();
    const unknown = await cli(['rm', '--db', db, '--run', String(failed), '--yes']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(`run ${failed} is not in ${db}`);
  });
});

describe('serve', () => {
  it('a bad port exits 2 without starting', async () => {
    const r = await cli(['serve', '--db', join(work, 'serve.db'), '--port', '70000']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--port must be between 0 and 65535, got 70000');
    expect(existsSync(join(work, 'serve.db'))).toBe(false);
  });
});
