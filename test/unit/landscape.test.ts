// Loss-landscape slices (Li et al. 2018): filter normalisation, exact centre, weights restored
// bit-for-bit, the ε̂ slice with the run's own SAM options (checked against float64 by hand, and
// through a stored run's analysis), no leaked tensors.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flatten } from '../../src/engine/hessian/index';
import { computeLandscapes, filterNormalizedDirection, linspace, samEpsilonAt } from '../../src/engine/landscape/index';
import type { SamPerturbationOptions } from '../../src/engine/optim/sam';
import { samVariant } from '../../src/engine/optim/variants/sam';
import { analyzeCheckpoint } from '../../src/engine/hessian/stored';
import { makeLossClosure } from '../../src/engine/loss';
import { restoreForAnalysis } from '../../src/engine/restore';
import { hessianBatch } from '../../src/engine/train-analysis';
import { hessianSchema, parseRunConfig } from '../../src/shared/config';
import { Rng } from '../../src/engine/rng';
import { lossAndGrad64, tfProblem, tinyProblem, type TfProblem, type TinyProblem } from './hessian-fixtures';

let problem: TinyProblem;
let tfp: TfProblem;
beforeAll(async () => {
  await tf.setBackend('cpu');
  problem = tinyProblem({ d: 5, h: 12, c: 3, n: 64, act: 'tanh', seed: 21 });
  tfp = tfProblem(problem);
});
afterAll(() => tfp.dispose());

describe('filter-normalised directions', () => {
  it('match each filter’s norm (last axis) and zero biases', async () => {
    const dirs = await filterNormalizedDirection(tfp.closure.params, new Rng(1));
    tfp.closure.params.forEach((p, i) => {
      const d = dirs[i].dataSync();
      if (p.rank <= 1) {
        expect(Array.from(d).every((x) => x === 0)).toBe(true);
        return;
      }
      const w = p.dataSync();
      const filters = p.shape[p.rank - 1];
      for (let f = 0; f < filters; f++) {
        let wn = 0;
        let dn = 0;
        for (let j = f; j < w.length; j += filters) {
          wn += w[j] ** 2;
          dn += d[j] ** 2;
        }
        expect(Math.sqrt(dn)).toBeCloseTo(Math.sqrt(wn), 4);
      }
    });
    dirs.forEach((t) => t.dispose());
  });

  it('linspace puts an exact 0 in the middle of an odd grid', async () => {
    expect(linspace(1, 5)).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(() => linspace(1, 1)).toThrow(/points/);
  });
});

describe('computeLandscapes', () => {
  it('1-D, 2-D and ε̂ slices: centre = L(w), weights restored bit-for-bit, no leaks', async () => {
    const w0 = await flatten(tfp.closure.params);
    const before = tf.memory().numTensors;
    const loss0 = lossAndGrad64(problem, problem.w).loss;
    const centre = tfp.closure.loss();
    const lossAtW = centre.dataSync()[0];
    centre.dispose();
    expect(lossAtW).toBeCloseTo(loss0, 5);

    const progress: number[] = [];
    const epsHat = samEpsilonAt(tfp.closure, samVariant({ rho: 0.05, p: 2, adaptive: false, eta: 0.01 }));
    const slices = await computeLandscapes(tfp.closure, {
      seed: 3,
      kinds: ['1d-random', '2d-random', '1d-eps'],
      points: 9,
      epsDirection: epsHat,
      onProgress: (d) => progress.push(d),
    });
    epsHat.forEach((t) => t.dispose());
    expect(slices.map((s) => s.kind)).toEqual(['1d-random', '2d-random', '1d-eps']);
    const [one, two, eps] = slices;
    expect(one.alphas).toHaveLength(9);
    expect(one.losses[4]).toBe(lossAtW);
    expect(two.betas).toHaveLength(9);
    expect(two.losses).toHaveLength(81);
    expect(two.losses[4 * 9 + 4]).toBe(lossAtW);
    expect(eps.losses[4]).toBe(lossAtW);
    // Moving away along a random direction of the weights' own scale raises the loss somewhere.
    expect(Math.max(...one.losses)).toBeGreaterThan(lossAtW);
    // Along ε̂ = ρ∇L/‖∇L‖ the loss rises in the +α direction and falls in the −α one (first order).
    expect(eps.losses[5]).toBeGreaterThan(lossAtW);
    expect(eps.losses[3]).toBeLessThan(lossAtW);
    expect(progress.at(-1)).toBe(9 + 81 + 9);

    expect(Array.from(await flatten(tfp.closure.params))).toEqual(Array.from(w0));
    expect(tf.memory().numTensors).toBe(before);
  });

  // ε̂ worked out in float64 from the hand-written gradient g (hessian-fixtures), independently of
  // the engine's samPerturbation: p = 2: ρ·g/‖g‖₂; p = ∞: ρ·sign(g); ASAM with T = |w| + η:
  // p = 2: ρ·T²g/‖T·g‖₂, p = ∞: ρ·T·sign(g) (Kwon et al. 2021).
  const expectedEps = (o: SamPerturbationOptions): Float64Array => {
    const g = lossAndGrad64(problem, problem.w).grad;
    const T = problem.w.map((w) => (o.adaptive ? Math.abs(w) + o.eta : 1));
    if (o.p === 'inf') return g.map((gi, i) => o.rho * T[i] * Math.sign(gi));
    const n = Math.sqrt(g.reduce((a, gi, i) => a + (T[i] * gi) ** 2, 0));
    return g.map((gi, i) => (o.rho * T[i] * T[i] * gi) / n);
  };
  const OPTIONS: SamPerturbationOptions[] = [
    { rho: 0.1, p: 2, adaptive: false, eta: 0.01 },
    { rho: 0.1, p: 'inf', adaptive: false, eta: 0.01 },
    { rho: 0.5, p: 2, adaptive: true, eta: 0.01 },
    { rho: 0.5, p: 'inf', adaptive: true, eta: 0.1 },
  ];
  for (const o of OPTIONS) {
    it(`ε̂ with the run's options (p = ${o.p === 2 ? 2 : '∞'}${o.adaptive ? ', ASAM' : ''}) matches float64, and the slice at α = 1 is L(w + ε̂)`, async () => {
      const before = tf.memory().numTensors;
      const eps = samEpsilonAt(tfp.closure, samVariant(o));
      const want = expectedEps(o);
      const got = await flatten(eps);
      const scale = Math.max(...want.map(Math.abs));
      want.forEach((v, i) => expect(Math.abs(got[i] - v) / scale).toBeLessThan(1e-5));
      const [slice] = await computeLandscapes(tfp.closure, { seed: 0, kinds: ['1d-eps'], epsDirection: eps, points: 5, epsSpan: 2 });
      expect(slice.alphas).toEqual([-2, -1, 0, 1, 2]);
      const wPlus = problem.w.map((w, i) => w + want[i]);
      expect(slice.losses[3]).toBeCloseTo(lossAndGrad64(problem, wPlus).loss, 5);
      eps.forEach((t) => t.dispose());
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('restores the weights even when the loss throws mid-slice', async () => {
    const w0 = await flatten(tfp.closure.params);
    let calls = 0;
    const failing = {
      params: tfp.closure.params,
      loss: () => {
        if (++calls === 3) throw new Error('boom');
        return tfp.closure.loss();
      },
    };
    await expect(computeLandscapes(failing, { seed: 1, kinds: ['1d-random'], points: 5 })).rejects.toThrow('boom');
    expect(Array.from(await flatten(tfp.closure.params))).toEqual(Array.from(w0));
  });

  it('rejects an unknown kind and a missing or mis-shaped ε̂ with clear messages', async () => {
    await expect(computeLandscapes(tfp.closure, { seed: 1, kinds: ['3d' as never] })).rejects.toThrow(/unknown landscape kind "3d"/);
    await expect(computeLandscapes(tfp.closure, { seed: 1, kinds: ['1d-eps'] })).rejects.toThrow(/'1d-eps' landscape needs epsDirection/);
    const wrong = [tf.zeros([2])];
    await expect(computeLandscapes(tfp.closure, { seed: 1, kinds: ['1d-eps'], epsDirection: wrong })).rejects.toThrow(/epsDirection has 1 tensors/);
    wrong[0].dispose();
  });
});

describe("a stored run's analysis (analyzeCheckpoint)", () => {
  it("slices along the run's own ε̂: p = ∞ and m-sharpness (first m examples), not the p = 2 formula", async () => {
    const config = parseRunConfig({
      seed: 4,
      epochs: 1,
      batchSize: 32,
      backend: 'cpu',
      data: { name: 'synthetic-moons', samples: 200 },
      model: { kind: 'mlp', hidden: [8] },
      optimizer: { kind: 'sgd', lr: 0.1 },
      sam: { rho: 0.1, p: 'inf', m: 16 },
    });
    const hessian = hessianSchema.parse({ topK: 1, batchSize: 64, maxIterations: 8, trace: false, landscape: true });
    const { landscapes } = await analyzeCheckpoint(1, config, null, hessian);
    const slice = landscapes.find((l) => l.kind === '1d-eps')!;
    expect(slice.alphas).toHaveLength(21);

    // Independently: the same fresh weights and Hessian batch; ε̂ = ρ·sign(∇L on the first 16
    // examples), then L(w + α·ε̂) on the whole batch, written out with plain tf ops.
    const { model, dataset } = await restoreForAnalysis(config, null);
    const { x, y } = hessianBatch(dataset.train, model.inputShape, 64, config.seed);
    const [x16, y16] = [tf.slice(x, 0, 16), tf.slice(y, 0, 16)];
    const first = makeLossClosure(model, x16, y16);
    const { value, grads } = tf.variableGrads(first.loss, model.params);
    const eps = model.params.map((p) => tf.mul(tf.sign(grads[p.name]), 0.1));
    const all = makeLossClosure(model, x, y);
    const w0 = model.params.map((p) => tf.clone(p));
    const expected = slice.alphas.map((a) => {
      model.params.forEach((p, i) => p.assign(tf.tidy(() => tf.add(w0[i], tf.mul(eps[i], a)))));
      const l = all.loss();
      const v = l.dataSync()[0];
      l.dispose();
      return v;
    });
    slice.losses.forEach((l, i) => expect(l).toBeCloseTo(expected[i], 5));
    // A p = 2 ε̂ of the same ρ is a far shorter step (‖ρ·g/‖g‖‖ = ρ against ρ·√n for sign(g)): the
    // slice would be much flatter. This one is not.
    expect(Math.max(...slice.losses) - Math.min(...slice.losses)).toBeGreaterThan(0.01);
    tf.dispose([value, ...Object.values(grads), ...eps, ...w0, x, y, x16, y16]);
    model.dispose();
  });
});
