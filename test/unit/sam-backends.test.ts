// The same SAM arithmetic on the cpu and wasm backends: the worked example from sam.test.ts,
// ρ = 0 ≡ base bit for bit (the saved weights are restored exactly on both), and no leaks.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend';
import { createStepper } from '../../src/engine/optim';
import { expectClose, flat, linearModel, opt, samCfg, sigmoid } from './optim-fixtures';

afterAll(async () => {
  await tf.setBackend('cpu');
});

// wasm on one thread (single-threaded build) and on two (threaded build, shared heap).
for (const [backend, threads] of [['cpu', null], ['wasm', 1], ['wasm', 2]] as const) {
  describe(`on ${backend}${threads ? ` (${threads} thread${threads > 1 ? 's' : ''})` : ''}`, () => {
    it('worked example A: ε̂ = ρg/‖g‖ and the step is −∇L(w + ε̂)', async () => {
      await initBackend(backend, { threads });
      expect(tf.getBackend()).toBe(backend);
      // (derivation in sam.test.ts) c = 0.1/√3, p₁ = σ(6c): ∇L(w+ε̂) = p₁·(−1, 1, −2, 2, −1, 1)
      const m = linearModel([[0, 0], [0, 0]], [0, 0]);
      const s = createStepper(m, { optimizer: opt({ kind: 'sgd', lr: 1, momentum: 0 }), sam: samCfg({ rho: 0.1 }) });
      const x = tf.tensor2d([[1, 2]]);
      const y = tf.tensor1d([0], 'int32');
      const r = s.step(x, y, 1);
      const c = 0.1 / Math.sqrt(3);
      const p1 = sigmoid(6 * c);
      expectClose(flat(s.lastEpsilon()!), [-0.5, 0.5, -1, 1, -0.5, 0.5].map((g) => c * g));
      expectClose(flat(m.params), [p1, -p1, 2 * p1, -2 * p1, p1, -p1]);
      expectClose([r.perturbedLoss!.dataSync()[0], r.epsNorm!.dataSync()[0]], [0.8812779, 0.1]);
      tf.dispose([r.loss, r.correct, r.gradNorm, r.epsNorm!, r.perturbedLoss!, x, y]);
      s.dispose();
      m.dispose();
    });

    it('ρ = 0 reproduces SGD with momentum bit for bit, without leaking', async () => {
      await initBackend(backend, { threads });
      const W = [[0.3, -0.7, 0.2], [0.5, 0.1, -0.4]];
      const b = [0.05, -0.1, 0.2];
      const optimizer = opt({ kind: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 1e-3 });
      const run = (sam: ReturnType<typeof samCfg> | null) => {
        const m = linearModel(W, b);
        const s = createStepper(m, { optimizer, sam });
        let afterFirst = 0;
        for (let i = 0; i < 6; i++) {
          const x = tf.tensor2d([[Math.sin(i), Math.cos(i)], [1, -i / 3], [0.5, 0.25 * i], [-1, 1]]);
          const y = tf.tensor1d([i % 3, 1, 2, 0], 'int32');
          const r = s.step(x, y, 0.1);
          tf.dispose([x, y, r.loss, r.correct, r.gradNorm, ...(r.epsNorm ? [r.epsNorm, r.perturbedLoss!] : [])]);
          // after the first step (state, ε̂ and lr allocated) the count must stay flat
          if (i === 0) afterFirst = tf.memory().numTensors;
        }
        expect(tf.memory().numTensors).toBe(afterFirst);
        const after = tf.memory().numTensors;
        const w = flat(m.params);
        s.dispose();
        m.dispose();
        return { w, after };
      };
      const base = run(null);
      const sam = run(samCfg({ rho: 0 }));
      expect(sam.w).toEqual(base.w);
      const again = run(samCfg({ rho: 0 }));
      expect(again.after).toBe(sam.after);
    });
  });
}

describe('with a real batch-norm network (ResNet-20, width 4, 8×8×3 input, cpu)', () => {
  it('ρ = 0 ≡ base bit for bit; ρ > 0 moves the running statistics exactly as the first pass alone', async () => {
    await initBackend('cpu');
    const { buildModel } = await import('../../src/engine/models');
    const { modelSchema } = await import('../../src/shared/config');
    const cfg = modelSchema.parse({ kind: 'resnet20', width: 4 });
    const x = tf.tidy(() => tf.randomUniform([4, 8, 8, 3], -1, 1, 'float32', 7));
    const y = tf.tensor1d([0, 1, 2, 1], 'int32');
    const optimizer = opt({ kind: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 5e-4 });
    const train = async (sam: ReturnType<typeof samCfg> | null, steps: number) => {
      const m = await buildModel(cfg, [8, 8, 3], 3, 11);
      expect(m.state.length).toBeGreaterThan(0);
      const s = createStepper(m, { optimizer, sam });
      for (let i = 0; i < steps; i++) {
        const r = s.step(x, y, 0.05);
        tf.dispose([r.loss, r.correct, r.gradNorm, ...(r.epsNorm ? [r.epsNorm, r.perturbedLoss!] : [])]);
      }
      const out = { w: flat(m.params), st: flat(m.state) };
      s.dispose();
      m.dispose();
      return out;
    };
    const base = await train(null, 2);
    const zero = await train(samCfg({ rho: 0 }), 2);
    expect(zero.w).toEqual(base.w);
    expect(zero.st).toEqual(base.st);
    // One step: the first pass is at the same w for both, so the statistics must agree exactly;
    // had the second pass (at w + ε̂) moved them, they would differ.
    const base1 = await train(null, 1);
    const sam1 = await train(samCfg({ rho: 0.5 }), 1);
    expect(sam1.st).toEqual(base1.st);
    expect(sam1.w).not.toEqual(base1.w);
    tf.dispose([x, y]);
  });
});
