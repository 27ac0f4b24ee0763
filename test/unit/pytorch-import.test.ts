// `sam-studio import`: a run made elsewhere — here the JSON lines of `sam-studio train --json` on
// "another machine" (its own database), and an exported train.py's output — becomes a run the
// Compare page and the reports treat like any other. A malformed or truncated file is refused
// with its line number and the store is left exactly as it was; the store write is one
// transaction, so even a failure inside SQLite part-way stores nothing.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { openStore } from '../../src/main/services/store/index';
import { parseEventsFile } from '../../src/main/services/export/events-file';
import { importRun } from '../../src/main/services/export/import-run';
import { createStudioServices, type StudioServices } from '../../src/main/services/index';
import { NodeTrainerLauncher } from '../../src/main/services/node-trainer-launcher';
import { runCli } from './helpers/cli';
import { makeTempDir, removeTempDir } from './helpers/tmp';

const FASHION = '/usr/share/datasets/fashion-mnist';
const work = makeTempDir('sam-import-');
const db = join(work, 'runs.db');
const CONFIG = {
  name: 'made elsewhere',
  seed: 5,
  epochs: 2,
  batchSize: 50,
  backend: 'wasm',
  data: { name: 'fashion-mnist', limit: 500, testLimit: 200 },
  model: { kind: 'mlp', hidden: [16] },
  optimizer: { kind: 'sgd', lr: 0.05 },
  sam: { rho: 0.05 },
  logEvery: 2,
};

let events: string;
let lines: string[];
let localId: number;
let services: StudioServices;

/** Row counts of every table and the schema: what "the store is unchanged" means. */
function snapshot(): Record<string, number | string> {
  const d = new Database(db, { readonly: true });
  try {
    const tables = (d.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string; sql: string }[]);
    const out: Record<string, number | string> = { schema: tables.map((t) => t.sql).join(';') };
    for (const t of tables) out[t.name] = (d.prepare(`SELECT COUNT(*) AS n FROM "${t.name}"`).get() as { n: number }).n;
    return out;
  } finally {
    d.close();
  }
}

async function importCli(file: string, extra: string[] = []) {
  return runCli(['import', '--events', file, '--db', db, ...extra]);
}

function variant(name: string, text: string): string {
  const path = join(work, `${name}.jsonl`);
  writeFileSync(path, text);
  return path;
}

beforeAll(async () => {
  if (!existsSync(FASHION)) return;
  // "Elsewhere": another database and folder; only its events file comes here.
  const config = join(work, 'elsewhere.json');
  writeFileSync(config, JSON.stringify(CONFIG));
  const r = await runCli(['train', '--config', config, '--json', '--db', join(work, 'elsewhere', 'runs.db')]);
  expect(r.code, r.stderr).toBe(0);
  events = r.stdout;
  lines = events.trim().split('\n');
  // Here: a local run of the same config to compare it with.
  const local = await runCli(['train', '--config', config, '--json', '--db', db, '--epochs', '1']);
  expect(local.code, local.stderr).toBe(0);
  localId = (JSON.parse(local.stdout.trim().split('\n').at(-1)!) as { runId: number }).runId;
});
afterAll(async () => {
  await services?.close();
  removeTempDir(work);
});

describe.skipIf(!existsSync(FASHION))('sam-studio import', () => {
  it('stores a run made elsewhere like any other: curves, checkpoints, final metrics, Compare data and reports', async () => {
    const file = variant('good', events);
    const r = await importCli(file, ['--json']);
    expect(r.code, r.stderr).toBe(0);
    const { runId, status, name } = JSON.parse(r.stdout) as { runId: number; status: string; name: string };
    expect(status).toBe('done');
    expect(name).toBe('made elsewhere · wasm');
    services = createStudioServices({ dbPath: db, workDir: work, launcher: new NodeTrainerLauncher(), adoptQueued: false });
    const run = await services.getRun(runId);
    const done = JSON.parse(lines.at(-1)!) as { metrics: { testAccuracy: number } };
    expect(run).toMatchObject({ status: 'done', backend: 'wasm', progress: 1 });
    expect(run.tags).toEqual(['imported']);
    expect(run.finalMetrics!.testAccuracy).toBe(done.metrics.testAccuracy);
    expect(run.config.name).toBe('made elsewhere');
    expect(run.checkpoints).toHaveLength(2);
    // Compare reads both runs' series the same way.
    const series = await services.getSeries({ runIds: [localId, runId], names: ['trainLoss', 'testAccuracy'], scope: 'epoch' });
    expect(series.map((s) => [s.runId, s.name, s.y.length]).sort()).toEqual(
      [
        [localId, 'testAccuracy', 1],
        [localId, 'trainLoss', 1],
        [runId, 'testAccuracy', 2],
        [runId, 'trainLoss', 2],
      ].sort(),
    );
    // Reports: the imported run is a column like the local one.
    const artifact = await services.exportReport({ runIds: [localId, runId], format: 'json' });
    const report = JSON.parse(readFileSync(artifact.path, 'utf8')) as { runs: { id: number; name: string; backend: string }[] };
    expect(report.runs.map((x) => x.id)).toEqual([localId, runId]);
    expect(report.runs[1]).toMatchObject({ name: 'made elsewhere · wasm', backend: 'wasm' });
    const html = await services.exportReport({ runIds: [localId, runId], format: 'html' });
    expect(readFileSync(html.path, 'utf8')).toContain('made elsewhere · wasm');
  });

  it('--checkpoint-dir points the run at this machine’s copies; --config stores that run.json instead', async () => {
    const copies = join(work, 'copies');
    const paths = lines.map((l) => JSON.parse(l) as { event: string; path?: string }).filter((e) => e.event === 'checkpoint').map((e) => e.path!);
    await import('node:fs').then((fs) => fs.mkdirSync(copies, { recursive: true }));
    for (const p of paths) copyFileSync(p, join(copies, basename(p)));
    const config = join(work, 'renamed.json');
    writeFileSync(config, JSON.stringify({ ...CONFIG, name: 'from its run.json' }));
    const r = await importCli(variant('good2', events), ['--checkpoint-dir', copies, '--config', config, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const run = await services.getRun((JSON.parse(r.stdout) as { runId: number }).runId);
    expect(run.name).toBe('from its run.json · wasm');
    expect(run.checkpoints.map((c) => c.path)).toEqual(paths.map((p) => join(copies, basename(p))));
  });

  it.each([
    ['a line that is not JSON', () => [...lines.slice(0, 2), '{"event":"metrics", oops', ...lines.slice(3)].join('\n') + '\n', 3, /not valid JSON/],
    ['a file cut off in the middle of its last line', () => events.slice(0, events.length - 40), () => lines.length, /ends in the middle of an event \(truncated\?\)/],
    ['a file that ends before the run did', () => lines.slice(0, -3).join('\n') + '\n', () => lines.length - 3, /ends without a done, failed or stopped event/],
    ['an unknown event', () => [lines[0], '{"event":"telemetry","runId":null}', ...lines.slice(1)].join('\n') + '\n', 2, /unknown event "telemetry"/],
    ['an event missing a field', () => [...lines.slice(0, -1), lines.at(-1)!.replace('"steps":', '"stepz":')].join('\n') + '\n', () => lines.length, /bad done event \(steps: /],
    ['measurements before the run started', () => [...lines.filter((l) => l.includes('"scope":"step"')).slice(0, 1), ...lines].join('\n') + '\n', 1, /before the run's started event/],
    ['a second run after the first one ended', () => `${events}${events}`, () => lines.length + 1, /after the run ended with done on line \d+/],
  ] as const)('refuses %s with its line number and stores nothing', async (_what, make, line, message) => {
    const before = snapshot();
    const r = await importCli(variant('bad', make()));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`bad\\.jsonl, line ${typeof line === 'number' ? line : line()}: `));
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain('nothing was imported');
    expect(snapshot()).toEqual(before);
  });

  it('refuses an invalid run config by field, storing nothing', async () => {
    const before = snapshot();
    const config = join(work, 'bad-config.json');
    writeFileSync(config, JSON.stringify({ ...CONFIG, sam: { rho: 0.05, m: 7 } }));
    const r = await importCli(variant('good3', events), ['--config', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/sam\.m = 7 does not divide batchSize = 50/);
    expect(snapshot()).toEqual(before);
  });

  it('is one transaction: a failure inside SQLite part-way leaves no half-imported run', () => {
    const store = openStore(db);
    try {
      // A real constraint that fails after the run's row went in (at the run's first log line).
      store.db.exec("CREATE TEMP TRIGGER no_logs BEFORE INSERT ON logs BEGIN SELECT RAISE(ABORT, 'disk says no'); END");
      const before = snapshot();
      expect(() => importRun(store, parseEventsFile(events), { endedAt: Date.now() })).toThrow(/disk says no/);
      expect(snapshot()).toEqual(before);
    } finally {
      store.close();
    }
  });
});
