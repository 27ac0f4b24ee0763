// A sweep of the services followed in the foreground until it is complete (`sam-studio sweep`):
// its runs train as the scheduler starts them, a study's next phase starts when the services say
// so (sweep-phases.ts), and each run's start and end is a line on stderr (--json: every event a
// JSON line on stdout). Ctrl-C stops the running runs with a checkpoint, as the app's Stop does,
// and leaves the runs not started queued (as when the app closes); `sweep --resume` goes on.
import type { RunSummary, StudioEvent, SweepDetail } from '../shared/api';
import { PHASE_LABELS } from '../shared/studies/index';
import type { StudioServices } from '../main/services/index';
import { onInterrupt } from './interrupt';
import { runLine, runsTable } from './run-list';

export interface FollowOptions {
  json: boolean;
  /** The run database, named in the summary. */
  where: string;
  /** The command that continues the sweep once stopped. */
  resume: string;
}

const ENDED = new Set(['done', 'failed', 'interrupted', 'cancelled']);
const pct = (v: number | undefined) => (v === undefined ? '—' : `${(v * 100).toFixed(1)}%`);
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The line for a run that has just started or ended. */
function runText(r: RunSummary): string {
  if (r.status === 'running') return `run ${r.id} started: ${r.name}`;
  if (r.status !== 'done') return `run ${r.id} ${r.status}: ${r.failureReason ?? 'no reason recorded'} · ${r.name}`;
  const m = r.finalMetrics;
  const secs = r.startedAt !== null && r.endedAt !== null ? ` (${((r.endedAt - r.startedAt) / 1000).toFixed(1)} s)` : '';
  return `run ${r.id} done: test accuracy ${pct(m?.testAccuracy)}${m?.valAccuracy !== undefined ? `, validation ${pct(m.valAccuracy)}` : ''}${secs} · ${r.name}`;
}

/** A run's JSON line: its status change, keyed by runId like its trainer's events. */
function runJson(r: RunSummary): Record<string, unknown> {
  const { id, ...line } = runLine(r);
  return { event: 'run-status', runId: id, ...line };
}

/**
 * Wait until the sweep is complete (or Ctrl-C), printing its progress; resolves with the exit
 * code: 0 every run done, 1 a run did not finish (each named with its reason) or a phase could
 * not start, 130 stopped by Ctrl-C. `known` are its runs as they stand now (created or resumed).
 */
export async function followSweep(services: StudioServices, sweepId: number, known: RunSummary[], o: FollowOptions): Promise<number> {
  const out = (line: Record<string, unknown>) => console.log(JSON.stringify(line));
  const say = (s: string) => process.stderr.write(`${s}\n`);
  const runs = new Map(known.map((r) => [r.id, r]));
  let phasesShown = services.store.getSweep(sweepId)?.state?.phases.length ?? 1;
  let phaseCheck = false;
  let stopping = false;
  let closing: Promise<void> | null = null;
  let onStopped: () => void = () => undefined;
  const stopped = new Promise<null>((resolve) => (onStopped = () => resolve(null)));

  // A later phase's runs are announced while the run that settled the phase is being announced
  // (the services start the phase from the same event): say the phase once that run's line is
  // out, and before the scheduler (on its next turn) starts the phase's first run.
  const showNewPhases = () => {
    phaseCheck = false;
    if (stopping) return;
    const state = services.store.getSweep(sweepId)?.state;
    for (const phase of state?.phases.slice(phasesShown) ?? []) {
      phasesShown++;
      if (o.json) out({ event: 'sweep-phase', sweepId, phase: phase.name, runIds: phase.runIds, decision: state!.decision });
      else say([`phase “${PHASE_LABELS[phase.name]}”: ${plural(phase.runIds.length, 'run')}`, ...(state!.decision?.sentences ?? [])].join('\n  '));
    }
  };

  const unsubscribe = services.subscribe((e: StudioEvent) => {
    if (e.type === 'run-event' && runs.has(e.runId)) {
      if (o.json) out(e.event as unknown as Record<string, unknown>);
      return;
    }
    if (e.type !== 'run-updated' || e.run.sweepId !== sweepId) return;
    const before = runs.get(e.run.id);
    runs.set(e.run.id, e.run);
    if (!before && !phaseCheck) {
      phaseCheck = true;
      queueMicrotask(showNewPhases);
    }
    if (before?.status === e.run.status || (e.run.status !== 'running' && !ENDED.has(e.run.status))) return;
    if (o.json) out(runJson(e.run));
    else say(runText(e.run));
  });

  const stop = () => {
    if (stopping) return;
    stopping = true;
    if (!o.json) say('\nstopping the running runs after this step with a checkpoint (Ctrl-C again to quit now)…');
    for (const r of runs.values()) if (r.status === 'running') void services.stopRun(r.id).catch(() => undefined);
    // Closing the queue keeps the runs not started queued (as when the app closes), and waits for
    // the stopped trainers to write their checkpoints and exit.
    closing = services.close().then(onStopped);
  };
  const interrupt = onInterrupt(stop);
  // The reader of --json went away (e.g. `| head`): stop as Ctrl-C does instead of dying on EPIPE.
  // The listener stays: the error can come after the sweep has ended.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    stop();
  });

  try {
    const finished = (async (): Promise<SweepDetail | null> => {
      for (;;) {
        if (stopping) return null;
        const d = await services.getSweep(sweepId);
        const open = d.runs.filter((r) => r.status === 'queued' || r.status === 'running');
        if (!open.length) return d;
        await Promise.all(open.map((r) => services.waitForRun(r.id)));
      }
    })();
    const end = await Promise.race([finished, stopped]);
    if (end === null || stopping) {
      await closing;
      return report(sweepId, [...runs.values()], null, o);
    }
    return report(sweepId, end.runs, end, o);
  } finally {
    interrupt.dispose();
    unsubscribe();
  }
}

/** The closing lines and the exit code. `d` is null after Ctrl-C (the services are closed by then). */
function report(sweepId: number, runs: RunSummary[], d: SweepDetail | null, o: FollowOptions): number {
  const notDone = runs.filter((r) => r.status !== 'done');
  const error = d === null ? null : (d.state?.error ?? (d.complete ? null : d.status));
  const outcome = d === null ? 'sweep-stopped' : notDone.length === 0 && error === null ? 'sweep-done' : 'sweep-failed';
  if (o.json) {
    console.log(JSON.stringify({ event: outcome, sweepId, status: d?.status ?? 'stopped', error, runs: runs.map(runLine) }));
  } else {
    console.log(runsTable(runs));
    if (d === null) {
      const stopped = runs.filter((r) => r.status === 'interrupted').length;
      const queued = runs.filter((r) => r.status === 'queued').length;
      console.error(`sweep ${sweepId} stopped: ${plural(stopped, 'run')} with a checkpoint, ${plural(queued, 'run')} not started, in ${o.where}\ncontinue it with: ${o.resume}`);
    } else {
      for (const r of notDone) console.error(`run ${r.id} (“${r.name}”) ${r.status}: ${r.failureReason ?? 'no reason recorded'}`);
      if (error) console.error(`sweep ${sweepId}: ${error}`);
      if (notDone.some((r) => r.status === 'interrupted')) console.error(`continue it with: ${o.resume}`);
      (outcome === 'sweep-done' ? console.log : console.error)(`sweep ${sweepId} ${outcome === 'sweep-done' ? 'done' : 'failed'}: ${runs.length - notDone.length} of ${plural(runs.length, 'run')} done, in ${o.where}`);
    }
  }
  return outcome === 'sweep-done' ? 0 : outcome === 'sweep-stopped' ? 130 : 1;
}
