// Full reductions on the wasm backend sum in float64, as the cpu backend and PyTorch's pairwise
// sums do: a float32 running sum loses ~1e-4 over a few 100k terms, and SAM's ε̂ = ρ·g/‖g‖ — and
// with it the second-pass gradient, which on a fresh CNN moves ~1 % for a 1e-4 change of ‖g‖ —
// drifted off the PyTorch reference (test/unit/pytorch-parity.test.ts).
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend';
import { globalNorm } from '../../src/engine/optim/clip';
import { Rng } from '../../src/engine/rng';

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('full reductions on wasm', () => {
  it('sum, mean and the global norm of ~400k float32 values agree with float64 to 1e-7', async () => {
    await initBackend('wasm');
    const rng = new Rng(1);
    // Gradient-like values: mostly tiny, a few large — the shape that makes a float32 running sum drift.
    const shapes = [[3, 3, 32, 64], [3136, 128]];
    const values = shapes.map((s) => Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => rng.normal() * 1e-3 * (rng.next() < 0.01 ? 100 : 1)));
    const exactSq = values.reduce((acc, v) => acc + v.reduce((a, x) => a + x * x, 0), 0);
    const exactSum = values[1].reduce((a, x) => a + x, 0);
    const ts = values.map((v, i) => tf.tensor(v, shapes[i]));
    const norm = globalNorm(ts);
    const sum = tf.sum(ts[1]);
    const mean = tf.mean(ts[1]);
    const allAxes = tf.sum(ts[1], [0, 1], true);
    expect(Math.abs(norm.dataSync()[0] - Math.sqrt(exactSq)) / Math.sqrt(exactSq)).toBeLessThan(1e-7);
    expect(Math.abs(sum.dataSync()[0] - exactSum)).toBeLessThan(1e-7 * values[1].reduce((a, x) => a + Math.abs(x), 0));
    expect(mean.dataSync()[0]).toBeCloseTo(exactSum / values[1].length, 9);
    expect(allAxes.shape).toEqual([1, 1]);
    expect(allAxes.dataSync()[0]).toBe(sum.dataSync()[0]);
    tf.dispose([...ts, norm, sum, mean, allAxes]);
  });
});
