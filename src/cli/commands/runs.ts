// sam-studio runs [--db FILE] [--sort COLUMN] [--order asc|desc] [--json]: list stored runs.
// Runs whose process is gone read as `interrupted` (the store resolves it on read), so a crashed
// app never shows a run as running.
import { existsSync } from 'node:fs';
import { runQuerySchema } from '../../shared/api';
import { closestKey } from '../../shared/unknown-keys';
import { UsageError, type CommandSpec, type ParsedOptions, DB_OPTION } from '../args';
import { dbPath } from '../paths';
import { runLine, runsTable } from '../run-list';

/** The columns the run list sorts by: the API's own (src/shared/api.ts runQuerySchema). */
const SORTS: readonly string[] = runQuerySchema.unwrap().shape.sort.unwrap().options;
const ORDERS: readonly string[] = runQuerySchema.unwrap().shape.order.unwrap().options;

export const spec: CommandSpec = {
  name: 'runs',
  summary: 'list stored runs (--sort COLUMN --order asc|desc, --json)',
  description: 'Lists the runs in the run database: id, status, backend, final test accuracy, name.',
  options: {
    db: DB_OPTION,
    sort: { type: 'string', value: 'COLUMN', help: `sort by ${SORTS.join(', ')} (default createdAt)` },
    order: { type: 'string', value: 'ORDER', help: 'asc or desc (default asc)' },
    json: { type: 'boolean', help: 'one JSON object per run and line' },
  },
  exitCodes: '0 listed, 2 bad input (a missing --db file, an unknown column)',
};

function choice(option: string, value: string | undefined, choices: readonly string[], fallback: string): string {
  if (value === undefined) return fallback;
  if (choices.includes(value)) return value;
  const starting = choices.filter((c) => c.toLowerCase().startsWith(value.toLowerCase()));
  const near = starting.length === 1 ? starting[0] : closestKey(value, choices);
  throw new UsageError(`--${option} ${value}: ${near ? `did you mean ${near}? ` : ''}choose one of ${choices.join(', ')}`);
}

export async function run(opts: ParsedOptions): Promise<number> {
  const sort = choice('sort', opts.string('sort'), SORTS, 'createdAt');
  const order = choice('order', opts.string('order'), ORDERS, 'asc');
  const db = dbPath(opts.string('db'));
  if (!existsSync(db.path)) {
    if (!db.isDefault) throw new UsageError(`--db: ${db.path} does not exist; give the SQLite file the app, \`sam-studio train\` or \`sam-studio serve\` wrote`);
    if (!opts.flag('json')) console.log(`no runs yet (${db.path} does not exist; \`sam-studio train\` or the app creates it)`);
    return 0;
  }
  const { openStore } = await import('../../main/services/store/index');
  const store = openStore(db.path);
  try {
    const runs = store.listRuns(runQuerySchema.parse({ sort, order, limit: 10000 }));
    if (opts.flag('json')) for (const r of runs) console.log(JSON.stringify(runLine(r)));
    else console.log(runs.length ? runsTable(runs) : `no runs in ${db.path}`);
  } finally {
    store.close();
  }
  return 0;
}
