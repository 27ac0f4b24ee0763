// Files named by options (--config, --spec, --events): read, parsed as JSON where they hold JSON,
// and every failure a bad input (exit 2) that names the option and the file.
import { readFileSync } from 'node:fs';
import { UsageError } from './args';

/** The file's text, or a UsageError saying why it cannot be read. */
export function readOptionFile(option: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--${option} ${file} cannot be read: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
}

/** The file's JSON value, or a UsageError naming the file (JSON's own message says where it broke). */
export function readJsonOption(option: string, file: string): unknown {
  const text = readOptionFile(option, file);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new UsageError(`--${option} ${file} is not valid JSON: ${(e as Error).message}`);
  }
}

/** A JSON object (`what` says which, e.g. "a run config"), or a UsageError. */
export function readJsonObjectOption(option: string, file: string, what: string): Record<string, unknown> {
  const raw = readJsonOption(option, file);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new UsageError(`--${option} ${file} must hold a JSON object (${what})`);
  return raw as Record<string, unknown>;
}
