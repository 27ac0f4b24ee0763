// sam-studio resume --run ID [--db FILE] [--json]: continue an interrupted (or failed/cancelled)
// run from its last checkpoint in the foreground — a trainer process of the services, as the
// app resumes — with the same progress and summary as `train`.
import type { StudioEvent } from '../../shared/api';
import type { TrainerEvent } from '../../shared/events';
import { singleRunId, UsageError, type CommandSpec, type ParsedOptions, DB_OPTION } from '../args';
import { onInterrupt } from '../interrupt';
import { dbPath, resumeCommand } from '../paths';
import { openServices, requireDatabase, requireRun } from '../services';
import { createProgressPrinter, summarize } from '../train-progress';

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
    const human = json ? null : createProgressPrinter({ write: (s) => process.stderr.write(s), isTTY: Boolean(process.stderr.isTTY) }, before.config.epochs);
    let terminal: TrainerEvent | null = null;
    services.subscribe((e: StudioEvent) => {
      if (e.type !== 'run-event' || e.runId !== runId) return;
      const ev = e.event;
      if (ev.event === 'done' || ev.event === 'failed' || ev.event === 'stopped') terminal = ev;
      if (json) console.log(JSON.stringify(ev));
      else human?.(ev);
    });
    const interrupt = onInterrupt(() => {
      if (!json) process.stderr.write('\nstopping after this step with a checkpoint (Ctrl-C again to quit now)…\n');
      void services.stopRun(runId).catch(() => undefined);
    });
    try {
      await services.resumeRun(runId);
      const end = await services.waitForRun(runId);
      if (!json) {
        const summary = terminal ? `${summarize(terminal, resumeCommand(runId, db))}\n` : '';
        (end.status === 'done' ? console.log : console.error)(`${summary}run ${runId}: ${end.status}${end.failureReason ? ` (${end.failureReason})` : ''}`);
      }
      if (end.status === 'done') return 0;
      // Stopped by Ctrl-C: with a checkpoint (interrupted), or before its trainer started (cancelled).
      return interrupt.requested && (end.status === 'interrupted' || end.status === 'cancelled') ? 130 : 1;
    } finally {
      interrupt.dispose();
    }
  } finally {
    await services.close();
  }
}
