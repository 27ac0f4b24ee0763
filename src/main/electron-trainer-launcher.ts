// Trainer processes in the desktop app: Electron's utilityProcess.fork of the bundled
// trainer-process entry, behind the same TrainerLauncher interface as the plain-Node one.
import { join } from 'node:path';
import { utilityProcess, type UtilityProcess } from 'electron';
import type { ParentToTrainer } from '../shared/trainer-protocol';
import { BaseTrainerHandle, type TrainerHandle, type TrainerLaunchRequest, type TrainerLauncher } from './services/trainer-launcher';

export class ElectronTrainerLauncher implements TrainerLauncher {
  constructor(private readonly entry = join(__dirname, 'trainer-process.js')) {}

  launch(req: TrainerLaunchRequest): TrainerHandle {
    const child = utilityProcess.fork(this.entry, [], { serviceName: `SAM Studio trainer · run ${req.runId}`, stdio: 'pipe' });
    const handle = new ElectronTrainerHandle(child);
    handle.send({ type: 'start', ...req });
    return handle;
  }
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
      // Electron reports no signal; a utility process killed by the OS exits with a non-zero code.
      this.finish({ code, signal: null, output: this.tail.lines() });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  send(m: ParentToTrainer): void {
    if (this.alive) this.child.postMessage(m);
  }

  kill(): void {
    if (this.alive) this.child.kill();
  }
}
