// Softmax cross-entropy, accuracy and the loss closure the Hessian code differentiates.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers'; // registers tfjs-core's gradients under Node
import { beforeAll, describe, expect, it } from 'vitest';
import { correctCount, crossEntropy, lossAndAccuracy, makeLossClosure } from '../../src/engine/loss';
import { centredModel, expectClose } from './optim-fixtures';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('crossEntropy', () => {
  it('is the mean of −log softmax at the label', () => {
    // row 1: logits [0, 0], label 0 → log 2 = 0.6931472
    // row 2: logits [2, 0], label 1 → log(e² + 1) − 0 = 2.1269280
    const l = crossEntropy(tf.tensor2d([[0, 0], [2, 0]]), tf.tensor1d([0, 1], 'int32'));
    expectClose([l.dataSync()[0]], [(0.6931472 + 2.126928) / 2]);
  });

  it('stays finite for huge logits, value and gradient', () => {
    // row 1: label 1 at logits [1000, 0] → 1000; row 2: label 1 at [−1000, 1000] → 0; mean 500
    const z = tf.tensor2d([[1000, 0], [-1000, 1000]]);
    const y = tf.tensor1d([1, 1], 'int32');
    expectClose([crossEntropy(z, y).dataSync()[0]], [500]);
    // ∂/∂z = (softmax − onehot)/B = ([1, −1], [0, 0])/2
    const g = tf.grad((zz: tf.Tensor) => crossEntropy(zz as tf.Tensor2D, y))(z);
    expectClose(Array.from(g.dataSync()), [0.5, -0.5, 0, 0]);
  });

  it('names a label/row mismatch', () => {
    expect(() => crossEntropy(tf.zeros([3, 2]) as tf.Tensor2D, tf.tensor1d([0, 1], 'int32'))).toThrow(/2 labels for a batch of 3/);
  });

  it('correctCount counts argmax hits', () => {
    const c = correctCount(tf.tensor2d([[0.1, 0.9], [3, -1], [0, 5]]), tf.tensor1d([1, 1, 1], 'int32'));
    expect(c.dataSync()[0]).toBe(2);
  });
});

describe('evaluation helpers leave batch-norm statistics alone', () => {
  // Centred model in eval mode: logits = x·W − running + b with running = 0 → x·W + b.
  // x = [1, 2], W = [[1, 0], [0, 1]], b = [0, 0] → logits [1, 2]; label 1 → log(1 + e^{−1}) = 0.3132617
  const W = [[1, 0], [0, 1]];
  it('lossAndAccuracy runs in eval mode by default', () => {
    const m = centredModel(W, [0, 0]);
    const x = tf.tensor2d([[1, 2]]);
    const y = tf.tensor1d([1], 'int32');
    const r = lossAndAccuracy(m, x, y);
    expectClose([r.loss.dataSync()[0]], [0.3132617]);
    expect(r.correct.dataSync()[0]).toBe(1);
    expect(r.count).toBe(1);
    expect(m.calls).toEqual([{ training: false, updateState: false }]);
    expect(Array.from(m.running.dataSync())).toEqual([0, 0]);
    m.dispose();
  });

  // 'weights-only': loss = 0.3132617 + 0.1/2·‖W‖² = 0.3132617 + 0.05·2 = 0.4132617; the bias is not decayed.
  // 'all': + 0.1/2·‖b‖² = 0.05·(0.25 + 0.25) = 0.025 more, and ∂/∂b gains 0.1·b = 0.05.
  // ∂CE/∂b = softmax − onehot = [σ(−1), −σ(−1)] = [0.2689414, −0.2689414]
  const cases = [
    { decayParams: 'weights-only' as const, loss: 0.4132617, gradB: [0.2689414, -0.2689414] },
    { decayParams: 'all' as const, loss: 0.4382617, gradB: [0.3189414, -0.2189414] },
  ];
  for (const c of cases) {
    it(`makeLossClosure adds wd/2·Σ‖w‖² over the decayed parameters (${c.decayParams}) and never updates state`, () => {
      const m = centredModel(W, [0.5, 0.5]); // equal biases leave the softmax unchanged
      const x = tf.tensor2d([[1, 2]]);
      const y = tf.tensor1d([1], 'int32');
      const closure = makeLossClosure(m, x, y, 0.1, c.decayParams);
      expect(closure.params).toBe(m.params);
      const before = tf.memory().numTensors;
      const l = closure.loss();
      expectClose([l.dataSync()[0]], [c.loss]);
      l.dispose();
      expect(tf.memory().numTensors).toBe(before);
      const { value, grads } = tf.variableGrads(closure.loss, m.params);
      expectClose(Array.from(grads[m.params[1].name].dataSync()), c.gradB);
      tf.dispose([value, ...Object.values(grads), x, y]);
      expect(m.calls.every((call) => !call.training && !call.updateState)).toBe(true);
      expect(Array.from(m.running.dataSync())).toEqual([0, 0]);
      expect(() => makeLossClosure(m, x, y, -1)).toThrow(/weightDecay/);
      m.dispose();
    });
  }
});
