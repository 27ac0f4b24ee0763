// sam-studio report --runs 1,2 --format html|pdf|csv|json --out PATH [--title TEXT] [--db FILE]
import { dirname } from 'node:path';
import { REPORT_FORMATS, type ReportFormat } from '../../shared/api';
import { runIdList, UsageError, type CommandSpec, type ParsedOptions, DB_OPTION } from '../args';
import { dbPath } from '../paths';
import { requireDatabase } from '../services';

export const spec: CommandSpec = {
  name: 'report',
  summary: 'export a report of runs (--runs 1,2 --format html|pdf|csv|json --out PATH)',
  description: 'Writes a self-contained report of the runs: curves, sharpness, Hessian spectra, configs and final metrics.',
  options: {
    runs: { type: 'string', value: 'IDS', help: 'comma-separated run ids, e.g. 1,2', required: true },
    format: { type: 'string', value: 'FORMAT', help: REPORT_FORMATS.join(', '), required: true },
    out: { type: 'string', value: 'PATH', help: 'the file to write', required: true },
    title: { type: 'string', value: 'TEXT', help: 'the report’s title' },
    db: DB_OPTION,
  },
  exitCodes: '0 written, 1 writing failed, 2 bad input (an unknown run or format)',
};

export function parseFormat(text: string): ReportFormat {
  if (!(REPORT_FORMATS as readonly string[]).includes(text)) throw new UsageError(`--format: unknown format "${text}"; choose one of ${REPORT_FORMATS.join(', ')}`);
  return text as ReportFormat;
}

export async function run(opts: ParsedOptions): Promise<number> {
  const runIds = runIdList('runs', opts.required('runs'));
  const format = parseFormat(opts.required('format'));
  const out = opts.required('out');
  const db = dbPath(opts.string('db'));
  // Opening a missing path would create an empty database; say what is wrong instead.
  requireDatabase(db);
  const { openStore } = await import('../../main/services/store/index');
  const { exportReport, ReportRunNotFoundError } = await import('../../main/services/reports/index');
  const store = openStore(db.path);
  try {
    const a = await exportReport(store, { runIds, format, title: opts.string('title') }, { outDir: dirname(out), outPath: out });
    console.log(`wrote ${a.format} report of run${a.runIds.length > 1 ? 's' : ''} ${a.runIds.join(', ')} to ${a.path} (artifact ${a.id})`);
    return 0;
  } catch (e) {
    if (e instanceof ReportRunNotFoundError) throw new UsageError((e as Error).message.replace(/^report: /, ''));
    throw e;
  } finally {
    store.close();
  }
}
