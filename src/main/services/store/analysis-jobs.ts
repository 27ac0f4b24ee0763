// The analysis_jobs table: Hessian/landscape analyses of stored runs, queued from the UI. A job's
// results are not here: they go to the spectra and landscapes tables, like the trainer's.
import type Database from 'better-sqlite3';
import { analysisRequestSchema, type AnalysisJob, type AnalysisStatus } from '../../../shared/api';

interface JobRow {
  id: number;
  run_id: number;
  status: AnalysisStatus;
  request: string;
  checkpoint_path: string | null;
  checkpoint_epoch: number | null;
  checkpoint_step: number | null;
  progress: number;
  phase: string | null;
  eta_ms: number | null;
  error: string | null;
  owner_pid: number | null;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
}

export interface JobChange {
  status?: AnalysisStatus;
  progress?: number;
  phase?: string | null;
  etaMs?: number | null;
  error?: string | null;
  ownerPid?: number | null;
  startedAt?: number | null;
  endedAt?: number | null;
}

const COLUMN: Record<keyof JobChange, string> = {
  status: 'status',
  progress: 'progress',
  phase: 'phase',
  etaMs: 'eta_ms',
  error: 'error',
  ownerPid: 'owner_pid',
  startedAt: 'started_at',
  endedAt: 'ended_at',
};

function toJob(r: JobRow): AnalysisJob {
  return {
    id: r.id,
    runId: r.run_id,
    status: r.status,
    request: analysisRequestSchema.parse(JSON.parse(r.request)),
    checkpoint: r.checkpoint_path === null ? null : { path: r.checkpoint_path, epoch: r.checkpoint_epoch ?? 0, step: r.checkpoint_step ?? 0 },
    progress: r.progress,
    phase: r.phase,
    etaMs: r.eta_ms,
    error: r.error,
    createdAt: r.created_at,
    startedAt: r.started_at,
    endedAt: r.ended_at,
  };
}

export class AnalysisJobsRepo {
  constructor(private readonly db: Database.Database) {}

  create(runId: number, request: AnalysisJob['request'], checkpoint: AnalysisJob['checkpoint'], ownerPid: number): AnalysisJob {
    const info = this.db
      .prepare(
        `INSERT INTO analysis_jobs (run_id, status, request, checkpoint_path, checkpoint_epoch, checkpoint_step, owner_pid, created_at)
         VALUES (?, 'queued', ?, ?, ?, ?, ?, ?)`,
      )
      .run(runId, JSON.stringify(request), checkpoint?.path ?? null, checkpoint?.epoch ?? null, checkpoint?.step ?? null, ownerPid, Date.now());
    return this.get(Number(info.lastInsertRowid))!;
  }

  get(id: number): AnalysisJob | null {
    const r = this.db.prepare('SELECT * FROM analysis_jobs WHERE id = ?').get(id) as JobRow | undefined;
    return r ? toJob(r) : null;
  }

  list(runId?: number): AnalysisJob[] {
    const rows = (
      runId === undefined
        ? this.db.prepare('SELECT * FROM analysis_jobs ORDER BY id DESC LIMIT 500').all()
        : this.db.prepare('SELECT * FROM analysis_jobs WHERE run_id = ? ORDER BY id DESC').all(runId)
    ) as JobRow[];
    return rows.map(toJob);
  }

  update(id: number, change: JobChange): AnalysisJob {
    const sets: string[] = [];
    const params: Record<string, unknown> = { id };
    for (const [k, v] of Object.entries(change) as [keyof JobChange, unknown][]) {
      if (v === undefined) continue;
      sets.push(`${COLUMN[k]} = @${COLUMN[k]}`);
      params[COLUMN[k]] = v;
    }
    if (sets.length) this.db.prepare(`UPDATE analysis_jobs SET ${sets.join(', ')} WHERE id = @id`).run(params);
    return this.get(id)!;
  }

  /**
   * Jobs a previous process left queued or running: nobody will finish them. They end as failed
   * with the reason (results already stored stay).
   */
  failOrphans(ownerPid: number, alive: (pid: number | null) => boolean, now = Date.now()): number[] {
    const rows = this.db.prepare("SELECT * FROM analysis_jobs WHERE status IN ('queued', 'running')").all() as JobRow[];
    const ids: number[] = [];
    for (const r of rows) {
      if (r.owner_pid === ownerPid || alive(r.owner_pid)) continue;
      this.update(r.id, { status: 'failed', error: 'SAM Studio was closed before the analysis finished; start it again', endedAt: now, phase: null, etaMs: null });
      ids.push(r.id);
    }
    return ids;
  }
}
