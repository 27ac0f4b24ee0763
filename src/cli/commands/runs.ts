// sam-studio runs --db FILE [--json]: list stored runs. Runs whose process is gone read as
// `interrupted` (the store resolves it on read), so a crashed app never shows a run as running.
import { existsSync } from 'node:fs';
import type { RunSummary } from '../../shared/api';
import { openStore } from '../../main/services/store/index';
import { parseArgs, requireValue } from '../args';

const USAGE = 'usage: sam-studio runs --db FILE [--json]';

export function runLine(r: RunSummary): { id: number; name: string; status: string; backend: string | null; sweepId: number | null; finalMetrics: RunSummary['finalMetrics']; failureReason: string | null } {
  return { id: r.id, name: r.name, status: r.status, backend: r.backend, sweepId: r.sweepId, finalMetrics: r.finalMetrics, failureReason: r.failureReason };
}

function table(runs: RunSummary[]): string {
  const rows = runs.map((r) => [
    String(r.id),
    r.status === 'running' ? `running ${Math.round(r.progress * 100)}%` : r.status,
    r.backend ?? '-',
    r.finalMetrics?.testAccuracy !== undefined ? (r.finalMetrics.testAccuracy * 100).toFixed(2) + '%' : '-',
    r.name + (r.failureReason && r.status !== 'done' ? `  (${r.failureReason})` : ''),
  ]);
  const head = ['id', 'status', 'backend', 'test acc', 'name'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const fmt = (row: string[]) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  return [fmt(head), ...rows.map(fmt)].join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['db']);
  if (args.flags.has('help')) {
    console.log(USAGE);
    return 0;
  }
  const db = requireValue(args, 'db', 'the run database, e.g. --db runs.db');
  if (!existsSync(db)) throw new Error(`--db: ${db} does not exist; give the SQLite file the app or \`sam-studio serve --db\` wrote`);
  const store = openStore(db);
  try {
    const runs = store.listRuns({ sort: 'createdAt', order: 'asc', limit: 10000 });
    if (args.flags.has('json')) for (const r of runs) console.log(JSON.stringify(runLine(r)));
    else console.log(runs.length ? table(runs) : `no runs in ${db}`);
  } finally {
    store.close();
  }
  return 0;
}
