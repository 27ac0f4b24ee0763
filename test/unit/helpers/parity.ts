// Backend parity: run the same computation, from the same weights and data, on cpu and on
// another backend, and compare every number. Results are read back as plain arrays (the
// asynchronous way: WebGPU cannot read synchronously in Node) so they can be compared after the
// backend is switched.
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { initBackend } from '../../../src/engine/backend';
import { loadDataset } from '../../../src/engine/data/index';
import type { Dataset } from '../../../src/engine/data/types';
import { compareAll, formatError } from '../../../src/engine/self-check/compare';
import type { BackendName } from '../../../src/shared/config';
import { dataSchema } from '../../../src/shared/config';

export type Values = Map<string, ArrayLike<number>>;

/** Named tensors read into plain arrays. */
export async function readValues(named: Record<string, tf.Tensor>): Promise<Values> {
  const entries = Object.entries(named);
  const arrays = await Promise.all(entries.map(([, t]) => t.data()));
  return new Map(entries.map(([k], i) => [k, Float32Array.from(arrays[i])]));
}

/** `work` run with `backend` active. */
export async function onBackend<T>(backend: BackendName, work: () => Promise<T>): Promise<T> {
  await initBackend(backend);
  const before = tf.memory().numTensors;
  const out = await work();
  expect(tf.memory().numTensors, `tensors leaked on ${backend}`).toBe(before);
  return out;
}

/** Every value of `got` within `tolerance` (relative to each tensor's own scale) of `ref`. */
export function expectSameValues(got: Values, ref: Values, tolerance: number, what: string): void {
  const diffs = compareAll(got, ref);
  const bad = diffs.filter((d) => !(d.relError <= tolerance));
  expect(
    bad.map((d) => `${d.name}: ${formatError(d.relError)}`),
    `${what}: values further than ${tolerance} (relative) from cpu; worst overall ${diffs[0]?.name} ${formatError(diffs[0]?.relError ?? 0)}`,
  ).toEqual([]);
}

let fashion: Promise<Dataset> | null = null;

/** 512 real Fashion-MNIST training images, loaded once. */
export function fashionMnist(): Promise<Dataset> {
  fashion ??= loadDataset(dataSchema.parse({ name: 'fashion-mnist', limit: 512, testLimit: 16 }), { seed: 0 });
  return fashion;
}

/** Examples [from, from + n) as NHWC images and int32 labels. */
export function batchOf(d: Dataset, from: number, n: number): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const size = d.inputShape.reduce((a, b) => a * b, 1);
  return {
    x: tf.tensor4d(d.train.x.subarray(from * size, (from + n) * size), [n, ...(d.inputShape as [number, number, number])]),
    y: tf.tensor1d(d.train.y.subarray(from, from + n), 'int32'),
  };
}
