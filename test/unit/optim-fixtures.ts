// Tiny EngineModels for the optimizer/SAM tests: few enough weights to derive every number by hand.
import * as tf from '@tensorflow/tfjs-core';
import { crossEntropy } from '../../src/engine/loss';
import { createStepper } from '../../src/engine/optim';
import type { Stepper, StepTensors } from '../../src/engine/optim';
import type { EngineModel } from '../../src/engine/types';
import type { OptimizerConfig, SamConfig, SamConfigInput } from '../../src/shared/config';
import { optimizerSchema, samSchema } from '../../src/shared/config';

let counter = 0;
const uniq = (s: string) => `optim-test/${s}/${counter++}`;
/** A variable from a freshly made tensor; tidy disposes the initial tensor (the variable keeps its data). */
const v = (make: () => tf.Tensor, name: string, trainable = true) => tf.tidy(() => tf.variable(make(), trainable, uniq(name)));

/** logits = x·W + b (a linear softmax classifier); `normalization` marks [W, b] for SAM-ON. */
export function linearModel(W: number[][], b: number[], normalization?: [boolean, boolean]): EngineModel {
  const w = v(() => tf.tensor2d(W), 'W');
  const bias = v(() => tf.tensor1d(b), 'b');
  return {
    kind: 'linear',
    params: [w, bias],
    normalization,
    state: [],
    paramCount: W.length * W[0].length + b.length,
    inputShape: [W.length],
    numClasses: b.length,
    apply: (x) => tf.tidy(() => tf.add(tf.matMul(x as tf.Tensor2D, w), bias) as tf.Tensor2D),
    dispose: () => tf.dispose([w, bias]),
  };
}

export interface CallLog {
  training: boolean;
  updateState: boolean;
}

/**
 * logits = (x·W − μ) + b with a batch-norm-like centring: training uses the batch mean μ_B and,
 * when updateState, moves the running mean r ← 0.9·r + 0.1·μ_B; evaluation uses r. Every call's
 * flags are logged so tests can see which pass moved the statistics.
 */
export function centredModel(W: number[][], b: number[]): EngineModel & { running: tf.Variable; calls: CallLog[] } {
  const w = v(() => tf.tensor2d(W), 'W');
  const bias = v(() => tf.tensor1d(b), 'b');
  const running = v(() => tf.zeros([b.length]), 'running', false);
  const calls: CallLog[] = [];
  return {
    kind: 'centred',
    params: [w, bias],
    state: [running],
    running,
    calls,
    paramCount: W.length * W[0].length + b.length,
    inputShape: [W.length],
    numClasses: b.length,
    apply(x, opts) {
      const updateState = opts.updateState ?? opts.training;
      calls.push({ training: opts.training, updateState });
      return tf.tidy(() => {
        const z = tf.matMul(x as tf.Tensor2D, w);
        if (!opts.training) return tf.add(tf.sub(z, running), bias) as tf.Tensor2D;
        const mu = tf.mean(z, 0);
        if (updateState) running.assign(tf.add(tf.mul(running, 0.9), tf.mul(mu, 0.1)));
        return tf.add(tf.sub(z, mu), bias) as tf.Tensor2D;
      });
    },
    dispose: () => tf.dispose([w, bias, running]),
  };
}

/** A model whose loss does not depend on its weights: ∇L = 0 exactly (for the ‖g‖ = 0 guard). */
export function deadModel(): EngineModel {
  const w = v(() => tf.tensor2d([[1, -1], [2, 0.5]]), 'W');
  const bias = v(() => tf.tensor1d([0.3, -0.3]), 'b');
  return {
    kind: 'dead',
    params: [w, bias],
    state: [],
    paramCount: 6,
    inputShape: [2],
    numClasses: 2,
    apply: (x) =>
      tf.tidy(() => tf.add(tf.mul(tf.add(tf.matMul(x as tf.Tensor2D, w), bias), 0), tf.tensor1d([1, 0])) as tf.Tensor2D),
    dispose: () => tf.dispose([w, bias]),
  };
}

export const opt = (o: Partial<OptimizerConfig> & { kind: OptimizerConfig['kind']; lr: number }): OptimizerConfig =>
  optimizerSchema.parse(o);
export const samCfg = (o: SamConfigInput): SamConfig => samSchema.parse(o);

export const values = (ts: readonly tf.Tensor[]) => ts.map((t) => Array.from(t.dataSync()));
export const flat = (ts: readonly tf.Tensor[]) => values(ts).flat();
export const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

export function expectClose(actual: number[], expected: number[], tol = 1e-6): void {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} ≠ ${expected.length}`);
  actual.forEach((a, i) => {
    if (!(Math.abs(a - expected[i]) <= tol * Math.max(1, Math.abs(expected[i])))) {
      throw new Error(`element ${i}: got ${a}, expected ${expected[i]} (±${tol})\n  actual   ${actual}\n  expected ${expected}`);
    }
  });
}

/** One step of `s` on a batch given as arrays: the step's numbers and the gradient the base optimizer used (= w_before − w_after at lr 1). */
export function stepWith(s: Stepper, model: EngineModel, xs: number[][], ys: number[], lr: number) {
  const before = flat(model.params);
  const x = tf.tensor2d(xs);
  const y = tf.tensor1d(ys, 'int32');
  const r = s.step(x, y, lr);
  const after = flat(model.params);
  const eps = s.lastEpsilon();
  const out = {
    grad: before.map((b, i) => (b - after[i]) / lr),
    eps: eps ? flat(eps) : null,
    loss: r.loss.dataSync()[0],
    gradNorm: r.gradNorm.dataSync()[0],
    epsNorm: r.epsNorm?.dataSync()[0] ?? null,
    perturbedLoss: r.perturbedLoss?.dataSync()[0] ?? null,
    correct: r.correct.dataSync()[0],
    passes: r.passes,
  };
  disposeStep(r);
  tf.dispose([x, y]);
  return out;
}

/** One step of a fresh stepper (see stepWith). */
export function stepOnce(model: EngineModel, optimizer: OptimizerConfig, sam: SamConfig | null, xs: number[][], ys: number[]) {
  const s = createStepper(model, { optimizer, sam });
  const out = stepWith(s, model, xs, ys, optimizer.lr);
  s.dispose();
  return out;
}

export function disposeStep(r: StepTensors): void {
  tf.dispose([r.loss, r.correct, r.gradNorm, ...(r.epsNorm ? [r.epsNorm] : []), ...(r.perturbedLoss ? [r.perturbedLoss] : [])]);
}

/** ∇L of the data loss at the model's current weights, computed independently of the stepper. */
export function gradAt(model: EngineModel, xs: number[][], ys: number[]): number[] {
  return tf.tidy(() => {
    const x = tf.tensor2d(xs);
    const y = tf.tensor1d(ys, 'int32');
    const { grads } = tf.variableGrads(() => crossEntropy(model.apply(x, { training: true, updateState: false }), y), model.params);
    return flat(model.params.map((p) => grads[p.name]));
  });
}

export const norm = (v: number[]) => Math.sqrt(v.reduce((a, b) => a + b * b, 0));
export const dotv = (a: number[], b: number[]) => a.reduce((acc, v, i) => acc + v * b[i], 0);

/** A 2-input, 3-class linear model and four examples: general enough that nothing cancels. */
export const GENERAL = {
  W: [[0.3, -0.7, 0.2], [0.5, 0.1, -0.4]],
  b: [0.05, -0.1, 0.2],
  xs: [[1, 2], [-0.5, 0.3], [2, -1], [0.1, 0.9]],
  ys: [0, 2, 1, 2],
};

/** ∇L of a linear model at (W, b) + shift (shift flat, W first), computed independently of any stepper. */
export function gradAtShifted(W: number[][], b: number[], shift: number[], xs: number[][], ys: number[]): number[] {
  const nW = W.length * W[0].length;
  const probe = linearModel(W.map((row, i) => row.map((v, j) => v + shift[i * row.length + j])), b.map((v, j) => v + shift[nW + j]));
  const g = gradAt(probe, xs, ys);
  probe.dispose();
  return g;
}
