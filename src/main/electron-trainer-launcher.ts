// Trainer processes in the desktop app: Electron's utilityProcess.fork of the bundled
// trainer-process entry, behind the same TrainerLauncher interface as the plain-Node one.
import { join } from 'node:path';
import { utilityProcess, type UtilityProcess } from 'electron';
import { isTrainerToParent, type ParentToTrainer, type TrainerToParent } from '../shared/trainer-protocol';
import { OutputTail, type TrainerExit, type TrainerHandle, type TrainerLaunchRequest, type TrainerLauncher } from './services/trainer-launcher';

export class ElectronTrainerLauncher implements TrainerLauncher {
  constructor(private readonly entry = join(__dirname, 'trainer-process.js')) {}

  launch(req: TrainerLaunchRequest): TrainerHandle {
    const child = utilityProcess.fork(this.entry, [], { serviceName: `SAM Studio trainer · run ${req.runId}`, stdio: 'pipe' });
    const handle = new ElectronTrainerHandle(child);
    handle.send({ type: 'start', runId: req.runId, config: req.config, workDir: req.workDir, resumeFrom: req.resumeFrom });
    return handle;
  }
}

class ElectronTrainerHandle implements TrainerHandle {
  readonly exited: Promise<TrainerExit>;
  private readonly messageListeners: ((m: TrainerToParent) => void)[] = [];
  private readonly exitListeners: ((e: TrainerExit) => void)[] = [];
  private readonly tail = new OutputTail();
  private alive = true;

  constructor(private readonly child: UtilityProcess) {
    child.stdout?.on('data', (c: Buffer) => this.tail.push(c));
    child.stderr?.on('data', (c: Buffer) => this.tail.push(c));
    child.on('message', (m: unknown) => {
      if (isTrainerToParent(m)) for (const l of this.messageListeners) l(m);
    });
    this.exited = new Promise((resolve) => {
      child.on('exit', (code) => {
        this.alive = false;
        const e: TrainerExit = { code, signal: null, output: this.tail.lines() };
        for (const l of this.exitListeners) l(e);
        resolve(e);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  send(m: ParentToTrainer): void {
    if (this.alive) this.child.postMessage(m);
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

  kill(): void {
    if (this.alive) this.child.kill();
  }
}
