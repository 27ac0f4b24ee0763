// Plain-Node trainer processes: child_process.fork of src/main/trainer-process.ts under tsx, so
// the CLI, the browser door and the tests run real processes without a build step.
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { isTrainerToParent, type ParentToTrainer, type TrainerToParent } from '../../shared/trainer-protocol';
import { OutputTail, type TrainerExit, type TrainerHandle, type TrainerLaunchRequest, type TrainerLauncher } from './trainer-launcher';

export interface NodeTrainerLauncherOptions {
  /** Trainer entry; default src/main/trainer-process.ts beside this file. */
  entry?: string;
  /** Extra environment for the trainer. */
  env?: NodeJS.ProcessEnv;
}

export function defaultTrainerEntry(): string {
  return fileURLToPath(new URL('../trainer-process.ts', import.meta.url));
}

function tsxLoader(): string {
  return createRequire(import.meta.url).resolve('tsx');
}

export class NodeTrainerLauncher implements TrainerLauncher {
  private readonly entry: string;
  private readonly loader: string;

  constructor(private readonly opts: NodeTrainerLauncherOptions = {}) {
    this.entry = opts.entry ?? defaultTrainerEntry();
    this.loader = tsxLoader();
  }

  launch(req: TrainerLaunchRequest): TrainerHandle {
    const child = fork(this.entry, [], {
      execArgv: ['--import', this.loader],
      // Structured clone keeps NaN/Infinity in metric values (JSON would turn them into null).
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, ...this.opts.env },
    });
    const handle = new NodeTrainerHandle(child);
    handle.send({ type: 'start', runId: req.runId, config: req.config, workDir: req.workDir, resumeFrom: req.resumeFrom });
    return handle;
  }
}

class NodeTrainerHandle implements TrainerHandle {
  readonly exited: Promise<TrainerExit>;
  private readonly messageListeners: ((m: TrainerToParent) => void)[] = [];
  private readonly exitListeners: ((e: TrainerExit) => void)[] = [];
  private readonly tail = new OutputTail();

  constructor(private readonly child: ChildProcess) {
    child.stdout?.on('data', (c: Buffer) => this.tail.push(c));
    child.stderr?.on('data', (c: Buffer) => this.tail.push(c));
    child.on('message', (m: unknown) => {
      if (!isTrainerToParent(m)) return;
      for (const l of this.messageListeners) l(m);
    });
    this.exited = new Promise((resolve) => {
      let spawnError: Error | null = null;
      child.on('error', (err) => {
        spawnError = err;
        // A process that never started emits no 'exit' (or 'close'); report it ourselves.
        if (child.pid === undefined) finish(null, null);
      });
      const finish = (code: number | null, signal: string | null) => {
        const output = [this.tail.lines(), spawnError ? `spawn error: ${spawnError.message}` : ''].filter(Boolean).join('\n');
        const e: TrainerExit = { code, signal, output };
        for (const l of this.exitListeners) l(e);
        resolve(e);
      };
      // 'close' (not 'exit') so the pipes are drained and the output tail is complete.
      child.on('close', (code, signal) => finish(code, signal));
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  send(m: ParentToTrainer): void {
    if (this.child.connected) this.child.send(m);
  }

  onMessage(listener: (m: TrainerToParent) => void): void {
    this.messageListeners.push(listener);
  }

  onExit(listener: (e: TrainerExit) => void): void {
    this.exitListeners.push(listener);
  }

  stop(): void {
    this.send({ type: 'stop' });
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}
