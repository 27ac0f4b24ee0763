// sam-studio export --run ID --to pytorch --out DIR [--db FILE]: the run as a small PyTorch DDP
// project (train.py, its modules, requirements.txt, a README with the exact commands).
import { singleRunId, UsageError, type CommandSpec, type ParsedOptions, DB_OPTION } from '../args';
import { dbPath } from '../paths';
import { appVersion } from '../../main/services/index';
import { openServices, requireDatabase, requireRun } from '../services';

export const spec: CommandSpec = {
  name: 'export',
  summary: 'write a run as a PyTorch DDP project (--run ID --to pytorch --out DIR)',
  description: [
    'Writes train.py, its modules, requirements.txt and a README with the exact commands (one',
    'machine; several with torchrun --nnodes; and without torchrun) into DIR, which must be new or',
    'empty. The project trains the same model from the same initial weights on the same data rows,',
    'with the same optimizer, schedule and SAM settings, and prints the same JSON events as',
    '`train --json`; `sam-studio import` brings its output back.',
  ].join('\n'),
  options: {
    run: { type: 'string', value: 'ID', help: 'the run to export', required: true },
    to: { type: 'string', value: 'FORMAT', help: 'what to export to: pytorch', required: true },
    out: { type: 'string', value: 'DIR', help: 'the folder to write (new or empty)', required: true },
    db: DB_OPTION,
  },
  exitCodes: '0 written, 1 the export failed (e.g. the data set cannot be read), 2 bad input (an unknown run, a run the export cannot honour, a folder that is not empty)',
};

export async function run(opts: ParsedOptions): Promise<number> {
  const id = singleRunId(opts, 'run');
  const to = opts.required('to');
  if (to !== 'pytorch') throw new UsageError(`--to ${to}: the only export format is pytorch`);
  const out = opts.required('out');
  const db = dbPath(opts.string('db'));
  requireDatabase(db);
  const services = openServices(db.path);
  try {
    const detail = await requireRun(services, id, db.path);
    const { ExportError, exportPytorch } = await import('../../main/services/export/pytorch/index');
    let result;
    try {
      result = await exportPytorch(detail.config, out, { appVersion: appVersion(), run: { id, name: detail.name } });
    } catch (e) {
      if (e instanceof ExportError) throw new UsageError(`run ${id} cannot be exported: ${e.message}`);
      throw e;
    }
    console.log(`run ${id} (“${detail.name}”) written to ${result.dir} as a PyTorch project (${result.files.length} files).`);
    console.log(`It runs on ${result.worldSizes.length > 6 ? `${result.worldSizes.slice(0, 6).join(', ')}, …` : result.worldSizes.join(', ')} processes. See README.md; on this machine:\n`);
    console.log(`  cd ${result.dir}\n  ${result.commands.single}\n\nor, as ${result.commands.torchrun.match(/nproc_per_node=(\d+)/)?.[1]} processes without torchrun:\n\n${result.commands.manual.replace(/^/gm, '  ')}\n`);
    console.log(`then: sam-studio import --events ${result.dir}/events.jsonl`);
    return 0;
  } finally {
    await services.close();
  }
}
