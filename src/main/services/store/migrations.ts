// Versioned schema migrations. Each entry runs once, in order, inside a transaction, and is
// recorded in `schema_migrations`; reopening a database applies only what is missing. Never edit
// a shipped migration: append a new one.
import type Database from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE sweeps (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        spec TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );

      CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        config TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('queued','running','done','failed','interrupted','cancelled')),
        backend TEXT,
        backend_report TEXT,
        -- pid of the trainer process, pid of the services process that owns it, and the last
        -- moment the owner saw the trainer alive: readers use them to spot orphaned runs.
        pid INTEGER,
        owner_pid INTEGER,
        heartbeat_at INTEGER,
        created_at INTEGER NOT NULL,
        started_at INTEGER,
        ended_at INTEGER,
        failure_reason TEXT,
        sweep_id INTEGER REFERENCES sweeps(id) ON DELETE SET NULL,
        tags TEXT NOT NULL DEFAULT '[]',
        notes TEXT NOT NULL DEFAULT '',
        progress REAL NOT NULL DEFAULT 0,
        eta_ms INTEGER,
        steps_per_epoch INTEGER,
        last_step INTEGER,
        final_metrics TEXT,
        -- Copied out of final_metrics so the run list can sort on them with an index-free scan.
        final_test_accuracy REAL,
        final_test_loss REAL,
        param_count INTEGER
      );
      CREATE INDEX runs_status ON runs(status);
      CREATE INDEX runs_sweep ON runs(sweep_id);
      CREATE INDEX runs_created ON runs(created_at);

      CREATE TABLE metric_names (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE
      );

      -- One row per point. WITHOUT ROWID: the primary key is the only index a series read needs
      -- (run, scope, name, step), and the table is half the size of rowid table + index.
      -- scope: 0 = step, 1 = epoch. A NaN value is stored as NULL (SQLite has no NaN).
      CREATE TABLE metrics (
        run_id INTEGER NOT NULL,
        scope INTEGER NOT NULL,
        name_id INTEGER NOT NULL,
        step INTEGER NOT NULL,
        epoch REAL NOT NULL,
        time_ms REAL NOT NULL,
        value REAL,
        PRIMARY KEY (run_id, scope, name_id, step)
      ) WITHOUT ROWID;

      -- Which series a run has, so listing them never scans points.
      CREATE TABLE series (
        run_id INTEGER NOT NULL,
        scope INTEGER NOT NULL,
        name_id INTEGER NOT NULL,
        PRIMARY KEY (run_id, scope, name_id)
      ) WITHOUT ROWID;

      CREATE TABLE spectra (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        epoch REAL NOT NULL,
        step INTEGER NOT NULL,
        data TEXT NOT NULL
      );
      CREATE INDEX spectra_run ON spectra(run_id, step);

      CREATE TABLE landscapes (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        epoch REAL NOT NULL,
        step INTEGER NOT NULL,
        kind TEXT NOT NULL,
        data TEXT NOT NULL
      );
      CREATE INDEX landscapes_run ON landscapes(run_id, step);

      CREATE TABLE checkpoints (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        epoch REAL NOT NULL,
        step INTEGER NOT NULL,
        path TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX checkpoints_run ON checkpoints(run_id, step);

      CREATE TABLE logs (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        at INTEGER NOT NULL,
        level TEXT NOT NULL,
        message TEXT NOT NULL
      );
      CREATE INDEX logs_run ON logs(run_id, id);

      CREATE TABLE artifacts (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        format TEXT NOT NULL,
        path TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE artifact_runs (
        artifact_id INTEGER NOT NULL REFERENCES artifacts(id) ON DELETE CASCADE,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        PRIMARY KEY (artifact_id, run_id)
      ) WITHOUT ROWID;
      CREATE INDEX artifact_runs_run ON artifact_runs(run_id);
    `,
  },
  {
    version: 2,
    name: 'wall-time offset of resumed runs',
    // A trainer's clock restarts at 0 when it resumes; points after a resume are stored shifted
    // by the wall time the run had already spent, so the time axis keeps going forward.
    sql: `ALTER TABLE runs ADD COLUMN time_offset_ms REAL NOT NULL DEFAULT 0;`,
  },
  {
    version: 3,
    name: 'archive, phase, deleted runs, analysis jobs',
    sql: `
      -- Archived runs stay in the database but leave the default run list.
      ALTER TABLE runs ADD COLUMN archived INTEGER NOT NULL DEFAULT 0;
      -- What a running run is doing now ("training · epoch 2/3", "Hessian analysis · 12/40").
      ALTER TABLE runs ADD COLUMN phase TEXT;
      -- Ids of deleted runs: never reused, and "run 7 was deleted" can be said truthfully.
      CREATE TABLE deleted_runs (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        deleted_at INTEGER NOT NULL
      );
      -- Hessian / landscape analyses of a stored run, queued from the UI; their results go to the
      -- spectra and landscapes tables like those computed during training.
      CREATE TABLE analysis_jobs (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        status TEXT NOT NULL CHECK (status IN ('queued','running','done','failed','cancelled')),
        request TEXT NOT NULL,
        checkpoint_path TEXT,
        checkpoint_epoch REAL,
        checkpoint_step INTEGER,
        progress REAL NOT NULL DEFAULT 0,
        phase TEXT,
        eta_ms INTEGER,
        error TEXT,
        owner_pid INTEGER,
        created_at INTEGER NOT NULL,
        started_at INTEGER,
        ended_at INTEGER
      );
      CREATE INDEX analysis_jobs_run ON analysis_jobs(run_id);
    `,
  },
  {
    version: 4,
    name: 'stored runs keep the initialisation and weight-decay mask they were trained with',
    // model.init (default 'pytorch') and optimizer.weightDecayParams (default 'all') are new
    // settings; every run and sweep stored before them was built with He/Glorot init and decayed
    // kernels only. Writing those values into the stored configs keeps a resume, a fresh-weights
    // analysis and a duplicate of an old run exactly what it was.
    sql: pinTrainedDefaults('runs', 'config', '$') + pinTrainedDefaults('sweeps', 'spec', '$.base'),
  },
  {
    version: 5,
    name: 'sweep phases',
    // A study sweep's phases (which runs each created) and the decision taken between them
    // (the ρ the tuning protocol chose, and why), as JSON; NULL for a plain grid.
    sql: `ALTER TABLE sweeps ADD COLUMN state TEXT;`,
  },
];

/** SQL of migration 4 for the run config stored at `path` in `table`.`column` (JSON text). */
function pinTrainedDefaults(table: string, column: string, path: string): string {
  const valid = `json_valid(${column})`;
  return `
    UPDATE ${table} SET ${column} = json_set(${column}, '${path}.model.init', 'he-normal')
      WHERE ${valid} AND json_extract(${column}, '${path}.model.kind') <> 'layers'
        AND json_type(${column}, '${path}.model.init') IS NULL;
    UPDATE ${table} SET ${column} = json_set(${column}, '${path}.optimizer.weightDecayParams', 'weights-only')
      WHERE ${valid} AND json_type(${column}, '${path}.optimizer') = 'object'
        AND json_type(${column}, '${path}.optimizer.weightDecayParams') IS NULL;`;
}

/** Apply every migration newer than the database's version. Returns the versions applied. */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  )`);
  const done = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
  const newest = newestVersion(migrations);
  const dbNewest = Math.max(0, ...done);
  if (dbNewest > newest) {
    throw new Error(
      `database schema version ${dbNewest} is newer than this SAM Studio understands (${newest}); update the app or use another --db file`,
    );
  }
  const applied: number[] = [];
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (done.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, m.name, Date.now());
    })();
    applied.push(m.version);
  }
  return applied;
}

function newestVersion(migrations: readonly Migration[]): number {
  return Math.max(0, ...migrations.map((m) => m.version));
}

export function schemaVersion(db: Database.Database): number {
  const r = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
  return r.v ?? 0;
}

/** A database opened read-only cannot be migrated: it must already have every migration. */
export function requireCurrentSchema(db: Database.Database, path: string, migrations: readonly Migration[] = MIGRATIONS): void {
  const newest = newestVersion(migrations);
  const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get() !== undefined;
  const version = has ? schemaVersion(db) : 0;
  if (version !== newest) {
    throw new Error(`the run database ${path} has schema version ${version}, this SAM Studio reads ${newest}; ${version < newest ? 'open it once with the app or a sam-studio command that writes (it is upgraded then)' : 'update the app'}`);
  }
}
