// sam-studio: one entry, one file per sub-command in ./commands, each with the table of options
// that both parses (strict: an unknown option is an error) and writes its --help.
// Exit codes: 0 done, 1 the run (or the command) failed, 2 bad input, 130 stopped with Ctrl-C.
import { helpText, parseOptions, UsageError, type CommandSpec, type ParsedOptions } from './args';
import { closestKey } from '../shared/unknown-keys';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './paths';
import { hideLibraryConsole } from './quiet';

interface CommandModule {
  spec: CommandSpec;
  run(opts: ParsedOptions): Promise<number>;
}

const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  train: () => import('./commands/train'),
  resume: () => import('./commands/resume'),
  sweep: () => import('./commands/sweep'),
  runs: () => import('./commands/runs'),
  rename: () => import('./commands/rename'),
  rm: () => import('./commands/rm'),
  hessian: () => import('./commands/hessian'),
  report: () => import('./commands/report'),
  export: () => import('./commands/export'),
  launch: () => import('./commands/launch'),
  import: () => import('./commands/import'),
  config: () => import('./commands/config'),
  serve: () => import('./commands/serve'),
  bench: () => import('./commands/bench'),
};

async function usage(): Promise<string> {
  const specs = await Promise.all(Object.values(COMMANDS).map(async (load) => (await load()).spec));
  const width = Math.max(...specs.map((s) => s.name.length));
  return [
    'usage: sam-studio <command> [options]',
    '',
    ...specs.map((s) => `  ${s.name.padEnd(width)}  ${s.summary}`),
    '',
    '`sam-studio <command> --help` lists a command’s options. Without --db, commands use the run',
    'database the desktop app and `sam-studio serve` share.',
    'exit codes: 0 done, 1 the run (or the command) failed, 2 bad input, 130 stopped with Ctrl-C',
  ].join('\n');
}

function version(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/** Runs `sam-studio <argv>` and resolves with its exit code; messages go to stdout/stderr. */
export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    if (topic && COMMANDS[topic]) console.log(helpText((await COMMANDS[topic]()).spec));
    else if (name === undefined) console.error(await usage());
    else console.log(await usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    console.log(version());
    return 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    const near = closestKey(name, Object.keys(COMMANDS));
    console.error(`sam-studio: unknown command "${name}"${near ? `; did you mean ${near}?` : ''}\n\n${await usage()}`);
    return 2;
  }
  const cmd = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(helpText(cmd.spec));
    return 0;
  }
  let verbose = rest.includes('--verbose');
  try {
    const opts = parseOptions(cmd.spec, rest);
    verbose = opts.verbose;
    if (!verbose) hideLibraryConsole();
    return await cmd.run(opts);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`sam-studio ${name}: ${e.message}\n(sam-studio ${name} --help lists the options)`);
      return 2;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    console.error(`sam-studio ${name}: ${verbose && err.stack ? err.stack : err.message}`);
    return 1;
  }
}
