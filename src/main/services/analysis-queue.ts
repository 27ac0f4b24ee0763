// Analyses of stored runs, queued beside the run scheduler: one at a time, each in a process of
// its own started by the same launcher as trainers (trainer-process.ts runs the analysis when
// its start message carries one). Results are written to the spectra and landscapes tables
// exactly as the trainer's are, so they show on the Run and Compare pages and in reports.
import type { AnalysisJob, AnalysisRequest, StudioEvent } from '../../shared/api';
import { analysisRequestSchema, ApiValidationError } from '../../shared/api';
import { issuesToFieldErrors } from '../../shared/unknown-keys';
import { hessianSchema, type HessianConfig } from '../../shared/config';
import type { TrainerEvent } from '../../shared/events';
import type { TrainerToParent } from '../../shared/trainer-protocol';
import { SilenceWatchdog } from './silence-watchdog';
import { TRAINER_SILENCE_MS, pidAlive, type Store } from './store/index';
import type { TrainerExit, TrainerHandle, TrainerLauncher } from './trainer-launcher';

export interface AnalysisQueueOptions {
  store: Store;
  launcher: TrainerLauncher;
  runDir: (runId: number) => string;
  publish: (e: StudioEvent) => void;
  /** Re-announce a run (its final metrics may gain λ_max). */
  publishRun: (runId: number) => void;
  /**
   * wasm threads for an analysis process whose run leaves them open (TrainerStartMessage.threadShare):
   * the run scheduler's per-trainer share (RunScheduler.threadShare), as an analysis runs beside the
   * trainers rather than instead of them.
   */
  threadShare: () => number;
  /** How long a cancelled analysis may take to stop before it is killed. */
  stopGraceMs?: number;
  /** An analysis process silent this long (no heartbeat, no event) is killed and its job failed; default TRAINER_SILENCE_MS. */
  silenceLimitMs?: number;
}

interface Active {
  job: AnalysisJob;
  handle: TrainerHandle;
  cancelled: boolean;
  fatal: string | null;
  spectra: number;
  lambdaMax: number | null;
  startedAt: number;
  /** Set when the watchdog killed the process for silence: how long it had been silent (ms). */
  silentMs: number | null;
}

/** Shares of the job's bar: data loading, then the spectrum, then (if asked) the landscape. */
function overallFraction(phase: string, done: number, total: number, landscape: boolean): number | null {
  const within = total > 0 ? Math.min(1, done / total) : 0;
  const hessianEnd = landscape ? 0.6 : 1;
  if (phase === 'hessian') return 0.05 + within * (hessianEnd - 0.05);
  if (phase === 'landscape') return hessianEnd + within * (1 - hessianEnd);
  return 0.05 * within;
}

const PHASE_LABEL: Record<string, string> = { hessian: 'Hessian', landscape: 'loss landscape' };

export class AnalysisQueue {
  private readonly queue: number[] = [];
  private active: Active | null = null;
  private closed = false;
  private readonly watchdog: SilenceWatchdog<Active>;

  constructor(private readonly o: AnalysisQueueOptions) {
    this.watchdog = new SilenceWatchdog<Active>(o.silenceLimitMs ?? TRAINER_SILENCE_MS, (a, silentMs) => {
      if (a.cancelled) return; // a cancel has its own kill timer
      a.silentMs = silentMs;
      a.handle.kill('SIGKILL');
    });
  }

  /** Jobs an earlier process left queued or running can never finish: mark them failed. */
  recover(): void {
    this.o.store.jobs.failOrphans(process.pid, pidAlive);
  }

  submit(runId: number, input: AnalysisRequest): AnalysisJob {
    if (this.closed) throw new Error('the analysis queue is shut down');
    const run = this.o.store.requireRun(runId);
    const parsed = analysisRequestSchema.safeParse(input);
    if (!parsed.success) throw new ApiValidationError('analyseRun', issuesToFieldErrors(analysisRequestSchema, parsed.error.issues));
    const request = parsed.data;
    const checkpoint = this.pickCheckpoint(runId, request.checkpoint);
    // Validate the analysis settings now, so a bad one is an error here and not a failed job.
    this.hessianConfig(run.config.hessian, request);
    const job = this.o.store.jobs.create(runId, request, checkpoint, process.pid);
    this.queue.push(job.id);
    this.announce(job);
    setImmediate(() => this.pump());
    return job;
  }

  private pickCheckpoint(runId: number, which: AnalysisJob['request']['checkpoint']): AnalysisJob['checkpoint'] {
    if (which === 'initial') return null;
    const all = this.o.store.listCheckpoints(runId);
    if (which === 'last') {
      const last = all.at(-1);
      if (!last) throw new Error(`run ${runId} has no checkpoint yet (one is written at the end of each epoch); analyse its initial weights, or wait`);
      return last;
    }
    const match = all.filter((c) => c.step === which).at(-1);
    if (!match) {
      const have = all.map((c) => c.step).join(', ') || 'none';
      throw new Error(`run ${runId} has no checkpoint at step ${which}; its checkpoints are at steps ${have}`);
    }
    return match;
  }

  private hessianConfig(base: HessianConfig | null, req: AnalysisJob['request']): HessianConfig {
    const { checkpoint: _c, ...fields } = req;
    const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
    const r = hessianSchema.safeParse({ ...(base ?? {}), ...defined });
    if (!r.success) throw new ApiValidationError('analyseRun', issuesToFieldErrors(hessianSchema, r.error.issues));
    return r.data;
  }

  list(runId?: number): AnalysisJob[] {
    return this.o.store.jobs.list(runId);
  }

  cancel(jobId: number): AnalysisJob {
    const job = this.o.store.jobs.get(jobId);
    if (!job) throw new Error(`analysis ${jobId} does not exist; list a run's analyses to pick another id`);
    const i = this.queue.indexOf(jobId);
    if (i >= 0) {
      this.queue.splice(i, 1);
      return this.finish(jobId, { status: 'cancelled', error: 'cancelled before it started' });
    }
    if (this.active?.job.id === jobId) {
      this.active.cancelled = true;
      this.active.handle.stop();
      const a = this.active;
      setTimeout(() => a.handle.kill('SIGKILL'), this.o.stopGraceMs ?? 10_000).unref();
    }
    return this.o.store.jobs.get(jobId)!;
  }

  /** Cancel and wait for every job of a run (before the run is deleted). */
  async dropRun(runId: number): Promise<void> {
    for (const id of this.queue.filter((j) => this.o.store.jobs.get(j)?.runId === runId)) this.cancel(id);
    if (this.active?.job.runId === runId) {
      const a = this.active;
      a.cancelled = true;
      a.handle.kill('SIGKILL');
      await a.handle.exited;
    }
  }

  /** The pid of the running analysis (tests use it). */
  activePid(jobId: number): number | undefined {
    return this.active?.job.id === jobId ? this.active.handle.pid : undefined;
  }

  private pump(): void {
    if (this.closed || this.active || !this.queue.length) return;
    const jobId = this.queue.shift()!;
    const job = this.o.store.jobs.get(jobId);
    if (!job) return this.pump();
    try {
      const run = this.o.store.requireRun(job.runId);
      const hessian = this.hessianConfig(run.config.hessian, job.request);
      const handle = this.o.launcher.launch({
        runId: job.runId,
        config: run.config,
        workDir: this.o.runDir(job.runId),
        resumeFrom: null,
        analysis: { checkpoint: job.checkpoint?.path ?? null, hessian },
        threadShare: this.o.threadShare(),
      });
      const now = Date.now();
      const started = this.o.store.jobs.update(jobId, { status: 'running', startedAt: now, phase: 'starting', progress: 0 });
      const a: Active = { job: started, handle, cancelled: false, fatal: null, spectra: 0, lambdaMax: null, startedAt: now, silentMs: null };
      this.active = a;
      this.watchdog.heard(a);
      this.announce(started);
      handle.onMessage((m) => this.onMessage(a, m, hessian.landscape));
      handle.onExit((e) => this.onExit(a, e));
    } catch (err) {
      this.finish(jobId, { status: 'failed', error: `could not start the analysis: ${(err as Error).message}` });
      this.pump();
    }
  }

  private onMessage(a: Active, m: TrainerToParent, landscape: boolean): void {
    if (this.active === a) this.watchdog.heard(a);
    if (m.type === 'fatal') a.fatal = m.message;
    if (m.type !== 'event') return;
    const e = { ...m.event, runId: a.job.runId } as TrainerEvent;
    switch (e.event) {
      case 'progress': {
        const f = overallFraction(e.phase, e.done, e.total, landscape);
        if (f === null) return;
        const elapsed = Date.now() - a.startedAt;
        const etaMs = f > 0.06 ? Math.round((elapsed * (1 - f)) / f) : null;
        const phase = `${PHASE_LABEL[e.phase] ?? e.phase} ${e.done}/${e.total}`;
        this.announce(this.o.store.jobs.update(a.job.id, { progress: f, phase, etaMs }));
        return;
      }
      case 'spectrum':
        a.spectra++;
        a.lambdaMax = e.topEigenvalues[0] ?? null;
        this.o.store.addSpectrum(a.job.runId, e);
        this.o.publish({ type: 'run-event', runId: a.job.runId, event: e });
        return;
      case 'landscape':
        this.o.store.addLandscape(a.job.runId, e);
        this.o.publish({ type: 'run-event', runId: a.job.runId, event: e });
        return;
      case 'log':
        this.o.store.results.addLog(a.job.runId, e.level, `analysis ${a.job.id}: ${e.message}`);
        return;
      default:
        return;
    }
  }

  private onExit(a: Active, e: TrainerExit): void {
    this.active = null;
    this.watchdog.forget(a);
    if (a.cancelled) this.finish(a.job.id, { status: 'cancelled', error: 'cancelled by the user' });
    else if (a.silentMs !== null) {
      const why = `the analysis process stopped responding: no heartbeat for ${Math.round(a.silentMs / 1000)} s (hung, or suspended by a signal such as SIGSTOP), so it was killed; analyse again to retry`;
      this.finish(a.job.id, { status: 'failed', error: why });
    }
    else if (e.code === 0 && a.spectra > 0) {
      this.finish(a.job.id, { status: 'done', progress: 1 });
      this.recordLambdaMax(a);
    } else {
      const why = a.fatal ?? (e.output || `the analysis process ended (${e.signal ?? `exit code ${e.code}`}) without a result`);
      this.finish(a.job.id, { status: 'failed', error: why });
    }
    this.pump();
  }

  /** An analysis of the run's final weights gives the run its final λ_max (lists, search, reports). */
  private recordLambdaMax(a: Active): void {
    const run = this.o.store.getRunRecord(a.job.runId);
    const last = this.o.store.lastCheckpoint(a.job.runId);
    if (!run || run.status !== 'done' || a.lambdaMax === null || !a.job.checkpoint || last?.step !== a.job.checkpoint.step) return;
    this.o.store.setRunState(run.id, { finalMetrics: { ...(run.finalMetrics ?? {}), lambdaMax: a.lambdaMax } });
    this.o.publishRun(run.id);
  }

  private finish(jobId: number, change: { status: AnalysisJob['status']; error?: string; progress?: number }): AnalysisJob {
    const job = this.o.store.jobs.update(jobId, { ...change, endedAt: Date.now(), phase: null, etaMs: null });
    this.announce(job);
    return job;
  }

  private announce(job: AnalysisJob): void {
    this.o.publish({ type: 'analysis-updated', job });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.watchdog.close();
    for (const id of this.queue.splice(0)) this.finish(id, { status: 'cancelled', error: 'SAM Studio was closed before the analysis started' });
    if (this.active) {
      this.active.cancelled = true;
      this.active.handle.kill('SIGKILL');
      await this.active.handle.exited;
    }
  }
}
