// sam-studio resume --run ID [--db FILE] [--json]: continue an interrupted (or failed/cancelled)
// run from its last checkpoint in the foreground — a trainer process of the services, as the
// app resumes — with the same progress and summary as `train`.
import { singleRunId, UsageError, type CommandSpec, type ParsedOptions, DB_OPTION } from '../args';
import { dbPath, resumeCommand } from '../paths';
import { openServices, requireDatabase, requireRun } from '../services';
import { runInForeground } from '../foreground-run';

export const spec: CommandSpec = {
  name: 'resume',
  summary: 'resume an interrupted run from its last checkpoint (--run ID)',
  description: [
    'Continues the run from its last checkpoint until it ends, printing progress like `train`',
    '(--json: its events, one JSON object per line). Ctrl-C stops it again with a checkpoint.',
  ].join('\n'),
  options: {
    run: { type: 'string', value: 'ID', help: 'the run to resume', required: true },
    db: DB_OPTION,
    json: { type: 'boolean', help: 'the run’s events on stdout, one JSON object per line' },
  },
  exitCodes: '0 done, 1 the run failed, 2 bad input (an unknown or running run), 130 stopped with Ctrl-C (a checkpoint is written)',
};

export async function run(opts: ParsedOptions): Promise<number> {
  const runId = singleRunId(opts, 'run');
  const json = opts.flag('json');
  const db = dbPath(opts.string('db'));
  requireDatabase(db);
  const services = openServices(db.path);
  try {
    const before = await requireRun(services, runId, db.path);
    if (before.status === 'running') throw new UsageError(`run ${runId} is still training (in the app or another sam-studio command); stop it there first`);
    if (!['interrupted', 'failed', 'cancelled'].includes(before.status)) throw new UsageError(`run ${runId} is ${before.status}; only interrupted, failed or cancelled runs can be resumed`);
    return await runInForeground(services, { json, epochs: before.config.epochs, resume: resumeCommand(runId, db) }, async () => (await services.resumeRun(runId)).id);
  } finally {
    await services.close();
  }
}
