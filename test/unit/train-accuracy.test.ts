// Acceptance (issue 3, "Done when"): through the CLI, the MLP 784-512-512-10 on the full real
// Fashion-MNIST reaches ≥ 85 % test accuracy in 2 epochs, with SGD and with SAM (ρ = 0.05).
// Measured on the shared 2-core box (load average ≈ 12 from other jobs): SGD 88.1 % in 103 s wall
// (≈ 28 s of CPU time), SAM 87.6 % in 128–212 s wall (≈ 52 s CPU). Printed, never asserted.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli';

const work = mkdtempSync(join(tmpdir(), 'train-accuracy-'));

function trainJson(config: unknown, name: string): Promise<{ code: number | null; events: { event: string; [k: string]: unknown }[]; stderr: string }> {
  const path = join(work, `${name}.json`);
  writeFileSync(path, JSON.stringify(config));
  return runCli(['train', '--config', path, '--json', '--db', join(work, 'runs.db'), '--work-dir', join(work, name)]).then(({ code, stdout, stderr }) => ({
    code,
    stderr,
    events: stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; [k: string]: unknown }),
  }));
}

// The paper's MLP setting for this check: SGD with momentum, a cosine schedule (so the second
// epoch ends at a small learning rate instead of on a noisy step), batch 128, no data.limit.
const MLP = {
  seed: 0,
  epochs: 2,
  batchSize: 128,
  backend: 'wasm',
  data: { name: 'fashion-mnist' },
  model: { kind: 'mlp', hidden: [512, 512], activation: 'relu' },
  optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9 },
  schedule: { kind: 'cosine' },
  logEvery: 50,
};

describe('acceptance: MLP on the full Fashion-MNIST in 2 epochs', () => {
  for (const [name, sam] of [
    ['sgd', null],
    ['sam', { rho: 0.05 }],
  ] as const) {
    it(`${name.toUpperCase()} reaches ≥ 85 % test accuracy`, async () => {
      const t0 = Date.now();
      const r = await trainJson({ ...MLP, name: `acceptance ${name}`, sam }, name);
      const wallS = (Date.now() - t0) / 1000;
      expect(r.code, r.stderr).toBe(0);
      const started = r.events.find((e) => e.event === 'started')!;
      expect(started).toMatchObject({ paramCount: 784 * 512 + 512 + 512 * 512 + 512 + 512 * 10 + 10, trainExamples: 60000, testExamples: 10000 });
      const done = r.events.at(-1)!;
      expect(done).toMatchObject({ event: 'done', epochs: 2, steps: 936 });
      const m = done.metrics as Record<string, number>;
      console.log(`[acceptance] ${name}: test accuracy ${(m.testAccuracy * 100).toFixed(2)} %, ${wallS.toFixed(1)} s wall`);
      expect(m.testAccuracy).toBeGreaterThanOrEqual(0.85);
      if (sam) expect(m.sharpness).toBeGreaterThan(0);
    }, 600_000);
  }
});
