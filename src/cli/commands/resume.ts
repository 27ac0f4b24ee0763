// sam-studio resume --db FILE --run ID [--json]: continue an interrupted (or failed/cancelled)
// run from its last checkpoint in the foreground, printing progress; exits when it ends.
// Exit code 0 when the run finishes `done`, 1 otherwise.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { StudioEvent } from '../../shared/api';
import { createStudioServices } from '../../main/services/index';
import { NodeTrainerLauncher } from '../../main/services/node-trainer-launcher';
import { intValue, parseArgs, requireValue } from '../args';

const USAGE = 'usage: sam-studio resume --db FILE --run ID [--json]';

function describe(e: StudioEvent, epochs: number): string | null {
  if (e.type === 'run-updated') return `status: ${e.run.status}${e.run.failureReason ? ` — ${e.run.failureReason}` : ''}`;
  if (e.type !== 'run-event') return null;
  const ev = e.event;
  switch (ev.event) {
    case 'started':
      return `started on ${ev.backend.name}${ev.resumedFromStep !== null ? `, continuing from step ${ev.resumedFromStep}` : ' from scratch (no checkpoint)'}`;
    case 'metrics': {
      if (ev.scope !== 'epoch') return null;
      const v = ev.values;
      const parts = [`epoch ${ev.epoch}/${epochs}`];
      if (v.trainLoss !== undefined) parts.push(`train loss ${v.trainLoss.toFixed(4)}`);
      if (v.testLoss !== undefined) parts.push(`test loss ${v.testLoss.toFixed(4)}`);
      if (v.testAccuracy !== undefined) parts.push(`test acc ${(v.testAccuracy * 100).toFixed(2)}%`);
      return parts.join('  ');
    }
    case 'checkpoint':
      return `checkpoint at step ${ev.step}: ${ev.path}`;
    case 'log':
      return ev.level === 'info' ? null : `${ev.level}: ${ev.message}`;
    case 'done':
      return `done in ${(ev.elapsedMs / 1000).toFixed(1)} s`;
    case 'failed':
      return `failed: ${ev.reason}`;
    case 'stopped':
      return `stopped at step ${ev.step}`;
    default:
      return null;
  }
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['db', 'run']);
  if (args.flags.has('help')) {
    console.log(USAGE);
    return 0;
  }
  const db = resolve(requireValue(args, 'db', 'the run database, e.g. --db runs.db'));
  const runId = intValue(args, 'run', 0);
  if (runId <= 0) throw new Error('--run is required: the id of the run to resume (see `sam-studio runs --db FILE`)');
  if (!existsSync(db)) throw new Error(`--db: ${db} does not exist`);
  const json = args.flags.has('json');

  const services = createStudioServices({ dbPath: db, workDir: dirname(db), launcher: new NodeTrainerLauncher(), adoptQueued: false });
  try {
    const before = await services.getRun(runId);
    if (before.status === 'running') throw new Error(`run ${runId} is still running in another SAM Studio process; stop it there first`);
    services.subscribe((e) => {
      if ((e.type === 'run-event' || e.type === 'run-deleted' ? e.runId : e.type === 'analysis-updated' ? e.job.runId : e.run.id) !== runId) return;
      if (json) {
        if (e.type === 'run-event') console.log(JSON.stringify(e.event));
        return;
      }
      const line = describe(e, before.config.epochs);
      if (line) console.log(line);
    });
    const stop = () => {
      console.error('stopping (checkpointing first)…');
      void services.stopRun(runId).catch(() => undefined);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await services.resumeRun(runId);
    const end = await services.waitForRun(runId);
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    if (!json) console.log(`run ${runId}: ${end.status}${end.failureReason ? ` (${end.failureReason})` : ''}`);
    return end.status === 'done' ? 0 : 1;
  } finally {
    await services.close();
  }
}
