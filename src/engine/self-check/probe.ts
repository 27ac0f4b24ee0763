// The self-check's workload: a tiny CNN's loss and gradients at fixed weights, then one full SAM
// step (momentum SGD with weight decay), on whatever backend is active. Everything is built from
// seeded JS arrays, so every backend starts from the same bits; every result is read back with
// the asynchronous API (WebGPU cannot read synchronously in Node).
import * as tf from '@tensorflow/tfjs-core';
import { modelSchema, optimizerSchema, samSchema } from '../../shared/config';
import { crossEntropy } from '../loss';
import { buildModel } from '../models/index';
import { createStepper } from '../optim/index';
import { Rng } from '../rng';

/** Named results of one probe run, e.g. loss, grad/…/kernel, sam/…/bias. */
export type ProbeValues = Map<string, Float32Array>;

// Two conv blocks, a dense layer and a head: 8 parameter tensors, so ‖g‖ sums 8 tensors (the
// AddN that broke on WebGPU devices with the default limit of 8 storage buffers per stage).
const MODEL = modelSchema.parse({ kind: 'cnn', filters: [4, 4], dense: 8, dropout: 0 });
const INPUT: [number, number, number] = [8, 8, 1];
const CLASSES = 4;
const BATCH = 8;
const SEED = 11;
const LR = 0.1;
const OPTIMIZER = optimizerSchema.parse({ kind: 'sgd', lr: LR, momentum: 0.9, weightDecay: 5e-4 });
const SAM = samSchema.parse({ rho: 0.05 });

export const PROBE_DESCRIPTION = `CNN ${INPUT.join('×')} → conv 4 → conv 4 → dense 8 → ${CLASSES}, batch ${BATCH}: loss, gradients, one SAM step`;

function batch(): { x: Float32Array; y: Int32Array } {
  const rng = new Rng(SEED).fork(1);
  const x = Float32Array.from({ length: BATCH * INPUT[0] * INPUT[1] * INPUT[2] }, () => rng.normal());
  const y = Int32Array.from({ length: BATCH }, (_, i) => i % CLASSES);
  return { x, y };
}

/** Reads every tensor at once: on a GPU one round trip instead of one per tensor. */
async function readAll(out: ProbeValues, named: [string, tf.Tensor][]): Promise<void> {
  const values = await Promise.all(named.map(([, t]) => t.data()));
  named.forEach(([name], i) => out.set(name, Float32Array.from(values[i])));
}

/** Runs the probe on the active backend. Leaves no tensors behind. */
export async function runProbe(): Promise<ProbeValues> {
  const out: ProbeValues = new Map();
  const { x: xs, y: ys } = batch();
  const model = await buildModel(MODEL, INPUT, CLASSES, SEED);
  const x = tf.tensor(xs, [BATCH, ...INPUT]);
  const y = tf.tensor1d(ys, 'int32');
  const stepper = createStepper(model, { optimizer: OPTIMIZER, sam: SAM, seed: SEED });
  try {
    // Keys by position and shape: variable names carry a per-process instance counter.
    const names = model.params.map((p, i) => `param${i}[${p.shape.join('×')}]`);
    const { value, grads } = tf.variableGrads(() => crossEntropy(model.apply(x, { training: true, updateState: false }), y), model.params);
    try {
      await readAll(out, [['loss', value], ...model.params.map((p, i): [string, tf.Tensor] => [`grad/${names[i]}`, grads[p.name]])]);
    } finally {
      tf.dispose([value, ...Object.values(grads)]);
    }
    const r = stepper.step(x, y, LR);
    try {
      await readAll(out, [
        ['sam/loss', r.loss],
        ['sam/gradNorm', r.gradNorm],
        ['sam/epsNorm', r.epsNorm!],
        ['sam/perturbedLoss', r.perturbedLoss!],
        ...model.params.map((p, i): [string, tf.Tensor] => [`sam/${names[i]}`, p]),
      ]);
    } finally {
      tf.dispose([r.loss, r.correct, r.gradNorm, r.epsNorm!, r.perturbedLoss!]);
    }
  } finally {
    stepper.dispose();
    model.dispose();
    tf.dispose([x, y]);
  }
  return out;
}
