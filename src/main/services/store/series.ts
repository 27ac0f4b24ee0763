// Metric points: batched inserts and downsampled reads. Downsampling happens in SQL so a UI that
// asks for 1,000 points of a 10,000,000-point series never receives (or even materialises in JS)
// more than ~1,000 rows: the step range is cut into B buckets and each bucket contributes the
// row holding its minimum and the row holding its maximum (plus the series' first and last
// point), so spikes and the curve's extremes survive — what a min/max (M4-style) decimation keeps.
import type Database from 'better-sqlite3';
import { seriesQuerySchema, type Series, type SeriesQuery } from '../../../shared/api';

export type Scope = 'step' | 'epoch';
const SCOPE_CODE: Record<Scope, number> = { step: 0, epoch: 1 };

export interface MetricPoint {
  runId: number;
  scope: Scope;
  name: string;
  step: number;
  epoch: number;
  timeMs: number;
  /** NaN/±Infinity are kept as NULL (SQLite has no NaN); reads skip them. */
  value: number;
}

/** Every stored point of one series, in step order (reports export these exactly). */
export interface RawPoint {
  step: number;
  epoch: number;
  timeMs: number;
  value: number | null;
}

interface PointRow {
  step: number;
  epoch: number;
  time_ms: number;
  value: number;
}

const MULTI_ROWS = 64;
/** Downsampled series kept for finished runs (≈ 1,000 points each: a few tens of MB at most). */
const CACHE_ENTRIES = 2_000;

const AXIS_COLUMN = { step: 'step', epoch: 'epoch', time: 'time_ms' } as const;

export class SeriesRepo {
  private readonly names = new Map<string, number>();
  private readonly insertPoint;
  private readonly insertSeries;
  private readonly insertName;
  private readonly selectName;
  private readonly insertMulti;
  private readonly runState;
  private readonly cache = new Map<string, Series | null>();
  private readonly multiArgs: (number | null)[] = new Array(MULTI_ROWS * 7);
  /** (run, scope, name) triples already in `series` (saves one statement per point). */
  private readonly knownSeries = new Set<number>();

  constructor(private readonly db: Database.Database) {
    this.insertPoint = db.prepare(
      'INSERT OR REPLACE INTO metrics (run_id, scope, name_id, step, epoch, time_ms, value) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.insertMulti = db.prepare(
      `INSERT OR REPLACE INTO metrics (run_id, scope, name_id, step, epoch, time_ms, value) VALUES ${Array(MULTI_ROWS).fill('(?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
    );
    this.runState = db.prepare('SELECT status, ended_at FROM runs WHERE id = ?');
    this.insertSeries = db.prepare('INSERT OR IGNORE INTO series (run_id, scope, name_id) VALUES (?, ?, ?)');
    this.insertName = db.prepare('INSERT OR IGNORE INTO metric_names (name) VALUES (?)');
    this.selectName = db.prepare('SELECT id FROM metric_names WHERE name = ?');
    for (const r of db.prepare('SELECT id, name FROM metric_names').all() as { id: number; name: string }[]) this.names.set(r.name, r.id);
  }

  nameId(name: string): number {
    let id = this.names.get(name);
    if (id === undefined) {
      this.insertName.run(name);
      id = (this.selectName.get(name) as { id: number }).id;
      this.names.set(name, id);
    }
    return id;
  }

  /**
   * Insert points; the caller wraps this in a transaction (one per ingest batch). Rows go in
   * through a 64-row INSERT: each native call costs about as much as a row, so this halves the
   * ingest time (see bench/store.ts).
   */
  insert(points: Iterable<MetricPoint>): number {
    let n = 0;
    let filled = 0;
    const args = this.multiArgs;
    for (const p of points) {
      const nameId = this.nameId(p.name);
      const scope = SCOPE_CODE[p.scope];
      const key = p.runId * 1e6 + scope * 1e5 + nameId;
      if (!this.knownSeries.has(key)) {
        this.knownSeries.add(key);
        this.insertSeries.run(p.runId, scope, nameId);
      }
      const o = filled * 7;
      args[o] = p.runId;
      args[o + 1] = scope;
      args[o + 2] = nameId;
      args[o + 3] = p.step;
      args[o + 4] = p.epoch;
      args[o + 5] = p.timeMs;
      args[o + 6] = Number.isFinite(p.value) ? p.value : null;
      if (++filled === MULTI_ROWS) {
        this.insertMulti.run(args);
        filled = 0;
      }
      n++;
    }
    for (let i = 0; i < filled; i++) this.insertPoint.run(args.slice(i * 7, i * 7 + 7));
    return n;
  }

  /** Drop points after `step` (a resumed run re-does them from its checkpoint). */
  truncateAfter(runId: number, step: number): void {
    this.db.prepare('DELETE FROM metrics WHERE run_id = ? AND step > ?').run(runId, step);
  }

  /** The latest wall time stored for a run (0 without points). */
  lastTimeMs(runId: number): number {
    const r = this.db.prepare('SELECT MAX(time_ms) AS t FROM metrics WHERE run_id = ?').get(runId) as { t: number | null };
    return r.t ?? 0;
  }

  deleteRun(runId: number): void {
    this.db.prepare('DELETE FROM metrics WHERE run_id = ?').run(runId);
    this.db.prepare('DELETE FROM series WHERE run_id = ?').run(runId);
    this.knownSeries.clear();
  }

  /** Names of the series a run has in a scope. */
  seriesNames(runId: number, scope: Scope): string[] {
    const rows = this.db
      .prepare('SELECT n.name FROM series s JOIN metric_names n ON n.id = s.name_id WHERE s.run_id = ? AND s.scope = ? ORDER BY n.name')
      .all(runId, SCOPE_CODE[scope]) as { name: string }[];
    return rows.map((r) => r.name);
  }

  raw(runId: number, scope: Scope, name: string): RawPoint[] {
    const nameId = this.names.get(name) ?? this.nameId(name);
    const rows = this.db
      .prepare('SELECT step, epoch, time_ms, value FROM metrics WHERE run_id = ? AND scope = ? AND name_id = ? ORDER BY step')
      .all(runId, SCOPE_CODE[scope], nameId) as { step: number; epoch: number; time_ms: number; value: number | null }[];
    return rows.map((r) => ({ step: r.step, epoch: r.epoch, timeMs: r.time_ms, value: r.value }));
  }

  query(input: SeriesQuery): Series[] {
    const q = seriesQuerySchema.parse(input);
    const out: Series[] = [];
    for (const runId of q.runIds) {
      const names = q.names.length ? q.names : this.seriesNames(runId, q.scope);
      // A finished run's points no longer change: its downsampled series can be reused. The key
      // carries status and end time, so a resume (from any process) invalidates it.
      const run = this.runState.get(runId) as { status: string; ended_at: number | null } | undefined;
      const frozen = run !== undefined && run.status !== 'running' && run.status !== 'queued';
      for (const name of names) {
        const key = frozen ? `${runId}|${run.status}|${run.ended_at}|${q.scope}|${name}|${q.maxPoints}|${q.axis}` : null;
        let s = key ? this.cache.get(key) : undefined;
        if (s === undefined) {
          s = this.downsampled(runId, q.scope, name, q.maxPoints, q.axis);
          if (key) this.remember(key, s);
        }
        if (s) out.push({ ...s, x: s.x.slice(), y: s.y.slice() });
      }
    }
    return out;
  }

  /** Forget cached downsampled series (benches measure cold queries with it). */
  clearCache(): void {
    this.cache.clear();
  }

  private remember(key: string, s: Series | null): void {
    // Map keeps insertion order: dropping the first entry is least-recently-inserted eviction.
    if (this.cache.size >= CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, s);
  }

  private downsampled(runId: number, scope: Scope, name: string, maxPoints: number, axis: keyof typeof AXIS_COLUMN): Series | null {
    const nameId = this.names.get(name);
    if (nameId === undefined) return null;
    const where = 'run_id = @runId AND scope = @scope AND name_id = @nameId AND value IS NOT NULL';
    const params = { runId, scope: SCOPE_CODE[scope], nameId };
    const stats = this.db.prepare(`SELECT COUNT(*) AS n, MIN(step) AS lo, MAX(step) AS hi FROM metrics WHERE ${where}`).get(params) as {
      n: number;
      lo: number | null;
      hi: number | null;
    };
    if (stats.n === 0 || stats.lo === null || stats.hi === null) {
      const exists = this.db.prepare('SELECT 1 FROM series WHERE run_id = @runId AND scope = @scope AND name_id = @nameId').get(params);
      return exists ? { runId, name, scope, x: [], y: [], total: 0 } : null;
    }
    const cols = 'step, epoch, time_ms';
    let rows: PointRow[];
    if (stats.n <= maxPoints) {
      rows = this.db.prepare(`SELECT ${cols}, value FROM metrics WHERE ${where} ORDER BY step`).all(params) as PointRow[];
    } else {
      // B buckets × (min row + max row) + first + last ≤ maxPoints.
      const buckets = Math.max(1, Math.floor((maxPoints - 2) / 2));
      const span = stats.hi - stats.lo + 1;
      // BigInt binds as INTEGER, so the bucket number is SQLite's integer division (a JS number
      // would bind as REAL and need a CAST, which makes the GROUP BY about twice as slow).
      const b = { ...params, lo: BigInt(stats.lo), buckets: BigInt(buckets), span: BigInt(span) };
      const bucketExpr = '((step - @lo) * @buckets) / @span';
      // SQLite's documented "bare column" rule: with exactly one MIN()/MAX() aggregate, the
      // other selected columns come from the row that holds that minimum / maximum.
      const mins = this.db.prepare(`SELECT ${cols}, MIN(value) AS value FROM metrics WHERE ${where} GROUP BY ${bucketExpr}`).all(b) as PointRow[];
      const maxs = this.db.prepare(`SELECT ${cols}, MAX(value) AS value FROM metrics WHERE ${where} GROUP BY ${bucketExpr}`).all(b) as PointRow[];
      const ends = this.db
        .prepare(`SELECT ${cols}, value FROM metrics WHERE ${where} AND step IN (@lo, @hi)`)
        .all({ ...params, lo: stats.lo, hi: stats.hi }) as PointRow[];
      const byStep = new Map<number, PointRow>();
      for (const r of [...ends, ...mins, ...maxs]) byStep.set(r.step, r);
      rows = [...byStep.values()].sort((a, c) => a.step - c.step);
    }
    const xcol = AXIS_COLUMN[axis];
    return {
      runId,
      name,
      scope,
      x: rows.map((r) => r[xcol as keyof PointRow] as number),
      y: rows.map((r) => r.value),
      total: stats.n,
    };
  }
}
