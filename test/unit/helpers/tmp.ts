// Scratch folders for tests that write real files (SQLite databases, checkpoints, configs).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A new empty folder under the OS temp dir, named `<prefix>XXXXXX`. */
export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Deletes a folder made by makeTempDir and all it holds (no error if it is already gone). */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
