// The second-order gradients src/engine/gradients registers (issue 11, item 5), one kernel at a
// time, on cpu and wasm. Each backprop kernel K is linear in the input we differentiate along, so
// f(a) = ⟨R, K(a, …)⟩ has no curvature and a central difference with a unit step,
// (f(a + u) − f(a − u)) / 2, equals ⟨∇f, u⟩ up to float32 round-off alone (no truncation error);
// the sums are taken in float64. That checks every registered gradient against the very kernel it
// differentiates — including its tie rule (max-pool) and padding. Model-level double backprop
// against PyTorch float64 is in hessian-models.test.ts.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { SECOND_ORDER_GRADIENTS, registerSecondOrderGradients } from '../../src/engine/gradients/index';
import { Rng } from '../../src/engine/rng';
import { onBackendWithoutLeaks } from './helpers/backend';

type Attrs = tf.NamedAttrMap;

function randn(shape: number[], rng: Rng, scale = 1): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => scale * rng.normal()), shape);
}

/** The shape of what `make` returns, leaving no tensor behind. */
function shapeOf(make: () => tf.Tensor): number[] {
  const t = tf.tidy(make);
  const shape = t.shape;
  t.dispose();
  return shape;
}

/** ⟨a, b⟩ in float64. */
function dot64(a: tf.Tensor, b: tf.Tensor): number {
  const x = a.dataSync();
  const y = b.dataSync();
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * y[i];
  return s;
}

/**
 * For f(inputs) = ⟨R, kernel(inputs)⟩: the tfjs gradient (through the registered gradient) along
 * a random direction u of input `name`, and the central difference (f(a + s·u) − f(a − s·u)) / 2s.
 */
function directional(kernel: string, inputs: Record<string, tf.Tensor>, attrs: object, name: string, rng: Rng, step = 1) {
  return tf.tidy(() => {
    const run = (ins: Record<string, tf.Tensor>) => tf.engine().runKernel(kernel, ins, attrs as Attrs) as tf.Tensor;
    const R = randn(run(inputs).shape, rng);
    const u = randn(inputs[name].shape, rng);
    const f = (a: tf.Tensor) => dot64(R, run({ ...inputs, [name]: a }));
    const fd = (f(tf.add(inputs[name], tf.mul(u, step))) - f(tf.sub(inputs[name], tf.mul(u, step)))) / (2 * step);
    const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(R, run({ ...inputs, [name]: a }))))(inputs[name]);
    return { analytic: dot64(g, u), fd, scale: Math.sqrt(dot64(g, g) * dot64(u, u)) };
  });
}

function expectDirectionalMatch(r: { analytic: number; fd: number; scale: number }) {
  // Round-off only: float32 kernels summing a few hundred products.
  expect(Math.abs(r.analytic - r.fd)).toBeLessThan(2e-5 * r.scale);
}

describe('registration', () => {
  it('registers a gradient for every backprop kernel tfjs leaves without one, once', () => {
    expect(SECOND_ORDER_GRADIENTS.map((g) => g.kernelName).sort()).toEqual(
      [
        tf.AvgPoolGrad,
        tf.Conv2DBackpropFilter,
        tf.DepthwiseConv2dNativeBackpropFilter,
        tf.DepthwiseConv2dNativeBackpropInput,
        tf.EluGrad,
        tf.MaxPoolGrad,
      ].sort(),
    );
    for (const g of SECOND_ORDER_GRADIENTS) expect(tf.getGradient(g.kernelName)).toBeDefined();
    // Already registered on import: a second call adds nothing.
    expect(registerSecondOrderGradients()).toEqual([]);
  });
});

describe.each(['cpu', 'wasm'] as const)('second-order gradients on %s', (backend) => {
  onBackendWithoutLeaks(backend);

  // [input HWC, kernel size, stride, padding]: odd sizes with 'same' pad unevenly (bottom/right).
  const convCases: [number[], number, number, 'same' | 'valid'][] = [
    [[7, 7, 3], 3, 1, 'same'],
    [[7, 6, 3], 3, 2, 'same'],
    [[6, 6, 3], 1, 2, 'valid'],
    [[5, 7, 2], 2, 1, 'valid'],
  ];

  it.each(convCases)('Conv2DBackpropFilter (x %j, k%i s%i %s): gradients w.r.t. x and dy', (hwc, k, s, pad) => {
    const rng = new Rng(1);
    const x = randn([2, ...hwc], rng);
    const outShape = shapeOf(() => tf.conv2d(x as tf.Tensor4D, tf.zeros([k, k, hwc[2], 4]) as tf.Tensor4D, s, pad));
    const dy = randn(outShape, rng);
    const attrs = { strides: s, pad, dataFormat: 'NHWC', filterShape: [k, k, hwc[2], 4] };
    for (const name of ['x', 'dy']) expectDirectionalMatch(directional(tf.Conv2DBackpropFilter, { x, dy }, attrs, name, rng));
    x.dispose();
    dy.dispose();
  });

  it.each(convCases)('Conv2DBackpropInput (x %j, k%i s%i %s): the gradient tfjs ships, checked the same way', (hwc, k, s, pad) => {
    const rng = new Rng(2);
    const filter = randn([k, k, hwc[2], 4], rng);
    const outShape = shapeOf(() => tf.conv2d(tf.zeros([2, ...hwc]) as unknown as tf.Tensor4D, filter as tf.Tensor4D, s, pad));
    const dy = randn(outShape, rng);
    const attrs = { strides: s, pad, dataFormat: 'NHWC', inputShape: [2, ...hwc] };
    for (const name of ['dy', 'filter']) expectDirectionalMatch(directional(tf.Conv2DBackpropInput, { dy, filter }, attrs, name, rng));
    filter.dispose();
    dy.dispose();
  });

  it.each([
    [[7, 7, 3], 3, 1, 'same'],
    [[6, 6, 2], 3, 2, 'same'],
  ] as const)('depthwise backprop kernels (x %j, k%i s%i %s, channel multiplier 2)', (hwc, k, s, pad) => {
    const rng = new Rng(3);
    const x = randn([2, ...hwc], rng);
    const filter = randn([k, k, hwc[2], 2], rng);
    const dy = randn(shapeOf(() => tf.depthwiseConv2d(x as tf.Tensor4D, filter as tf.Tensor4D, s, pad)), rng);
    const common = { strides: s, pad, dilations: 1 };
    for (const name of ['x', 'dy']) {
      expectDirectionalMatch(directional(tf.DepthwiseConv2dNativeBackpropFilter, { x, dy }, { ...common, filterShape: filter.shape }, name, rng));
    }
    for (const name of ['dy', 'filter']) {
      expectDirectionalMatch(directional(tf.DepthwiseConv2dNativeBackpropInput, { dy, filter }, { ...common, inputShape: x.shape }, name, rng));
    }
    tf.dispose([x, filter, dy]);
  });

  // [input HWC, window, stride, padding]: non-overlapping and overlapping windows, windows hanging
  // over the border ('same' on odd sizes), and a 'valid' pool that leaves the last row unread.
  const poolCases: [number[], number, number, 'same' | 'valid'][] = [
    [[7, 7, 3], 2, 2, 'same'],
    [[8, 8, 2], 2, 2, 'same'],
    [[7, 6, 2], 3, 2, 'same'],
    [[6, 7, 2], 2, 1, 'same'],
    [[7, 7, 2], 3, 1, 'valid'],
    [[7, 7, 2], 2, 2, 'valid'],
  ];

  it.each(poolCases)('MaxPoolGrad (x %j, window %i, stride %i, %s): w.r.t. dy, with the kernel’s tie rule; zero w.r.t. input and output', (hwc, f, s, pad) => {
    const rng = new Rng(4);
    // ReLU'd input: many exact zeros, so whole windows tie and the tie rule is exercised.
    const input = tf.tidy(() => tf.relu(randn([2, ...hwc], rng))) as tf.Tensor4D;
    const output = tf.maxPool(input, f, s, pad);
    const dy = randn(output.shape, rng);
    const attrs = { filterSize: f, strides: s, pad };
    expectDirectionalMatch(directional(tf.MaxPoolGrad, { dy, input, output }, attrs, 'dy', rng));
    const [gInput, gOutput] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.engine().runKernel(tf.MaxPoolGrad, { dy, input: a, output: b }, attrs as unknown as Attrs) as tf.Tensor),
    )([input, output]);
    expect(Array.from(gInput.dataSync()).every((v) => v === 0)).toBe(true);
    expect(Array.from(gOutput.dataSync()).every((v) => v === 0)).toBe(true);
    tf.dispose([input, output, dy, gInput, gOutput]);
  });

  it.each(poolCases)('AvgPoolGrad (x %j, window %i, stride %i, %s): w.r.t. dy', (hwc, f, s, pad) => {
    const rng = new Rng(5);
    const input = randn([2, ...hwc], rng) as tf.Tensor4D;
    const dy = randn(shapeOf(() => tf.avgPool(input, f, s, pad)), rng);
    expectDirectionalMatch(directional(tf.AvgPoolGrad, { dy, input }, { filterSize: f, strides: s, pad }, 'dy', rng));
    tf.dispose([input, dy]);
  });

  it('EluGrad: w.r.t. dy and w.r.t. y (away from 0, where it is linear on each side)', () => {
    const rng = new Rng(6);
    // |y| ≥ 0.3 and steps of at most 0.05·|u| ≤ 0.2: no element crosses 0 (y ≥ −1 for ELU outputs).
    const y = tf.tensor(Float32Array.from({ length: 60 }, (_, i) => (i % 2 ? 0.3 + rng.next() : -0.3 - 0.5 * rng.next())), [6, 10]);
    const dy = randn([6, 10], rng);
    expectDirectionalMatch(directional(tf.EluGrad, { dy, y }, {}, 'dy', rng));
    const r = directional(tf.EluGrad, { dy, y }, {}, 'y', new Rng(7), 0.05);
    expect(Math.abs(r.analytic - r.fd)).toBeLessThan(1e-4 * r.scale);
    tf.dispose([y, dy]);
  });
});
