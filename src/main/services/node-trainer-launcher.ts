// Plain-Node trainer processes: child_process.fork of src/main/trainer-process.ts under tsx, so
// the browser door and the tests run real processes without a build step; the built CLI passes
// its built trainer (.js), which needs no loader. Each trainer gets its own process group: a
// terminal's Ctrl-C reaches only the parent, which stops its trainers with a checkpoint (a
// trainer whose parent is gone stops by itself, on the IPC channel closing).
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { ParentToTrainer } from '../../shared/trainer-protocol';
import { BaseTrainerHandle, type TrainerHandle, type TrainerLaunchRequest, type TrainerLauncher } from './trainer-launcher';

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
      execArgv: this.entry.endsWith('.ts') ? ['--import', this.loader] : [],
      // (Windows has no process groups; there `detached` would open a console window.)
      detached: process.platform !== 'win32',
      // Structured clone keeps NaN/Infinity in metric values (JSON would turn them into null).
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, ...this.opts.env },
    });
    const handle = new NodeTrainerHandle(child);
    handle.send({ type: 'start', ...req });
    return handle;
  }
}

class NodeTrainerHandle extends BaseTrainerHandle {
  constructor(private readonly child: ChildProcess) {
    super();
    child.stdout?.on('data', (c: Buffer) => this.capture(c));
    child.stderr?.on('data', (c: Buffer) => this.capture(c));
    child.on('message', (m: unknown) => this.receive(m));
    let spawnError: Error | null = null;
    const done = (code: number | null, signal: string | null) => {
      const output = [this.tail.lines(), spawnError ? `spawn error: ${spawnError.message}` : ''].filter(Boolean).join('\n');
      this.finish({ code, signal, output });
    };
    child.on('error', (err) => {
      spawnError = err;
      // A process that never started emits no 'exit' (or 'close'); report it ourselves.
      if (child.pid === undefined) done(null, null);
    });
    // 'close' (not 'exit') so the pipes are drained and the output tail is complete.
    child.on('close', (code, signal) => done(code, signal));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  send(m: ParentToTrainer): void {
    if (this.child.connected) this.child.send(m);
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}
