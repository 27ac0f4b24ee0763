// The runs table: create, read (with orphan detection), list (filter / search / sort), patch and
// status transitions. Configs are validated with the shared schema when written and when read,
// so no code downstream ever sees a config the engine would reject.
import type Database from 'better-sqlite3';
import { issuesToFieldErrors } from '../../../shared/unknown-keys';
import { runConfigSchema, type RunConfig } from '../../../shared/config';
import { z } from 'zod';
import { ApiValidationError, runNameSchema, runQuerySchema, runTagsSchema, type RunQuery, type RunStatus, type RunSummary, type RunPatch } from '../../../shared/api';
import type { BackendReport, FinalMetrics, RunBackend } from '../../../shared/events';
import { staleReason } from './liveness';
import { filterRuns } from '../../../shared/run-search';

interface RunRow {
  id: number;
  name: string;
  config: string;
  status: RunStatus;
  backend: string | null;
  backend_report: string | null;
  pid: number | null;
  owner_pid: number | null;
  heartbeat_at: number | null;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
  failure_reason: string | null;
  sweep_id: number | null;
  tags: string;
  notes: string;
  progress: number;
  eta_ms: number | null;
  steps_per_epoch: number | null;
  last_step: number | null;
  final_metrics: string | null;
  param_count: number | null;
  archived: number;
  phase: string | null;
}

export interface RunRecord extends RunSummary {
  backendReport: BackendReport | null;
  pid: number | null;
  ownerPid: number | null;
  heartbeatAt: number | null;
  stepsPerEpoch: number | null;
  lastStep: number | null;
}

export interface NewRun {
  name: string;
  config: unknown;
  sweepId?: number | null;
  tags?: string[];
  notes?: string;
  status?: RunStatus;
}

/** Fields a status transition may set; undefined = leave as is, null = clear. */
export interface RunStateChange {
  status?: RunStatus;
  failureReason?: string | null;
  startedAt?: number | null;
  endedAt?: number | null;
  pid?: number | null;
  ownerPid?: number | null;
  heartbeatAt?: number | null;
  backend?: RunBackend | null;
  backendReport?: BackendReport | null;
  progress?: number;
  etaMs?: number | null;
  stepsPerEpoch?: number | null;
  lastStep?: number | null;
  finalMetrics?: Partial<FinalMetrics> | null;
  paramCount?: number | null;
  phase?: string | null;
}

const COLUMN: Record<keyof RunStateChange, string> = {
  status: 'status',
  failureReason: 'failure_reason',
  startedAt: 'started_at',
  endedAt: 'ended_at',
  pid: 'pid',
  ownerPid: 'owner_pid',
  heartbeatAt: 'heartbeat_at',
  backend: 'backend',
  backendReport: 'backend_report',
  progress: 'progress',
  etaMs: 'eta_ms',
  stepsPerEpoch: 'steps_per_epoch',
  lastStep: 'last_step',
  finalMetrics: 'final_metrics',
  paramCount: 'param_count',
  phase: 'phase',
};

const SORT_SQL: Record<string, string> = {
  createdAt: 'created_at',
  name: 'name COLLATE NOCASE',
  status: 'status',
  // Runs without a final metric sort last whatever the order.
  testAccuracy: 'final_test_accuracy IS NULL, final_test_accuracy',
  testLoss: 'final_test_loss IS NULL, final_test_loss',
};

const runMetaSchema = z.strictObject({ name: runNameSchema, tags: runTagsSchema });

export function parseStoredConfig(runId: number, json: string): RunConfig {
  const r = runConfigSchema.safeParse(JSON.parse(json));
  if (!r.success) {
    const issues = issuesToFieldErrors(runConfigSchema, r.error.issues).map((e) => e.message).join('; ');
    throw new Error(`run ${runId}: the stored config no longer validates (${issues}); duplicate the run with a fixed config`);
  }
  return r.data;
}

export class RunsRepo {
  private readonly insertStmt;
  private readonly getStmt;

  constructor(private readonly db: Database.Database) {
    this.insertStmt = db.prepare(
      // Ids are never reused: a deleted run's id stays taken (deleted_runs), so "#7" always
      // means one run, and its colour and reports stay its own.
      `INSERT INTO runs (id, name, config, status, created_at, sweep_id, tags, notes)
       VALUES ((SELECT MAX(m) + 1 FROM (SELECT COALESCE(MAX(id), 0) AS m FROM runs UNION ALL SELECT COALESCE(MAX(id), 0) FROM deleted_runs)),
               @name, @config, @status, @createdAt, @sweepId, @tags, @notes)`,
    );
    this.getStmt = db.prepare('SELECT * FROM runs WHERE id = ?');
  }

  create(r: NewRun): number {
    const config = runConfigSchema.parse(r.config);
    // Every door's bounds, again where the row is written (the CLI and sweeps call the store directly).
    const meta = runMetaSchema.safeParse({ name: r.name, tags: r.tags ?? [] });
    if (!meta.success) throw new ApiValidationError('createRun', issuesToFieldErrors(runMetaSchema, meta.error.issues));
    const info = this.insertStmt.run({
      name: r.name,
      config: JSON.stringify(config),
      status: r.status ?? 'queued',
      createdAt: Date.now(),
      sweepId: r.sweepId ?? null,
      tags: JSON.stringify(r.tags ?? []),
      notes: r.notes ?? '',
    });
    return Number(info.lastInsertRowid);
  }

  get(id: number, now = Date.now()): RunRecord | null {
    const row = this.getStmt.get(id) as RunRow | undefined;
    return row ? toRecord(row, now) : null;
  }

  list(query: RunQuery | undefined, now = Date.now()): RunRecord[] {
    const q = runQuerySchema.parse(query);
    const where: string[] = [];
    const params: Record<string, unknown> = {};
    if (q.sweepId !== undefined) {
      where.push('sweep_id = @sweepId');
      params.sweepId = q.sweepId;
    }
    if (q.archived !== undefined) {
      where.push('archived = @archived');
      params.archived = q.archived ? 1 : 0;
    }
    if (q.tag !== undefined) {
      where.push('EXISTS (SELECT 1 FROM json_each(runs.tags) WHERE json_each.value = @tag)');
      params.tag = q.tag;
    }
    // Status is filtered after orphan detection: a stale `running` row reads as `interrupted`.
    const sql = `SELECT * FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY ${SORT_SQL[q.sort].replace(/(\w+)$/, `$1 ${q.order.toUpperCase()}`)}, id ${q.order.toUpperCase()}`;
    let rows = (this.db.prepare(sql).all(params) as RunRow[]).map((r) => toRecord(r, now));
    if (q.status?.length) rows = rows.filter((r) => q.status!.includes(r.status));
    // The search language (rho=0.05, ρ>0.02, words) is the app's: one implementation for all doors.
    if (q.search?.trim()) rows = filterRuns(rows, q.search);
    return rows.slice(0, q.limit);
  }

  ids(): number[] {
    return (this.db.prepare('SELECT id FROM runs ORDER BY id').all() as { id: number }[]).map((r) => r.id);
  }

  patch(id: number, p: RunPatch): void {
    const sets: string[] = [];
    const params: Record<string, unknown> = { id };
    if (p.name !== undefined) (sets.push('name = @name'), (params.name = p.name));
    if (p.notes !== undefined) (sets.push('notes = @notes'), (params.notes = p.notes));
    if (p.tags !== undefined) (sets.push('tags = @tags'), (params.tags = JSON.stringify(p.tags)));
    if (p.archived !== undefined) (sets.push('archived = @archived'), (params.archived = p.archived ? 1 : 0));
    if (sets.length) this.db.prepare(`UPDATE runs SET ${sets.join(', ')} WHERE id = @id`).run(params);
  }

  setState(id: number, change: RunStateChange): void {
    const sets: string[] = [];
    const params: Record<string, unknown> = { id };
    for (const [key, value] of Object.entries(change) as [keyof RunStateChange, unknown][]) {
      if (value === undefined) continue;
      const col = COLUMN[key];
      sets.push(`${col} = @${col}`);
      params[col] = value !== null && typeof value === 'object' ? JSON.stringify(value) : value;
      if (key === 'finalMetrics') {
        const m = value as Partial<FinalMetrics> | null;
        sets.push('final_test_accuracy = @fta', 'final_test_loss = @ftl');
        params.fta = finiteOrNull(m?.testAccuracy);
        params.ftl = finiteOrNull(m?.testLoss);
      }
    }
    if (sets.length) this.db.prepare(`UPDATE runs SET ${sets.join(', ')} WHERE id = @id`).run(params);
  }

  /** Runs stored as `running` whose owner is gone, with the reason (what a reader would show). */
  orphans(now = Date.now()): { id: number; reason: string }[] {
    const rows = this.db.prepare("SELECT * FROM runs WHERE status = 'running'").all() as RunRow[];
    const out: { id: number; reason: string }[] = [];
    for (const row of rows) {
      const reason = staleReason(livenessOf(row), now);
      if (reason) out.push({ id: row.id, reason });
    }
    return out;
  }

  /** Delete the row and remember its id and name (ids are never reused). */
  delete(id: number, name: string, now = Date.now()): void {
    this.db.prepare('INSERT OR REPLACE INTO deleted_runs (id, name, deleted_at) VALUES (?, ?, ?)').run(id, name, now);
    this.db.prepare('DELETE FROM runs WHERE id = ?').run(id);
  }

  deleted(id: number): { name: string; deletedAt: number } | null {
    const r = this.db.prepare('SELECT name, deleted_at FROM deleted_runs WHERE id = ?').get(id) as { name: string; deleted_at: number } | undefined;
    return r ? { name: r.name, deletedAt: r.deleted_at } : null;
  }

  maxId(): number {
    return (this.db.prepare('SELECT COALESCE(MAX(id), 0) AS m FROM runs').get() as { m: number }).m;
  }
}

function finiteOrNull(v: number | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function livenessOf(row: RunRow) {
  return { status: row.status, pid: row.pid, ownerPid: row.owner_pid, heartbeatAt: row.heartbeat_at };
}

export function orphanReason(reason: string): string {
  return `interrupted: ${reason}; resume it from its last checkpoint`;
}

/**
 * Parsed configs by run id. A run's config never changes after creation, so each is validated
 * once per process (keyed by the exact JSON, so an edited row is validated again).
 */
const configCache = new Map<number, { json: string; config: RunConfig }>();

function readConfig(row: RunRow): RunConfig {
  const hit = configCache.get(row.id);
  if (hit && hit.json === row.config) return structuredClone(hit.config);
  const config = parseStoredConfig(row.id, row.config);
  configCache.set(row.id, { json: row.config, config });
  return structuredClone(config);
}

function toRecord(row: RunRow, now: number): RunRecord {
  const stale = staleReason(livenessOf(row), now);
  return {
    id: row.id,
    name: row.name,
    status: stale ? 'interrupted' : row.status,
    config: readConfig(row),
    backend: (row.backend as RunBackend | null) ?? null,
    sweepId: row.sweep_id,
    tags: JSON.parse(row.tags) as string[],
    notes: row.notes,
    createdAt: row.created_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    progress: row.progress,
    etaMs: stale ? null : row.eta_ms,
    failureReason: stale ? orphanReason(stale) : row.failure_reason,
    finalMetrics: row.final_metrics ? (JSON.parse(row.final_metrics) as Partial<FinalMetrics>) : null,
    paramCount: row.param_count,
    archived: row.archived === 1,
    phase: stale ? null : row.phase,
    backendReport: row.backend_report ? (JSON.parse(row.backend_report) as BackendReport) : null,
    pid: row.pid,
    ownerPid: row.owner_pid,
    heartbeatAt: row.heartbeat_at,
    stepsPerEpoch: row.steps_per_epoch,
    lastStep: row.last_step,
  };
}

/** The public RunSummary (drops process bookkeeping). */
export function toSummary(r: RunRecord): RunSummary {
  const { backendReport: _b, pid: _p, ownerPid: _o, heartbeatAt: _h, stepsPerEpoch: _s, lastStep: _l, ...summary } = r;
  return summary;
}
