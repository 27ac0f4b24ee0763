// Flat parameter-space vectors. The Hessian code works on one Float32Array per vector (2.7 MB for
// the 670k-parameter MLP) so Lanczos can keep its basis on the JS heap instead of pinning dozens
// of backend tensors; sums are accumulated in float64 so dot products of long vectors stay exact
// enough for re-orthogonalisation.
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../rng';

/** Shapes of a list of tensors, and where each one starts in the flat vector. */
export interface FlatLayout {
  shapes: number[][];
  sizes: number[];
  offsets: number[];
  /** Total length. */
  n: number;
}

export function layoutOf(tensors: readonly tf.Tensor[]): FlatLayout {
  const shapes = tensors.map((t) => t.shape.slice());
  const sizes = tensors.map((t) => t.size);
  const offsets: number[] = [];
  let n = 0;
  for (const s of sizes) {
    offsets.push(n);
    n += s;
  }
  return { shapes, sizes, offsets, n };
}

/**
 * Copies the tensors' values, in order, into one flat vector. Asynchronous: WebGPU cannot read
 * a GPU buffer synchronously in Node (tfjs' readSync needs OffscreenCanvas), and on every backend
 * the reads of all tensors overlap instead of waiting one by one.
 */
export async function flatten(tensors: readonly tf.Tensor[], layout: FlatLayout = layoutOf(tensors)): Promise<Float32Array> {
  const out = new Float32Array(layout.n);
  const values = await Promise.all(tensors.map((t) => t.data()));
  values.forEach((v, i) => out.set(v as Float32Array, layout.offsets[i]));
  return out;
}

/** Tensors shaped like the layout, holding slices of `v`. The caller disposes them. */
export function unflatten(v: Float32Array, layout: FlatLayout): tf.Tensor[] {
  if (v.length !== layout.n) throw new Error(`unflatten: vector has ${v.length} entries, the parameters have ${layout.n}`);
  return layout.shapes.map((shape, i) => tf.tensor(v.subarray(layout.offsets[i], layout.offsets[i] + layout.sizes[i]), shape, 'float32'));
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function norm(a: Float32Array): number {
  return Math.sqrt(dot(a, a));
}

/** y ← y + α·x, in place. */
export function axpy(alpha: number, x: Float32Array, y: Float32Array): void {
  for (let i = 0; i < y.length; i++) y[i] += alpha * x[i];
}

/** x ← α·x, in place. */
export function scale(alpha: number, x: Float32Array): void {
  for (let i = 0; i < x.length; i++) x[i] *= alpha;
}

/** Entries ±1 with equal probability: the Hutchinson probe of least variance (Hutchinson 1990). */
export function rademacher(n: number, rng: Rng): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.next() < 0.5 ? -1 : 1;
  return v;
}

export function gaussian(n: number, rng: Rng): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.normal();
  return v;
}

/** v / ‖v‖ (a new vector); throws on a zero vector, which no probe should ever be. */
export function normalized(v: Float32Array): Float32Array {
  const nv = norm(v);
  if (!(nv > 0) || !Number.isFinite(nv)) throw new Error(`cannot normalise a vector of norm ${nv}`);
  const out = Float32Array.from(v);
  scale(1 / nv, out);
  return out;
}
