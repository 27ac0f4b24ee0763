// Trainer processes in the desktop app: Electron's utilityProcess.fork of the bundled
// trainer-process entry, behind the same TrainerLauncher interface as the plain-Node one.
import { constants } from 'node:os';
import { join } from 'node:path';
import { utilityProcess, type UtilityProcess } from 'electron';
import type { ParentToTrainer } from '../shared/trainer-protocol';
import { BaseTrainerHandle, type TrainerExit, type TrainerHandle, type TrainerLaunchRequest, type TrainerLauncher } from './services/trainer-launcher';

export class ElectronTrainerLauncher implements TrainerLauncher {
  constructor(private readonly entry = join(__dirname, 'trainer-process.js')) {}

  launch(req: TrainerLaunchRequest): TrainerHandle {
    const child = utilityProcess.fork(this.entry, [], { serviceName: `SAM Studio trainer · run ${req.runId}`, stdio: 'pipe' });
    const handle = new ElectronTrainerHandle(child);
    handle.send({ type: 'start', ...req });
    return handle;
  }
}

/**
 * Electron's `exit` event carries only a code. On POSIX, a utility process ended by a signal
 * reports the signal's number (its waitpid status; Electron's own kill() is reported as 0). Give
 * the signal back, so a killed trainer reads as it does under child_process: `interrupted`, not a
 * crash. The trainer's own exit codes (trainer-protocol.ts TRAINER_EXIT) never collide with one.
 */
export function utilityExit(code: number, platform: NodeJS.Platform = process.platform): Pick<TrainerExit, 'code' | 'signal'> {
  if (platform !== 'win32' && code > 0 && code < 64) {
    const name = Object.entries(constants.signals).find(([, n]) => n === code)?.[0];
    if (name) return { code: null, signal: name };
  }
  return { code, signal: null };
}

class ElectronTrainerHandle extends BaseTrainerHandle {
  private alive = true;

  constructor(private readonly child: UtilityProcess) {
    super();
    child.stdout?.on('data', (c: Buffer) => this.capture(c));
    child.stderr?.on('data', (c: Buffer) => this.capture(c));
    child.on('message', (m: unknown) => this.receive(m));
    child.on('exit', (code) => {
      this.alive = false;
      // Out of Electron's exit emission first: listeners launch the next trainer and post
      // messages, which must not re-enter the native termination path.
      setImmediate(() => this.finish({ ...utilityExit(code), output: this.tail.lines() }));
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  send(m: ParentToTrainer): void {
    if (this.alive) this.child.postMessage(m);
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (!this.alive) return;
    // utilityProcess.kill() sends SIGTERM, which a suspended (SIGSTOP) trainer never acts on.
    const pid = this.child.pid;
    if (pid !== undefined && process.platform !== 'win32') {
      try {
        process.kill(pid, signal);
        return;
      } catch {
        // Already gone: fall through to Electron's own kill, which is a no-op then.
      }
    }
    this.child.kill();
  }
}
