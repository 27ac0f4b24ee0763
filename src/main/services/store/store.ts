// The Store: one SQLite file (WAL) holding every run, its points and its results. Repos keep
// the SQL per concern; this class is the surface services, CLI, reports and benches use.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { ArtifactInfo, ReportFormat, RunDetail, RunPatch, RunQuery, RunSummary, Series, SeriesQuery } from '../../../shared/api';
import type { CheckpointEvent, LandscapeEvent, SpectrumEvent } from '../../../shared/events';
import { migrate, requireCurrentSchema, schemaVersion } from './migrations';
import { RunsRepo, orphanReason, toSummary, type NewRun, type RunRecord, type RunStateChange } from './runs';
import { SeriesRepo, type MetricPoint, type RawPoint, type Scope } from './series';
import { ResultsRepo, type CheckpointInfo, type LogLine } from './results';
import { SweepsRepo, type SweepRecord } from './sweeps';
import type { SweepState } from '../../../shared/studies/phases';
import { ingestEvents, type StoredEvent } from './ingest';
import { ProgressBook } from './run-progress';
import { AnalysisJobsRepo } from './analysis-jobs';

export interface OpenStoreOptions {
  /** Path of a better_sqlite3.node built for another runtime (Electron's ABI differs from Node's). */
  nativeBinding?: string;
  /**
   * Open an existing database for reading only (a dry run that must change nothing): no file or
   * folder is created, no pragma or migration is written, and every write fails.
   */
  readonly?: boolean;
}

export class RunNotFoundError extends Error {
  /**
   * Says what is true: the run was deleted (when and what it was called), or no run ever had
   * this id. Without the facts (a caller that only has the id) it says no more than "not here".
   */
  constructor(id: number, facts?: { deleted: { name: string; deletedAt: number } | null; newestId: number }) {
    const list = 'list runs to pick another id';
    let why = `run ${id} is not in this database; ${list}`;
    if (facts?.deleted) why = `run ${id} (“${facts.deleted.name}”) was deleted on ${new Date(facts.deleted.deletedAt).toISOString().slice(0, 16).replace('T', ' ')} UTC; ${list}`;
    else if (facts) why = `run ${id} does not exist: ${facts.newestId > 0 ? `run ids here go up to ${facts.newestId}` : 'this database has no runs yet'}; ${list}`;
    super(why);
    this.name = 'RunNotFoundError';
  }
}

export class ArtifactNotFoundError extends Error {
  constructor(id: number) {
    super(`artifact ${id} does not exist; list a run's artifacts to pick another id`);
    this.name = 'ArtifactNotFoundError';
  }
}

export class Store {
  readonly db: Database.Database;
  readonly runs: RunsRepo;
  readonly series: SeriesRepo;
  readonly results: ResultsRepo;
  readonly jobs: AnalysisJobsRepo;
  readonly sweeps: SweepsRepo;
  private readonly progress = new ProgressBook();

  constructor(readonly path: string, opts: OpenStoreOptions = {}) {
    if (path !== ':memory:' && !opts.readonly) mkdirSync(dirname(path), { recursive: true });
    try {
      this.db = new Database(path, { ...(opts.nativeBinding ? { nativeBinding: opts.nativeBinding } : {}), ...(opts.readonly ? { readonly: true, fileMustExist: true } : {}) });
    } catch (err) {
      throw new Error(`cannot open the run database ${path}: ${(err as Error).message}`);
    }
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    if (opts.readonly) {
      try {
        requireCurrentSchema(this.db, path);
      } catch (err) {
        this.db.close();
        throw err;
      }
    } else {
      // WAL: readers (the CLI, a second window) never block the writer. synchronous=NORMAL is
      // crash-safe for the process in WAL mode; only an OS crash can drop the last commits.
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      migrate(this.db);
    }
    this.runs = new RunsRepo(this.db);
    this.series = new SeriesRepo(this.db);
    this.results = new ResultsRepo(this.db);
    this.jobs = new AnalysisJobsRepo(this.db);
    this.sweeps = new SweepsRepo(this.db);
  }

  schemaVersion(): number {
    return schemaVersion(this.db);
  }

  // ---- runs ----

  createRun(r: NewRun): RunRecord {
    return this.requireRun(this.runs.create(r));
  }

  /** A run with its orphan status resolved, or null. */
  getRunRecord(id: number): RunRecord | null {
    return this.runs.get(id);
  }

  requireRun(id: number): RunRecord {
    const r = this.runs.get(id);
    if (!r) throw this.notFound(id);
    return r;
  }

  /** The error for a missing run, saying whether it was deleted or never existed. */
  notFound(id: number): RunNotFoundError {
    return new RunNotFoundError(id, { deleted: this.runs.deleted(id), newestId: this.runs.maxId() });
  }

  getRun(id: number): RunDetail | null {
    const r = this.runs.get(id);
    if (!r) return null;
    return { ...toSummary(r), backendReport: r.backendReport, checkpoints: this.results.checkpoints(id), artifacts: this.results.artifacts(id), logs: this.results.logs(id, 200) };
  }

  getSummary(id: number): RunSummary {
    return toSummary(this.requireRun(id));
  }

  listRuns(q?: RunQuery): RunSummary[] {
    return this.runs.list(q).map(toSummary);
  }

  updateRun(id: number, patch: RunPatch): RunSummary {
    this.requireRun(id);
    this.runs.patch(id, patch);
    return this.getSummary(id);
  }

  setRunState(id: number, change: RunStateChange): void {
    this.runs.setState(id, change);
  }

  /** Delete a run and what belongs to it alone; returns the paths of the report files it owned. */
  deleteRun(id: number): string[] {
    const run = this.requireRun(id);
    return this.db.transaction(() => {
      this.series.deleteRun(id);
      // Artifacts that belonged to this run alone go with it (the caller removes their files).
      const own = `SELECT id FROM artifacts WHERE id IN (SELECT artifact_id FROM artifact_runs WHERE run_id = @id)
           AND id NOT IN (SELECT artifact_id FROM artifact_runs WHERE run_id <> @id)`;
      const paths = (this.db.prepare(`SELECT path FROM artifacts WHERE id IN (${own})`).all({ id }) as { path: string }[]).map((r) => r.path);
      this.db.prepare(`DELETE FROM artifacts WHERE id IN (${own})`).run({ id });
      this.runs.delete(id, run.name);
      return paths;
    })();
  }

  /**
   * Persist `interrupted` for every `running` row whose owner is gone (readers already see it
   * that way; this makes it stick). Returns the ids marked.
   */
  markOrphansInterrupted(now = Date.now()): number[] {
    const orphans = this.runs.orphans(now);
    this.db.transaction(() => {
      for (const o of orphans) {
        this.runs.setState(o.id, { status: 'interrupted', failureReason: orphanReason(o.reason), endedAt: now, etaMs: null, pid: null, ownerPid: null });
      }
    })();
    return orphans.map((o) => o.id);
  }

  // ---- events and series ----

  /** Apply a batch of trainer events in one transaction. */
  ingest(batch: readonly StoredEvent[]): void {
    ingestEvents(this.db, { runs: this.runs, series: this.series, results: this.results }, batch, this.progress);
  }

  /** Insert raw points in one transaction (benches, imports). */
  addPoints(points: Iterable<MetricPoint>): number {
    return this.db.transaction(() => this.series.insert(points))();
  }

  getSeries(q: SeriesQuery): Series[] {
    return this.series.query(q);
  }

  /** Every stored point of one series, unsampled (exports). */
  getRawSeries(runId: number, scope: Scope, name: string): RawPoint[] {
    return this.series.raw(runId, scope, name);
  }

  seriesNames(runId: number, scope: Scope): string[] {
    return this.series.seriesNames(runId, scope);
  }

  // ---- results ----

  addSpectrum(runId: number, e: SpectrumEvent): void {
    this.results.addSpectrum(runId, e);
  }
  getSpectra(runId: number): SpectrumEvent[] {
    return this.results.spectra(runId);
  }
  addLandscape(runId: number, e: LandscapeEvent): void {
    this.results.addLandscape(runId, e);
  }
  getLandscapes(runId: number): LandscapeEvent[] {
    return this.results.landscapes(runId);
  }
  addCheckpoint(runId: number, e: Pick<CheckpointEvent, 'epoch' | 'step' | 'path'>): void {
    this.results.addCheckpoint(runId, e);
  }
  listCheckpoints(runId: number): CheckpointInfo[] {
    return this.results.checkpoints(runId);
  }
  lastCheckpoint(runId: number): CheckpointInfo | null {
    const all = this.results.checkpoints(runId);
    return all.length ? all[all.length - 1] : null;
  }
  logs(runId: number, limit?: number): LogLine[] {
    return this.results.logs(runId, limit);
  }
  addArtifact(a: { runIds: number[]; format: ReportFormat; path: string; kind?: 'report' }): ArtifactInfo {
    return this.results.addArtifact(a);
  }
  getArtifact(id: number): ArtifactInfo | null {
    return this.results.artifact(id);
  }
  listArtifacts(runId: number): ArtifactInfo[] {
    return this.results.artifacts(runId);
  }
  createSweep(name: string, spec: unknown, state: SweepState | null = null): number {
    return this.sweeps.create(name, spec, state);
  }
  getSweep(id: number): SweepRecord | null {
    return this.sweeps.get(id);
  }
  setSweepState(id: number, state: SweepState): void {
    this.sweeps.setState(id, state);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
