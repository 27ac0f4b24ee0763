// One trainer process per run, behind one interface: child_process.fork in plain Node
// (node-trainer-launcher.ts) and utilityProcess.fork in Electron (the lead's launcher). The
// services only ever see this.
import type { RunConfig } from '../../shared/config';
import type { TrainerToParent } from '../../shared/trainer-protocol';

export interface TrainerLaunchRequest {
  runId: number;
  config: RunConfig;
  /** The run's own folder (checkpoints). */
  workDir: string;
  resumeFrom: string | null;
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
