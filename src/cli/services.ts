// The services behind every door, opened by the commands that manage runs (resume, rm, rename,
// serve) on the CLI's database, with trainers forked from the CLI's own build.
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { createStudioServices, type CreateStudioServicesOptions, type StudioServices } from '../main/services/index';
import { NodeTrainerLauncher } from '../main/services/node-trainer-launcher';
import { RunNotFoundError } from '../main/services/store/index';
import type { RunDetail } from '../shared/api';
import { UsageError } from './args';
import { trainerEntry } from './paths';

export function openServices(db: string, opts: Partial<CreateStudioServicesOptions> = {}): StudioServices {
  return createStudioServices({
    dbPath: db,
    // Checkpoints (runs/<id>) and reports beside the database, as the app and `train` put them.
    workDir: dirname(db),
    launcher: new NodeTrainerLauncher({ entry: trainerEntry() }),
    adoptQueued: false,
    ...opts,
  });
}

/** A database that must exist already (a command about stored runs never creates one). */
export function requireDatabase(db: { path: string; isDefault: boolean }): void {
  if (existsSync(db.path)) return;
  throw new UsageError(
    db.isDefault
      ? `no runs yet: the run database ${db.path} does not exist (\`sam-studio train\` or the app creates it; --db FILE picks another)`
      : `--db: ${db.path} does not exist; give the SQLite file the app, \`sam-studio train\` or \`sam-studio serve\` wrote`,
  );
}

/** The run, or a UsageError that says how to find the right id. */
export async function requireRun(services: StudioServices, id: number, db: string): Promise<RunDetail> {
  try {
    return await services.getRun(id);
  } catch (e) {
    if (e instanceof RunNotFoundError) throw new UsageError(`run ${id} is not in ${db}; list the runs with: sam-studio runs --db ${db}`);
    throw e;
  }
}
