// Base optimizers against their textbook updates, worked by hand over 2–3 steps, plus the
// stepper's state round-trip and tensor hygiene.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { adam, createStepper, sgd } from '../../src/engine/optim';
import type { GradientTransformation } from '../../src/engine/optim';
import { centredModel, expectClose, flat, linearModel, opt, samCfg } from './optim-fixtures';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// Parameters w₀ = [1, −2]; gradients fixed per step (independent of w) so the maths is by hand.
const W0 = [1, -2];
const GRADS = [
  [0.5, 1],
  [-1, 0.5],
  [0.2, -0.4],
];

function run(tx: GradientTransformation, steps: number, lr = 0.1): number[][] {
  const w = tf.variable(tf.tensor1d(W0));
  let state = tx.init([w]);
  const out: number[][] = [];
  for (let t = 0; t < steps; t++) {
    const next = tf.tidy(() => {
      const r = tx.update([tf.tensor1d(GRADS[t])], state, [w], tf.scalar(lr));
      w.assign(tf.add(w, r.updates[0]));
      Object.values(r.state).forEach((s) => tf.keep(s));
      return r.state;
    });
    tf.dispose(Object.values(state));
    state = next;
    out.push(Array.from(w.dataSync()));
  }
  tf.dispose(Object.values(state));
  w.dispose();
  return out;
}

describe('sgd', () => {
  it('heavy-ball momentum with coupled weight decay (μ = 0.9, wd = 0.01, lr = 0.1)', () => {
    // g' = g + 0.01·w;  b ← 0.9·b + g';  w ← w − 0.1·b
    // 1: g' = [0.51, 0.98], b = [0.51, 0.98],                w = [0.949, −2.098]
    // 2: g' = [−0.99051, 0.47902], b = [−0.53151, 1.36102],  w = [1.002151, −2.234102]
    // 3: g' = [0.21002151, −0.42234102], b = [−0.26833749, 0.80257698], w = [1.02898475, −2.31435970]
    const ws = run(sgd({ momentum: 0.9, nesterov: false, weightDecay: 0.01 }), 3);
    expectClose(ws[0], [0.949, -2.098]);
    expectClose(ws[1], [1.002151, -2.234102]);
    expectClose(ws[2], [1.02898475, -2.3143597]);
  });

  it('Nesterov momentum: d = g′ + μ·b', () => {
    // 1: g' = [0.51, 0.98] = b, d = 1.9·g' = [0.969, 1.862],   w = [0.9031, −2.1862]
    // 2: g' = [−0.990969, 0.478138], b = [−0.531969, 1.360138],
    //    d = [−1.4697411, 1.7022622],                           w = [1.05007411, −2.35642622]
    const ws = run(sgd({ momentum: 0.9, nesterov: true, weightDecay: 0.01 }), 2);
    expectClose(ws[0], [0.9031, -2.1862]);
    expectClose(ws[1], [1.05007411, -2.35642622]);
  });

  it('plain SGD (μ = 0) keeps no state', () => {
    const tx = sgd({ momentum: 0, nesterov: false, weightDecay: 0 });
    expect(Object.keys(tx.init([tf.zeros([2])]))).toEqual([]);
    // w ← w − 0.1·g: [1 − 0.05, −2 − 0.1] then [0.95 + 0.1, −2.1 − 0.05]
    const ws = run(tx, 2);
    expectClose(ws[0], [0.95, -2.1]);
    expectClose(ws[1], [1.05, -2.15]);
  });

  it('rejects bad arguments by name', () => {
    expect(() => sgd({ momentum: 1, nesterov: false, weightDecay: 0 })).toThrow(/optimizer\.momentum/);
    expect(() => sgd({ momentum: 0, nesterov: true, weightDecay: 0 })).toThrow(/nesterov/);
  });
});

describe('adam / adamw', () => {
  it('Adam matches Kingma & Ba with bias correction (β = 0.9, 0.999; lr = 0.1)', () => {
    // 1: m = [0.05, 0.1], v = [0.00025, 0.001]; m̂ = [0.5, 1], v̂ = [0.25, 1] → m̂/√v̂ = [1, 1]
    //    w = [0.9, −2.1]
    // 2: m = [−0.055, 0.14], v = [0.00124975, 0.001249]; m̂ = m/0.19, v̂ = v/0.001999
    //    m̂/√v̂ = [−0.3661035, 0.9321796]            w = [0.93661035, −2.19321796]
    const ws = run(adam({ beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, decoupled: false }), 2);
    expectClose(ws[0], [0.9, -2.1]);
    expectClose(ws[1], [0.93661035, -2.19321796]);
  });

  it('Adam with coupled L2 (wd enters g, so the moments)', () => {
    // 1: g' = [0.6, 0.8] → m̂/√v̂ = [1, 1]; w = [0.9, −2.1]
    // 2: g' = [−1 + 0.09, 0.5 − 0.21] = [−0.91, 0.29]; same Adam arithmetic → w = [0.92526352, −2.18836228]
    const ws = run(adam({ beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.1, decoupled: false }), 2);
    expectClose(ws[0], [0.9, -2.1]);
    expectClose(ws[1], [0.92526352, -2.18836228]);
  });

  it('AdamW decouples the decay: w ← w − lr·(m̂/(√v̂+ε) + wd·w)', () => {
    // 1: −0.1·[1, 1] − 0.1·0.1·[1, −2] = [−0.11, −0.08]                 w = [0.89, −2.08]
    // 2: −0.1·[−0.3661035, 0.9321796] − 0.01·[0.89, −2.08]               w = [0.91771035, −2.15241796]
    const ws = run(adam({ beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.1, decoupled: true }), 2);
    expectClose(ws[0], [0.89, -2.08]);
    expectClose(ws[1], [0.91771035, -2.15241796]);
  });
});

describe('stepper', () => {
  const X = () => tf.tensor2d([[1, 2], [3, -1], [0.5, 0.5], [-1, 1]]);
  const Y = () => tf.tensor1d([0, 1, 1, 0], 'int32');

  it('plain SGD through the stepper is w − lr·∇L on a linear softmax model', () => {
    // W = 0, b = 0, x = [[1, 2]], y = [0]: softmax = [½, ½], δ = p − onehot = [−½, ½]
    // ∇W = xᵀδ = [[−0.5, 0.5], [−1, 1]], ∇b = [−0.5, 0.5]; lr = 0.1 → W = [[0.05, −0.05], [0.1, −0.1]]
    const model = linearModel([[0, 0], [0, 0]], [0, 0]);
    const s = createStepper(model, { optimizer: opt({ kind: 'sgd', lr: 0.1, momentum: 0 }), sam: null });
    const x = tf.tensor2d([[1, 2]]);
    const y = tf.tensor1d([0], 'int32');
    const r = s.step(x, y, 0.1);
    expectClose(flat(model.params), [0.05, -0.05, 0.1, -0.1, 0.05, -0.05]);
    expectClose([r.loss.dataSync()[0], r.gradNorm.dataSync()[0]], [Math.log(2), Math.sqrt(3)]);
    expect(r.correct.dataSync()[0]).toBe(1); // argmax of [0, 0] is class 0 = the label
    expect(r.epsNorm).toBeNull();
    expect(r.perturbedLoss).toBeNull();
    tf.dispose([r.loss, r.correct, r.gradNorm, x, y]);
    s.dispose();
    model.dispose();
  });

  it('getState/setState round-trip: a restored stepper continues exactly', () => {
    const cfg = { optimizer: opt({ kind: 'adam', lr: 0.05, weightDecay: 0.01 }), sam: samCfg({ rho: 0.05 }) };
    const init = [[0.3, -0.2], [0.1, 0.4]];
    const a = linearModel(init, [0, 0.1]);
    const sa = createStepper(a, cfg);
    const x = X();
    const y = Y();
    for (let i = 0; i < 2; i++) tf.dispose(Object.values(sa.step(x, y, 0.05)).filter((t): t is tf.Scalar => t !== null));
    const saved = sa.getState();
    // Adam's moments and count, and the stepper's own step counter (it keys each step's randomness).
    expect(Object.keys(saved).sort()).toEqual(['count', 'm/0', 'm/1', 'stepper/t', 'v/0', 'v/1']);
    expect([saved.count.dataSync()[0], saved['stepper/t'].dataSync()[0]]).toEqual([2, 2]);
    // A second model with a's weights and a's optimizer state must take the identical next step.
    const b = linearModel(init, [0, 0]);
    b.params.forEach((p, i) => p.assign(a.params[i]));
    const sb = createStepper(b, cfg);
    sb.setState(saved);
    tf.dispose(Object.values(saved)); // the stepper keeps its own copies
    for (const s of [sa, sb]) tf.dispose(Object.values(s.step(x, y, 0.05)).filter((t): t is tf.Scalar => t !== null));
    expect(flat(b.params)).toEqual(flat(a.params));
    const sbState = sb.getState();
    expect([sbState.count.dataSync()[0], sbState['stepper/t'].dataSync()[0]]).toEqual([3, 3]);
    tf.dispose(Object.values(sbState));
    // State from another optimizer is refused with a message that names the mismatch.
    const sgdModel = linearModel(init, [0, 0]);
    const sc = createStepper(sgdModel, { optimizer: opt({ kind: 'sgd', lr: 0.1 }), sam: null });
    const sgdState = sc.getState();
    expect(() => sb.setState(sgdState)).toThrow(/missing count.*unexpected momentum\/0/);
    tf.dispose(Object.values(sgdState));
    [sa, sb, sc].forEach((s) => s.dispose());
    [a, b, sgdModel].forEach((m) => m.dispose());
    tf.dispose([x, y]);
  });

  it('leaks no tensors over many steps (SAM, m-sharpness, batch-norm state, Adam, clipping)', () => {
    const model = centredModel([[0.3, -0.2], [0.1, 0.4]], [0, 0.1]);
    const s = createStepper(model, {
      optimizer: opt({ kind: 'adam', lr: 0.01, weightDecay: 0.01, gradClip: 0.5 }),
      sam: samCfg({ rho: 0.05, m: 2, adaptive: true }),
    });
    const x = X();
    const y = Y();
    const once = () => {
      const r = s.step(x, y, 0.01);
      tf.dispose([r.loss, r.correct, r.gradNorm, r.epsNorm!, r.perturbedLoss!]);
    };
    once(); // allocates the optimizer state, ε̂ and the lr scalar
    const before = tf.memory().numTensors;
    for (let i = 0; i < 25; i++) once();
    expect(tf.memory().numTensors).toBe(before);
    s.dispose();
    tf.dispose([x, y]);
    model.dispose();
    const plain = linearModel([[0, 0], [0, 0]], [0, 0]);
    const base = tf.memory().numTensors;
    const sp = createStepper(plain, { optimizer: opt({ kind: 'sgd', lr: 0.1, nesterov: true }), sam: null });
    const x2 = X();
    const y2 = Y();
    for (let i = 0; i < 10; i++) {
      const r = sp.step(x2, y2, 0.1);
      tf.dispose([r.loss, r.correct, r.gradNorm]);
    }
    sp.dispose();
    tf.dispose([x2, y2]);
    expect(tf.memory().numTensors).toBe(base);
    plain.dispose();
  });

  it('names a bad learning rate and mismatched inputs', () => {
    const model = linearModel([[0, 0], [0, 0]], [0, 0]);
    const s = createStepper(model, { optimizer: opt({ kind: 'sgd', lr: 0.1 }), sam: null });
    const x = X();
    const y = tf.tensor1d([0, 1], 'int32');
    expect(() => s.step(x, y, 0.1)).toThrow(/4 inputs but 2 labels/);
    const y4 = Y();
    expect(() => s.step(x, y4, NaN)).toThrow(/learning rate/);
    s.dispose();
    model.dispose();
    tf.dispose([x, y, y4]);
  });
});
