// sam-studio report --db FILE --runs 1,2 --format html|pdf|csv|json --out PATH [--title TEXT]
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { REPORT_FORMATS, type ReportFormat } from '../../shared/api';
import { openStore } from '../../main/services/store';
import { exportReport } from '../../main/services/reports';
import { parseArgs, requireValue } from '../args';

const USAGE = 'usage: sam-studio report --db FILE --runs 1,2 --format html|pdf|csv|json --out PATH [--title TEXT]';

export function parseRunIds(text: string): number[] {
  const ids = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (!ids.length) throw new Error(`--runs needs at least one run id, e.g. --runs 1,2`);
  return ids.map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--runs: "${s}" is not a run id (run ids are whole numbers ≥ 1, e.g. --runs 1,2)`);
    return n;
  });
}

export function parseFormat(text: string): ReportFormat {
  if (!(REPORT_FORMATS as readonly string[]).includes(text)) throw new Error(`--format: unknown format "${text}"; choose one of ${REPORT_FORMATS.join(', ')}`);
  return text as ReportFormat;
}

export async function run(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs(argv, ['db', 'runs', 'format', 'out', 'title']);
    if (args.flags.has('help')) {
      console.log(USAGE);
      return 0;
    }
    const db = requireValue(args, 'db', 'the run database, e.g. --db runs.sqlite');
    const runIds = parseRunIds(requireValue(args, 'runs', 'comma-separated run ids, e.g. --runs 1,2'));
    const format = parseFormat(requireValue(args, 'format', REPORT_FORMATS.join('|')));
    const out = requireValue(args, 'out', 'the file to write, e.g. --out report.html');
    // Opening a missing path would create an empty database; say what is wrong instead.
    if (!existsSync(db)) throw new Error(`--db: ${db} does not exist; give the SQLite file the app or \`sam-studio train --db\` wrote`);
    const store = openStore(db);
    try {
      const a = await exportReport(store, { runIds, format, title: args.values.get('title') }, { outDir: dirname(out), outPath: out });
      console.log(`wrote ${a.format} report of run${a.runIds.length > 1 ? 's' : ''} ${a.runIds.join(', ')} to ${a.path} (artifact ${a.id})`);
      return 0;
    } finally {
      store.close();
    }
  } catch (err) {
    console.error(`sam-studio report: ${(err as Error).message.replace(/^report: /, '')}\n${USAGE}`);
    return 2;
  }
}
