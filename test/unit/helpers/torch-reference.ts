// Runs test/unit/helpers/torch_hvp.py (Debian python3-torch, float64) on an engine model's weights
// and a batch: the independent reference for exact Hessian-vector products.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../../../src/shared/config';
import type { EngineModel } from '../../../src/engine/types';

const SCRIPT = fileURLToPath(new URL('./torch_hvp.py', import.meta.url));
/** Debian's python3-torch is installed for /usr/bin/python3 (the first python3 on PATH may be another). */
const PYTHON = '/usr/bin/python3';

export interface TorchReference {
  loss: number;
  grad: number[];
  hvps: number[][];
  eigenvalues?: number[];
}

/** Why the reference cannot run here, or null when it can. */
export function torchUnavailable(): string | null {
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (r.error) return `${PYTHON} cannot start (${r.error.message})`;
  return r.status === 0 ? null : `${PYTHON} cannot import torch; install Debian's python3-torch (.ci/run does)`;
}

export function torchReference(
  cfg: ModelConfig,
  model: EngineModel,
  x: tf.Tensor,
  labels: tf.Tensor1D,
  vectors: ArrayLike<number>[],
  opts: { topK?: number } = {},
): TorchReference {
  const variables: Record<string, { shape: number[]; values: number[]; trainable: boolean }> = {};
  for (const [list, trainable] of [
    [model.params, true],
    [model.state, false],
  ] as const) {
    for (const v of list) variables[v.name.replace(/^model\d+\//, '')] = { shape: v.shape, values: Array.from(v.dataSync()), trainable };
  }
  const request = {
    model: cfg,
    variables,
    x: Array.from(x.dataSync()),
    xShape: x.shape.length === 4 ? x.shape : [x.shape[0], ...model.inputShape],
    labels: Array.from(labels.dataSync()),
    vectors: vectors.map((v) => Array.from(v)),
    topK: opts.topK ?? 0,
  };
  const r = spawnSync(PYTHON, [SCRIPT], { input: JSON.stringify(request), encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`torch reference failed (exit ${r.status}): ${r.stderr || r.error?.message}`);
  return JSON.parse(r.stdout) as TorchReference;
}
