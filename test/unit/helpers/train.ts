// Running the engine's training loop in-process and keeping every event it emits.
import { parseRunConfig, type RunConfigInput } from '../../../src/shared/config';
import type { TrainerEvent } from '../../../src/shared/events';
import { train } from '../../../src/engine/train';

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
