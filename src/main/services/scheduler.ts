// The run queue: at most `concurrency` trainer processes at once, FIFO otherwise. It launches
// trainers, streams their events into the store (batched) and to subscribers, records each
// trainer's own heartbeat, kills a trainer that goes silent (hung or suspended), and turns every
// way a process can end into a run status with a reason.
import { join } from 'node:path';
import type { StudioEvent } from '../../shared/api';
import type { DoneEvent, FailedEvent, StoppedEvent, TrainerEvent } from '../../shared/events';
import type { TrainerToParent } from '../../shared/trainer-protocol';
import { machineThreads } from '../../engine/backends/wasm-threads';
import { IngestBuffer } from './ingest-buffer';
import { SilenceWatchdog } from './silence-watchdog';
import { TRAINER_SILENCE_MS, toSummary, type RunStateChange, type Store } from './store/index';
import type { TrainerExit, TrainerHandle, TrainerLauncher } from './trainer-launcher';

/** Why the parent asked a run to end: decides the status when the process is gone. */
type Intent = 'stop' | 'cancel' | 'delete' | 'shutdown';

interface ActiveRun {
  runId: number;
  handle: TrainerHandle;
  intent: Intent | null;
  terminal: DoneEvent | StoppedEvent | FailedEvent | null;
  lastStep: number | null;
  fatal: string | null;
  killTimer: NodeJS.Timeout | null;
  /** Set when the watchdog killed the trainer for silence: how long it had been silent (ms). */
  silentMs: number | null;
}

export interface SchedulerOptions {
  store: Store;
  launcher: TrainerLauncher;
  /** Runs get `<workDir>/runs/<id>` for their checkpoints. */
  workDir: string;
  concurrency: number;
  publish: (e: StudioEvent) => void;
  /** How long a graceful stop may take before the process is killed. */
  stopGraceMs?: number;
  /** A trainer silent this long (no heartbeat, no event) is killed and its run failed; default TRAINER_SILENCE_MS. */
  silenceLimitMs?: number;
}

export class RunScheduler {
  private readonly queue: number[] = [];
  private readonly active = new Map<number, ActiveRun>();
  private readonly resumeFrom = new Map<number, string | null>();
  private readonly buffer: IngestBuffer;
  private readonly watchdog: SilenceWatchdog<ActiveRun>;
  private concurrency: number;
  private closed = false;
  private pumpScheduled = false;

  constructor(private readonly o: SchedulerOptions) {
    this.concurrency = Math.max(1, o.concurrency);
    this.buffer = new IngestBuffer(o.store, { onFlushed: (ids) => ids.forEach((id) => this.publishRun(id)) });
    // Only a trainer's own messages keep its run alive: the owner never vouches for a trainer it
    // cannot hear (a hung or SIGSTOPped one used to stay `running` forever).
    this.watchdog = new SilenceWatchdog<ActiveRun>(o.silenceLimitMs ?? TRAINER_SILENCE_MS, (a, silentMs) => this.killSilent(a, silentMs));
  }

  get limit(): number {
    return this.concurrency;
  }

  runDir(runId: number): string {
    return join(this.o.workDir, 'runs', String(runId));
  }

  isQueued(runId: number): boolean {
    return this.queue.includes(runId);
  }

  isActive(runId: number): boolean {
    return this.active.has(runId);
  }

  /** Queue a run (its row must already say `queued`); resumeFrom = checkpoint to continue from. */
  enqueue(runId: number, resumeFrom: string | null = null): void {
    if (this.closed) throw new Error('the run scheduler is shut down');
    if (this.isQueued(runId) || this.isActive(runId)) return;
    this.resumeFrom.set(runId, resumeFrom);
    this.o.store.setRunState(runId, { ownerPid: process.pid });
    this.queue.push(runId);
    this.schedulePump();
  }

  /** Launch on the next turn, so callers answer (and announce) `queued` before `running`. */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Take a queued run out of the queue; false if it was not queued. */
  dequeue(runId: number): boolean {
    const i = this.queue.indexOf(runId);
    if (i < 0) return false;
    this.queue.splice(i, 1);
    this.resumeFrom.delete(runId);
    return true;
  }

  /** Ask a running trainer to end (graceful, killed after the grace period). */
  requestEnd(runId: number, intent: Intent): boolean {
    const a = this.active.get(runId);
    if (!a) return false;
    a.intent = intent;
    a.handle.stop();
    if (!a.killTimer) this.armKillTimer(a, this.o.stopGraceMs ?? 15_000);
    return true;
  }

  /** Kill the trainer after `ms` unless it exits first; replaces (and clears) an earlier timer. */
  private armKillTimer(a: ActiveRun, ms: number): void {
    if (a.killTimer) clearTimeout(a.killTimer);
    a.killTimer = setTimeout(() => a.handle.kill('SIGKILL'), ms);
    a.killTimer.unref();
  }

  /** Kill a trainer now and wait until its process is gone. */
  async kill(runId: number, intent: Intent): Promise<void> {
    const a = this.active.get(runId);
    if (!a) return;
    a.intent = intent;
    a.handle.kill('SIGKILL');
    await a.handle.exited;
  }

  /** The pid of a live run's trainer (tests kill it to simulate a crash). */
  trainerPid(runId: number): number | undefined {
    return this.active.get(runId)?.handle.pid;
  }

  private pump(): void {
    while (!this.closed && this.active.size < this.concurrency && this.queue.length > 0) {
      const runId = this.queue.shift()!;
      try {
        this.launch(runId);
      } catch (err) {
        this.o.store.setRunState(runId, { status: 'failed', failureReason: `could not start its trainer: ${(err as Error).message}`, endedAt: Date.now() });
        this.publishRun(runId);
      }
    }
  }

  /**
   * Each trainer's share of the cores when `concurrency` may run at once (see TrainerStartMessage).
   * The analysis queue gives its processes the same share: they run beside the trainers.
   */
  threadShare(): number {
    return Math.max(1, Math.floor(machineThreads() / this.concurrency));
  }

  private launch(runId: number): void {
    const run = this.o.store.requireRun(runId);
    const resumeFrom = this.resumeFrom.get(runId) ?? null;
    this.resumeFrom.delete(runId);
    const now = Date.now();
    this.o.store.setRunState(runId, {
      status: 'running',
      startedAt: run.startedAt ?? now,
      endedAt: null,
      failureReason: null,
      etaMs: null,
      pid: null,
      ownerPid: process.pid,
      heartbeatAt: now,
    });
    const handle = this.o.launcher.launch({ runId, config: run.config, workDir: this.runDir(runId), resumeFrom, threadShare: this.threadShare() });
    const a: ActiveRun = { runId, handle, intent: null, terminal: null, lastStep: run.lastStep, fatal: null, killTimer: null, silentMs: null };
    this.active.set(runId, a);
    this.watchdog.heard(a);
    if (handle.pid !== undefined) this.o.store.setRunState(runId, { pid: handle.pid });
    handle.onMessage((m) => this.onMessage(a, m));
    handle.onExit((e) => this.onExit(a, e));
    this.publishRun(runId);
  }

  private onMessage(a: ActiveRun, m: TrainerToParent): void {
    if (this.active.get(a.runId) === a) this.watchdog.heard(a);
    switch (m.type) {
      case 'ready':
        this.o.store.setRunState(a.runId, { pid: m.pid, heartbeatAt: Date.now() });
        break;
      case 'heartbeat':
        this.o.store.setRunState(a.runId, { heartbeatAt: Date.now() });
        break;
      case 'fatal':
        a.fatal = m.message;
        break;
      case 'event':
        this.onEvent(a, m.event);
        break;
    }
  }

  private onEvent(a: ActiveRun, e: TrainerEvent): void {
    if (e.event === 'metrics') a.lastStep = Math.max(a.lastStep ?? 0, e.step);
    // Events carry the run id the parent assigned, whatever the trainer put there.
    const event = { ...e, runId: a.runId } as TrainerEvent;
    this.buffer.push(a.runId, event);
    this.o.publish({ type: 'run-event', runId: a.runId, event });
    if (event.event === 'done' || event.event === 'stopped' || event.event === 'failed') {
      a.terminal = event;
      this.settle(a.runId, this.terminalState(a, event));
    }
  }

  private terminalState(a: ActiveRun, e: DoneEvent | StoppedEvent | FailedEvent): RunStateChange {
    const endedAt = Date.now();
    if (e.event === 'done') {
      return { status: 'done', finalMetrics: e.metrics, backend: e.backend, progress: 1, etaMs: null, failureReason: null, endedAt, lastStep: e.steps };
    }
    if (e.event === 'failed') {
      return { status: 'failed', failureReason: e.reason, etaMs: null, endedAt };
    }
    if (a.intent === 'cancel') return { status: 'cancelled', failureReason: `cancelled by the user at step ${e.step}`, etaMs: null, endedAt };
    const why = a.intent === 'stop' ? 'stopped by the user' : a.intent === 'shutdown' ? 'SAM Studio was closed' : 'stopped';
    return { status: 'interrupted', failureReason: `${why} at step ${e.step}; resume continues from the last checkpoint`, etaMs: null, endedAt };
  }

  private exitState(a: ActiveRun, e: TrainerExit): RunStateChange {
    const endedAt = Date.now();
    const at = a.lastStep !== null ? ` at step ${a.lastStep}` : ' before its first step';
    if (a.intent === 'cancel') return { status: 'cancelled', failureReason: `cancelled by the user${at}`, etaMs: null, endedAt };
    if (a.intent === 'stop' || a.intent === 'shutdown') {
      return { status: 'interrupted', failureReason: `stopped by the user${at} (the trainer did not stop in time and was killed)`, etaMs: null, endedAt };
    }
    if (a.silentMs !== null) {
      return {
        status: 'failed',
        failureReason: `the trainer stopped responding: no heartbeat for ${Math.round(a.silentMs / 1000)} s (hung, or suspended by a signal such as SIGSTOP), so it was killed${at}; resume continues from the last checkpoint`,
        etaMs: null,
        endedAt,
      };
    }
    if (e.signal) {
      return { status: 'interrupted', failureReason: `the trainer process was killed (${e.signal})${at}; resume continues from the last checkpoint`, etaMs: null, endedAt };
    }
    const detail = a.fatal ?? (e.output || 'no output');
    return {
      status: 'failed',
      failureReason: `the trainer process ${e.code === 0 ? 'exited without finishing' : `crashed (exit code ${e.code})`}${at}: ${detail}`,
      etaMs: null,
      endedAt,
    };
  }

  private onExit(a: ActiveRun, e: TrainerExit): void {
    if (a.killTimer) clearTimeout(a.killTimer);
    this.watchdog.forget(a);
    this.buffer.flush();
    this.active.delete(a.runId);
    if (!a.terminal && a.intent !== 'delete') this.settle(a.runId, this.exitState(a, e));
    // Announce again once the process is gone: waiters need "finished and no process left".
    else if (a.intent !== 'delete') this.publishRun(a.runId);
    this.pump();
  }

  private settle(runId: number, change: RunStateChange): void {
    this.buffer.flush();
    this.o.store.setRunState(runId, change);
    this.publishRun(runId);
  }

  /** A trainer nobody has heard from for the silence limit is hung: kill it (SIGKILL ends a stopped process too). */
  private killSilent(a: ActiveRun, silentMs: number): void {
    // A trainer asked to end has its own kill timer.
    if (a.intent !== null) return;
    a.silentMs = silentMs;
    a.handle.kill('SIGKILL');
  }

  publishRun(runId: number): void {
    const run = this.o.store.getRunRecord(runId);
    if (!run) return;
    this.o.publish({ type: 'run-updated', run: toSummary(run) });
  }

  /**
   * Stop everything: queued runs stay `queued` (the next start adopts them), running ones are
   * asked to stop and end `interrupted` (resumable), killed after the grace period.
   */
  async close(graceMs = 10_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watchdog.close();
    this.queue.length = 0;
    const running = [...this.active.values()];
    for (const a of running) {
      a.intent ??= 'shutdown';
      a.handle.stop();
      this.armKillTimer(a, graceMs);
    }
    await Promise.all(running.map((a) => a.handle.exited));
    this.buffer.close();
  }
}
