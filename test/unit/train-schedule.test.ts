// The learning rate the training loop hands the stepper, step by step (issue 10, finding 3).
// Step t (counted from 0) must train with lr(t): a cosine run's first step at the full lr and its
// last step above 0 with minFactor 0; a step milestone taking effect exactly at its step; a warm-up
// whose first step already moves. Two witnesses: the lr of every step's metrics event, and a replay
// of the run through the stepper alone with the lrs worked out here, which must land on the loop's
// final weights bit for bit (so the reported lr is the one the weights moved with).
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { disposeContents, loadCheckpoint } from '../../src/engine/checkpoint';
import { iterateBatches } from '../../src/engine/data/batches';
import { loadDataset } from '../../src/engine/data/index';
import { buildModel } from '../../src/engine/models/index';
import { createStepper } from '../../src/engine/optim/index';
import { epochRng } from '../../src/engine/train';
import { parseRunConfig, type RunConfigInput } from '../../src/shared/config';
import type { CheckpointEvent, MetricsEvent } from '../../src/shared/events';
import { makeTempDir } from './helpers/tmp';
import { trainCollect } from './helpers/train';

const work = makeTempDir('train-schedule-');

// 4 blobs, 64 training points, batches of 16: S = 4 steps per epoch, 2 epochs, T = 8 steps.
const S = 4;
const T = 8;
const LR0 = 0.2;
const base = (schedule: RunConfigInput['schedule']): RunConfigInput => ({
  seed: 5,
  epochs: 2,
  batchSize: 16,
  backend: 'cpu',
  data: { name: 'synthetic-blobs', samples: 64 },
  model: { kind: 'mlp', hidden: [8] },
  optimizer: { kind: 'sgd', lr: LR0, momentum: 0 },
  schedule,
  logEvery: 1,
});

/** The lr of each of the T steps, from the loop's per-step metrics events (event k reports step k − 1). */
async function loopLrs(input: RunConfigInput, dir: string) {
  const { events, result } = await trainCollect(input, { runId: null, workDir: join(work, dir) });
  expect(result.event).toBe('done');
  const steps = events.filter((e): e is MetricsEvent => e.event === 'metrics' && e.scope === 'step');
  expect(steps.map((e) => e.step)).toEqual(Array.from({ length: T }, (_, i) => i + 1));
  const ckpt = events.filter((e): e is CheckpointEvent => e.event === 'checkpoint').at(-1)!;
  return { lrs: steps.map((e) => e.values.lr as number), checkpoint: ckpt.path };
}

async function checkpointWeights(path: string): Promise<number[][]> {
  const { contents } = await loadCheckpoint(path);
  const out = contents.params.map((t) => Array.from(t.dataSync()));
  disposeContents(contents);
  return out;
}

/** The same run without the loop: the same model, batches and stepper, stepped with `lrs`. */
async function replay(input: RunConfigInput, lrs: number[]): Promise<number[][]> {
  const config = parseRunConfig(structuredClone(input));
  const data = await loadDataset(config.data, { seed: config.seed });
  const model = await buildModel(config.model, data.inputShape, data.numClasses, config.seed);
  const stepper = createStepper(model, { optimizer: config.optimizer, sam: config.sam, seed: config.seed });
  let t = 0;
  for (let epoch = 0; epoch < config.epochs; epoch++) {
    const batches = iterateBatches(data.train, data.inputShape, { batchSize: config.batchSize, shuffle: true, rng: epochRng(config.seed, epoch), dropLast: true });
    for (const b of batches) {
      const x = tf.tensor(b.x, [b.size, ...model.inputShape]);
      const y = tf.tensor1d(b.y, 'int32');
      const out = stepper.step(x, y, lrs[t++]);
      tf.dispose([x, y, out.loss, out.correct, out.gradNorm]);
    }
  }
  expect(t).toBe(T);
  const w = model.params.map((p) => Array.from(p.dataSync()));
  stepper.dispose();
  model.dispose();
  return w;
}

describe('the lr of each step of the training loop', () => {
  it('cosine (minFactor 0): the first step at the full lr, the last step above 0, and the weights moved with exactly these', async () => {
    const input = base({ kind: 'cosine', minFactor: 0 });
    const { lrs, checkpoint } = await loopLrs(input, 'cosine');
    // lr(t) = LR0·½(1 + cos(π·t/8)): t = 0 → 0.2; t = 4 → 0.1; t = 7 → 0.1·(1 − cos(π/8)) = 0.0076120
    expect(lrs[0]).toBe(LR0);
    expect(lrs[4]).toBeCloseTo(0.1, 12);
    expect(lrs[T - 1]).toBeCloseTo(0.1 * (1 - Math.cos(Math.PI / 8)), 12);
    expect(lrs[T - 1]).toBeGreaterThan(0.0076);
    const expected = Array.from({ length: T }, (_, t) => 0.5 * LR0 * (1 + Math.cos((Math.PI * t) / T)));
    lrs.forEach((lr, t) => expect(lr).toBeCloseTo(expected[t], 12));

    const trained = await checkpointWeights(checkpoint);
    expect(await replay(input, lrs)).toEqual(trained);
    // The witness has teeth: a last step at lr 0 (the schedule read at the end of the step) lands elsewhere.
    expect(await replay(input, [...lrs.slice(0, T - 1), 0])).not.toEqual(trained);
  });

  it('step: the milestone at epoch 1 takes effect at step S = 4 exactly, not a step early', async () => {
    const input = base({ kind: 'step', milestones: [1], gamma: 0.1 });
    const { lrs, checkpoint } = await loopLrs(input, 'step');
    expect(lrs.slice(0, S)).toEqual([LR0, LR0, LR0, LR0]);
    lrs.slice(S).forEach((lr) => expect(lr).toBeCloseTo(LR0 * 0.1, 12));
    expect(await replay(input, lrs)).toEqual(await checkpointWeights(checkpoint));
  });

  it('warm-up (1 epoch) then cosine: the first step already moves, lr₀ at the last warm-up step', async () => {
    const input = base({ kind: 'cosine', warmupEpochs: 1, minFactor: 0 });
    const { lrs, checkpoint } = await loopLrs(input, 'warmup');
    // warm-up: LR0·(t + 1)/4 for t < 4; then LR0·½(1 + cos(π·(t − 4)/4)) for t = 4…7
    const expected = [0.05, 0.1, 0.15, 0.2, 0.2, 0.1 * (1 + Math.SQRT1_2), 0.1, 0.1 * (1 - Math.SQRT1_2)];
    lrs.forEach((lr, t) => expect(lr).toBeCloseTo(expected[t], 12));
    expect(await replay(input, lrs)).toEqual(await checkpointWeights(checkpoint));
  });
});
