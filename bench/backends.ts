// The verified ladder's own cost (issue 11): per rung, the self-check against cpu (a tiny CNN's
// loss, gradients and one SAM step) and the timing `auto` uses to choose; and the whole `auto`
// choice as a trainer process pays it at start-up. WebGPU rows name the adapter and say when it
// is a software rasteriser (SwiftShader), which loses to wasm by design.
// Table, or JSON lines {"bench":"self-check"|"ladder",…}.
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forgetBackendChecks, initBackend } from '../src/engine/backend';
import type { BackendCheck } from '../src/shared/events';

export async function run(opts: { json: boolean }): Promise<void> {
  const say = (line: string) => {
    if (!opts.json) console.log(line);
  };
  // A cold start: no timings remembered from earlier processes (the case of a machine's first run).
  const saved = process.env.SAM_STUDIO_CACHE_DIR;
  const cache = mkdtempSync(join(tmpdir(), 'sam-bench-cache-'));
  process.env.SAM_STUDIO_CACHE_DIR = cache;
  forgetBackendChecks();
  const t0 = performance.now();
  const report = await initBackend('auto');
  const ladderMs = Math.round(performance.now() - t0);
  // A warm start, as every later trainer process: timings remembered, only the chosen rung checked.
  forgetBackendChecks();
  const t1 = performance.now();
  await initBackend('auto');
  const warmMs = Math.round(performance.now() - t1);
  if (saved === undefined) delete process.env.SAM_STUDIO_CACHE_DIR;
  else process.env.SAM_STUDIO_CACHE_DIR = saved;
  rmSync(cache, { recursive: true, force: true });
  say('backend   status        self-check ms  max rel. error  SAM step ms (timing workload)');
  for (const c of report.checks ?? ([] as BackendCheck[])) {
    const row = { bench: 'self-check', backend: c.name, status: c.status, checkMs: c.checkMs, maxRelError: c.maxRelError, stepMs: c.stepMs, ...(c.software ? { softwareAdapter: true } : {}), ...(c.status === 'refused' || c.status === 'unavailable' ? { reason: c.reason } : {}) };
    if (opts.json) console.log(JSON.stringify(row));
    else
      say(
        `${c.name.padEnd(15)} ${c.status.padEnd(12)} ${String(c.checkMs ?? '—').padStart(9)}  ${(c.maxRelError === null ? '—' : c.maxRelError.toExponential(1)).padStart(14)}  ${(c.stepMs === null ? '—' : c.stepMs.toFixed(1)).padStart(11)}` +
          (c.software ? '  (software adapter)' : '') +
          (c.status === 'unavailable' ? `  ${c.reason.slice(0, 60)}` : ''),
      );
  }
  const ladder = { bench: 'ladder', chosen: report.name, coldMs: ladderMs, warmMs };
  if (opts.json) console.log(JSON.stringify(ladder));
  else
    say(
      `auto chose ${report.name}: ${(ladderMs / 1000).toFixed(1)} s on a first start (probe, check and time every rung), ` +
        `${(warmMs / 1000).toFixed(1)} s on later starts (timings remembered, the chosen rung checked)`,
    );
  await tf.setBackend('cpu');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  run({ json: process.argv.includes('--json') }).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
