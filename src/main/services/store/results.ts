// Per-run results other than metric points: Hessian spectra, loss-landscape slices, checkpoints,
// log lines and report artifacts. Small tables, JSON payloads, one index each on run.
import type Database from 'better-sqlite3';
import type { ArtifactInfo, ReportFormat } from '../../../shared/api';
import type { CheckpointEvent, LandscapeEvent, LogEvent, SpectrumEvent } from '../../../shared/events';

export interface CheckpointInfo {
  epoch: number;
  step: number;
  path: string;
}

export interface LogLine {
  at: number;
  level: LogEvent['level'];
  message: string;
}

export class ResultsRepo {
  constructor(private readonly db: Database.Database) {}

  addSpectrum(runId: number, e: SpectrumEvent): void {
    this.db
      .prepare('INSERT INTO spectra (run_id, epoch, step, data) VALUES (?, ?, ?, ?)')
      .run(runId, e.epoch, e.step, JSON.stringify({ ...e, runId }));
  }

  spectra(runId: number): SpectrumEvent[] {
    const rows = this.db.prepare('SELECT data FROM spectra WHERE run_id = ? ORDER BY step, id').all(runId) as { data: string }[];
    return rows.map((r) => JSON.parse(r.data) as SpectrumEvent);
  }

  addLandscape(runId: number, e: LandscapeEvent): void {
    this.db
      .prepare('INSERT INTO landscapes (run_id, epoch, step, kind, data) VALUES (?, ?, ?, ?, ?)')
      .run(runId, e.epoch, e.step, e.kind, JSON.stringify({ ...e, runId }));
  }

  landscapes(runId: number): LandscapeEvent[] {
    const rows = this.db.prepare('SELECT data FROM landscapes WHERE run_id = ? ORDER BY step, id').all(runId) as { data: string }[];
    return rows.map((r) => JSON.parse(r.data) as LandscapeEvent);
  }

  addCheckpoint(runId: number, e: Pick<CheckpointEvent, 'epoch' | 'step' | 'path'>): void {
    this.db
      .prepare('INSERT INTO checkpoints (run_id, epoch, step, path, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(runId, e.epoch, e.step, e.path, Date.now());
  }

  checkpoints(runId: number): CheckpointInfo[] {
    return this.db.prepare('SELECT epoch, step, path FROM checkpoints WHERE run_id = ? ORDER BY step, id').all(runId) as CheckpointInfo[];
  }

  /** Analysis results and checkpoints past `step` belong to the timeline a resume replaces. */
  truncateAfter(runId: number, step: number): void {
    for (const table of ['spectra', 'landscapes', 'checkpoints']) {
      this.db.prepare(`DELETE FROM ${table} WHERE run_id = ? AND step > ?`).run(runId, step);
    }
  }

  addLog(runId: number, level: LogEvent['level'], message: string, at = Date.now()): void {
    this.db.prepare('INSERT INTO logs (run_id, at, level, message) VALUES (?, ?, ?, ?)').run(runId, at, level, message);
  }

  logs(runId: number, limit = 500): LogLine[] {
    const rows = this.db
      .prepare('SELECT at, level, message FROM logs WHERE run_id = ? ORDER BY id DESC LIMIT ?')
      .all(runId, limit) as LogLine[];
    return rows.reverse();
  }

  addArtifact(a: { runIds: number[]; format: ReportFormat; path: string; kind?: 'report' }): ArtifactInfo {
    const createdAt = Date.now();
    const id = this.db.transaction(() => {
      const info = this.db
        .prepare('INSERT INTO artifacts (kind, format, path, created_at) VALUES (?, ?, ?, ?)')
        .run(a.kind ?? 'report', a.format, a.path, createdAt);
      const artifactId = Number(info.lastInsertRowid);
      const link = this.db.prepare('INSERT OR IGNORE INTO artifact_runs (artifact_id, run_id) VALUES (?, ?)');
      for (const runId of a.runIds) link.run(artifactId, runId);
      return artifactId;
    })();
    return { id, runIds: [...a.runIds], kind: 'report', format: a.format, path: a.path, createdAt };
  }

  artifact(id: number): ArtifactInfo | null {
    const row = this.db.prepare('SELECT * FROM artifacts WHERE id = ?').get(id) as
      | { id: number; kind: 'report'; format: ReportFormat; path: string; created_at: number }
      | undefined;
    if (!row) return null;
    const runIds = (this.db.prepare('SELECT run_id FROM artifact_runs WHERE artifact_id = ? ORDER BY run_id').all(id) as { run_id: number }[]).map(
      (r) => r.run_id,
    );
    return { id: row.id, runIds, kind: row.kind, format: row.format, path: row.path, createdAt: row.created_at };
  }

  artifacts(runId: number): ArtifactInfo[] {
    const ids = this.db
      .prepare('SELECT artifact_id FROM artifact_runs WHERE run_id = ? ORDER BY artifact_id DESC')
      .all(runId) as { artifact_id: number }[];
    return ids.map((r) => this.artifact(r.artifact_id)).filter((a): a is ArtifactInfo => a !== null);
  }
}
