// sam-studio rename --run ID --name TEXT [--db FILE]: the services' updateRun, as the app renames.
import { runPatchSchema } from '../../shared/api';
import { singleRunId, UsageError, type CommandSpec, type ParsedOptions, DB_OPTION } from '../args';
import { dbPath } from '../paths';
import { openServices, requireDatabase, requireRun } from '../services';

export const spec: CommandSpec = {
  name: 'rename',
  summary: 'rename a run (--run ID --name TEXT)',
  description: 'Gives a stored run a new name (what the run list, Compare and reports show).',
  options: {
    run: { type: 'string', value: 'ID', help: 'the run id', required: true },
    name: { type: 'string', value: 'TEXT', help: 'the new name (1–200 characters)', required: true },
    db: DB_OPTION,
  },
  exitCodes: '0 renamed, 2 bad input (an unknown run, an empty or too long name)',
};

export async function run(opts: ParsedOptions): Promise<number> {
  const id = singleRunId(opts, 'run');
  const patch = runPatchSchema.safeParse({ name: opts.required('name').trim() });
  if (!patch.success) throw new UsageError(`--name: ${patch.error.issues.map((i) => i.message).join('; ')}`);
  const db = dbPath(opts.string('db'));
  requireDatabase(db);
  const services = openServices(db.path);
  try {
    const before = await requireRun(services, id, db.path);
    const after = await services.updateRun(id, patch.data);
    console.log(`run ${id} renamed: "${before.name}" → "${after.name}"`);
    return 0;
  } finally {
    await services.close();
  }
}
