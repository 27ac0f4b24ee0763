// Sweeps: the spec each was created from and, for a study, the state of its phases (JSON).
import type Database from 'better-sqlite3';
import type { SweepState } from '../../../shared/studies/phases';

export interface SweepRecord {
  id: number;
  name: string;
  spec: unknown;
  /** null for a plain grid (and for sweeps stored before phases existed). */
  state: SweepState | null;
  createdAt: number;
}

interface Row {
  id: number;
  name: string;
  spec: string;
  state: string | null;
  created_at: number;
}

const toRecord = (r: Row): SweepRecord => ({ id: r.id, name: r.name, spec: JSON.parse(r.spec), state: r.state === null ? null : (JSON.parse(r.state) as SweepState), createdAt: r.created_at });

export class SweepsRepo {
  constructor(private readonly db: Database.Database) {}

  create(name: string, spec: unknown, state: SweepState | null = null): number {
    const info = this.db.prepare('INSERT INTO sweeps (name, spec, state, created_at) VALUES (?, ?, ?, ?)').run(name, JSON.stringify(spec), state === null ? null : JSON.stringify(state), Date.now());
    return Number(info.lastInsertRowid);
  }

  get(id: number): SweepRecord | null {
    const row = this.db.prepare('SELECT * FROM sweeps WHERE id = ?').get(id) as Row | undefined;
    return row ? toRecord(row) : null;
  }

  setState(id: number, state: SweepState): void {
    this.db.prepare('UPDATE sweeps SET state = ? WHERE id = ?').run(JSON.stringify(state), id);
  }

  /** Newest first, with how many runs each still has. */
  list(): (SweepRecord & { runCount: number })[] {
    const rows = this.db.prepare('SELECT s.*, (SELECT COUNT(*) FROM runs r WHERE r.sweep_id = s.id) AS run_count FROM sweeps s ORDER BY s.id DESC').all() as (Row & { run_count: number })[];
    return rows.map((r) => ({ ...toRecord(r), runCount: r.run_count }));
  }

  /** Ids of study sweeps whose phases are not complete (the services check them at start-up). */
  openStudies(): number[] {
    return (this.db.prepare("SELECT id FROM sweeps WHERE state IS NOT NULL AND json_extract(state, '$.complete') = 0").all() as { id: number }[]).map((r) => r.id);
  }
}
