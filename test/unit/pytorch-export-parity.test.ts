// Fidelity of the PyTorch export, proven on real Fashion-MNIST: the app's engine (its own
// training loop, cpu backend) and the exported train.py (one process, or two gloo ranks started
// with the env variables) train the same config from the same initial weights for a few steps;
// the weights they end on agree to float32 round-off. The cases cover plain SAM on one and on two
// ranks (the all-reduce before the ascent), p = ∞, ASAM, m-sharpness as per-rank ε̂ (one and two
// chunks per rank), and every deterministic variant: GSAM (with a cosine schedule moving ρ_t),
// ESAM (its weight mask and row selection across two ranks), LookSAM, Friendly-SAM and SAM-ON
// (a ResNet's batch norms, softplus for its ReLUs), with SGD (Nesterov, L2 in the loss, clipping), Adam and AdamW;
// and a fine-tuning run (startFrom: another run's checkpoint, a new head) on a class subset (data.classes).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { loadCheckpoint } from '../../src/engine/checkpoint';
import type { RunConfigInput } from '../../src/shared/config';
import type { TrainerEvent } from '../../src/shared/events';
import { exportConfig, lastCheckpoint, runTrainScript } from './helpers/pytorch-export';
import { makeTempDir, removeTempDir } from './helpers/tmp';
import { trainCollect } from './helpers/train';

const FASHION = '/usr/share/datasets/fashion-mnist';
const BATCH = 16;
const mlp: RunConfigInput['model'] = { kind: 'mlp', hidden: [16] };
const sgd: RunConfigInput['optimizer'] = { kind: 'sgd', lr: 0.1 };

interface Case {
  model: RunConfigInput['model'];
  optimizer: RunConfigInput['optimizer'];
  sam: RunConfigInput['sam'];
  schedule?: RunConfigInput['schedule'];
  ranks: 1 | 2;
  steps: number;
  /**
   * How far the weights may differ, as a fraction of how far the steps moved them: float32
   * round-off (a part in 10⁵ for SGD, a few in 10⁵ through a ResNet's batch norms), amplified
   * where Adam divides a near-zero gradient by its own root mean square and p = ∞ takes its sign.
   */
  tolerance?: number;
}

const CASES: Record<string, Case> = {
  'plain SAM, SGD with Nesterov, L2 in the loss, gradient clipping': { model: mlp, optimizer: { kind: 'sgd', lr: 0.1, nesterov: true, weightDecay: 5e-4, gradClip: 1 }, sam: { rho: 0.05 }, ranks: 1, steps: 2 },
  'plain SAM on 2 ranks (first-pass all-reduce before the ascent), CNN': { model: { kind: 'cnn', filters: [4], dense: 16 }, optimizer: sgd, sam: { rho: 0.05 }, ranks: 2, steps: 1 },
  'p = ∞ with Adam': { model: mlp, optimizer: { kind: 'adam', lr: 0.01 }, sam: { rho: 0.01, p: 'inf' }, ranks: 1, steps: 2, tolerance: 1e-3 },
  'ASAM with AdamW and decoupled weight decay': { model: mlp, optimizer: { kind: 'adamw', lr: 0.01, weightDecay: 0.01 }, sam: { rho: 0.5, adaptive: true }, ranks: 1, steps: 2, tolerance: 1e-3 },
  'm-sharpness on 2 ranks, one chunk (ε̂) per rank': { model: mlp, optimizer: sgd, sam: { rho: 0.05, m: 8 }, ranks: 2, steps: 2 },
  'm-sharpness on 2 ranks, two chunks per rank': { model: mlp, optimizer: sgd, sam: { rho: 0.05, m: 4 }, ranks: 2, steps: 2 },
  'GSAM, ρ_t following a cosine schedule, on 2 ranks': { model: mlp, optimizer: sgd, sam: { rho: 0.05, variant: { kind: 'gsam', alpha: 0.3, rhoMin: 0.01 } }, schedule: { kind: 'cosine' }, ranks: 2, steps: 3 },
  'ESAM (weight mask, sharpest rows chosen across 2 ranks)': { model: mlp, optimizer: sgd, sam: { rho: 0.05, variant: { kind: 'esam', beta: 0.5, gamma: 0.5 } }, ranks: 2, steps: 2 },
  'LookSAM (a SAM step, a reused one, a SAM step) on 2 ranks': { model: mlp, optimizer: sgd, sam: { rho: 0.05, variant: { kind: 'looksam', k: 2, alpha: 0.7 } }, ranks: 2, steps: 3 },
  'Friendly-SAM (its moving average after the first step)': { model: mlp, optimizer: sgd, sam: { rho: 0.05, variant: { kind: 'friendly-sam', sigma: 1, lambda: 0.9 } }, ranks: 1, steps: 3 },
  'SAM-ON (only batch norm perturbed), ResNet-20 with softplus': { model: { kind: 'resnet20', width: 2, activation: 'softplus' }, optimizer: sgd, sam: { rho: 0.05, variant: { kind: 'sam-on' } }, ranks: 1, steps: 1 },
};

let dir: string;
beforeAll(() => {
  dir = makeTempDir('sam-parity-');
});
afterAll(() => removeTempDir(dir));

async function weights(path: string): Promise<Float32Array[]> {
  const ck = await loadCheckpoint(path);
  const out = [...ck.contents.params, ...ck.contents.state].map((t) => t.dataSync() as Float32Array);
  tf.dispose([...ck.contents.params, ...ck.contents.state, ...Object.values(ck.contents.optimizer)]);
  return out;
}

/** Trains `input` in the app and as the export on `ranks` processes; checks the weights and measurements agree. */
async function expectParity(input: RunConfigInput, here: string, c: { ranks: 1 | 2; steps: number; tolerance?: number }): Promise<void> {
  const app = await trainCollect(input, { runId: null, workDir: join(here, 'app') });
  expect(app.result.event).toBe('done');
  await exportConfig(input, join(here, 'pytorch'));
  const py = await runTrainScript(join(here, 'pytorch'), { world: c.ranks });
  const done = py.events.at(-1) as Extract<TrainerEvent, { event: 'done' }>;
  expect(done).toMatchObject({ event: 'done', backend: `pytorch-ddp×${c.ranks}`, steps: c.steps, worldSize: c.ranks });

  const appCk = (app.events.filter((e) => e.event === 'checkpoint').at(-1) as Extract<TrainerEvent, { event: 'checkpoint' }>).path;
  const [a, b, w0] = await Promise.all([weights(appCk), weights(lastCheckpoint(py.events)), weights(join(here, 'pytorch', 'initial.ckpt'))]);
  let diff = 0;
  let moved = 0;
  a.forEach((t, i) => {
    for (let j = 0; j < t.length; j++) {
      diff = Math.max(diff, Math.abs(t[j] - b[i][j]));
      moved = Math.max(moved, Math.abs(t[j] - w0[i][j]));
    }
  });
  // The steps moved the weights by `moved` (≥ 0.01 here); the two sides differ by float32
  // round-off of it (see Case.tolerance).
  expect(moved).toBeGreaterThan(0.01);
  expect(diff).toBeLessThan((c.tolerance ?? 1e-4) * moved);
  // The step's measurements are the app's too.
  const appDone = app.result as Extract<TrainerEvent, { event: 'done' }>;
  expect(Math.abs(done.metrics.trainLoss - appDone.metrics.trainLoss)).toBeLessThan(1e-5 * appDone.metrics.trainLoss);
  expect(Math.abs(done.metrics.testAccuracy - appDone.metrics.testAccuracy)).toBeLessThanOrEqual(1 / 32);
}

describe.skipIf(!existsSync(FASHION))('one SAM step of the export and of the app agree to float32 round-off', () => {
  it.each(Object.entries(CASES))('%s', async (name, c) => {
    const input: RunConfigInput = {
      name,
      seed: 3,
      epochs: 1,
      batchSize: BATCH,
      backend: 'cpu',
      // Exactly `steps` batches in the epoch; both sides checkpoint at its end.
      data: { name: 'fashion-mnist', limit: BATCH * c.steps, testLimit: 32 },
      model: c.model,
      optimizer: c.optimizer,
      sam: c.sam,
      schedule: c.schedule,
    };
    await expectParity(input, join(dir, name.replace(/[^a-z0-9]+/gi, '-')), c);
  });

  it('fine-tuning on a class subset (startFrom: the source run’s checkpoint, a new head; data.classes relabelled) on 2 ranks', async () => {
    // The source run: classes 0–4 (a 5-way head), one step, so its weights are trained ones.
    const here = join(dir, 'fine-tuning');
    const source: RunConfigInput = { seed: 5, epochs: 1, batchSize: BATCH, backend: 'cpu', data: { name: 'fashion-mnist', limit: BATCH, testLimit: 32, classes: [0, 1, 2, 3, 4] }, model: mlp, optimizer: sgd, sam: { rho: 0.05 } };
    const pre = await trainCollect(source, { runId: null, workDir: join(here, 'source') });
    const checkpoint = (pre.events.filter((e) => e.event === 'checkpoint').at(-1) as Extract<TrainerEvent, { event: 'checkpoint' }>).path;
    // Fine-tuned on classes 9, 5, 7 (relabelled 0, 1, 2 in that order): a 3-way head, with label noise.
    const input: RunConfigInput = {
      ...source,
      seed: 6,
      data: { name: 'fashion-mnist', limit: BATCH * 2, testLimit: 32, classes: [9, 5, 7], labelNoise: 0.2 },
      startFrom: { checkpoint, sourceRunId: 1, head: 'new' },
    };
    await expectParity(input, here, { ranks: 2, steps: 2 });
    // The start is the source's trained body and a fresh 3-way head.
    const [start, trained] = await Promise.all([weights(join(here, 'pytorch', 'initial.ckpt')), weights(checkpoint)]);
    expect(start.map((t) => t.length)).toEqual([784 * 16, 16, 16 * 3, 3]);
    expect(Array.from(start[0])).toEqual(Array.from(trained[0]));
  });
});

describe.skipIf(!existsSync(FASHION))('the script continues from the app’s checkpoint', () => {
  it('resumes an app run mid-way (weights, momentum, LookSAM’s g_v, step count) and ends on the app’s weights', async () => {
    const input: RunConfigInput = {
      name: 'resume',
      seed: 8,
      epochs: 2,
      batchSize: BATCH,
      backend: 'cpu',
      data: { name: 'fashion-mnist', limit: BATCH * 3, testLimit: 32 },
      model: mlp,
      optimizer: { kind: 'sgd', lr: 0.1, momentum: 0.9 },
      // k = 2 over 3 steps an epoch: the resumed epoch starts on a reused step (t = 3).
      sam: { rho: 0.05, variant: { kind: 'looksam', k: 2, alpha: 0.7 } },
    };
    const here = join(dir, 'resume');
    const app = await trainCollect(input, { runId: null, workDir: join(here, 'app') });
    const checkpoints = app.events.filter((e): e is Extract<TrainerEvent, { event: 'checkpoint' }> => e.event === 'checkpoint');
    expect(checkpoints.map((c) => c.step)).toEqual([3, 6]);
    await exportConfig(input, join(here, 'pytorch'));
    const py = await runTrainScript(join(here, 'pytorch'), { world: 2, args: ['--resume', checkpoints[0].path] });
    expect(py.events.find((e) => e.event === 'started')).toMatchObject({ resumedFromStep: 3 });
    const [a, b] = await Promise.all([weights(checkpoints[1].path), weights(lastCheckpoint(py.events))]);
    let diff = 0;
    a.forEach((t, i) => t.forEach((v, j) => (diff = Math.max(diff, Math.abs(v - b[i][j])))));
    expect(diff).toBeLessThan(1e-6);
  });
});
