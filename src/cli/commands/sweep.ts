// sam-studio sweep --spec FILE [--db FILE] [--concurrency N] [--dry-run] [--json]: a sweep (a
// grid over ρ, m, p, variants, lr and seeds with the baseline, or one of the SAM paper's studies)
// created through the same services as the app's Sweep form, so it shows in the app with its runs,
// and followed until it is complete. --example NAME prints a ready spec; --list names them.
import { closestKey } from '../../shared/unknown-keys';
import { SWEEP_EXAMPLE_NAMES, SWEEP_EXAMPLE_SUMMARIES, sweepExample, type SweepExampleName } from '../../shared/sweep-examples';
import { UsageError, type CommandSpec, type ParsedOptions, DB_OPTION, CONCURRENCY_OPTION } from '../args';
import { dbPath, resumeSweepCommand } from '../paths';
import { openServices, requireDatabase } from '../services';
import { checkSpecFile, planJson, planText } from '../sweep-plan';
import { followSweep } from '../sweep-follow';
import { textTable } from '../table';

export const spec: CommandSpec = {
  name: 'sweep',
  summary: 'run a sweep or one of the SAM paper’s studies from a spec file (--spec FILE)',
  description: [
    'Reads a sweep spec (JSON, the schema the app’s Sweep form sends: name, base run config, rho, m, p,',
    'variants, lr, seeds, baseline, study), creates the sweep and its runs in the run database — they',
    'show in the app as if made from the form — and trains them as trainer processes, --concurrency at',
    'a time; a study’s later phases start as the app starts them. The command ends when the sweep is',
    'complete. Progress goes to stderr, a line per run start and end, and the runs’ table to stdout;',
    'with --json, stdout has one JSON object per line: every event of its runs (as `train --json`),',
    'each run’s status changes ("run-status"), "sweep-created", "sweep-phase", and last "sweep-done",',
    '"sweep-failed" or "sweep-stopped". --dry-run prints the runs it would create (the form’s Preview)',
    'and writes nothing. Ctrl-C (or SIGTERM) stops the running runs with a checkpoint and leaves the',
    'runs not started queued; `sam-studio sweep --resume ID` goes on (so does the app when it opens).',
    '`sam-studio sweep --example rho-grid > sweep.json` writes a ready spec (--list names them all).',
  ].join('\n'),
  options: {
    spec: { type: 'string', value: 'FILE', help: 'the sweep spec (JSON)' },
    db: DB_OPTION,
    concurrency: CONCURRENCY_OPTION,
    'dry-run': { type: 'boolean', help: 'print the runs the sweep would create, write nothing' },
    json: { type: 'boolean', help: 'JSON on stdout: one event per line (with --dry-run, the plan as one object)' },
    resume: { type: 'string', value: 'ID', help: 'continue a stopped sweep: resume its stopped runs, start the ones not started' },
    example: { type: 'string', value: 'NAME', help: `print a ready spec: ${SWEEP_EXAMPLE_NAMES.join(', ')}` },
    list: { type: 'boolean', help: 'list the example specs' },
  },
  exitCodes: '0 every run done (with --dry-run, --example or --list: printed), 1 a run failed or a study phase could not start (each named with why), 2 bad input (every bad field of the spec named; an unknown sweep), 130 stopped with Ctrl-C (the running runs write a checkpoint; --resume ID continues)',
};

export async function run(opts: ParsedOptions): Promise<number> {
  if (opts.flag('list')) {
    console.log(textTable(['example', 'what it runs'], SWEEP_EXAMPLE_NAMES.map((n) => [n, SWEEP_EXAMPLE_SUMMARIES[n]])));
    return 0;
  }
  const example = opts.string('example');
  if (example !== undefined) return printExample(example);

  const concurrency = opts.int('concurrency', 1, 1, 64);
  const json = opts.flag('json');
  const db = dbPath(opts.string('db'));
  if (opts.has('resume')) {
    for (const other of ['spec', 'dry-run']) if (opts.has(other)) throw new UsageError(`--resume ID continues a stored sweep as it was created; leave out --${other}`);
    return resume(opts, db, { concurrency, json });
  }
  const file = opts.string('spec');
  if (!file) throw new UsageError(`--spec FILE is required (a sweep spec in JSON; \`sam-studio sweep --example ${SWEEP_EXAMPLE_NAMES[0]}\` prints one), or --resume ID`);
  let checked;
  try {
    checked = await checkSpecFile(file, db.path);
  } catch (e) {
    if (json && e instanceof UsageError) console.log(JSON.stringify({ event: 'sweep-failed', sweepId: null, reason: e.message, errors: e.errors }));
    throw e;
  }
  if (opts.flag('dry-run')) {
    console.log(json ? JSON.stringify(planJson(checked)) : planText(checked));
    if (!json) console.error(`dry run: nothing was written; without --dry-run the sweep is created in ${db.path}`);
    return 0;
  }

  const services = openServices(db.path, { concurrency });
  try {
    // The same call as the Sweep form's Launch: the spec is checked again there, against this database.
    const created = await services.createSweep(checked.spec);
    const detail = await services.getSweep(created.sweepId);
    if (json) console.log(JSON.stringify({ event: 'sweep-created', sweepId: created.sweepId, name: detail.name, study: detail.study, runs: created.runs.map((r) => ({ runId: r.id, name: r.name })), later: detail.later }));
    else process.stderr.write(`sweep ${created.sweepId} “${detail.name}” in ${db.path}: ${created.runs.length} run${created.runs.length === 1 ? '' : 's'}, ${concurrency} at a time${detail.later.length ? `\n${detail.later.join('\n')}` : ''}\n`);
    return await followSweep(services, created.sweepId, created.runs, { json, where: db.path, resume: resumeSweepCommand(created.sweepId, db) });
  } finally {
    await services.close();
  }
}

/** --resume ID: the sweep's stopped runs resume, the ones not started start, then it is followed as a new one. */
async function resume(opts: ParsedOptions, db: ReturnType<typeof dbPath>, o: { concurrency: number; json: boolean }): Promise<number> {
  const sweepId = opts.int('resume', 0, 1);
  requireDatabase(db);
  const services = openServices(db.path, { concurrency: o.concurrency });
  try {
    if (!services.store.getSweep(sweepId)) throw new UsageError(`--resume ${sweepId}: there is no sweep ${sweepId} in ${db.path} (\`sam-studio runs --json\` shows each run’s sweepId)`);
    let runs;
    try {
      runs = await services.resumeSweep(sweepId);
    } catch (e) {
      throw new UsageError(`--resume ${sweepId}: ${(e as Error).message}`);
    }
    const waiting = runs.filter((r) => r.status === 'queued').length;
    if (o.json) console.log(JSON.stringify({ event: 'sweep-resumed', sweepId, runs: runs.map((r) => ({ runId: r.id, name: r.name, status: r.status })) }));
    else process.stderr.write(`sweep ${sweepId} in ${db.path}: ${waiting} run${waiting === 1 ? '' : 's'} to train, ${o.concurrency} at a time\n`);
    return await followSweep(services, sweepId, runs, { json: o.json, where: db.path, resume: resumeSweepCommand(sweepId, db) });
  } finally {
    await services.close();
  }
}

function printExample(name: string): number {
  if (!(SWEEP_EXAMPLE_NAMES as readonly string[]).includes(name)) {
    const near = closestKey(name, SWEEP_EXAMPLE_NAMES);
    throw new UsageError(`unknown example "${name}"; ${near ? `did you mean ${near}? ` : ''}the examples are ${SWEEP_EXAMPLE_NAMES.join(', ')}`);
  }
  console.log(JSON.stringify(sweepExample(name as SweepExampleName), null, 2));
  return 0;
}
