// Command-line options of every sub-command, parsed by node:util parseArgs in strict mode: an
// unknown option is an error that names it and suggests the option meant (`--epoch` → did you
// mean --epochs?), a stray word is an error, and each command's --help is written from the same
// table that parses it. A UsageError is a bad input: exit code 2.
import { parseArgs } from 'node:util';
import { closestKey } from '../shared/unknown-keys';
import type { FieldError } from '../shared/unknown-keys';

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** The placeholder shown in help for a valued option: FILE, N, ID. */
  value?: string;
  help: string;
  required?: boolean;
}

export interface CommandSpec {
  name: string;
  /** One line for `sam-studio --help`. */
  summary: string;
  /** Paragraphs printed under the usage line of `sam-studio <name> --help`. */
  description: string;
  options: Record<string, OptionSpec>;
  /** What each exit code means for this command. */
  exitCodes: string;
}

/** Bad input: the message names the option or field and the fix. Exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly errors: FieldError[] = [],
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Options every command takes. */
const COMMON: Record<string, OptionSpec> = {
  verbose: { type: 'boolean', help: 'also show warnings printed by libraries (tfjs, Dawn, …)' },
  help: { type: 'boolean', help: 'show this help' },
};

export interface ParsedOptions {
  help: boolean;
  verbose: boolean;
  /** The value of a string option, or undefined when absent. */
  string(name: string): string | undefined;
  /** A required string option (UsageError naming it when absent). */
  required(name: string): string;
  flag(name: string): boolean;
  /** A whole number within [min, max], `fallback` when absent. */
  int(name: string, fallback: number, min?: number, max?: number): number;
  /** Whether the option was given at all. */
  has(name: string): boolean;
}

function allOptions(spec: CommandSpec): Record<string, OptionSpec> {
  return { ...spec.options, ...COMMON };
}

/** Turn parseArgs' own errors into messages that name the option and what to do. */
function usageErrorFrom(spec: CommandSpec, argv: string[], err: NodeJS.ErrnoException): UsageError {
  const names = Object.keys(allOptions(spec));
  const quoted = /'([^']+)'/.exec(err.message)?.[1] ?? '';
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const bare = quoted.replace(/^-+/, '').replace(/=.*$/, '');
      const near = closestKey(bare, names);
      return new UsageError(`unknown option ${quoted}; ${near ? `did you mean --${near}?` : `the options are ${names.map((n) => `--${n}`).join(', ')}`}`);
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL': {
      const before = argv[argv.indexOf(quoted) - 1];
      const flag = before?.startsWith('--') ? before.slice(2) : null;
      const why = flag && allOptions(spec)[flag]?.type === 'boolean' ? `; --${flag} takes no value` : '; options are written --name value';
      return new UsageError(`unexpected argument "${quoted}"${why}`);
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const name = quoted.replace(/^-+/, '').split(/[ =]/)[0];
      const opt = allOptions(spec)[name];
      if (opt?.type === 'boolean') return new UsageError(`--${name} takes no value`);
      return new UsageError(`--${name} needs a value (--${name} ${opt?.value ?? 'VALUE'}; a value starting with "-" is written --${name}=-1)`);
    }
    default:
      return new UsageError(err.message);
  }
}

export function parseOptions(spec: CommandSpec, argv: string[]): ParsedOptions {
  const options = Object.fromEntries(Object.entries(allOptions(spec)).map(([n, o]) => [n, { type: o.type }]));
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as typeof values;
  } catch (e) {
    throw usageErrorFrom(spec, argv, e as NodeJS.ErrnoException);
  }
  const string = (name: string) => values[name] as string | undefined;
  const parsed: ParsedOptions = {
    help: values.help === true,
    verbose: values.verbose === true,
    string,
    flag: (name) => values[name] === true,
    has: (name) => values[name] !== undefined,
    required(name) {
      const v = string(name);
      if (v === undefined || v === '') throw new UsageError(`--${name} ${spec.options[name]?.value ?? 'VALUE'} is required (${spec.options[name]?.help ?? name})`);
      return v;
    },
    int(name, fallback, min = -Infinity, max = Infinity) {
      const v = string(name);
      if (v === undefined) return fallback;
      const n = Number(v);
      if (v.trim() === '' || !Number.isInteger(n)) throw new UsageError(`--${name} must be a whole number, got "${v}"`);
      if (n < min || n > max) throw new UsageError(`--${name} must be ${max === Infinity ? `≥ ${min}` : `between ${min} and ${max}`}, got ${n}`);
      return n;
    },
  };
  return parsed;
}

/** `sam-studio <name> --help`: usage, description, every option, exit codes. */
export function helpText(spec: CommandSpec): string {
  const opts = allOptions(spec);
  const required = Object.entries(spec.options).filter(([, o]) => o.required);
  const usage = `usage: sam-studio ${spec.name}${required.map(([n, o]) => ` --${n} ${o.value ?? 'VALUE'}`).join('')} [options]`;
  const left = (n: string, o: OptionSpec) => `--${n}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
  const width = Math.max(...Object.entries(opts).map(([n, o]) => left(n, o).length));
  const lines = Object.entries(opts).map(([n, o]) => `  ${left(n, o).padEnd(width)}  ${o.help}${o.required ? ' (required)' : ''}`);
  return [usage, '', spec.description, '', 'options:', ...lines, '', `exit codes: ${spec.exitCodes}`].join('\n');
}

/** Comma-separated run ids ("1,2"), each a whole number ≥ 1. */
export function runIdList(option: string, text: string): number[] {
  const parts = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (parts.length === 0) throw new UsageError(`--${option} needs at least one run id, e.g. --${option} 1,2`);
  return parts.map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${option}: "${s}" is not a run id (run ids are whole numbers ≥ 1, e.g. --${option} 1,2)`);
    return n;
  });
}

/** A required option holding exactly one run id. */
export function singleRunId(opts: ParsedOptions, option: string): number {
  const ids = runIdList(option, opts.required(option));
  if (ids.length !== 1) throw new UsageError(`--${option} takes one run id here, got ${ids.join(', ')}`);
  return ids[0];
}

/** --db, which every command about stored runs takes. */
export const DB_OPTION: OptionSpec = { type: 'string', value: 'FILE', help: 'run database (default: the one the app and every door share)' };

/** --concurrency, for the commands that train runs side by side (the scheduler's limit; the app's default is 1). */
export const CONCURRENCY_OPTION: OptionSpec = { type: 'string', value: 'N', help: 'runs training at once (default 1, as in the app)' };
