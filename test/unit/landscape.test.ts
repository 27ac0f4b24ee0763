// Loss-landscape slices (Li et al. 2018): filter normalisation, exact centre, weights restored
// bit-for-bit, the ε̂ slice, no leaked tensors.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flatten } from '../../src/engine/hessian/index';
import { computeLandscapes, filterNormalizedDirection, linspace, samEpsilon } from '../../src/engine/landscape/index';
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
    const slices = await computeLandscapes(tfp.closure, {
      seed: 3,
      kinds: ['1d-random', '2d-random', '1d-eps'],
      points: 9,
      rho: 0.05,
      onProgress: (d) => progress.push(d),
    });
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

  it('the ε̂ slice at α = 1 is the loss SAM sees at w + ε̂', async () => {
    const eps = samEpsilon(tfp.closure.loss, tfp.closure.params, 0.1);
    const [slice] = await computeLandscapes(tfp.closure, { seed: 0, kinds: ['1d-eps'], epsDirection: eps, points: 5, epsSpan: 2 });
    expect(slice.alphas).toEqual([-2, -1, 0, 1, 2]);
    // Reference in float64: L(w + ε̂) with the same ε̂.
    const wPlus = Float64Array.from(problem.w);
    const e = await flatten(eps);
    for (let i = 0; i < wPlus.length; i++) wPlus[i] += e[i];
    expect(slice.losses[3]).toBeCloseTo(lossAndGrad64(problem, wPlus).loss, 5);
    eps.forEach((t) => t.dispose());
  });

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

  it('rejects an unknown kind and a mis-shaped ε̂ with clear messages', async () => {
    await expect(computeLandscapes(tfp.closure, { seed: 1, kinds: ['3d' as never] })).rejects.toThrow(/unknown landscape kind "3d"/);
    const wrong = [tf.zeros([2])];
    await expect(computeLandscapes(tfp.closure, { seed: 1, kinds: ['1d-eps'], epsDirection: wrong })).rejects.toThrow(/epsDirection has 1 tensors/);
    wrong[0].dispose();
  });
});
