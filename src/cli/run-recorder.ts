// `sam-studio train --db FILE`: record a CLI run in the run database like the app would —
// create the run, stream its events in batched transactions, mark it done/failed/interrupted.
import { dirname, join } from 'node:path';
import type { RunConfig } from '../shared/config';
import type { TrainerEvent } from '../shared/events';

export interface RunRecorder {
  runId: number;
  /** Where this run's checkpoints go by default: beside the database, one folder per run. */
  workDir: string;
  record(e: TrainerEvent): void;
  finish(terminal: TrainerEvent): void;
  close(): void;
}

/** Events are written in batches (one transaction each): cheap, and a crash loses at most one batch. */
const FLUSH_EVERY_MS = 500;
const FLUSH_EVERY_EVENTS = 200;

export async function openRunRecorder(dbPath: string, config: RunConfig): Promise<RunRecorder> {
  const { openStore } = await import('../main/services/store/index');
  const store = openStore(dbPath);
  let closed = false;
  try {
    const record = store.createRun({ name: config.name ?? 'CLI run', config, status: 'running' });
    const runId = record.id;
    // Liveness by pid (no heartbeat): a long synchronous training stretch must not look stale;
    // if this process dies, readers see the run as interrupted.
    store.setRunState(runId, { startedAt: Date.now(), pid: process.pid, ownerPid: process.pid, heartbeatAt: null });
    let batch: { runId: number; event: TrainerEvent }[] = [];
    let lastFlush = Date.now();
    const flush = () => {
      if (batch.length === 0 || closed) return;
      store.ingest(batch);
      batch = [];
      lastFlush = Date.now();
    };
    return {
      runId,
      workDir: join(dirname(dbPath), 'runs', String(runId)),
      record(e) {
        batch.push({ runId, event: e });
        if (e.event === 'started' || batch.length >= FLUSH_EVERY_EVENTS || Date.now() - lastFlush >= FLUSH_EVERY_MS) flush();
      },
      finish(t) {
        flush();
        if (t.event === 'done') {
          store.setRunState(runId, { status: 'done', finalMetrics: t.metrics, endedAt: Date.now(), progress: 1, etaMs: null, lastStep: t.steps, pid: null, ownerPid: null });
        } else if (t.event === 'failed') {
          store.setRunState(runId, { status: 'failed', failureReason: t.reason, endedAt: Date.now(), etaMs: null, pid: null, ownerPid: null });
        } else if (t.event === 'stopped') {
          store.setRunState(runId, { status: 'interrupted', failureReason: `stopped at step ${t.step}; resume from ${t.checkpoint ?? 'the start'}`, endedAt: Date.now(), etaMs: null, pid: null, ownerPid: null });
        }
      },
      close() {
        if (closed) return;
        flush();
        closed = true;
        store.close();
      },
    };
  } catch (e) {
    store.close();
    throw e;
  }
}
