// Running the engine's training loop in-process and keeping every event it emits.
import { parseRunConfig, type RunConfigInput } from '../../../src/shared/config';
import type { TrainerEvent } from '../../../src/shared/events';
import { train } from '../../../src/engine/train';
import { openRunRecorder } from '../../../src/cli/run-recorder';

export interface CollectOptions {
  runId: number | null;
  workDir: string;
  resumeFrom?: string;
  signal?: AbortSignal;
  onEvent?: (e: TrainerEvent) => void;
}

/** Trains `input` (cloned, so callers may reuse it) and returns the events in order and the final result. */
export async function trainCollect(input: RunConfigInput, opts: CollectOptions) {
  const events: TrainerEvent[] = [];
  const result = await train(parseRunConfig(structuredClone(input)), {
    runId: opts.runId,
    workDir: opts.workDir,
    resumeFrom: opts.resumeFrom ?? null,
    signal: opts.signal,
    emit: (e) => {
      events.push(e);
      opts.onEvent?.(e);
    },
  });
  return { events, result };
}

/** Trains `input` and records it in the database at `db` exactly as `sam-studio train --db` does; returns the run id. */
export async function trainInto(db: string, input: RunConfigInput): Promise<number> {
  const config = parseRunConfig(input);
  const rec = await openRunRecorder(db, config);
  try {
    const end = await train(config, { runId: rec.runId, workDir: rec.workDir, emit: (e) => rec.record(e) });
    rec.finish(end);
    if (end.event !== 'done') throw new Error(`training ${input.name} ended ${end.event}: ${JSON.stringify(end)}`);
    return rec.runId;
  } finally {
    rec.close();
  }
}
