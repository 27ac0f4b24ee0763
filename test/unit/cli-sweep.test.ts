// `sam-studio sweep` as users run it (node bin/sam-studio.js, the built CLI; its trainers are real
// processes on real Fashion-MNIST, small slices): a dry run prints the form's plan and writes
// nothing, a real sweep is created through the services into a real SQLite file and trains to the
// end, a misspelt key exits 2 naming it, a run that fails at data load exits 1 naming the run,
// Ctrl-C stops with checkpoints (130) and --resume finishes the sweep; the README's exit codes
// are the ones --help states.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/main/services/store/index';
import { planFirstPhase, type TuningDecision } from '../../src/shared/studies/index';
import type { RunConfigInput } from '../../src/shared/config';
import { sweepSpecSchema, type SweepSpecInput } from '../../src/shared/sweep';
import { SWEEP_EXAMPLE_NAMES } from '../../src/shared/sweep-examples';
import { collect, runCli as cli, startCli } from './helpers/cli';
import { makeTempDir } from './helpers/tmp';

const work = makeTempDir('cli-sweep-');

/** A tiny MLP on 300 Fashion-MNIST training examples: 3 steps an epoch. */
const BASE: RunConfigInput = {
  seed: 1,
  epochs: 1,
  batchSize: 100,
  backend: 'wasm',
  data: { name: 'fashion-mnist', limit: 300, testLimit: 200 },
  model: { kind: 'mlp', hidden: [16] },
  optimizer: { kind: 'sgd', lr: 0.05 },
  logEvery: 2,
};

function writeSpec(name: string, spec: unknown): string {
  const path = join(work, `${name}.json`);
  writeFileSync(path, JSON.stringify(spec));
  return path;
}

type Line = { event: string; [k: string]: unknown };
const jsonLines = (stdout: string): Line[] => stdout.trim().split('\n').map((l) => JSON.parse(l) as Line);

function withStore<T>(db: string, read: (store: ReturnType<typeof openStore>) => T): T {
  const store = openStore(db);
  try {
    return read(store);
  } finally {
    store.close();
  }
}

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

const grid: SweepSpecInput = { name: 'grid', base: BASE, rho: [0.01, 0.05] };
const gridDb = join(work, 'grid.db');

describe('sam-studio sweep', () => {
  it('--dry-run prints the runs the form’s Preview lists and writes nothing', async () => {
    const spec = writeSpec('grid', grid);
    const db = join(work, 'dry.db');
    const r = await cli(['sweep', '--spec', spec, '--db', db, '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout.split('\n');
    expect(rows[0]).toBe('sweep “grid”: 3 runs');
    expect(rows.find((l) => l.includes('grid · SGD baseline'))).toMatch(/^1 +sgd lr=0\.05 +0 +yes +grid · SGD baseline$/);
    expect(rows.find((l) => l.includes('grid · SAM ρ=0.01'))).toMatch(/^2 +SAM\(ρ=0\.01\) \+ sgd lr=0\.05 +0 +grid · SAM ρ=0\.01$/);
    expect(rows.find((l) => l.includes('grid · SAM ρ=0.05'))).toMatch(/^3 +SAM\(ρ=0\.05\) \+ sgd lr=0\.05 +0 +grid · SAM ρ=0\.05$/);
    expect(r.stderr).toContain('nothing was written');
    expect(existsSync(db)).toBe(false);

    const j = await cli(['sweep', '--spec', spec, '--db', db, '--dry-run', '--json']);
    expect(j.code, j.stderr).toBe(0);
    const plan = JSON.parse(j.stdout) as { runs: { name: string; baseline: boolean; differs: Record<string, string>; config: unknown }[]; later: string[] };
    // The same plan as the services' (and so the form's): names and whole configs.
    expect(plan.runs.map((p) => [p.name, p.baseline, p.config])).toEqual(planFirstPhase(grid).plans.map((p) => [p.name, p.baseline, p.config]));
    expect(plan.runs.map((p) => p.differs['sam.rho'])).toEqual(['off', '0.01', '0.05']);
    expect(plan.later).toEqual([]);
    expect(existsSync(db)).toBe(false);
  });

  it('creates the sweep and its runs in the run database through the services, trains them to the end and exits 0', async () => {
    const r = await cli(['sweep', '--spec', writeSpec('grid', grid), '--db', gridDb, '--concurrency', '2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const lines = jsonLines(r.stdout);
    const created = lines[0] as Line & { sweepId: number; runs: { runId: number; name: string }[] };
    expect(created.event).toBe('sweep-created');
    const ids = created.runs.map((x) => x.runId);
    expect(lines.at(-1)).toMatchObject({ event: 'sweep-done', sweepId: created.sweepId, error: null });
    // Every run's trainer events come through, keyed by run, with its status changes.
    for (const id of ids) {
      expect(lines.filter((l) => l.event === 'done' && l.runId === id)).toHaveLength(1);
      expect(lines.filter((l) => l.event === 'run-status' && l.runId === id).map((l) => l.status)).toEqual(['running', 'done']);
    }

    withStore(gridDb, (store) => {
      expect(store.getSweep(created.sweepId)).toMatchObject({ name: 'grid', spec: sweepSpecSchema.parse(grid), state: null });
      const runs = store.listRuns({ sweepId: created.sweepId, sort: 'createdAt', order: 'asc' });
      expect(runs.map((x) => x.id)).toEqual(ids);
      // Exactly the runs the form's Launch creates: its plan's names, configs and baseline tag.
      expect(runs.map((x) => [x.name, x.config, x.tags])).toEqual(planFirstPhase(grid).plans.map((p) => [p.name, p.config, p.baseline ? ['baseline'] : []]));
      for (const x of runs) {
        expect(x).toMatchObject({ status: 'done', backend: 'wasm', sweepId: created.sweepId });
        expect(x.finalMetrics!.testAccuracy).toBeGreaterThan(0);
        expect(existsSync(store.getRun(x.id)!.checkpoints.at(-1)!.path)).toBe(true);
      }
    });
  });

  it('a study’s next phase starts as the app starts it, announced with its decision between the runs’ lines', async () => {
    const db = join(work, 'tune.db');
    const spec = writeSpec('tune', { name: 'tune', base: { ...BASE, sam: { rho: 0.05 } }, rho: [0.02, 0.2], study: { kind: 'tuning' } });
    const r = await cli(['sweep', '--spec', spec, '--db', db, '--concurrency', '2']);
    expect(r.code, r.stderr).toBe(0);
    const { sweep, runs } = withStore(db, (store) => ({ sweep: store.sweeps.list()[0], runs: store.listRuns({ sort: 'createdAt', order: 'asc' }) }));
    const state = withStore(db, (store) => store.getSweep(sweep.id)!.state!);
    expect(state.phases.map((p) => [p.name, p.runIds])).toEqual([
      ['grid', [runs[0].id, runs[1].id]],
      ['final', [runs[2].id, runs[3].id]],
    ]);
    expect(state).toMatchObject({ complete: true, error: null, decision: { kind: 'tuning' } });
    expect(runs.map((x) => x.status)).toEqual(['done', 'done', 'done', 'done']);
    const lines = r.stderr.split('\n');
    const at = (text: string) => lines.findIndex((l) => l.startsWith(text));
    const phase = at('phase “retrained at the chosen ρ”: 2 runs');
    expect(phase).toBeGreaterThan(Math.max(at(`run ${runs[0].id} done:`), at(`run ${runs[1].id} done:`)));
    expect(phase).toBeLessThan(Math.min(at(`run ${runs[2].id} started:`), at(`run ${runs[3].id} started:`)));
    // The decision as stored with the phase, in its own words: the chosen ρ and why.
    const decision = state.decision as TuningDecision;
    expect(lines.slice(phase + 1, phase + 1 + decision.sentences.length)).toEqual(decision.sentences.map((t) => `  ${t}`));
    expect(decision.sentences[0]).toContain(`ρ = ${decision.chosen.rho} chosen`);
    expect(runs[3].config.sam!.rho).toBe(decision.chosen.rho);
  });

  it('a dry run of a study that starts from a stored run reads the database and changes nothing in it', async () => {
    const source = withStore(gridDb, (store) => store.listRuns({ search: 'grid · SAM ρ=0.05' })[0]);
    const before = sha(gridDb);
    const spec = writeSpec('ft', { name: 'ft', base: BASE, rho: [0.05], study: { kind: 'fine-tuning', source: { kind: 'run', runId: source.id }, classes: [5, 6] } });
    const r = await cli(['sweep', '--spec', spec, '--db', gridDb, '--dry-run', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as { phase: string; runs: { name: string; config: { startFrom: { sourceRunId: number; checkpoint: string } } }[] };
    expect(plan.phase).toBe('fine-tune');
    expect(plan.runs.map((p) => p.name)).toEqual(['ft · fine-tune on classes 5, 6 · SGD baseline', 'ft · fine-tune on classes 5, 6 · SAM ρ=0.05']);
    for (const p of plan.runs) expect(p.config.startFrom).toMatchObject({ sourceRunId: source.id, checkpoint: expect.stringContaining(`runs/${source.id}/`) });
    expect(sha(gridDb)).toBe(before);
    expect(withStore(gridDb, (store) => store.sweeps.list().length)).toBe(1);
  });

  it('a misspelt key exits 2 naming it and the key meant, before any database is opened', async () => {
    const db = join(work, 'typo.db');
    const spec = writeSpec('typo', { name: 'typo', base: { ...BASE, optimizer: { kind: 'sgd', lr: 0.05, lrr: 0.05 } }, rhoo: [0.05], rho: [0.05] });
    const r = await cli(['sweep', '--spec', spec, '--db', db]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('invalid sweep spec');
    expect(r.stderr).toContain('rhoo is not a setting; did you mean rho?');
    expect(r.stderr).toContain('base.optimizer.lrr is not a setting; did you mean base.optimizer.lr?');
    expect(r.stdout).toBe('');
    const j = await cli(['sweep', '--spec', spec, '--db', db, '--json']);
    expect(j.code).toBe(2);
    expect((JSON.parse(j.stdout) as { event: string; errors: { field: string }[] }).errors.map((e) => e.field).sort()).toEqual(['base.optimizer.lrr', 'rhoo']);
    expect(existsSync(db)).toBe(false);
    const missing = await cli(['sweep', '--db', db]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--spec FILE is required');
  });

  it('a run that fails at data load exits 1, naming the run and why', async () => {
    // A CSV whose third line is short: the trainer's loader refuses it (the services only check it exists).
    const csv = join(work, 'ragged.csv');
    writeFileSync(csv, 'a,b,label\n1,2,x\n3,y\n4,5,y\n');
    const db = join(work, 'fail.db');
    const r = await cli(['sweep', '--spec', writeSpec('fail', { name: 'bad', base: { ...BASE, data: { name: 'csv', path: csv } }, rho: [0.05] }), '--db', db]);
    expect(r.code).toBe(1);
    const runs = withStore(db, (store) => store.listRuns({ sort: 'createdAt', order: 'asc' }));
    expect(runs.map((x) => [x.name, x.status])).toEqual([
      ['bad · SGD baseline', 'failed'],
      ['bad · SAM ρ=0.05', 'failed'],
    ]);
    expect(r.stderr).toContain(`run ${runs[0].id} (“bad · SGD baseline”) failed: ${csv}: line 3 has 2 columns`);
    expect(r.stderr).toContain(`run ${runs[1].id} (“bad · SAM ρ=0.05”) failed:`);
    expect(r.stderr).toMatch(/sweep \d+ failed: 0 of 2 runs done/);
    // Progress: a line per run start and end.
    expect(r.stderr).toContain(`run ${runs[0].id} started: bad · SGD baseline`);
  });

  it('Ctrl-C stops the running run with a checkpoint and exits 130; --resume trains the rest and exits 0', async () => {
    const db = join(work, 'stop.db');
    const spec = writeSpec('stop', { name: 'stop', base: { ...BASE, epochs: 30 }, rho: [0.05] });
    const child = startCli(['sweep', '--spec', spec, '--db', db, '--json']);
    let stdout = '';
    child.stdout!.on('data', (d: Buffer) => {
      const had = stdout.includes('"scope":"step"');
      stdout += d.toString();
      if (!had && stdout.includes('"scope":"step"')) process.kill(child.pid!, 'SIGINT');
    });
    const { code, stderr } = await collect(child);
    expect(code, stderr).toBe(130);
    const last = jsonLines(stdout).at(-1) as Line & { sweepId: number; runs: { id: number; status: string }[] };
    expect(last.event).toBe('sweep-stopped');
    expect(last.runs.map((x) => x.status)).toEqual(['interrupted', 'queued']);
    const first = last.runs[0].id;
    const stoppedAt = withStore(db, (store) => {
      const run = store.getRun(first)!;
      expect(run.status).toBe('interrupted');
      expect(run.failureReason).toMatch(/stopped by the user at step \d+/);
      return run.checkpoints.at(-1)!;
    });
    expect(existsSync(stoppedAt.path)).toBe(true);

    const again = await cli(['sweep', '--resume', String(last.sweepId), '--db', db, '--json']);
    expect(again.code, again.stderr).toBe(0);
    const lines = jsonLines(again.stdout);
    expect(lines.find((l) => l.event === 'started' && l.runId === first)).toMatchObject({ resumedFromStep: stoppedAt.step });
    expect(lines.at(-1)).toMatchObject({ event: 'sweep-done' });
    expect(withStore(db, (store) => store.listRuns({ sweepId: last.sweepId }).map((x) => x.status))).toEqual(['done', 'done']);
    const unknown = await cli(['sweep', '--resume', '99', '--db', db]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('there is no sweep 99');
  });

  it('--example prints ready specs (the form’s grid and study presets) that pass its own checks; an unknown one exits 2', async () => {
    const list = await cli(['sweep', '--list']);
    expect(list.code).toBe(0);
    for (const name of SWEEP_EXAMPLE_NAMES) expect(list.stdout).toMatch(new RegExp(`\\n${name} +\\S`));
    for (const name of SWEEP_EXAMPLE_NAMES) {
      const ex = await cli(['sweep', '--example', name]);
      expect(ex.code, ex.stderr).toBe(0);
      const dry = await cli(['sweep', '--spec', writeSpec(`example-${name}`, JSON.parse(ex.stdout)), '--db', join(work, 'examples.db'), '--dry-run']);
      expect(dry.code, `${name}: ${dry.stderr}`).toBe(0);
    }
    const grid = JSON.parse((await cli(['sweep', '--example', 'rho-grid'])).stdout) as { rho: number[]; baseline: boolean; study: unknown };
    expect(grid).toMatchObject({ rho: [0.01, 0.05, 0.1], baseline: true, study: null });
    const bad = await cli(['sweep', '--example', 'tunning']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown example "tunning"; did you mean tuning?');
  });

  it('the README lists its exit codes as --help says them', async () => {
    const help = (await cli(['sweep', '--help'])).stdout;
    const codes = /\nexit codes: ([^\n]+)/.exec(help)![1];
    expect(readFileSync('README.md', 'utf8').replace(/\s+/g, ' ')).toContain(`\`sweep\`: ${codes}`);
  });
});
