// One trainer process per run, behind one interface: child_process.fork in plain Node
// (node-trainer-launcher.ts) and utilityProcess.fork in Electron (the lead's launcher). The
// services only ever see this.
import type { RunConfig } from '../../shared/config';
import { isTrainerToParent, type AnalysisJobSpec, type ParentToTrainer, type TrainerToParent } from '../../shared/trainer-protocol';

export interface TrainerLaunchRequest {
  runId: number;
  config: RunConfig;
  /** The run's own folder (checkpoints). */
  workDir: string;
  resumeFrom: string | null;
  /** Present: analyse a checkpoint of the run instead of training it. */
  analysis?: AnalysisJobSpec;
  /** wasm threads for a run whose config leaves them open (TrainerStartMessage.threadShare). */
  threadShare?: number;
}

export interface TrainerExit {
  /** Exit code, or null when a signal ended the process. */
  code: number | null;
  /** The signal that ended it (child_process only; Electron reports just a code). */
  signal: string | null;
  /** The last lines the process wrote to stderr/stdout: the cause when it crashed. */
  output: string;
}

export interface TrainerHandle {
  /** Known once the process has started (also sent in the `ready` message). */
  readonly pid: number | undefined;
  onMessage(listener: (m: TrainerToParent) => void): void;
  onExit(listener: (e: TrainerExit) => void): void;
  /** Resolves when the process is gone. */
  readonly exited: Promise<TrainerExit>;
  /** Graceful: the engine's AbortSignal fires, it checkpoints, emits `stopped` and exits. */
  stop(): void;
  /** Immediate. */
  kill(signal?: NodeJS.Signals): void;
}

export interface TrainerLauncher {
  launch(req: TrainerLaunchRequest): TrainerHandle;
}

/** Keeps the last `max` characters a process printed, for failure reasons. */
export class OutputTail {
  private text = '';
  constructor(private readonly max = 4_000) {}
  push(chunk: string | Buffer): void {
    this.text = (this.text + chunk.toString()).slice(-this.max);
  }
  /** The last `lines` non-empty lines. */
  lines(lines = 8): string {
    return this.text
      .split('\n')
      .map((l) => l.trimEnd())
      .filter(Boolean)
      .slice(-lines)
      .join('\n');
  }
}

/**
 * What every launcher's handle shares: listener lists, the output tail, and the `exited`
 * promise. Subclasses wire their process's events to `receive`, `capture` and `finish`.
 */
export abstract class BaseTrainerHandle implements TrainerHandle {
  readonly exited: Promise<TrainerExit>;
  protected readonly tail = new OutputTail();
  private readonly messageListeners: ((m: TrainerToParent) => void)[] = [];
  private readonly exitListeners: ((e: TrainerExit) => void)[] = [];
  private resolveExit!: (e: TrainerExit) => void;

  constructor() {
    this.exited = new Promise((resolve) => (this.resolveExit = resolve));
  }

  abstract get pid(): number | undefined;
  abstract send(m: ParentToTrainer): void;
  abstract kill(signal?: NodeJS.Signals): void;

  onMessage(listener: (m: TrainerToParent) => void): void {
    this.messageListeners.push(listener);
  }

  onExit(listener: (e: TrainerExit) => void): void {
    this.exitListeners.push(listener);
  }

  stop(): void {
    this.send({ type: 'stop' });
  }

  protected capture(chunk: string | Buffer): void {
    this.tail.push(chunk);
  }

  protected receive(m: unknown): void {
    if (!isTrainerToParent(m)) return;
    for (const l of this.messageListeners) l(m);
  }

  protected finish(e: TrainerExit): void {
    for (const l of this.exitListeners) l(e);
    this.resolveExit(e);
  }
}
