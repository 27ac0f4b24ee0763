// `sam-studio launch`: a run trained by its PyTorch export as N DDP processes on this machine,
// behind the same TrainerLauncher interface as the app's own trainers, so the scheduler streams
// its events into the store live, keeps its liveness, and turns every way it can end into a run
// status. The project is exported into the run's folder (runs/<id>/pytorch; checkpoints beside
// it), then started with torchrun where torchrun works, else as N processes given the variables
// torchrun would set (MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE, LOCAL_RANK).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { TrainerEvent } from '../../../../shared/events';
import { TRAINER_HEARTBEAT_MS } from '../../../../shared/trainer-protocol';
import { BaseTrainerHandle, type TrainerHandle, type TrainerLaunchRequest, type TrainerLauncher } from '../../trainer-launcher';
import { exportPytorch } from './export';
import { findPython, torchrunProblem, type PythonInfo } from './python';
import { worldSizeProblem } from './world-sizes';

export type LaunchVia = 'auto' | 'torchrun' | 'env';

export interface DdpLauncherOptions {
  nproc: number;
  /** auto: torchrun if its check passes here, else the processes are started with the env variables. */
  via?: LaunchVia;
  /** Interpreter (default: findPython's choice). */
  python?: string;
  /** CPU threads per process (default: the script's, cores over processes). */
  threads?: number;
  appVersion: string;
  /** Run name and id for the exported README. */
  describe?: (runId: number) => { id: number; name: string } | null;
}

/** How long the other ranks get to end after one has died (then they are killed). */
const PEER_GRACE_MS = 10_000;

/** A TCP port on 127.0.0.1 free right now (for MASTER_PORT). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/** Is the process stopped (SIGSTOP, state T in /proc/PID/stat)? False where /proc does not say. */
function suspended(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'T';
  } catch {
    return false;
  }
}

export class PytorchDdpLauncher implements TrainerLauncher {
  private python: PythonInfo | null = null;
  private torchrun: string | null | undefined = undefined;

  constructor(private readonly o: DdpLauncherOptions) {}

  launch(req: TrainerLaunchRequest): TrainerHandle {
    const handle = new DdpHandle();
    void this.start(req, handle).catch((err: Error) => handle.failBeforeStart(err.message));
    return handle;
  }

  private async start(req: TrainerLaunchRequest, handle: DdpHandle): Promise<void> {
    const n = this.o.nproc;
    const problem = worldSizeProblem(req.config, n);
    if (problem) throw new Error(`--nproc ${n}: ${problem}`);
    const project = join(req.workDir, 'pytorch');
    // A resumed run keeps its project (the same data plan and initial weights); a new one exports.
    if (!(req.resumeFrom && existsSync(join(project, 'train.py')))) {
      await exportPytorch(req.config, project, { appVersion: this.o.appVersion, run: this.o.describe?.(req.runId) ?? null, overwrite: true });
    }
    this.python ??= findPython(this.o.python);
    const via = this.o.via ?? 'auto';
    let how: string;
    if (via === 'env') how = 'processes started with MASTER_ADDR/MASTER_PORT/RANK/WORLD_SIZE/LOCAL_RANK (--via env)';
    else {
      if (this.torchrun === undefined) this.torchrun = torchrunProblem(this.python.path, project);
      if (this.torchrun && via === 'torchrun') throw new Error(`torchrun does not work with ${this.python.path}: ${this.torchrun}`);
      how = this.torchrun
        ? `torchrun fails here (${this.torchrun}); processes started with MASTER_ADDR/MASTER_PORT/RANK/WORLD_SIZE/LOCAL_RANK instead`
        : 'started with torchrun --standalone';
    }
    if (handle.endRequested) return handle.endBeforeStart();
    handle.note(`PyTorch ${this.python.torch} (${this.python.path}), ${n} process${n === 1 ? '' : 'es'}: ${how}; project in ${project}`);
    const args = ['train.py', '--out-dir', req.workDir, '--run-id', String(req.runId)];
    if (req.resumeFrom) args.push('--resume', req.resumeFrom);
    if (this.o.threads) args.push('--threads', String(this.o.threads));
    const env = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' };
    const spawnOpts = { cwd: project, detached: process.platform !== 'win32', stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'] };
    if (!this.torchrun && via !== 'env') {
      const torchrunArgs = ['-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', String(n), ...args];
      handle.attach([spawn(this.python.path, torchrunArgs, { ...spawnOpts, env })]);
      return;
    }
    const port = await freePort();
    const ranks = Array.from({ length: n }, (_, rank) =>
      spawn(this.python!.path, args, {
        ...spawnOpts,
        env: { ...env, MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), WORLD_SIZE: String(n), RANK: String(rank), LOCAL_RANK: String(rank), LOCAL_WORLD_SIZE: String(n) },
      }),
    );
    handle.attach(ranks);
  }
}

/**
 * N processes as one trainer: the first one's stdout carries the events (JSON lines); stop is
 * SIGTERM to every process (the script checkpoints and emits `stopped`); when one process dies
 * the others are ended too, as torchrun would. The handle vouches for the processes with a
 * heartbeat while they (or the export before them) run — not while one is suspended (SIGSTOP):
 * the script prints only every logEvery steps, and the scheduler's silence watchdog would take
 * a long step for a hang.
 */
class DdpHandle extends BaseTrainerHandle {
  private procs: ChildProcess[] = [];
  private readonly heartbeat = setInterval(() => {
    if (!this.procs.some((p) => p.pid !== undefined && suspended(p.pid))) this.receive({ type: 'heartbeat', at: Date.now(), rssBytes: 0 });
  }, TRAINER_HEARTBEAT_MS).unref();
  private exits: { code: number | null; signal: string | null }[] = [];
  private pending = '';
  private stopped = false;
  private killedWith: NodeJS.Signals | null = null;
  private ended = false;

  get pid(): number | undefined {
    return this.procs[0]?.pid;
  }

  /** A log event before the processes start (how they are started). */
  note(message: string): void {
    this.receive({ type: 'event', event: { event: 'log', runId: null, level: 'info', message } satisfies TrainerEvent });
  }

  /** Asked to stop or killed while the project was still being exported. */
  get endRequested(): boolean {
    return this.stopped || this.killedWith !== null;
  }

  endBeforeStart(): void {
    this.ended = true;
    clearInterval(this.heartbeat);
    this.finish({ code: null, signal: this.killedWith ?? 'SIGTERM', output: 'ended before its processes started' });
  }

  failBeforeStart(reason: string): void {
    if (this.ended) return;
    this.receive({ type: 'event', event: { event: 'failed', runId: null, reason, step: null } satisfies TrainerEvent });
    this.ended = true;
    clearInterval(this.heartbeat);
    this.finish({ code: 1, signal: null, output: reason });
  }

  attach(procs: ChildProcess[]): void {
    this.procs = procs;
    procs[0].stdout?.on('data', (c: Buffer) => this.lines(c.toString()));
    procs.forEach((p, i) => {
      if (i > 0) p.stdout?.resume();
      p.stderr?.on('data', (c: Buffer) => this.capture(c));
      p.on('error', (err) => this.capture(`process ${i}: ${err.message}\n`));
      p.on('close', (code, signal) => this.onClose(i, code, signal));
    });
    if (procs[0].pid !== undefined) this.receive({ type: 'ready', pid: procs[0].pid });
    if (this.stopped) this.signalAll('SIGTERM');
  }

  private lines(text: string): void {
    this.pending += text;
    let nl: number;
    while ((nl = this.pending.indexOf('\n')) >= 0) {
      const line = this.pending.slice(0, nl).trim();
      this.pending = this.pending.slice(nl + 1);
      if (!line) continue;
      let event: TrainerEvent;
      try {
        event = JSON.parse(line) as TrainerEvent;
      } catch {
        // Not an event (a library printed to stdout): keep it as a log line.
        event = { event: 'log', runId: null, level: 'warn', message: line };
      }
      this.receive({ type: 'event', event });
    }
  }

  private onClose(i: number, code: number | null, signal: string | null): void {
    this.exits[i] = { code, signal };
    // One process gone early (crashed, killed): the others would wait on it forever.
    if ((code !== 0 || signal) && this.exits.filter(Boolean).length < this.procs.length) {
      this.signalAll('SIGTERM');
      setTimeout(() => this.signalAll('SIGKILL'), PEER_GRACE_MS).unref();
    }
    if (this.exits.filter(Boolean).length < this.procs.length || this.ended) return;
    this.ended = true;
    clearInterval(this.heartbeat);
    if (this.pending.trim()) this.lines('\n');
    const first = this.exits[0];
    const bad = this.exits.find((e) => e.code !== 0 || e.signal) ?? first;
    this.finish({ code: first.code !== 0 || first.signal ? first.code : bad.code, signal: first.signal ?? bad.signal, output: this.tail.lines() });
  }

  private signalAll(signal: NodeJS.Signals): void {
    this.procs.forEach((p, i) => {
      if (this.exits[i] || p.pid === undefined) return;
      try {
        p.kill(signal);
      } catch {
        // already gone
      }
    });
  }

  send(m: { type: string }): void {
    if (m.type !== 'stop') return;
    this.stopped = true;
    this.signalAll('SIGTERM');
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.killedWith = signal;
    this.signalAll(signal);
  }
}
