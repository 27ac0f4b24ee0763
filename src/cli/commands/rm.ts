// sam-studio rm --run ID[,ID…] [--yes] [--db FILE]: delete runs with the files they own (their
// runs/<id> folder of checkpoints beside the database), through the services' deleteRun — the
// same operation as the app's Delete. Asks first on a terminal; elsewhere --yes is required.
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { RunDetail } from '../../shared/api';
import { runIdList, UsageError, type CommandSpec, type ParsedOptions, DB_OPTION } from '../args';
import { dbPath } from '../paths';
import { openServices, requireDatabase, requireRun } from '../services';

export const spec: CommandSpec = {
  name: 'rm',
  summary: 'delete runs and the files they own (--run ID[,ID…], asks first; --yes)',
  description: [
    'Deletes each run from the run database with its stored series, spectra and logs, and its folder',
    'of checkpoints (runs/<id> beside the database). On a terminal it asks first; otherwise pass --yes.',
    'A run that is training (in the app or another command) is refused: stop it first.',
  ].join('\n'),
  options: {
    run: { type: 'string', value: 'ID', help: 'the run id, or several: 3,4,7', required: true },
    yes: { type: 'boolean', help: 'delete without asking' },
    db: DB_OPTION,
  },
  exitCodes: '0 deleted, 1 not confirmed (nothing deleted), 2 bad input (an unknown run, a running run, no --yes without a terminal)',
};

function describe(r: RunDetail, folder: string): string {
  const n = r.checkpoints.length;
  return `run ${r.id} "${r.name}" (${r.status}${n ? `, ${n} checkpoint${n > 1 ? 's' : ''}` : ''}) and ${folder}`;
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

export async function run(opts: ParsedOptions): Promise<number> {
  const ids = runIdList('run', opts.required('run'));
  const db = dbPath(opts.string('db'));
  requireDatabase(db);
  const services = openServices(db.path);
  try {
    const runs: RunDetail[] = [];
    for (const id of ids) {
      const r = await requireRun(services, id, db.path);
      if (r.status === 'running') throw new UsageError(`run ${id} is training (in the app or another sam-studio command); stop it there first, then delete it`);
      runs.push(r);
    }
    // The folder deleteRun removes: runs/<id> in the services' work folder, beside the database.
    const folder = (id: number) => join(dirname(db.path), 'runs', String(id));
    const what = runs.map((r) => describe(r, folder(r.id)));
    if (!opts.flag('yes')) {
      if (!process.stdin.isTTY) throw new UsageError(`rm deletes ${what.join('; ')}; pass --yes to confirm (there is no terminal to ask on)`);
      if (!(await confirm(`delete ${what.join(';\n       ')}?`))) {
        console.error('nothing deleted');
        return 1;
      }
    }
    for (const r of runs) {
      await services.deleteRun(r.id);
      console.log(`deleted ${describe(r, folder(r.id))}`);
      const elsewhere = r.checkpoints.filter((c) => !c.path.startsWith(folder(r.id)));
      if (elsewhere.length) console.log(`  kept ${elsewhere.length} checkpoint file(s) it wrote outside that folder (train --work-dir): ${elsewhere.map((c) => c.path).join(', ')}`);
    }
    return 0;
  } finally {
    await services.close();
  }
}
