// sam-studio bench [--json] [--only step,store]: the same runner as `npm run bench`. The
// benchmarks are development tools kept as TypeScript beside the source (bench/), so they run
// in this process under tsx's loader, registered here.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type CommandSpec, type ParsedOptions } from '../args';
import { packageRoot } from '../paths';

export const spec: CommandSpec = {
  name: 'bench',
  summary: 'benchmarks (the same as npm run bench)',
  description: 'Step, Hessian, store and UI benchmarks on this machine; see docs/PERFORMANCE.md.',
  options: {
    json: { type: 'boolean', help: 'one JSON object per measurement' },
    only: { type: 'string', value: 'LIST', help: 'comma-separated benchmarks: step, hessian, store, ui' },
  },
  exitCodes: '0 all ran, 1 a benchmark failed, 2 bad input',
};

export async function run(opts: ParsedOptions): Promise<number> {
  const { register } = await import('tsx/esm/api');
  register();
  const bench = (await import(pathToFileURL(join(packageRoot(), 'bench', 'index.ts')).href)) as { runBenches(argv: string[]): Promise<number> };
  const only = opts.string('only');
  return bench.runBenches([...(opts.flag('json') ? ['--json'] : []), ...(only ? ['--only', only] : [])]);
}
