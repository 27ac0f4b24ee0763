// SAM's climb to w + ε̂ and back (firstStep / secondStep) at ρ > 0 — where a restore can go wrong —
// returns the weights bit for bit on cpu and wasm; (w + ε̂) − ε̂ would not. With lr = 0 a whole SAM
// step must then leave every weight exactly as it was: w + (−0)·d = w.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend';
import { buildModel } from '../../src/engine/models/index';
import { createStepper } from '../../src/engine/optim/index';
import { firstStep, samPerturbation, secondStep } from '../../src/engine/optim/sam';
import { modelSchema } from '../../src/shared/config';
import { opt, samCfg } from './optim-fixtures';

afterAll(async () => {
  await tf.setBackend('cpu');
});

const bits = (ts: readonly tf.Tensor[]) => ts.map((t) => Array.from(new Uint32Array(Float32Array.from(t.dataSync()).buffer)));

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`on ${backend}`, () => {
    it('firstStep then secondStep at ρ = 0.5 restores w bit for bit, where (w + ε̂) − ε̂ does not', async () => {
      await initBackend(backend);
      const model = await buildModel(modelSchema.parse({ kind: 'mlp', hidden: [32] }), [20], 5, 3);
      const w0 = bits(model.params);
      const eps = tf.tidy(() => samPerturbation(model.params.map((p) => tf.randomNormal(p.shape, 0, 1, 'float32', 9)), model.params, samCfg({ rho: 0.5 })).eps);
      const roundTrip = tf.tidy(() => model.params.map((p, i) => tf.sub(tf.add(p, eps[i]), eps[i])));
      expect(bits(roundTrip)).not.toEqual(w0); // round-off: some weights come back one ulp off
      const saved = firstStep(model.params, eps);
      expect(bits(model.params)).not.toEqual(w0);
      secondStep(model.params, saved);
      expect(bits(model.params)).toEqual(w0);
      tf.dispose([...eps, ...roundTrip, ...saved]);
      model.dispose();
    });

    it('a SAM step at ρ = 0.1 with lr = 0 leaves every weight and batch-norm statistic where the first pass put them', async () => {
      await initBackend(backend);
      // ResNet-20 (width 2): convolutions, batch norm and a linear head; SGD with momentum and L2 in the loss.
      const optimizer = opt({ kind: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 5e-4 });
      const x = tf.tidy(() => tf.randomNormal([6, 8, 8, 3], 0, 1, 'float32', 2));
      const y = tf.tensor1d([0, 1, 2, 3, 0, 1], 'int32');
      const stepAtLr0 = async (sam: ReturnType<typeof samCfg> | null) => {
        const model = await buildModel(modelSchema.parse({ kind: 'resnet20', width: 2 }), [8, 8, 3], 4, 1);
        const w0 = bits(model.params);
        const s0 = bits(model.state);
        const s = createStepper(model, { optimizer, sam });
        const r = s.step(x, y, 0);
        const out = { w0, w: bits(model.params), s0, state: bits(model.state), epsNorm: r.epsNorm?.dataSync()[0] ?? null };
        tf.dispose([r.loss, r.correct, r.gradNorm, ...(r.epsNorm ? [r.epsNorm, r.perturbedLoss!] : [])]);
        s.dispose();
        model.dispose();
        return out;
      };
      const sam = await stepAtLr0(samCfg({ rho: 0.1 }));
      const plain = await stepAtLr0(null);
      expect(sam.epsNorm).toBeCloseTo(0.1, 5);
      expect(sam.w).toEqual(sam.w0);
      expect(sam.state).toEqual(plain.state); // moved by the first pass only, exactly as a plain step moves them
      expect(sam.state).not.toEqual(sam.s0);
      tf.dispose([x, y]);
    });
  });
}
