// A run of the services followed in the foreground (`resume`, `launch`): its events printed as
// progress on stderr (or as JSON lines with --json), Ctrl-C asking it to stop with a checkpoint,
// and, once it has ended, a summary and the command's exit code.
import type { StudioEvent } from '../shared/api';
import type { TrainerEvent } from '../shared/events';
import type { StudioServices } from '../main/services/index';
import { onInterrupt } from './interrupt';
import { createProgressPrinter, summarize } from './train-progress';

export interface ForegroundOptions {
  json: boolean;
  epochs: number;
  /** Also print the run's info log lines (launch says how its processes were started). */
  infoLogs?: boolean;
  /** The command that continues the run if it is stopped (shown in the summary). */
  resume?: string;
  /** The run database, named in the last line. */
  where?: string;
}

/**
 * `start` queues the run (creates or resumes it) and returns its id; then wait until it ends.
 * Resolves with the exit code: 0 done, 130 stopped by Ctrl-C, 1 otherwise.
 */
export async function runInForeground(services: StudioServices, o: ForegroundOptions, start: () => Promise<number>): Promise<number> {
  const human = o.json ? null : createProgressPrinter({ write: (s) => process.stderr.write(s), isTTY: Boolean(process.stderr.isTTY) }, o.epochs);
  let runId: number | null = null;
  let terminal: TrainerEvent | null = null;
  const unsubscribe = services.subscribe((e: StudioEvent) => {
    if (e.type !== 'run-event' || e.runId !== runId) return;
    const ev = e.event;
    if (ev.event === 'done' || ev.event === 'failed' || ev.event === 'stopped') terminal = ev;
    if (o.json) console.log(JSON.stringify(ev));
    else if (o.infoLogs && ev.event === 'log' && ev.level === 'info') process.stderr.write(`${ev.message}\n`);
    else human?.(ev);
  });
  const interrupt = onInterrupt(() => {
    if (!o.json) process.stderr.write('\nstopping after this step with a checkpoint (Ctrl-C again to quit now)…\n');
    if (runId !== null) void services.stopRun(runId).catch(() => undefined);
  });
  try {
    // Trainers start on the scheduler's next turn, so no event of the run is missed here.
    runId = await start();
    const end = await services.waitForRun(runId);
    if (!o.json) {
      const summary = terminal ? `${summarize(terminal, o.resume)}\n` : '';
      (end.status === 'done' ? console.log : console.error)(`${summary}run ${runId}: ${end.status}${end.failureReason ? ` (${end.failureReason})` : ''}${o.where ? ` in ${o.where}` : ''}`);
    }
    if (end.status === 'done') return 0;
    // Stopped by Ctrl-C: with a checkpoint (interrupted), or before its trainer started (cancelled).
    return interrupt.requested && (end.status === 'interrupted' || end.status === 'cancelled') ? 130 : 1;
  } finally {
    interrupt.dispose();
    unsubscribe();
  }
}
