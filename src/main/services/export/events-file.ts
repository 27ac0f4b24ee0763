// A run made elsewhere, as the JSON lines its trainer printed (`sam-studio train --json`, or an
// exported PyTorch project's train.py, e.g. a Slurm job's output file), read and checked line by
// line before anything is stored: every line one event of the app's event types (extra fields,
// such as the script's worldSize and device, are kept out of the way, never an error), a
// `started` event before the first measurement, and exactly one ending — done or failed last, or
// stopped, possibly followed by a resumed run's `started`. A file that breaks any of this is
// refused with the line number and what is wrong there.
import { z } from 'zod';
import type { TrainerEvent } from '../../../shared/events';

export class EventsFileError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'EventsFileError';
  }
}

const int = z.number().int();
/** JSON has no NaN: the app and the script write a NaN measurement as null. */
const measurement = z.number().nullable();

const schemas = {
  started: z.object({
    backend: z.object({ name: z.string().min(1), skipped: z.array(z.object({ name: z.string(), reason: z.string() })), details: z.record(z.string(), z.unknown()) }),
    paramCount: int.nonnegative(),
    trainExamples: int.nonnegative(),
    testExamples: int.nonnegative(),
    stepsPerEpoch: int.positive(),
    resumedFromStep: int.nonnegative().nullable(),
    config: z.unknown(),
  }),
  metrics: z.object({ scope: z.enum(['step', 'epoch']), step: int.nonnegative(), epoch: z.number(), timeMs: z.number(), values: z.record(z.string(), measurement) }),
  spectrum: z.object({
    epoch: z.number(),
    step: int.nonnegative(),
    topEigenvalues: z.array(z.number()),
    lambdaMaxOverLambda5: z.number().nullable(),
    trace: z.number().nullable(),
    traceStdErr: z.number().nullable(),
    density: z.object({ grid: z.array(z.number()), values: z.array(z.number()) }).nullable(),
    hvp: z.enum(['exact', 'finite-difference']),
    hessianBatchSize: int.positive(),
    iterations: int.nonnegative(),
    elapsedMs: z.number(),
  }),
  landscape: z.object({ epoch: z.number(), step: int.nonnegative(), kind: z.enum(['1d-random', '2d-random', '1d-eps']), alphas: z.array(z.number()), betas: z.array(z.number()).nullable(), losses: z.array(z.number()) }),
  checkpoint: z.object({ epoch: z.number(), step: int.nonnegative(), path: z.string().min(1) }),
  progress: z.object({ phase: z.string(), done: z.number(), total: z.number() }),
  log: z.object({ level: z.enum(['info', 'warn', 'error']), message: z.string() }),
  done: z.object({ backend: z.string().min(1), metrics: z.record(z.string(), measurement), epochs: int.nonnegative(), steps: int.nonnegative(), elapsedMs: z.number() }),
  stopped: z.object({ step: int.nonnegative(), checkpoint: z.string().nullable() }),
  failed: z.object({ reason: z.string(), step: int.nonnegative().nullable() }),
} satisfies Record<TrainerEvent['event'], z.ZodType>;

type EventName = keyof typeof schemas;
const NAMES = Object.keys(schemas) as EventName[];
const MEASURED: ReadonlySet<EventName> = new Set(['metrics', 'spectrum', 'landscape', 'checkpoint', 'done']);

export interface EventsFile {
  events: TrainerEvent[];
  /** The last `started` event (its backend and config). */
  started: Extract<TrainerEvent, { event: 'started' }>;
  /** The ending: done, failed or stopped. */
  terminal: Extract<TrainerEvent, { event: 'done' | 'failed' | 'stopped' }>;
  lines: number;
}

/** Null measurements back to NaN, as the trainer emitted them. */
function restoreNaN(values: Record<string, number | null>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v === null ? Number.NaN : v]));
}

function parseLine(text: string, line: number, last: boolean): TrainerEvent {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const why = last ? 'the file ends in the middle of an event (truncated?)' : 'not valid JSON';
    throw new EventsFileError(line, `${why}: ${(e as Error).message} in ${JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text)}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new EventsFileError(line, 'expected one JSON object per line (an event)');
  const name = (raw as { event?: unknown }).event;
  if (typeof name !== 'string' || !NAMES.includes(name as EventName)) {
    throw new EventsFileError(line, `${name === undefined ? 'no "event" field' : `unknown event ${JSON.stringify(name)}`}; expected one of ${NAMES.join(', ')}`);
  }
  const r = schemas[name as EventName].safeParse(raw);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || 'event'}: ${i.message}`).join('; ');
    throw new EventsFileError(line, `bad ${name} event (${issues})`);
  }
  const e = { ...r.data, event: name, runId: null } as Record<string, unknown>;
  if (name === 'metrics') e.values = restoreNaN(e.values as Record<string, number | null>);
  if (name === 'done') e.metrics = restoreNaN(e.metrics as Record<string, number | null>);
  return e as unknown as TrainerEvent;
}

/** Parse and check a whole events file; throws EventsFileError naming the first bad line. */
export function parseEventsFile(text: string): EventsFile {
  const rows = text.split('\n');
  const endsWithNewline = rows.at(-1) === '';
  if (endsWithNewline) rows.pop();
  const events: TrainerEvent[] = [];
  let started: EventsFile['started'] | null = null;
  let terminal: EventsFile['terminal'] | null = null;
  let terminalLine = 0;
  for (const [i, row] of rows.entries()) {
    const line = i + 1;
    if (row.trim() === '') continue;
    const e = parseLine(row.trim(), line, i === rows.length - 1 && !endsWithNewline);
    if (terminal) {
      const resumes = terminal.event === 'stopped' && e.event === 'started' && e.resumedFromStep !== null;
      if (!resumes && e.event !== 'log') {
        throw new EventsFileError(line, `a ${e.event} event after the run ended with ${terminal.event} on line ${terminalLine} (two runs in one file? import each on its own)`);
      }
      if (resumes) terminal = null;
    }
    if (e.event === 'started') started = e;
    else if (MEASURED.has(e.event) && !started) throw new EventsFileError(line, `a ${e.event} event before the run's started event`);
    if (e.event === 'done' || e.event === 'failed' || e.event === 'stopped') {
      terminal = e;
      terminalLine = line;
    }
    events.push(e);
  }
  if (!started) throw new EventsFileError(rows.length, 'no started event: this is not the output of `sam-studio train --json` or of an exported train.py');
  if (!terminal) {
    throw new EventsFileError(rows.length, 'the file ends without a done, failed or stopped event (truncated, or the job is still running); import it once the run has ended');
  }
  return { events, started, terminal, lines: rows.length };
}
