// npm run bench [-- --json] [-- --only step,store]: runs each benchmark module in turn.
// Each module measures ratios inside one run (SAM/SGD, wasm/cpu) so machines can be compared.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { swiftShaderEnv } from '../scripts/swiftshader-env.ts';

export interface BenchOptions {
  json: boolean;
  only?: string[];
}

const BENCHES = [
  { name: 'backends', what: 'per rung: self-check against cpu (ms, max relative error) and the SAM step auto times; the whole auto choice' },
  { name: 'step', what: 'SGD and SAM step time per backend, SAM/SGD ratio, wasm/cpu speed-up, one SAM epoch' },
  { name: 'variants', what: 'per SAM variant (GSAM, ESAM, LookSAM, Friendly-SAM, SAM-ON): forward-backward passes per step and step ms against SGD and SAM' },
  { name: 'hessian', what: 'time per exact and finite-difference Hessian-vector product (MLP and CNN) and per top-5 analysis (MLP)' },
  { name: 'store', what: 'SQLite ingest points/s, run-list and 5-run comparison query ms' },
  { name: 'ui', what: 'Compare page with 5 and 50 runs × 10,000 points in Chromium: first render and frame time' },
] as const;

export async function runBenches(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const onlyArg = argv.find((a) => a.startsWith('--only'));
  const only = onlyArg ? (onlyArg.includes('=') ? onlyArg.split('=')[1] : argv[argv.indexOf(onlyArg) + 1]).split(',') : undefined;
  const here = dirname(fileURLToPath(import.meta.url));
  let failures = 0;
  for (const b of BENCHES) {
    if (only && !only.includes(b.name)) continue;
    const file = join(here, `${b.name}.ts`);
    if (!existsSync(file)) {
      if (!json) console.log(`\n## ${b.name}: not available in this build`);
      continue;
    }
    if (!json) console.log(`\n## ${b.name} — ${b.what}`);
    try {
      const mod = (await import(file)) as { run(opts: BenchOptions): Promise<void> };
      await mod.run({ json, only });
    } catch (err) {
      failures++;
      const message = err instanceof Error ? err.message : String(err);
      if (json) console.log(JSON.stringify({ bench: b.name, error: message }));
      else console.error(`${b.name} failed: ${message}`);
    }
  }
  return failures ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // WebGPU rows on machines without a GPU: Dawn finds Debian chromium's SwiftShader only if the
  // dynamic linker saw its folder at start-up, so run the benches in a child that has the env.
  const env = swiftShaderEnv();
  if (Object.keys(env).length > 0) {
    const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, ...env } });
    process.exit(child.status ?? 1);
  }
  runBenches(process.argv.slice(2)).then((code) => process.exit(code));
}
