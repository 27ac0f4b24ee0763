// What a run measures at the very end when its config asks (config.mSharpness): the
// m-sharpness at each m on a fixed seeded sample of training examples, and the final weights'
// train accuracy and loss in eval mode, so the generalisation gap (train − test) is taken on the
// same weights as the test score rather than averaged over the last epoch's steps.
import * as tf from '@tensorflow/tfjs-core';
import { mSharpnessChunks, mSharpnessKey, type MSharpnessConfig } from '../shared/config-studies';
import type { Dataset } from './data/types';
import { evaluateSplit } from './evaluate';
import { measureMSharpness } from './sharpness/m-sharpness';
import { fixedSample } from './train-analysis';
import type { EngineModel } from './types';

/** Salt of the m-sharpness sample's stream (apart from the Hessian batch and the shuffles). */
const M_SHARPNESS_SALT = 0x5a5a;

/** Before training: refuse a sample larger than the training split (the message names the field). */
export function checkProbe(ms: MSharpnessConfig | null, data: Dataset): void {
  if (ms && ms.samples > data.train.n) {
    throw new Error(`mSharpness.samples = ${ms.samples} is more than the ${data.train.n} training examples; lower it (a multiple of every m)`);
  }
}

export interface ProbeResult {
  metrics: Record<string, number>;
  /** One line for the run's log. */
  summary: string;
}

export async function measureAtEnd(ms: MSharpnessConfig, batchSize: number, seed: number, model: EngineModel, data: Dataset): Promise<ProbeResult> {
  const chunks = mSharpnessChunks(ms, batchSize);
  const { x, y } = fixedSample(data.train, model.inputShape, ms.samples, seed, M_SHARPNESS_SALT);
  let values: Map<number, number>;
  try {
    values = await measureMSharpness(model, x, y, chunks, { rho: ms.rho, ascentSteps: ms.ascentSteps });
  } finally {
    tf.dispose([x, y]);
  }
  const train = await evaluateSplit(model, data.train, batchSize);
  const metrics: Record<string, number> = { evalTrainAccuracy: train.accuracy, evalTrainLoss: train.loss };
  for (const [m, v] of values) metrics[mSharpnessKey(m)] = v;
  const how = ms.ascentSteps === 1 ? 'first-order ε̂' : `${ms.ascentSteps} projected-ascent steps`;
  const summary = `m-sharpness at ρ = ${ms.rho} on ${ms.samples} training examples (${how}): ${[...values].map(([m, v]) => `m = ${m}${m === batchSize ? ' (whole batch)' : ''}: ${v.toPrecision(4)}`).join(', ')}; train accuracy in eval mode ${(train.accuracy * 100).toFixed(2)} %`;
  return { metrics, summary };
}
