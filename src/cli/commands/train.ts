// sam-studio train --config run.json [--json] [--db FILE] [--work-dir DIR] [--backend NAME]
//                  [--threads N] [--epochs N] [--limit N] [--resume CHECKPOINT]
// Runs one config headless. --json: one JSON object per line on stdout, each with an `event`
// field, the last being done/failed/stopped. Exit codes: 0 done, 1 failed, 2 bad usage/config,
// 130 stopped (Ctrl-C).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, parseRunConfig, type FieldError, type RunConfig } from '../../shared/config';
import type { TrainerEvent } from '../../shared/events';
import { parseArgs, type ParsedArgs } from '../args';
import { createProgressPrinter, summarize } from '../train-progress';
import { openRunRecorder, type RunRecorder } from '../run-recorder';

const USAGE =
  'usage: sam-studio train --config run.json [--json] [--db FILE] [--work-dir DIR] [--backend NAME] [--threads N] [--epochs N] [--limit N] [--resume CHECKPOINT]\n' +
  '       (sam-studio config --example fashion-mnist-sam > run.json writes a ready config)';

class UsageError extends Error {
  constructor(
    message: string,
    readonly errors: FieldError[] = [],
  ) {
    super(message);
  }
}

export async function run(argv: string[]): Promise<number> {
  let args: ParsedArgs;
  try {
    args = parseArgs(argv, ['config', 'db', 'work-dir', 'backend', 'threads', 'epochs', 'limit', 'resume']);
  } catch (e) {
    console.error(`sam-studio train: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const json = args.flags.has('json');
  let config: RunConfig;
  try {
    config = await loadConfig(args);
  } catch (e) {
    return reportUsageError(e, json);
  }

  let stdoutGone = false;
  const out = (e: TrainerEvent) => {
    if (!stdoutGone) process.stdout.write(`${JSON.stringify(e)}\n`);
  };
  const human = json ? null : createProgressPrinter({ write: (s) => process.stderr.write(s), isTTY: Boolean(process.stderr.isTTY) }, config.epochs);

  let recorder: RunRecorder | null = null;
  const dbPath = args.values.get('db');
  if (dbPath) {
    try {
      recorder = await openRunRecorder(resolve(dbPath), config);
    } catch (e) {
      return reportUsageError(new UsageError(`--db ${dbPath}: ${(e as Error).message}`), json);
    }
  }
  const runId = recorder?.runId ?? null;
  const workDir = resolve(args.values.get('work-dir') ?? recorder?.workDir ?? join('sam-studio-runs', `run-${timestamp()}`));

  // Ctrl-C once: stop at the next step boundary with a checkpoint. Twice: leave now.
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    if (!json) process.stderr.write('\nstopping after this step (Ctrl-C again to quit now)…\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  // The reader of --json went away (e.g. `| head`): stop cleanly (checkpoint, exit 130) instead
  // of dying on EPIPE. The listener stays: the error event can arrive after the run has ended.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    stdoutGone = true;
    controller.abort();
  });

  try {
    // Import after validation: loading tfjs and its backends takes a moment, bad configs should not wait.
    const { train } = await import('../../engine/train');
    const result = await train(config, {
      runId,
      workDir,
      resumeFrom: args.values.get('resume') ?? null,
      signal: controller.signal,
      emit: (e) => {
        recorder?.record(e);
        if (json) out(e);
        else human?.(e);
      },
    });
    recorder?.finish(result);
    if (!json) {
      const s = summarize(result);
      (result.event === 'done' ? console.log : console.error)(s);
    }
    return result.event === 'done' ? 0 : result.event === 'stopped' ? 130 : 1;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    recorder?.close();
  }
}

/** Read the JSON file, apply command-line overrides, validate, check the paths it names. */
async function loadConfig(args: ParsedArgs): Promise<RunConfig> {
  const file = args.values.get('config');
  if (!file) throw new UsageError(`--config is required (a run config JSON file)\n${USAGE}`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--config ${file} cannot be read: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--config ${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UsageError(`--config ${file} must hold a JSON object (a run config)`);
  const input = raw as Record<string, unknown>;
  const backend = args.values.get('backend');
  if (backend !== undefined) input.backend = backend;
  const threads = numberOption(args, 'threads');
  if (threads !== undefined) input.threads = threads;
  const epochs = numberOption(args, 'epochs');
  if (epochs !== undefined) input.epochs = epochs;
  const limit = numberOption(args, 'limit');
  if (limit !== undefined) input.data = { ...(typeof input.data === 'object' && input.data ? input.data : {}), limit };
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

function numberOption(args: ParsedArgs, key: string): number | undefined {
  const v = args.values.get(key);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${key} must be a whole number ≥ 1, got "${v}"`);
  return n;
}

function reportUsageError(e: unknown, json: boolean): number {
  const message = e instanceof Error ? e.message : String(e);
  if (json) {
    const errors = e instanceof UsageError ? e.errors : [];
    process.stdout.write(`${JSON.stringify({ event: 'failed', runId: null, reason: message, step: null, errors })}\n`);
  }
  console.error(`sam-studio train: ${message}`);
  return e instanceof UsageError ? 2 : 1;
}

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}
