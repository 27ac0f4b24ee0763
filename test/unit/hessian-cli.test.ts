// `sam-studio hessian` as a real child process on a real SQLite store holding an SGD run and a SAM
// run (trained by `sam-studio train --db` on real Fashion-MNIST): JSON spectra stored back, the
// side-by-side table, and clear errors for a missing run or checkpoint. On a CNN run it says which
// method computed the Hessian-vector products, and warns when that was finite differences.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SpectrumEvent } from '../../src/shared/events';
import { openStore } from '../../src/main/services/store/index';
import { runCli as cli } from './helpers/cli';
import { makeTempDir } from './helpers/tmp';

const work = makeTempDir('cli-hessian-');
const db = join(work, 'runs.sqlite');

const BASE = {
  seed: 3,
  epochs: 1,
  batchSize: 100,
  backend: 'wasm',
  data: { name: 'fashion-mnist', limit: 800, testLimit: 200 },
  model: { kind: 'mlp', hidden: [24], activation: 'relu' },
  optimizer: { kind: 'sgd', lr: 0.05 },
  logEvery: 4,
};

beforeAll(async () => {
  for (const [name, extra] of [['sgd', {}], ['sam', { sam: { rho: 0.05 } }]] as const) {
    const path = join(work, `${name}.json`);
    writeFileSync(path, JSON.stringify({ ...BASE, ...extra, name }));
    const r = await cli(['train', '--config', path, '--db', db, '--json', '--work-dir', join(work, name)]);
    expect(r.code, r.stderr).toBe(0);
  }
});

describe('sam-studio hessian', () => {
  it('--json prints one spectrum per run (descending eigenvalues, trace) and stores it', async () => {
    const r = await cli(['hessian', '--db', db, '--run', '1,2', '--top-k', '5', '--trace', '--batch-size', '200', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as SpectrumEvent);
    expect(events.map((e) => [e.event, e.runId, e.epoch])).toEqual([
      ['spectrum', 1, 1],
      ['spectrum', 2, 1],
    ]);
    for (const e of events) {
      expect(e.topEigenvalues).toHaveLength(5);
      for (let i = 1; i < 5; i++) expect(e.topEigenvalues[i]).toBeLessThanOrEqual(e.topEigenvalues[i - 1]);
      expect(e.topEigenvalues[0]).toBeGreaterThan(0);
      expect(e.lambdaMaxOverLambda5).toBeCloseTo(e.topEigenvalues[0] / e.topEigenvalues[4], 6);
      expect(e.trace).toBeGreaterThan(0);
      expect(e.traceStdErr).toBeGreaterThan(0);
      expect(e.density).toBeNull();
      // The engine's log-softmax cross-entropy on a ReLU MLP passes the exact-vs-FD check.
      expect(e.hvp).toBe('exact');
      expect(e.hessianBatchSize).toBe(200);
    }
    const store = openStore(db);
    try {
      expect(store.getSpectra(1).map((s) => s.topEigenvalues)).toEqual([events[0].topEigenvalues]);
      expect(store.getSpectra(2).map((s) => s.topEigenvalues)).toEqual([events[1].topEigenvalues]);
    } finally {
      store.close();
    }
  });

  it('prints the runs side by side, with density and landscape on request', async () => {
    const r = await cli(['hessian', '--db', db, '--run', '1,2', '--checkpoint', '0', '--top-k', '5', '--density', '--landscape', '--batch-size', '100', '--max-iterations', '30']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/run 1 sgd\s+run 2 sam/);
    expect(lines[1]).toMatch(/sgd lr=0\.05\s+SAM\(ρ=0\.05\) \+ sgd lr=0\.05/);
    expect(lines.find((l) => l.startsWith('epoch'))).toMatch(/0 \(0\)\s+0 \(0\)/);
    const lambda1 = lines.find((l) => l.startsWith('λ1'))!.trim().split(/\s+/);
    expect(lambda1).toHaveLength(3);
    expect(Number(lambda1[1])).toBeGreaterThan(0);
    // Same seed, same initial weights, same batch: the two runs' spectra at epoch 0 are identical.
    expect(lambda1[1]).toBe(lambda1[2]);
    expect(lines.find((l) => l.startsWith('density'))).toMatch(/points/);
    const store = openStore(db);
    try {
      expect(store.getLandscapes(1).map((l) => l.kind)).toEqual(['1d-random', '2d-random']);
      expect(store.getLandscapes(2).map((l) => l.kind)).toEqual(['1d-random', '2d-random', '1d-eps']);
      const d = store.getSpectra(2).find((s) => s.epoch === 0)!.density!;
      expect(d.values.reduce((a, b) => a + b, 0) * (d.grid[1] - d.grid[0])).toBeCloseTo(1, 2);
    } finally {
      store.close();
    }
  });

  it('names the problem for a missing run, a missing checkpoint and bad flags (exit 2)', async () => {
    const missing = await cli(['hessian', '--db', db, '--run', '9']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/run 9 is not in .*sam-studio runs --db/);
    const noCk = await cli(['hessian', '--db', db, '--run', '1', '--checkpoint', '7']);
    expect(noCk.code).toBe(2);
    expect(noCk.stderr).toMatch(/run 1 has no checkpoint at epoch 7; it has epochs 1/);
    const badK = await cli(['hessian', '--db', db, '--run', '1', '--top-k', '40']);
    expect(badK.code).toBe(2);
    expect(badK.stderr).toMatch(/hessian.topK must be 1–20/);
    const noRun = await cli(['hessian', '--db', db]);
    expect(noRun.code).toBe(2);
    expect(noRun.stderr).toMatch(/--run ID is required/);
  });

  it('--per-layer: each layer’s block λ_max (SAM ÷ SGD) and ε̂ share beside the runs, stored with the spectrum', async () => {
    const r = await cli(['hessian', '--db', db, '--run', '1,2', '--top-k', '1', '--batch-size', '100', '--max-iterations', '30', '--per-layer']);
    expect(r.code, r.stderr).toBe(0);
    const store = openStore(db);
    try {
      const [sgd, sam] = [1, 2].map((id) => store.getSpectra(id).at(-1)!.perLayer!.layers);
      expect(sgd.map((l) => l.name)).toEqual(['dense0', 'logits']);
      const row = r.stdout.split('\n').find((l) => l.trim().startsWith('dense0 (18840)'))!;
      const ratio = (sam[0].lambdaMax / sgd[0].lambdaMax).toFixed(2);
      expect(row).toMatch(new RegExp(`/ ${(sgd[0].epsShare! * 100).toFixed(1)} %\\s+.* \\(×${ratio}\\) / ${(sam[0].epsShare! * 100).toFixed(1)} %$`));
    } finally {
      store.close();
    }
  });
});

describe('sam-studio hessian on a CNN run', () => {
  const cnnDb = join(work, 'cnn.sqlite');
  beforeAll(async () => {
    const path = join(work, 'cnn.json');
    const config = { ...BASE, name: 'cnn', batchSize: 64, data: { name: 'fashion-mnist', limit: 256, testLimit: 64 }, model: { kind: 'cnn', filters: [4], dense: 16 } };
    writeFileSync(path, JSON.stringify(config));
    const r = await cli(['train', '--config', path, '--db', cnnDb, '--json', '--work-dir', join(work, 'cnn')]);
    expect(r.code, r.stderr).toBe(0);
  });
  const args = ['hessian', '--db', cnnDb, '--run', '1', '--top-k', '3', '--batch-size', '64', '--max-iterations', '20'];

  it('says it used exact double backprop (conv and max-pool second derivatives are registered), checked on the smooth twin', async () => {
    const r = await cli(args);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n').find((l) => l.startsWith('Hessian-vector products'))).toMatch(/exact \(double backprop, checked on the smooth twin\)$/);
    expect(r.stdout).not.toMatch(/warning/i);
    const json = await cli([...args, '--json']);
    expect(json.code, json.stderr).toBe(0);
    const e = JSON.parse(json.stdout.trim().split('\n')[0]) as SpectrumEvent;
    expect(e.hvp).toBe('exact');
    expect(e.fdStep).toBeUndefined();
    expect(e.hvpCheckedOn).toBe('smooth-twin');
    expect(e.hvpReason).toMatch(
      /^exact double backprop checked on the smooth twin \(every ReLU a softplus, every max-pool an average pool, same weights\) against finite differences: pᵀHp exact .* vs finite differences .* at step 1e-4·‖w‖ .*; H·v along a random direction [\d.]+ % at step/,
    );
  });

  it('--hvp finite-difference: names the step, warns that the spectrum is approximate, and stores the method', async () => {
    const r = await cli([...args, '--hvp', 'finite-difference']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n').find((l) => l.startsWith('Hessian-vector products'))).toMatch(/finite differences \(step 1e-4·‖w‖\)$/);
    expect(r.stdout).toMatch(/warning: run 1: Finite-difference spectrum: .* approximate; on ReLU or max-pool networks .* Why finite differences: finite differences requested\./);
    const json = await cli([...args, '--hvp', 'finite-difference', '--json']);
    expect(json.code, json.stderr).toBe(0);
    // stdout stays pure JSON; the warning goes to stderr.
    expect((JSON.parse(json.stdout.trim().split('\n')[0]) as SpectrumEvent).hvp).toBe('finite-difference');
    expect(json.stderr).toMatch(/warning: run 1: Finite-difference spectrum/);
    const store = openStore(cnnDb);
    try {
      const stored = store.getSpectra(1);
      expect(stored.map((s) => s.hvp)).toEqual(['exact', 'exact', 'finite-difference', 'finite-difference']);
      expect(stored.filter((s) => s.hvp === 'finite-difference').every((s) => s.fdStep === 1e-4 && s.hvpReason === 'finite differences requested')).toBe(true);
    } finally {
      store.close();
    }
  });
});
