// sam-studio train --config run.json: one run, trained in this process, recorded in the run
// database (--db, else the one the app shares). --json: one JSON object per line on stdout, each
// with an `event` field, the last being done/failed/stopped.
import { resolve } from 'node:path';
import { ConfigError, parseRunConfig, type RunConfig } from '../../shared/config';
import type { TrainerEvent } from '../../shared/events';
import { UsageError, type CommandSpec, type ParsedOptions, DB_OPTION } from '../args';
import { dbPath, resumeCommand } from '../paths';
import { createProgressPrinter, summarize } from '../train-progress';
import { openRunRecorder } from '../run-recorder';
import { onInterrupt } from '../interrupt';
import { readJsonObjectOption } from '../input-files';

export const spec: CommandSpec = {
  name: 'train',
  summary: 'train one run config headless, recorded in the run database',
  description: [
    'Trains the config in this process and records the run in the run database, like the app does.',
    'Progress goes to stderr and a summary to stdout; with --json, stdout has one JSON event per line,',
    'the last being {"event":"done",…}, {"event":"failed",…} or {"event":"stopped",…}.',
    'Ctrl-C (or SIGTERM) stops at the next step with a checkpoint; a second Ctrl-C quits at once.',
    '`sam-studio config --example fashion-mnist-sam > run.json` writes a ready config.',
  ].join('\n'),
  options: {
    config: { type: 'string', value: 'FILE', help: 'the run config (JSON)', required: true },
    json: { type: 'boolean', help: 'JSON events on stdout, one per line' },
    db: DB_OPTION,
    'work-dir': { type: 'string', value: 'DIR', help: 'checkpoints folder (default: runs/<id> beside the database)' },
    backend: { type: 'string', value: 'NAME', help: 'pin a backend: tensorflow-gpu, tensorflow, webgpu, wasm or cpu' },
    threads: { type: 'string', value: 'N', help: 'CPU threads for the wasm backend (default: the config’s, else every core)' },
    epochs: { type: 'string', value: 'N', help: 'override the config’s epochs' },
    limit: { type: 'string', value: 'N', help: 'override data.limit (train on the first N examples)' },
    resume: { type: 'string', value: 'CHECKPOINT', help: 'continue from this checkpoint file' },
  },
  exitCodes: '0 done, 1 the run failed, 2 bad input (every bad field named), 130 stopped with Ctrl-C (a checkpoint is written)',
};

export async function run(opts: ParsedOptions): Promise<number> {
  const json = opts.flag('json');
  let config: RunConfig;
  try {
    config = await loadConfig(opts);
  } catch (e) {
    return reportUsageError(e, json);
  }

  const db = dbPath(opts.string('db'));
  let recorder;
  try {
    recorder = await openRunRecorder(db.path, config);
  } catch (e) {
    return reportUsageError(new UsageError(`${db.isDefault ? 'the run database' : '--db'} ${db.path}: ${(e as Error).message}${db.isDefault ? ' (pass --db FILE to use another)' : ''}`), json);
  }
  const workDir = resolve(opts.string('work-dir') ?? recorder.workDir);

  let stdoutGone = false;
  const human = json ? null : createProgressPrinter({ write: (s) => process.stderr.write(s), isTTY: Boolean(process.stderr.isTTY) }, config.epochs);
  const controller = new AbortController();
  const interrupt = onInterrupt(() => {
    if (!json) process.stderr.write('\nstopping after this step with a checkpoint (Ctrl-C again to quit now)…\n');
    controller.abort();
  });
  // The reader of --json went away (e.g. `| head`): stop cleanly (checkpoint, exit 130) instead
  // of dying on EPIPE. The listener stays: the error event can arrive after the run has ended.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    stdoutGone = true;
    controller.abort();
  });

  try {
    // Imported after validation: loading tfjs and its backends takes a moment, bad configs should not wait.
    const { train } = await import('../../engine/train');
    const result = await train(config, {
      runId: recorder.runId,
      workDir,
      resumeFrom: opts.string('resume') ?? null,
      signal: controller.signal,
      emit: (e: TrainerEvent) => {
        recorder.record(e);
        if (!json) human?.(e);
        else if (!stdoutGone) process.stdout.write(`${JSON.stringify(e)}\n`);
      },
    });
    recorder.finish(result);
    if (!json) (result.event === 'done' ? console.log : console.error)(`${summarize(result, resumeCommand(recorder.runId, db))}\nrun ${recorder.runId} in ${db.path}`);
    return result.event === 'done' ? 0 : result.event === 'stopped' ? 130 : 1;
  } finally {
    interrupt.dispose();
    recorder.close();
  }
}

/** Read the JSON file, apply command-line overrides, validate, check the paths it names. */
async function loadConfig(opts: ParsedOptions): Promise<RunConfig> {
  const file = opts.required('config');
  const input = readJsonObjectOption('config', file, 'a run config');
  const backend = opts.string('backend');
  if (backend !== undefined) input.backend = backend;
  if (opts.has('threads')) input.threads = opts.int('threads', 1, 1);
  if (opts.has('epochs')) input.epochs = opts.int('epochs', 1, 1);
  if (opts.has('limit')) input.data = { ...(typeof input.data === 'object' && input.data ? input.data : {}), limit: opts.int('limit', 1, 1) };
  let config: RunConfig;
  try {
    config = parseRunConfig(input);
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(`${file}: ${e.message}`, e.errors);
    throw e;
  }
  const { checkConfigPaths } = await import('../../engine/check-paths');
  const pathErrors = checkConfigPaths(config);
  if (pathErrors.length > 0) throw new UsageError(`${file}: ${new ConfigError(pathErrors).message}`, pathErrors);
  return config;
}

/** Bad input before training: with --json also a `failed` event carrying the field errors. */
function reportUsageError(e: unknown, json: boolean): number {
  const message = e instanceof Error ? e.message : String(e);
  if (json) {
    const errors = e instanceof UsageError ? e.errors : [];
    process.stdout.write(`${JSON.stringify({ event: 'failed', runId: null, reason: message, step: null, errors })}\n`);
  }
  console.error(`sam-studio train: ${message}`);
  return e instanceof UsageError ? 2 : 1;
}
