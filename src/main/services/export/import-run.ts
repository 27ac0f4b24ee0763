// `sam-studio import`: a checked events file (events-file.ts) becomes a run like any other — its
// config, series, checkpoints, logs, final metrics and backend — in ONE transaction, so a
// failure part-way stores nothing. The run's config is the --config file's, else the one its
// `started` event carries; either way it is validated by the one run-config schema.
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { validateRunConfig, type FieldError, type RunConfig } from '../../../shared/config';
import type { RunBackend, TrainerEvent } from '../../../shared/events';
import { autoRunName } from '../../../shared/run-name';
import type { RunStateChange, Store } from '../store/index';
import type { EventsFile } from './events-file';

export class ImportConfigError extends Error {
  constructor(
    readonly source: string,
    readonly errors: FieldError[],
  ) {
    super(`${source} is not a valid run config:\n${errors.map((e) => `  - ${e.message}`).join('\n')}`);
    this.name = 'ImportConfigError';
  }
}

export interface ImportOptions {
  /** A run config to use instead of the started event's (a run.json). */
  config?: { value: unknown; source: string };
  name?: string;
  /** Where this machine keeps the run's checkpoint files (they are looked up there by file name). */
  checkpointDir?: string;
  /** When the run ended (the file's modification time), for the run's start and end times. */
  endedAt: number;
  tags?: string[];
}

export interface ImportedRun {
  runId: number;
  name: string;
  status: 'done' | 'failed' | 'interrupted';
  /** Checkpoints whose file is not on this machine (spectra of them need the file). */
  missingCheckpoints: string[];
}

function configOf(file: EventsFile, opts: ImportOptions): RunConfig {
  const { value, source } = opts.config ?? { value: file.started.config, source: 'the started event’s config' };
  const r = validateRunConfig(value);
  if (!r.ok) throw new ImportConfigError(source, r.errors);
  return r.config;
}

function finalState(t: EventsFile['terminal'], backend: RunBackend, endedAt: number, elapsedMs: number): RunStateChange {
  const times = { startedAt: Math.round(endedAt - elapsedMs), endedAt, etaMs: null, pid: null, ownerPid: null, heartbeatAt: null };
  if (t.event === 'done') {
    return { ...times, status: 'done', finalMetrics: t.metrics, backend, progress: 1, lastStep: t.steps, failureReason: null };
  }
  if (t.event === 'failed') return { ...times, status: 'failed', failureReason: t.reason };
  return { ...times, status: 'interrupted', failureReason: `stopped at step ${t.step}${t.checkpoint ? ` (checkpoint ${t.checkpoint})` : ''}; imported` };
}

export function importRun(store: Store, file: EventsFile, opts: ImportOptions): ImportedRun {
  const config = configOf(file, opts);
  const name = opts.name ?? `${config.name ?? autoRunName(config)} · ${file.started.backend.name}`;
  const missing: string[] = [];
  const events: TrainerEvent[] = file.events.map((e) => {
    if (e.event !== 'checkpoint') return e;
    const path = opts.checkpointDir ? join(opts.checkpointDir, basename(e.path)) : e.path;
    if (!existsSync(path)) missing.push(path);
    return { ...e, path };
  });
  const lastTime = Math.max(0, ...events.map((e) => (e.event === 'metrics' ? e.timeMs : e.event === 'done' ? e.elapsedMs : 0)));
  const runId = store.db.transaction(() => {
    const id = store.createRun({ name, config, status: 'running', tags: opts.tags ?? ['imported'] }).id;
    store.ingest(events.map((event) => ({ runId: id, event: { ...event, runId: id } as TrainerEvent })));
    store.setRunState(id, finalState(file.terminal, file.started.backend.name, opts.endedAt, lastTime));
    return id;
  })();
  return { runId, name, status: file.terminal.event === 'done' ? 'done' : file.terminal.event === 'failed' ? 'failed' : 'interrupted', missingCheckpoints: missing };
}
