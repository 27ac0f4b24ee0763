#!/usr/bin/env node
// sam-studio: one entry, one file per sub-command in ./commands.
const COMMANDS: Record<string, { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> }> = {
  train: { summary: 'train one config headless (--config FILE [--json] [--db FILE])', load: () => import('./commands/train') },
  config: { summary: 'print a ready config (--example NAME)', load: () => import('./commands/config') },
  bench: { summary: 'benchmarks (same as npm run bench)', load: () => import('./commands/bench') },
  runs: { summary: 'list stored runs (--db FILE [--json])', load: () => import('./commands/runs') },
  resume: { summary: 'resume an interrupted run (--db FILE --run ID)', load: () => import('./commands/resume') },
  serve: { summary: 'browser door on 127.0.0.1 (--port N --db FILE)', load: () => import('./commands/serve') },
  hessian: { summary: 'Hessian spectrum of a stored run (--db FILE --run ID --top-k 5 [--density] [--trace] [--json])', load: () => import('./commands/hessian') },
  report: { summary: 'export a report (--db FILE --runs 1,2 --format html|pdf|csv|json --out PATH)', load: () => import('./commands/report') },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return ['usage: sam-studio <command> [options]', '', ...Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`)].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    console.error(`sam-studio: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  const mod = await cmd.load();
  return mod.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`sam-studio: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
