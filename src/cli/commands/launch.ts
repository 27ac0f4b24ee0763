// sam-studio launch --run ID --nproc N [--db FILE]: train a stored run's PyTorch export as N DDP
// processes on this machine, recorded as a new run next to the original (backend pytorch-ddp×N),
// its events streamed into the run database live, so the app shows it as it trains.
import { appVersion } from '../../main/services/index';
import { singleRunId, UsageError, type CommandSpec, type ParsedOptions, DB_OPTION } from '../args';
import { dbPath } from '../paths';
import { openServices, requireDatabase, requireRun } from '../services';
import { runInForeground } from '../foreground-run';
import { checkConfigPaths } from '../../engine/check-paths';

const VIAS = ['auto', 'torchrun', 'env'] as const;

export const spec: CommandSpec = {
  name: 'launch',
  summary: 'train a run as N PyTorch DDP processes here, recorded as a new run (--run ID --nproc N)',
  description: [
    'Exports the run as a PyTorch project into the new run’s folder and trains it as N processes',
    '(gloo on CPU, nccl with GPUs): with torchrun where it works, else started with MASTER_ADDR,',
    'MASTER_PORT, RANK, WORLD_SIZE and LOCAL_RANK. The new run (backend pytorch-ddp×N) shows in',
    'the app like any other while it trains. Progress goes to stderr (--json: its events on stdout).',
    'Ctrl-C stops it after the current step with a checkpoint.',
  ].join('\n'),
  options: {
    run: { type: 'string', value: 'ID', help: 'the run whose config to train', required: true },
    nproc: { type: 'string', value: 'N', help: 'number of processes (default 2)' },
    via: { type: 'string', value: 'HOW', help: 'auto (default: torchrun if it works here), torchrun or env' },
    python: { type: 'string', value: 'PATH', help: 'Python with torch (default: /usr/bin/python3, python3, python — the first with torch)' },
    threads: { type: 'string', value: 'N', help: 'CPU threads per process (default: cores over processes)' },
    name: { type: 'string', value: 'TEXT', help: 'name of the new run (default: the run’s name · PyTorch DDP×N)' },
    db: DB_OPTION,
    json: { type: 'boolean', help: 'the run’s events on stdout, one JSON object per line' },
  },
  exitCodes: '0 done, 1 the run failed, 2 bad input (an unknown run, a number of processes the batch does not split over, a run the export cannot honour, a data file that is gone, no Python with torch), 130 stopped with Ctrl-C (a checkpoint is written)',
};

export async function run(opts: ParsedOptions): Promise<number> {
  const sourceId = singleRunId(opts, 'run');
  const nproc = opts.int('nproc', 2, 1, 1024);
  const via = opts.string('via') ?? 'auto';
  if (!(VIAS as readonly string[]).includes(via)) throw new UsageError(`--via ${via}: choose ${VIAS.join(', ')}`);
  const threads = opts.has('threads') ? opts.int('threads', 1, 1, 1024) : undefined;
  const json = opts.flag('json');
  const db = dbPath(opts.string('db'));
  requireDatabase(db);
  const { PytorchDdpLauncher, checkExportable, ExportError, findPython, worldSizeProblem } = await import('../../main/services/export/pytorch/index');
  const names = new Map<number, { id: number; name: string }>();
  const launcher = new PytorchDdpLauncher({ nproc, via: via as 'auto', python: opts.string('python'), threads, appVersion: appVersion(), describe: (id) => names.get(id) ?? null });
  const services = openServices(db.path, { launcher });
  try {
    const source = await requireRun(services, sourceId, db.path);
    const problem = worldSizeProblem(source.config, nproc);
    if (problem) throw new UsageError(`--nproc ${nproc}: ${problem}`);
    try {
      checkExportable(source.config);
      findPython(opts.string('python'));
    } catch (e) {
      throw new UsageError(e instanceof ExportError ? `run ${sourceId} cannot be exported: ${e.message}` : (e as Error).message);
    }
    // What the config points at must still exist (a CSV file, a data folder), as for `train`.
    const pathErrors = checkConfigPaths(source.config);
    if (pathErrors.length > 0) throw new UsageError(`run ${sourceId}: ${pathErrors.map((e) => e.message).join('; ')}`, pathErrors);
    const name = opts.string('name') ?? `${source.name} · PyTorch DDP×${nproc}`;
    return await runInForeground(services, { json, epochs: source.config.epochs, infoLogs: true, where: db.path }, async () => {
      const created = await services.createRun(source.config, { name, tags: [...source.tags.filter((t) => t !== 'pytorch-ddp'), 'pytorch-ddp'] });
      names.set(created.id, { id: created.id, name });
      if (!json) process.stderr.write(`run ${created.id} (“${name}”): run ${sourceId}’s config as ${nproc} PyTorch DDP process${nproc === 1 ? '' : 'es'}\n`);
      return created.id;
    });
  } finally {
    await services.close();
  }
}
