// sam-studio import --events FILE.jsonl [--config run.json] [--db FILE]: a run made elsewhere (a
// Slurm job's output of an exported train.py, or `sam-studio train --json` on another machine)
// stored as a run like any other, for Compare, analyses and reports. The file is checked whole
// before anything is stored, and stored in one transaction: a bad line stores nothing.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError, type CommandSpec, type ParsedOptions, DB_OPTION } from '../args';
import { dbPath } from '../paths';
import { readJsonOption, readOptionFile } from '../input-files';

export const spec: CommandSpec = {
  name: 'import',
  summary: 'store a run made elsewhere from its JSON-lines events (--events FILE)',
  description: [
    'Reads the events a run printed — an exported train.py’s stdout, or `sam-studio train --json` —',
    'and stores the run (config, curves, checkpoints, final metrics) in the run database. The config',
    'is the one the started event carries unless --config names a run.json. A malformed or',
    'truncated file is refused with its line number, and nothing is stored.',
    'Checkpoint paths are kept as written; --checkpoint-dir DIR looks the files up in DIR instead',
    '(the Hessian analysis of an imported run reads its checkpoints from there).',
  ].join('\n'),
  options: {
    events: { type: 'string', value: 'FILE', help: 'the JSON-lines events file', required: true },
    config: { type: 'string', value: 'FILE', help: 'the run config to store (default: the started event’s)' },
    name: { type: 'string', value: 'TEXT', help: 'name of the run (default: its config’s name, else what it is)' },
    'checkpoint-dir': { type: 'string', value: 'DIR', help: 'where this machine keeps the run’s checkpoint files' },
    db: DB_OPTION,
    json: { type: 'boolean', help: 'print {"runId":…,"status":…} as JSON' },
  },
  exitCodes: '0 imported, 2 bad input (a malformed or truncated file, named by line; an invalid config)',
};

export async function run(opts: ParsedOptions): Promise<number> {
  const eventsPath = opts.required('events');
  const text = readOptionFile('events', eventsPath);
  const { EventsFileError, parseEventsFile } = await import('../../main/services/export/events-file');
  const { ImportConfigError, importRun } = await import('../../main/services/export/import-run');
  let file;
  try {
    file = parseEventsFile(text);
  } catch (e) {
    if (e instanceof EventsFileError) throw new UsageError(`${eventsPath}, ${e.message}; nothing was imported`);
    throw e;
  }
  let config: { value: unknown; source: string } | undefined;
  const configPath = opts.string('config');
  if (configPath) {
    config = { value: readJsonOption('config', configPath), source: configPath };
  }
  const db = dbPath(opts.string('db'));
  const { openStore } = await import('../../main/services/store/index');
  const store = openStore(db.path);
  try {
    const checkpointDir = opts.string('checkpoint-dir');
    let imported;
    try {
      imported = importRun(store, file, { config, name: opts.string('name'), checkpointDir: checkpointDir ? resolve(checkpointDir) : undefined, endedAt: Math.round(statSync(eventsPath).mtimeMs) });
    } catch (e) {
      if (e instanceof ImportConfigError) throw new UsageError(`${e.message}\nnothing was imported`, e.errors);
      throw e;
    }
    if (opts.flag('json')) {
      console.log(JSON.stringify({ runId: imported.runId, name: imported.name, status: imported.status, missingCheckpoints: imported.missingCheckpoints }));
      return 0;
    }
    console.log(`run ${imported.runId} (“${imported.name}”, ${imported.status}) imported from ${eventsPath}: ${file.events.length} events, backend ${file.started.backend.name}, into ${db.path}`);
    if (imported.missingCheckpoints.length) {
      console.log(`${imported.missingCheckpoints.length} checkpoint file(s) are not on this machine (e.g. ${imported.missingCheckpoints[0]}); copy them here and import with --checkpoint-dir DIR to analyse their Hessian spectra`);
    }
    return 0;
  } finally {
    store.close();
  }
}
