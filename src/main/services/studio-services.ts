// StudioApi over the store and the scheduler: the one implementation both doors (Electron IPC,
// the browser door's WebSocket) and the CLI call. Arguments arrive already validated by the door
// (validateApiRequest), but every config is validated again where it is written.
import { readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  ApiValidationError,
  type AnalysisJob,
  type AnalysisRequest,
  type AppInfo,
  type ArtifactInfo,
  type DatasetInfo,
  type PytorchExportInfo,
  type ReportRequest,
  type RunDetail,
  type RunPatch,
  type RunQuery,
  type RunSummary,
  type Series,
  type SeriesQuery,
  type StudioApi,
  type StudioEvent,
  type SweepDetail,
  type SweepSummary,
} from '../../shared/api';
import { validateRunConfig, type RunConfig } from '../../shared/config';
import type { LandscapeEvent, SpectrumEvent } from '../../shared/events';
import type { SweepRunPlan } from '../../shared/sweep';
import { SweepPhases } from './sweep-phases';
import { exportReport, REPORT_MIME, type PdfRenderer } from './reports/index';
import { defaultRunName, derivedName } from './run-names';
import { autoRunName, isAutomaticName } from '../../shared/run-name';
import { RunScheduler } from './scheduler';
import { AnalysisQueue } from './analysis-queue';
import { SearchError } from '../../shared/run-search';
import { ArtifactNotFoundError, pidAlive, type Store } from './store/index';
import type { TrainerLauncher } from './trainer-launcher';
import { checkConfigPaths } from '../../engine/check-paths';

export interface StudioServicesOptions {
  store: Store;
  dbPath: string;
  workDir: string;
  launcher: TrainerLauncher;
  concurrency: number;
  reportPdf?: PdfRenderer;
  transport: AppInfo['transport'];
  version: string;
  stopGraceMs?: number;
  silenceLimitMs?: number;
}

const FINISHED = new Set(['done', 'failed', 'interrupted', 'cancelled']);
const RESUMABLE = new Set(['interrupted', 'failed', 'cancelled']);

export class StudioServicesImpl implements StudioApi {
  readonly store: Store;
  private readonly scheduler: RunScheduler;
  private readonly analyses: AnalysisQueue;
  private readonly phases: SweepPhases;
  private readonly listeners = new Set<(e: StudioEvent) => void>();
  private backendsCache: AppInfo['backends'] | null = null;

  constructor(private readonly o: StudioServicesOptions) {
    this.store = o.store;
    this.scheduler = new RunScheduler({
      store: o.store,
      launcher: o.launcher,
      workDir: o.workDir,
      concurrency: o.concurrency,
      publish: (e) => this.publish(e),
      stopGraceMs: o.stopGraceMs,
      silenceLimitMs: o.silenceLimitMs,
    });
    this.analyses = new AnalysisQueue({
      store: o.store,
      launcher: o.launcher,
      runDir: (id) => this.scheduler.runDir(id),
      publish: (e) => this.publish(e),
      publishRun: (id) => this.scheduler.publishRun(id),
      threadShare: () => this.scheduler.threadShare(),
      stopGraceMs: o.stopGraceMs,
      silenceLimitMs: o.silenceLimitMs,
    });
    this.phases = new SweepPhases({ store: o.store, enqueue: (ids) => this.enqueueAll(ids) });
    // A study sweep's next phase starts when the runs of its last phase have settled.
    this.subscribe((e) => {
      if (e.type === 'run-updated') this.phases.onRunChanged(e.run);
    });
  }

  private enqueueAll(ids: number[]): void {
    for (const id of ids) this.scheduler.enqueue(id);
    for (const id of ids) this.scheduler.publishRun(id);
  }

  /** Start-up: orphaned `running` rows become `interrupted`; queued rows nobody owns are adopted. */
  recover(): void {
    this.store.markOrphansInterrupted();
    this.analyses.recover();
    // A fresh process owns no trainer yet, so a `running` row naming our pid as its owner is a
    // leftover from an earlier process that had the same pid (containers reuse low pids).
    for (const r of this.store.listRuns({ status: ['running'], limit: 10000 })) {
      if (this.store.getRunRecord(r.id)?.ownerPid === process.pid && !this.scheduler.isActive(r.id)) {
        this.store.setRunState(r.id, { status: 'interrupted', failureReason: 'interrupted: SAM Studio restarted while it ran; resume it from its last checkpoint', endedAt: Date.now(), etaMs: null });
      }
    }
    for (const r of this.store.listRuns({ status: ['queued'], sort: 'createdAt', order: 'asc', limit: 10000 })) {
      if (!this.queuedElsewhere(r.id)) this.scheduler.enqueue(r.id, this.store.lastCheckpoint(r.id)?.path ?? null);
    }
    this.phases.recover();
  }

  /** Whether a `queued` row belongs to another live process (else its owner closed or died, and it is free to adopt). */
  private queuedElsewhere(id: number): boolean {
    const owner = this.store.getRunRecord(id)?.ownerPid ?? null;
    return owner !== null && owner !== process.pid && pidAlive(owner);
  }

  // ---- events ----

  subscribe(listener: (e: StudioEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private publish(e: StudioEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        console.error(`sam-studio: an event listener failed: ${(err as Error).message}`);
      }
    }
  }

  /** Resolves once the run reaches a finished status (done, failed, interrupted, cancelled). */
  waitForRun(id: number, statuses: ReadonlySet<string> = FINISHED): Promise<RunSummary> {
    return new Promise((resolve) => {
      const check = (run: RunSummary) => {
        if (statuses.has(run.status) && !this.scheduler.isActive(id) && !this.scheduler.isQueued(id)) {
          unsubscribe();
          resolve(run);
          return true;
        }
        return false;
      };
      const unsubscribe = this.subscribe((e) => {
        if (e.type === 'run-updated' && e.run.id === id) check(e.run);
      });
      check(this.store.getSummary(id));
    });
  }

  /** The live trainer's pid (tests use it to kill a trainer mid-run). */
  trainerPid(id: number): number | undefined {
    return this.scheduler.trainerPid(id);
  }

  // ---- info ----

  async info(): Promise<AppInfo> {
    // Loaded on first use: the engine (tfjs) stays out of the main process until it is needed.
    this.backendsCache ??= await (await import('../../engine/backend')).probeBackends();
    return { version: this.o.version, dbPath: this.o.dbPath, backends: this.backendsCache, transport: this.o.transport, concurrency: this.scheduler.limit };
  }

  async datasets(): Promise<DatasetInfo[]> {
    return (await import('../../engine/data/index')).listDatasets();
  }

  // ---- runs ----

  async listRuns(query?: RunQuery): Promise<RunSummary[]> {
    try {
      return this.store.listRuns(query);
    } catch (err) {
      if (err instanceof SearchError) throw new ApiValidationError('listRuns', err.errors.map((message) => ({ field: 'search', message })));
      throw err;
    }
  }

  async getRun(id: number): Promise<RunDetail> {
    const r = this.store.getRun(id);
    if (!r) throw this.store.notFound(id);
    return r;
  }

  async createRun(config: unknown, opts: { name?: string; tags?: string[] } = {}): Promise<RunSummary> {
    const c = checkedConfig('createRun', config);
    return this.queueNew({ name: opts.name ?? defaultRunName(c), config: c, tags: opts.tags ?? [] });
  }

  private queueNew(r: { name: string; config: RunConfig; tags: string[]; sweepId?: number | null }): RunSummary {
    const run = this.store.createRun({ ...r, status: 'queued' });
    this.scheduler.enqueue(run.id);
    this.scheduler.publishRun(run.id);
    return this.store.getSummary(run.id);
  }

  /** The runs a sweep creates first; a study's later phases are planned when they are due (getSweep says what they will be). */
  async previewSweep(spec: unknown): Promise<SweepRunPlan[]> {
    return this.phases.firstPhase('previewSweep', this.phases.parse('previewSweep', spec)).plans;
  }

  async createSweep(spec: unknown): Promise<{ sweepId: number; runs: RunSummary[] }> {
    const { spec: parsed, first } = this.phases.check('createSweep', spec);
    // Rows first, in one transaction, so a sweep is never half-created; then queue them all.
    const ids = this.phases.create(parsed, first);
    this.enqueueAll(ids.runIds);
    return { sweepId: ids.sweepId, runs: ids.runIds.map((id) => this.store.getSummary(id)) };
  }

  /**
   * Continue a sweep that was left behind (stopped with Ctrl-C, or the process that ran it closed):
   * its interrupted runs resume from their last checkpoints, its queued runs that no live process
   * owns are queued here, and a phase that came due starts. Refused while another process trains
   * or holds one of its runs (it would never report here). Returns the sweep's runs.
   */
  async resumeSweep(id: number): Promise<RunSummary[]> {
    const runs = this.phases.detail(id).runs;
    const held = runs.filter((r) => (r.status === 'running' && !this.scheduler.isActive(r.id)) || (r.status === 'queued' && this.queuedElsewhere(r.id)));
    if (held.length) throw new Error(`sweep ${id} has runs held by another SAM Studio process (${held.map((r) => `#${r.id} ${r.status}`).join(', ')}); it runs them, or stop it first`);
    for (const r of runs) {
      if (r.status === 'interrupted') await this.resumeRun(r.id);
      else if (r.status === 'queued') {
        this.scheduler.enqueue(r.id, this.store.lastCheckpoint(r.id)?.path ?? null);
        this.scheduler.publishRun(r.id);
      }
    }
    this.phases.advance(id);
    return this.store.listRuns({ sweepId: id, sort: 'createdAt', order: 'asc', limit: 10000 });
  }

  async listSweeps(): Promise<SweepSummary[]> {
    return this.phases.list();
  }

  async getSweep(id: number): Promise<SweepDetail> {
    return this.phases.detail(id);
  }

  async stopRun(id: number): Promise<RunSummary> {
    const run = this.store.getSummary(id);
    if (this.scheduler.dequeue(id)) return this.setFinal(id, 'cancelled', 'cancelled by the user before it started');
    if (!this.scheduler.requestEnd(id, 'stop') && run.status === 'running') {
      // Running in the table but not in this process: its owner is elsewhere (or gone).
      throw new Error(`run ${id} is not running in this SAM Studio process; stop it where it was started`);
    }
    return this.store.getSummary(id);
  }

  async cancelRun(id: number): Promise<RunSummary> {
    this.store.requireRun(id);
    if (this.scheduler.dequeue(id)) return this.setFinal(id, 'cancelled', 'cancelled by the user before it started');
    this.scheduler.requestEnd(id, 'cancel');
    return this.store.getSummary(id);
  }

  private setFinal(id: number, status: 'cancelled', reason: string): RunSummary {
    this.store.setRunState(id, { status, failureReason: reason, endedAt: Date.now(), etaMs: null });
    this.scheduler.publishRun(id);
    return this.store.getSummary(id);
  }

  async resumeRun(id: number): Promise<RunSummary> {
    const run = this.store.requireRun(id);
    if (!RESUMABLE.has(run.status)) {
      throw new Error(`run ${id} is ${run.status}; only interrupted, failed or cancelled runs can be resumed`);
    }
    const checkpoint = this.store.lastCheckpoint(id);
    this.store.setRunState(id, { status: 'queued', failureReason: null, endedAt: null, etaMs: null, pid: null, heartbeatAt: null });
    this.scheduler.enqueue(id, checkpoint?.path ?? null);
    this.scheduler.publishRun(id);
    return this.store.getSummary(id);
  }

  async rerun(id: number): Promise<RunSummary> {
    const run = this.store.requireRun(id);
    return this.queueNew({ name: derivedName(run.name, 're-run'), config: run.config, tags: run.tags, sweepId: run.sweepId });
  }

  async duplicateRun(id: number, config: unknown): Promise<RunSummary> {
    const run = this.store.requireRun(id);
    const c = checkedConfig('duplicateRun', config);
    // A name the user typed is kept (with "(copy)"); an automatic one follows the new config.
    const name = c.name && c.name !== run.config.name ? c.name : isAutomaticName(run.name, run.config) ? autoRunName(c) : derivedName(run.name, 'copy');
    return this.queueNew({ name, config: c, tags: run.tags });
  }

  async updateRun(id: number, patch: RunPatch): Promise<RunSummary> {
    const r = this.store.updateRun(id, patch);
    this.scheduler.publishRun(id);
    return r;
  }

  /** Delete a run with the files it owns: its folder (checkpoints) and the reports of it alone. */
  async deleteRun(id: number): Promise<void> {
    const { sweepId } = this.store.requireRun(id);
    this.scheduler.dequeue(id);
    await this.scheduler.kill(id, 'delete');
    await this.analyses.dropRun(id);
    const reports = this.store.deleteRun(id);
    rmSync(this.scheduler.runDir(id), { recursive: true, force: true });
    for (const path of reports) rmSync(path, { force: true });
    this.publish({ type: 'run-deleted', runId: id });
    // The deleted run may have been the one its sweep's phase was waiting for.
    if (sweepId !== null) this.phases.advance(sweepId);
  }

  // ---- results ----

  async getSeries(query: SeriesQuery): Promise<Series[]> {
    return this.store.getSeries(query);
  }

  async getSpectra(id: number): Promise<SpectrumEvent[]> {
    this.store.requireRun(id);
    return this.store.getSpectra(id);
  }

  async getLandscapes(id: number): Promise<LandscapeEvent[]> {
    this.store.requireRun(id);
    return this.store.getLandscapes(id);
  }

  async exportReport(req: ReportRequest): Promise<ArtifactInfo> {
    const artifact = await exportReport(this.store, req, { outDir: join(this.o.workDir, 'reports'), pdf: this.o.reportPdf });
    for (const id of artifact.runIds) this.scheduler.publishRun(id);
    return artifact;
  }

  async listArtifacts(runId: number): Promise<ArtifactInfo[]> {
    this.store.requireRun(runId);
    return this.store.listArtifacts(runId);
  }

  async readArtifact(artifactId: number): Promise<{ fileName: string; mime: string; base64: string }> {
    const a = this.store.getArtifact(artifactId);
    if (!a) throw new ArtifactNotFoundError(artifactId);
    let bytes: Buffer;
    try {
      bytes = readFileSync(a.path);
    } catch (err) {
      throw new Error(`artifact ${artifactId}: cannot read ${a.path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); export the report again`);
    }
    return { fileName: basename(a.path), mime: REPORT_MIME[a.format], base64: bytes.toString('base64') };
  }

  // ---- analyses of stored runs ----

  async analyseRun(runId: number, request: AnalysisRequest = {}): Promise<AnalysisJob> {
    return this.analyses.submit(runId, request);
  }

  async listAnalyses(query: { runId?: number } = {}): Promise<AnalysisJob[]> {
    if (query.runId !== undefined) this.store.requireRun(query.runId);
    return this.analyses.list(query.runId);
  }

  async cancelAnalysis(jobId: number): Promise<AnalysisJob> {
    return this.analyses.cancel(jobId);
  }

  /** The run as a PyTorch DDP project in `<workDir>/exports/run-<id>-pytorch` (a new folder each time). */
  async exportPytorch(runId: number): Promise<PytorchExportInfo> {
    const run = this.store.requireRun(runId);
    const { exportPytorch, ExportError, freshExportDir } = await import('./export/pytorch/index');
    try {
      return await exportPytorch(run.config, freshExportDir(join(this.o.workDir, 'exports'), runId), { appVersion: this.o.version, run: { id: runId, name: run.name } });
    } catch (err) {
      if (err instanceof ExportError) throw new ApiValidationError('exportPytorch', [{ field: err.field, message: err.message }]);
      throw err;
    }
  }

  /** The pid of a running analysis (tests use it). */
  analysisPid(jobId: number): number | undefined {
    return this.analyses.activePid(jobId);
  }

  /** Stop trainers (resumable), flush the last events, close the database. */
  async close(): Promise<void> {
    await this.analyses.close();
    await this.scheduler.close();
    this.listeners.clear();
    this.store.close();
  }
}

/** Schema first, then what the config points at on disk: a run never queues with a missing file. */
function checkedConfig(method: string, config: unknown): RunConfig {
  const r = validateRunConfig(config);
  if (!r.ok) throw new ApiValidationError(method, r.errors);
  const missing = checkConfigPaths(r.config);
  if (missing.length) throw new ApiValidationError(method, missing);
  return r.config;
}
