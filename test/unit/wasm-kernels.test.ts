// Every kernel we register for wasm, against the tfjs-cpu reference on the same inputs:
// gradients of conv/depthwise/max-pool (computed through tf.grad, so the real kernels run),
// the untransposing matmuls and the leading-axis reductions. Tolerance is relative to the
// magnitude of the result (sums of hundreds of float32 products). Each check runs on both
// builds: single-threaded SIMD (1 thread) and threaded SIMD (2 threads, a shared heap).
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend';
import { WASM_TRAINING_KERNELS } from '../../src/engine/wasm-kernels';
import { swapOperands } from '../../src/engine/wasm-kernels/matmul';

afterAll(async () => {
  await tf.setBackend('cpu');
});

const rand = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);

/** Runs f on wasm and on cpu; checks shapes, values and that wasm leaked no tensors or buffers. */
async function matchesCpu(f: () => tf.Tensor, rtol = 2e-5): Promise<void> {
  await tf.setBackend('wasm');
  const before = tf.memory().numTensors;
  const ids = tf.engine().backend.numDataIds();
  const w = f();
  const wv = Array.from(await w.data());
  const wShape = w.shape;
  w.dispose();
  expect(tf.memory().numTensors).toBe(before);
  expect(tf.engine().backend.numDataIds()).toBe(ids);
  await tf.setBackend('cpu');
  const c = f();
  const cv = Array.from(await c.data());
  expect(wShape).toEqual(c.shape);
  c.dispose();
  const scale = cv.reduce((m, v) => Math.max(m, Math.abs(v)), 1);
  const worst = cv.reduce((m, v, i) => Math.max(m, Math.abs(v - wv[i])), 0);
  if (rtol === 0) expect(wv).toEqual(cv);
  else expect(worst / scale).toBeLessThan(rtol);
  await tf.setBackend('wasm');
}

function convGrads(xs: number[], fs: number[], stride: number, pad: 'same' | 'valid') {
  const x = () => rand(xs, 1);
  const w = () => rand(fs, 2);
  const loss = (xx: tf.Tensor, ww: tf.Tensor) => {
    const y = tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, stride, pad);
    return tf.sum(tf.mul(y, rand(y.shape, 3)));
  };
  return {
    filter: () => tf.tidy(() => tf.grad((ww: tf.Tensor) => loss(x(), ww))(w())),
    input: () => tf.tidy(() => tf.grad((xx: tf.Tensor) => loss(xx, w()))(x())),
  };
}

for (const threads of [1, 2]) describe(`registered wasm kernels, ${threads === 1 ? 'single-threaded build' : `threaded build on ${threads} threads`}`, () => {
  beforeAll(async () => {
    const r = await initBackend('wasm', { threads });
    expect(r.details).toMatchObject({ threads, build: threads === 1 ? 'simd' : 'threaded-simd' });
  });

  it('cover the training kernels the models need', () => {
    for (const k of ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput', 'MaxPoolGrad', 'Transpose', 'Identity', 'Cast']) {
      expect(WASM_TRAINING_KERNELS).toContain(k);
      expect(tf.getKernel(k, 'wasm')).toBeDefined();
    }
  });

  const convCases: [string, number[], number[], number, 'same' | 'valid'][] = [
    ['3×3 same, stride 1, 1→8 channels', [4, 12, 12, 1], [3, 3, 1, 8], 1, 'same'],
    ['3×3 valid, stride 1, 2→16 channels', [3, 10, 10, 2], [3, 3, 2, 16], 1, 'valid'],
    ['5×5 same, stride 1, 1→6 channels', [2, 9, 9, 1], [5, 5, 1, 6], 1, 'same'],
    ['3×3 same, stride 1, 6→4 channels', [3, 9, 9, 6], [3, 3, 6, 4], 1, 'same'],
    ['3×3 valid, stride 2', [3, 11, 11, 3], [3, 3, 3, 4], 2, 'valid'],
    ['5×5 same, stride 2 (asymmetric padding)', [2, 10, 10, 4], [5, 5, 4, 6], 2, 'same'],
    ['1×1 projection, stride 2', [3, 8, 8, 4], [1, 1, 4, 5], 2, 'same'],
    ['4×4 valid, stride 3 (unused trailing rows)', [2, 10, 10, 2], [4, 4, 2, 3], 3, 'valid'],
  ];
  for (const [name, xs, fs, s, pad] of convCases) {
    it(`Conv2DBackpropFilter and Conv2DBackpropInput match cpu: ${name}`, async () => {
      const g = convGrads(xs, fs, s, pad);
      await matchesCpu(g.filter);
      await matchesCpu(g.input);
    });
  }

  for (const [name, xs, fs, s, pad] of [
    ['3×3 same, multiplier 1', [2, 9, 9, 3], [3, 3, 3, 1], 1, 'same'],
    ['3×3 valid, stride 2, multiplier 2', [2, 11, 11, 2], [3, 3, 2, 2], 2, 'valid'],
  ] as [string, number[], number[], number, 'same' | 'valid'][]) {
    it(`depthwise backprops match cpu: ${name}`, async () => {
      const loss = (xx: tf.Tensor, ww: tf.Tensor) => {
        const y = tf.depthwiseConv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, s, pad);
        return tf.sum(tf.mul(y, rand(y.shape, 3)));
      };
      await matchesCpu(() => tf.tidy(() => tf.grad((ww: tf.Tensor) => loss(rand(xs, 1), ww))(rand(fs, 2))));
      await matchesCpu(() => tf.tidy(() => tf.grad((xx: tf.Tensor) => loss(xx, rand(fs, 2)))(rand(xs, 1))));
    });
  }

  it('MaxPoolGrad matches cpu, ties after ReLU included (first maximum wins)', async () => {
    for (const [h, f, s, pad] of [[12, 2, 2, 'same'], [7, 2, 2, 'same'], [9, 3, 2, 'valid'], [8, 3, 1, 'same']] as const) {
      await matchesCpu(() =>
        tf.tidy(() => {
          const x = tf.relu(rand([2, h, h, 3], 4)); // many exact zeros: ties inside windows
          return tf.grad((xx: tf.Tensor) => {
            const y = tf.maxPool(xx as tf.Tensor4D, f, s, pad);
            return tf.sum(tf.mul(y, rand(y.shape, 5)));
          })(x);
        }),
      );
    }
  });

  it('BatchMatMul and _FusedMatMul with transposed operands match cpu', async () => {
    for (const [ta, tb] of [[true, false], [false, true], [true, true], [false, false]] as const) {
      await matchesCpu(() => tf.tidy(() => tf.matMul(rand(ta ? [33, 17] : [17, 33], 1), rand(tb ? [9, 33] : [33, 9], 2), ta, tb)));
      await matchesCpu(() =>
        tf.tidy(() => tf.matMul(rand(ta ? [3, 13, 7] : [3, 7, 13], 1), rand(tb ? [3, 5, 13] : [3, 13, 5], 2), ta, tb)),
      );
      await matchesCpu(() =>
        tf.tidy(() =>
          tf.fused.matMul({ a: rand(ta ? [20, 6] : [6, 20], 1), b: rand(tb ? [4, 20] : [20, 4], 2), transposeA: ta, transposeB: tb, bias: rand([4], 3), activation: 'relu' }),
        ),
      );
    }
  });

  it('a dense layer’s input gradient dy·Wᵀ, taken as (W·dyᵀ)ᵀ so XNNPACK packs the small dyᵀ, matches cpu', async () => {
    expect(swapOperands([1, 128, 200], [1, 300, 200], false, true)).toBe(true); // dx = dy·Wᵀ
    expect(swapOperands([1, 300, 128], [1, 128, 200], true, false)).toBe(false); // dW = xᵀ·dy
    expect(swapOperands([1, 128, 300], [1, 300, 200], false, false)).toBe(false); // forward
    expect(swapOperands([2, 128, 200], [2, 300, 200], false, true)).toBe(false); // batched: no GEMM path
    // tf.matMul's own gradient hands the kernel rank-2 operands (the MLP's hidden layers under a
    // tape): the same swap applies, else Wᵀ is transposed and packed in full on one thread.
    expect(swapOperands([128, 200], [300, 200], false, true)).toBe(true);
    expect(swapOperands([300, 128], [128, 200], true, false)).toBe(false);
    await matchesCpu(() => tf.tidy(() => tf.matMul(rand([128, 200], 1), rand([300, 200], 2), false, true)));
    // The input gradient of x·W through tf.grad: dx = dy·Wᵀ with dy 96×200, W 300×200.
    await matchesCpu(() => tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, rand([300, 200], 2)), rand([96, 200], 3))))(rand([96, 300], 1))));
  });

  it('Transpose matches cpu exactly for float32 and int32, size-1 and mergeable axes included', async () => {
    const cases: [number[], number[]][] = [
      [[16, 6, 6, 8], [3, 1, 2, 0]],
      [[16, 6, 6, 8], [1, 2, 0, 3]],
      [[40, 70], [1, 0]],
      [[3, 5, 7, 2], [2, 0, 3, 1]],
      [[4, 1, 6, 3], [3, 2, 1, 0]],
      [[2, 3, 4, 5, 6], [4, 1, 3, 0, 2]],
      [[5, 1, 1, 4], [0, 3, 1, 2]],
      [[3, 4, 2], [0, 2, 1]],
    ];
    for (const [shape, perm] of cases) {
      await matchesCpu(() => tf.tidy(() => tf.transpose(rand(shape, 1), perm)), 0);
      await matchesCpu(() => tf.tidy(() => tf.transpose(tf.cast(tf.mul(rand(shape, 2), 1000), 'int32'), perm)), 0);
    }
  });

  it('Identity and same-dtype Cast share the buffer safely; real casts still convert', async () => {
    await tf.setBackend('wasm');
    const a = tf.tensor1d([1.5, -2, 3]);
    const c = tf.clone(a);
    const f = tf.cast(a, 'float32');
    const v = tf.variable(a);
    a.dispose(); // the shared buffer lives on while others hold it
    expect(Array.from(c.dataSync())).toEqual([1.5, -2, 3]);
    expect(Array.from(f.dataSync())).toEqual([1.5, -2, 3]);
    const next = tf.tensor1d([7, 8, 9]);
    v.assign(next);
    next.dispose();
    expect(Array.from(c.dataSync())).toEqual([1.5, -2, 3]);
    await matchesCpu(() => tf.tidy(() => tf.cast(tf.cast(tf.tensor1d([1.7, -2.2, 0]), 'int32'), 'float32')), 0);
    await matchesCpu(() => tf.tidy(() => tf.cast(tf.tensor1d([0, 2, -1]), 'bool')), 0);
    tf.dispose([c, f, v]);
  });

  it('tensors big enough to be split across the heap pool’s threads: transpose, sums, max-pool gradient', async () => {
    // ≥ 65,536 elements: on 2 threads each of these runs in two shares at once.
    await matchesCpu(() => tf.tidy(() => tf.transpose(rand([64, 12, 12, 16], 1), [3, 1, 2, 0])), 0);
    await matchesCpu(() => tf.tidy(() => tf.transpose(rand([300, 260], 1))), 0);
    await matchesCpu(() => tf.tidy(() => tf.transpose(rand([64, 14, 14, 8], 1), [1, 2, 0, 3])), 0); // whole rows move (dy in the filter gradient)
    await matchesCpu(() => tf.tidy(() => tf.transpose(tf.cast(tf.mul(rand([40, 50, 70], 2), 1000), 'int32'), [2, 0, 1])), 0);
    await matchesCpu(() => tf.tidy(() => tf.sum(rand([64, 16, 16, 8], 1), [0, 1, 2])));
    await matchesCpu(() => tf.tidy(() => tf.mean(rand([5000, 30], 1), 0)));
    // Over all axes (a squared norm): float64 sums, so the reference is float64 too — tfjs-cpu's
    // float32 running sum drifts by ~1e-5 over 150,000 terms.
    await tf.setBackend('wasm');
    for (const [x, keepDims] of [[tf.tidy(() => tf.square(rand([512, 300], 1))), false], [rand([400, 400], 2), true]] as const) {
      const exact = Array.from(x.dataSync()).reduce((a, v) => a + v, 0);
      const got = tf.sum(x, [0, 1], keepDims);
      expect(got.shape).toEqual(keepDims ? [1, 1] : []);
      expect(Math.abs(got.dataSync()[0] - exact) / Math.max(1, Math.abs(exact))).toBeLessThan(1e-6);
      tf.dispose([x, got]);
    }
    await matchesCpu(() =>
      tf.tidy(() => {
        const x = tf.relu(rand([33, 16, 16, 8], 4));
        return tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(xx as tf.Tensor4D, 2, 2, 'same'), rand([33, 8, 8, 8], 5))))(x);
      }),
    );
  });

  it('Sum and Mean over leading axes (bias gradients, batch-norm moments) match cpu; others still work', async () => {
    await matchesCpu(() => tf.tidy(() => tf.sum(rand([64, 9, 9, 5], 1), [0, 1, 2])));
    await matchesCpu(() => tf.tidy(() => tf.sum(rand([64, 9, 9, 5], 1), [1, 0], true)));
    await matchesCpu(() => tf.tidy(() => tf.mean(rand([64, 9, 9, 5], 1), [0, 1, 2])));
    await matchesCpu(() => tf.tidy(() => tf.mean(rand([64, 9, 9, 5], 1), [1, 2])));
    await matchesCpu(() => tf.tidy(() => tf.sum(rand([300, 4], 1))));
  });
});
