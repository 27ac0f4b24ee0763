// Dropout and SAM (issue 10, finding 2): both passes of a step must see the same sub-network, as
// in the SAM paper's JAX code (one dropout key per step, fed to the gradient at w and at w + ε̂).
// Otherwise ε̂ is computed on one sub-network and the step is taken on another: SAM at ρ = 0 is
// no longer the base optimizer, and the reported sharpness L(w + ε̂) − L(w) is not 0 at ε̂ = 0.
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from '../../src/engine/models/index';
import { createStepper } from '../../src/engine/optim';
import { modelSchema, type OptimizerConfig, type RunConfigInput, type SamConfig } from '../../src/shared/config';
import type { CheckpointEvent, MetricsEvent, TrainerEvent } from '../../src/shared/events';
import { disposeContents, loadCheckpoint } from '../../src/engine/checkpoint';
import { flat, opt, samCfg } from './optim-fixtures';
import { trainCollect } from './helpers/train';
import { makeTempDir } from './helpers/tmp';

const work = makeTempDir('sam-dropout-');

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Five steps of an MLP with dropout 0.5 on fixed batches; the weights and each step's sharpness. */
async function trainMlp(optimizer: OptimizerConfig, sam: SamConfig | null) {
  const model = await buildModel(modelSchema.parse({ kind: 'mlp', hidden: [16, 16], dropout: 0.5 }), [6], 3, 7);
  const s = createStepper(model, { optimizer, sam, seed: 5 });
  const sharpness: number[] = [];
  for (let i = 0; i < 5; i++) {
    const x = tf.tidy(() => tf.randomNormal([8, 6], 0, 1, 'float32', 100 + i));
    const y = tf.tensor1d([0, 1, 2, 0, 1, 2, 1, 0], 'int32');
    const r = s.step(x, y, optimizer.lr);
    if (r.perturbedLoss) sharpness.push(r.perturbedLoss.dataSync()[0] - r.loss.dataSync()[0]);
    tf.dispose([x, y, r.loss, r.correct, r.gradNorm, ...(r.epsNorm ? [r.epsNorm] : []), ...(r.perturbedLoss ? [r.perturbedLoss] : [])]);
  }
  s.dispose();
  const w = flat(model.params);
  model.dispose();
  return { w, sharpness };
}

describe('dropout masks are shared by both passes of a SAM step', () => {
  it('SAM at ρ = 0 with dropout 0.5 is SGD bit for bit, and its sharpness is exactly 0', async () => {
    const optimizer = opt({ kind: 'sgd', lr: 0.1, momentum: 0.9 });
    const sgd = await trainMlp(optimizer, null);
    const sam = await trainMlp(optimizer, samCfg({ rho: 0 }));
    expect(sam.sharpness).toEqual([0, 0, 0, 0, 0]);
    expect(sam.w).toEqual(sgd.w);
    // The masks do change from step to step (dropout is on): a run without it ends elsewhere.
    const model = await buildModel(modelSchema.parse({ kind: 'mlp', hidden: [16, 16], dropout: 0 }), [6], 3, 7);
    const w0 = flat(model.params);
    model.dispose();
    expect(sgd.w).not.toEqual(w0);
  });

  it('in the training loop: SAM ρ = 0 and SGD end on the same weights, with sharpness 0 in every window', async () => {
    const base: RunConfigInput = {
      seed: 4,
      epochs: 1,
      batchSize: 50,
      backend: 'cpu',
      data: { name: 'fashion-mnist', limit: 300, testLimit: 100 },
      model: { kind: 'mlp', hidden: [16], dropout: 0.5 },
      optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9 },
      logEvery: 2,
    };
    const sgd = await trainCollect({ ...base, sam: null }, { runId: null, workDir: join(work, 'sgd') });
    const sam = await trainCollect({ ...base, sam: { rho: 0 } }, { runId: null, workDir: join(work, 'sam') });
    expect(sam.result.event).toBe('done');
    const sharp = sam.events.filter((e): e is MetricsEvent => e.event === 'metrics' && e.scope === 'step').map((e) => e.values.sharpness);
    expect(sharp.length).toBeGreaterThan(0);
    expect(sharp.every((v) => v === 0)).toBe(true);
    const weights = async (events: TrainerEvent[]) => {
      const ck = events.filter((e): e is CheckpointEvent => e.event === 'checkpoint').at(-1)!;
      const { contents } = await loadCheckpoint(ck.path);
      const w = await Promise.all(contents.params.map(async (t) => Array.from(await t.data())));
      disposeContents(contents);
      return w;
    };
    expect(await weights(sam.events)).toEqual(await weights(sgd.events));
  });
});
