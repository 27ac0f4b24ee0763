// Messages between the services (parent) and one trainer process (child_process.fork in plain
// Node, utilityProcess.fork in Electron). Both channels use structured clone, so NaN in metric
// values crosses intact. One process trains exactly one run.
import type { HessianConfig, RunConfig } from './config';
import type { TrainerEvent } from './events';

/** Parent → trainer: what to train. Sent once, right after the process starts. */
export interface TrainerStartMessage {
  type: 'start';
  runId: number;
  config: RunConfig;
  /** The run's own folder (checkpoints go here). */
  workDir: string;
  /** Checkpoint to continue from, or null for a fresh start. */
  resumeFrom: string | null;
  /** Present: do not train; analyse this checkpoint (null = the seeded initial weights). */
  analysis?: AnalysisJobSpec;
  /**
   * The wasm threads this trainer may use when neither the run config nor $SAM_WASM_THREADS says:
   * the cores divided among the runs allowed at once, so two trainers do not each spin a pool the
   * size of the machine and fight over its cores. An analysis process gets the same share.
   */
  threadShare?: number;
}

/** An analysis of a stored run: its events are `progress`, `spectrum`, `landscape` and `log`. */
export interface AnalysisJobSpec {
  checkpoint: string | null;
  hessian: HessianConfig;
}

/** Parent → trainer: finish the current step, checkpoint, emit `stopped`, exit. */
export interface TrainerStopMessage {
  type: 'stop';
}

export type ParentToTrainer = TrainerStartMessage | TrainerStopMessage;

export type TrainerToParent =
  /** The process is up and listening (its pid, for the run's liveness record). */
  | { type: 'ready'; pid: number }
  /** Every engine event, in order; exactly one terminal event (done/stopped/failed) per run. */
  | { type: 'event'; event: TrainerEvent }
  /** Sent every TRAINER_HEARTBEAT_MS while the process's event loop turns. */
  | { type: 'heartbeat'; at: number; rssBytes: number }
  /** The process itself failed outside train() (e.g. the engine could not be loaded). */
  | { type: 'fatal'; message: string };

export const TRAINER_HEARTBEAT_MS = 2_000;

/**
 * The trainer's own exit codes. All ≥ 64, so none is read as a signal number: Electron reports a
 * utility process killed by signal N as exit code N (electron-trainer-launcher.ts).
 */
export const TRAINER_EXIT = {
  ok: 0,
  /** The process failed outside train() (it sent a `fatal` message first). EX_SOFTWARE. */
  fatal: 70,
  /** The parent went away; nobody records the run any more. EX_TEMPFAIL. */
  parentGone: 75,
} as const;

export function isParentToTrainer(m: unknown): m is ParentToTrainer {
  const t = (m as { type?: unknown } | null)?.type;
  return t === 'start' || t === 'stop';
}

export function isTrainerToParent(m: unknown): m is TrainerToParent {
  const t = (m as { type?: unknown } | null)?.type;
  return t === 'ready' || t === 'event' || t === 'heartbeat' || t === 'fatal';
}
