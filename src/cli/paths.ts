// Where the CLI finds what ships beside it — run from the source (tsx: src/cli/*.ts) or built
// (out/cli/*.js, every chunk in that one folder) — and the run database when --db is absent.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultDbPath } from '../main/services/paths';

const here = fileURLToPath(import.meta.url);

/** The folder of SAM Studio's package.json (the checkout, or the installed package). */
export function packageRoot(): string {
  for (let dir = dirname(here); ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'sam-studio') return dir;
    if (dirname(dir) === dir) throw new Error(`cannot find SAM Studio's package.json above ${here}`);
  }
}

/**
 * The trainer process the CLI's services fork: the built one beside the built CLI (plain Node,
 * no TypeScript loader), or undefined under tsx, where the launcher's default (the .ts source
 * under tsx) applies.
 */
export function trainerEntry(): string | undefined {
  return here.endsWith('.js') ? join(dirname(here), 'trainer-process.js') : undefined;
}

/** The browser build of the renderer that `serve` serves (npm run build:web). */
export function webDir(): string {
  return join(packageRoot(), 'out', 'web');
}

/** --db, or the database the desktop app and every other door share. */
export function dbPath(option: string | undefined): { path: string; isDefault: boolean } {
  return option ? { path: resolve(option), isDefault: false } : { path: defaultDbPath(), isDefault: true };
}

/** ` --db FILE` when the database is not the default one (commands printed for the user to run). */
const dbArg = (db: { path: string; isDefault: boolean }) => (db.isDefault ? '' : ` --db ${db.path}`);

/** The command that continues a stopped run of this database. */
export function resumeCommand(runId: number, db: { path: string; isDefault: boolean }): string {
  return `sam-studio resume --run ${runId}${dbArg(db)}`;
}

/** The command that continues a stopped sweep of this database (its stopped and unstarted runs). */
export function resumeSweepCommand(sweepId: number, db: { path: string; isDefault: boolean }): string {
  return `sam-studio sweep --resume ${sweepId}${dbArg(db)}`;
}
