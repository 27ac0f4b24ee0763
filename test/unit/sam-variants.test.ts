// SAM's successors (issue 13), each pinned on a model small enough to derive its update by hand,
// and each reduced to SAM at its neutral setting, bit for bit on the same weights. The base
// optimizer is plain SGD with lr = 1 and no momentum: a step moves the weights by exactly minus
// the gradient the variant hands to the base optimizer.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { createStepper, gsamRho, learningRateRange } from '../../src/engine/optim';
import type { EngineModel } from '../../src/engine/types';
import { parseRunConfig, type OptimizerConfig, type SamConfig, type SamConfigInput } from '../../src/shared/config';
import { GENERAL, centredModel, disposeStep, dotv, expectClose, flat, gradAt, gradAtShifted, linearModel, norm, opt, samCfg, sigmoid, stepWith } from './optim-fixtures';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const SGD1 = opt({ kind: 'sgd', lr: 1, momentum: 0 });

// Worked example C: W = 0 (2×2), b = 0; x₁ = [1, 2], y₁ = 0 and x₂ = [3, −1], y₂ = 1.
//   Per example δᵢ = softmax − onehot = ±½·[−1, 1]; g = ½(x₁ᵀδ₁ + x₂ᵀδ₂), in the order
//   (W₀₀, W₀₁, W₁₀, W₁₁, b₀, b₁):  g = (.5, −.5, −.75, .75, 0, 0),  ‖g‖² = 1.625.
//   SAM, ρ = 0.5: ε̂ = c·g with c = ρ/√1.625 = 0.3922323, so W + ε̂ = c·[[.5, −.5], [−.75, .75]]:
//     x₁ gets logits [−c, c] → δ₁ = s₁·[−1, 1],  s₁ = σ(2c)   = 0.6866415
//     x₂ gets logits [2.25c, −2.25c] → δ₂ = s₂·[1, −1], s₂ = σ(4.5c) = 0.8538404
//   gp = ∇L(w + ε̂) = ½·(−s₁+3s₂, s₁−3s₂, −2s₁−s₂, 2s₁+s₂, s₂−s₁, s₁−s₂)
//      = (0.9374399, −0.9374399, −1.1135617, 1.1135617, 0.0835994, −0.0835994)
//   — not parallel to g (its bias part is not 0), so the decompositions below are not trivial.
const XS = [[1, 2], [3, -1]];
const YS = [0, 1];
const G = [0.5, -0.5, -0.75, 0.75, 0, 0];
const C = 0.5 / Math.sqrt(1.625);
const S1 = sigmoid(2 * C);
const S2 = sigmoid(4.5 * C);
const GP = [-S1 + 3 * S2, S1 - 3 * S2, -2 * S1 - S2, 2 * S1 + S2, S2 - S1, S1 - S2].map((v) => v / 2);
const ZERO = () => linearModel([[0, 0], [0, 0]], [0, 0]);
const sam = (variant: SamConfigInput['variant'], extra: Omit<SamConfigInput, 'rho'> = {}) => samCfg({ rho: 0.5, variant, ...extra });

function once(model: EngineModel, s: SamConfig, xs = XS, ys = YS, optimizer: OptimizerConfig = SGD1) {
  const stepper = createStepper(model, { optimizer, sam: s });
  const r = stepWith(stepper, model, xs, ys, optimizer.lr);
  stepper.dispose();
  return r;
}

describe('worked example C itself (SAM)', () => {
  it('matches the hand-derived gp', () => {
    expect(S1).toBeCloseTo(0.6866415, 7);
    expect(S2).toBeCloseTo(0.8538404, 7);
    expectClose(GP, [0.9374399, -0.9374399, -1.1135617, 1.1135617, 0.0835994, -0.0835994], 1e-6);
    const m = ZERO();
    const r = once(m, sam({ kind: 'sam' }));
    expectClose(r.eps!, G.map((v) => C * v));
    expectClose(r.grad, GP);
    expect(r.passes).toEqual({ forwardBackward: 2, forward: 0 });
    m.dispose();
  });
});

describe('GSAM (Zhuang et al. 2022): ∇f_p − α·∇f_⊥', () => {
  it('the update on example C, α = 0.2', () => {
    // ∇f_⊥ = g − (⟨g, gp⟩/‖gp‖²)·gp = (−0.0749922, 0.0749922, −0.0669809, 0.0669809, −0.0512769, 0.0512769)
    // update = gp − 0.2·∇f_⊥ = (0.9524383, −0.9524383, −1.1001655, 1.1001655, 0.0938548, −0.0938548)
    const perp = G.map((g, i) => g - (dotv(G, GP) / dotv(GP, GP)) * GP[i]);
    expectClose(perp, [-0.0749922, 0.0749922, -0.0669809, 0.0669809, -0.0512769, 0.0512769], 1e-5);
    const m = ZERO();
    const r = once(m, sam({ kind: 'gsam', alpha: 0.2 }));
    expectClose(r.grad, [0.9524383, -0.9524383, -1.1001655, 1.1001655, 0.0938548, -0.0938548], 1e-6);
    expect(Math.abs(dotv(perp, GP))).toBeLessThan(1e-12); // ∇f_⊥ ⟂ ∇f_p
    m.dispose();
  });

  it('ρ_t follows the learning rate linearly between (lr_min, ρ_min) and (lr_max, ρ_max)', () => {
    // ρ_t = ρ_min + (ρ_max − ρ_min)(lr − lr_min)/(lr_max − lr_min), here 0.01 + 0.04·(lr − 0.01)/0.09
    const o = { rho: 0.05, rhoMin: 0.01, lrRange: { min: 0.01, max: 0.1 } };
    expectClose([0.1, 0.01, 0.055, 0].map((lr) => gsamRho(o, lr)), [0.05, 0.01, 0.03, 0.01]); // lr 0: a warm-up, clamped
    expect(gsamRho({ ...o, lrRange: { min: 0.1, max: 0.1 } }, 0.1)).toBe(0.05); // constant schedule: ρ_max
    // The run's schedule gives the range: cosine to 10 % of lr, and the stepper's ‖ε̂‖ = ρ_t (p = 2).
    const cfg = parseRunConfig({
      epochs: 10,
      batchSize: 2,
      data: { name: 'synthetic-moons' },
      model: { kind: 'mlp' },
      optimizer: { kind: 'sgd', lr: 0.1 },
      schedule: { kind: 'cosine', minFactor: 0.1 },
    });
    expect(learningRateRange(cfg)).toEqual({ min: 0.1 * 0.1, max: 0.1 });
    const m = ZERO();
    const s = createStepper(m, { optimizer: SGD1, sam: samCfg({ rho: 0.05, variant: { kind: 'gsam', rhoMin: 0.01 } }), lrRange: learningRateRange(cfg) });
    expect(stepWith(s, m, XS, YS, 0.055).epsNorm).toBeCloseTo(0.03, 7);
    s.dispose();
    m.dispose();
  });
});

describe('ESAM (Du et al. 2022): stochastic weight perturbation and sharpness-sensitive data selection', () => {
  it('γ = 0.5 steps on the example whose loss rose most under ε̂', () => {
    // L₁(w + ε̂) = log(1 + e^{2c}) = 1.1604075, L₂(w + ε̂) = log(1 + e^{4.5c}) = 1.9230562, both log 2 at w:
    // example 2 rose more, so the second pass sees x₂ alone: ∇ = x₂ᵀδ₂ = s₂·(3, −3, −1, 1, 1, −1).
    // Reported L(w + ε̂) is the whole batch's; the step costs 1.5 forward-backward passes and 1 forward.
    const m = ZERO();
    const r = once(m, sam({ kind: 'esam', beta: 1, gamma: 0.5 }));
    expectClose(r.grad, [3, -3, -1, 1, 1, -1].map((v) => v * S2));
    expectClose([r.perturbedLoss!], [(1.1604075 + 1.9230562) / 2]);
    expect(r.passes).toEqual({ forwardBackward: 1.5, forward: 1 });
    m.dispose();
  });

  it('β = 0.5 perturbs each weight or not, scaled by 1/β, from the step seed; the step is ∇L at that point', () => {
    const { W, b, xs, ys } = GENERAL;
    const m = linearModel(W, b);
    const g = gradAt(m, xs, ys);
    const full = g.map((v) => (0.2 * v) / norm(g)); // SAM's ε̂
    const s = createStepper(m, { optimizer: SGD1, sam: samCfg({ rho: 0.2, variant: { kind: 'esam', beta: 0.5, gamma: 1 } }), seed: 9 });
    const r = stepWith(s, m, xs, ys, 1);
    s.dispose();
    r.eps!.forEach((e, i) => expect([0, full[i] / 0.5].some((v) => Math.abs(e - v) <= 1e-7)).toBe(true));
    const kept = r.eps!.filter((e) => e !== 0).length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(9);
    expectClose(r.grad, gradAtShifted(W, b, r.eps!, xs, ys), 1e-6);
    // The same seed and step draw the same mask.
    const again = linearModel(W, b);
    const s2 = createStepper(again, { optimizer: SGD1, sam: samCfg({ rho: 0.2, variant: { kind: 'esam', beta: 0.5, gamma: 1 } }), seed: 9 });
    expect(stepWith(s2, again, xs, ys, 1).eps).toEqual(r.eps);
    s2.dispose();
    [m, again].forEach((x) => x.dispose());
  });
});

describe('LookSAM (Liu et al. 2022): SAM every k steps, g + α·(‖g‖/‖g_v‖)·g_v in between', () => {
  it('k = 2: step 0 is SAM and stores g_v; step 1 takes one pass and reuses it', () => {
    // Step 0 on example C with lr = 0 (the weights stay at 0, the state is kept): the SAM step,
    //   g_v = gp − (⟨gp, g⟩/‖g‖²)·g,  ⟨gp, g⟩/‖g‖² = 1.6047892
    //       = (0.1350453, −0.1350453, 0.0900302, −0.0900302, 0.0835994, −0.0835994),  ‖g_v‖ = 0.2581919
    // Step 1 on example C at w = 0, lr = 1: one pass gives g, and the update is
    //   g + 0.7·(‖g‖/‖g_v‖)·g_v = g + 3.4560671·g_v = (0.9667255, −0.9667255, −0.4388497, 0.4388497, 0.2889253, −0.2889253)
    const m = ZERO();
    const s = createStepper(m, { optimizer: SGD1, sam: sam({ kind: 'looksam', k: 2, alpha: 0.7 }) });
    const r0 = stepWith(s, m, XS, YS, 0);
    const state = s.getState();
    expectClose(flat([state['looksam/gv/0'], state['looksam/gv/1']]), [0.1350453, -0.1350453, 0.0900302, -0.0900302, 0.0835994, -0.0835994], 1e-6);
    tf.dispose(Object.values(state));
    const r1 = stepWith(s, m, XS, YS, 1);
    expectClose(r1.grad, [0.9667255, -0.9667255, -0.4388497, 0.4388497, 0.2889253, -0.2889253], 1e-6);
    expect([r0.passes.forwardBackward, r1.passes.forwardBackward]).toEqual([2, 1]);
    expect([r1.epsNorm, r1.perturbedLoss]).toEqual([null, null]);
    expect(stepWith(s, m, XS, YS, 1).passes.forwardBackward).toBe(2); // step 2: SAM again
    s.dispose();
    m.dispose();
  });
});

describe('Friendly-SAM (Li et al. 2024): perturb along g − σ·m', () => {
  it('step 0 sets m = g; step 1 perturbs along g₁ − σ·m, then m = λ·m + (1 − λ)·g₁', () => {
    // Step 0 on x₁ = [1, 2], y₁ = 0 at w = 0 with lr = 0 (weights stay): ε̂ along g_A, m = g_A
    //   = (−½, ½, −1, 1, −½, ½).  Step 1 on x₂ = [3, −1], y₂ = 1, still at w = 0, lr = 1:
    //   g₂ = (1.5, −1.5, −0.5, 0.5, 0.5, −0.5);  d = g₂ − m = (2, −2, 0.5, −0.5, 1, −1), ‖d‖² = 10.5
    //   ε̂ = ρ·d/√10.5 = c·d with c = 0.5/√10.5 = 0.1543033; at w + ε̂, x₂'s logits are [6.5c, −6.5c]:
    //   update = σ(13c)·(3, −3, −1, 1, 1, −1), σ(13c) = 0.8814197
    //   m₁ = 0.9·g_A + 0.1·g₂ = (−0.3, 0.3, −0.95, 0.95, −0.4, 0.4)
    const m = ZERO();
    const s = createStepper(m, { optimizer: SGD1, sam: sam({ kind: 'friendly-sam', sigma: 1, lambda: 0.9 }) });
    const r0 = stepWith(s, m, [XS[0]], [YS[0]], 0);
    expectClose(r0.eps!, [-0.5, 0.5, -1, 1, -0.5, 0.5].map((v) => (0.5 * v) / Math.sqrt(3))); // SAM's ε̂
    const r1 = stepWith(s, m, [XS[1]], [YS[1]], 1);
    const c = 0.5 / Math.sqrt(10.5);
    expectClose(r1.eps!, [2, -2, 0.5, -0.5, 1, -1].map((v) => c * v));
    expect(sigmoid(13 * c)).toBeCloseTo(0.8814197, 7);
    expectClose(r1.grad, [3, -3, -1, 1, 1, -1].map((v) => v * 0.8814197), 1e-6);
    const state = s.getState();
    expectClose(flat([state['friendly-sam/m/0'], state['friendly-sam/m/1']]), [-0.3, 0.3, -0.95, 0.95, -0.4, 0.4]);
    tf.dispose(Object.values(state));
    s.dispose();
    m.dispose();
  });
});

describe('SAM-ON (Mueller et al. 2023): perturb only normalisation parameters', () => {
  it('with only b marked, ε̂ = ρ·g_b/‖g_b‖ and W stays put', () => {
    // Example A: x = [1, 2], y = 0 at W = 0, b = 0: g_b = (−½, ½), ‖g_b‖ = 1/√2, so ε̂_b = ρ·(−1, 1)/√2.
    // At w + ε̂ the logits are ε̂_b: p₁ = σ(√2·ρ) = 0.5352965 (ρ = 0.1); ∇ = p₁·(−1, 1, −2, 2, −1, 1).
    const m = linearModel([[0, 0], [0, 0]], [0, 0], [false, true]);
    const r = once(m, samCfg({ rho: 0.1, variant: { kind: 'sam-on' } }), [[1, 2]], [0]);
    const e = 0.1 / Math.SQRT2;
    expectClose(r.eps!, [0, 0, 0, 0, -e, e]);
    const p1 = sigmoid(Math.SQRT2 * 0.1);
    expect(p1).toBeCloseTo(0.5352965, 7);
    expectClose(r.grad, [-1, 1, -2, 2, -1, 1].map((v) => v * p1));
    m.dispose();
  });

  it('refuses a model without normalisation parameters, by name', () => {
    const m = ZERO();
    expect(() => createStepper(m, { optimizer: SGD1, sam: samCfg({ rho: 0.1, variant: { kind: 'sam-on' } }) })).toThrow(/sam-on.*no batch or layer normalisation/);
    m.dispose();
  });
});

describe('each variant reduces to SAM at its neutral setting, bit for bit on the same weights', () => {
  const { W, b } = GENERAL;
  const batches = Array.from({ length: 5 }, (_, s) => ({
    xs: Array.from({ length: 4 }, (_, i) => [Math.sin(s * 4 + i), Math.cos(3 * s + 2 * i)]),
    ys: [0, 1, 2, (s + 1) % 3],
  }));
  const optimizer = opt({ kind: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 5e-3 });

  function train(s: SamConfig, everyParam: boolean, lrRange?: { min: number; max: number }) {
    const model = everyParam ? linearModel(W, b, [true, true]) : linearModel(W, b);
    const st = createStepper(model, { optimizer, sam: s, seed: 3, lrRange });
    const out: number[] = [];
    for (const { xs, ys } of batches) {
      const r = stepWith(st, model, xs, ys, 0.1);
      out.push(r.loss, r.gradNorm, r.epsNorm!, r.perturbedLoss!);
    }
    st.dispose();
    out.push(...flat(model.params));
    model.dispose();
    return out;
  }

  for (const extra of [{}, { p: 'inf' as const, adaptive: true }]) {
    const label = Object.keys(extra).length ? ' (ASAM, p = ∞)' : '';
    const reference = () => train(samCfg({ rho: 0.2, ...extra }), false);
    const cases: [string, SamConfigInput['variant'], boolean, { min: number; max: number }?][] = [
      ['GSAM, α = 0 and a constant ρ', { kind: 'gsam', alpha: 0, rhoMin: 0.05 }, false, { min: 0.1, max: 0.1 }],
      ['ESAM, β = γ = 1', { kind: 'esam', beta: 1, gamma: 1 }, false],
      ['LookSAM, k = 1', { kind: 'looksam', k: 1 }, false],
      ['Friendly-SAM, σ = 0', { kind: 'friendly-sam', sigma: 0 }, false],
      ['SAM-ON, every parameter selected', { kind: 'sam-on' }, true],
    ];
    for (const [name, variant, everyParam, lrRange] of cases) {
      it(`${name}${label}`, () => {
        const got = train(samCfg({ rho: 0.2, ...extra, variant }), everyParam, lrRange);
        expect(got).toEqual(reference());
      });
    }
  }
});

describe('state and cost', () => {
  const variants: SamConfigInput['variant'][] = [{ kind: 'gsam' }, { kind: 'esam' }, { kind: 'looksam', k: 3 }, { kind: 'friendly-sam' }, { kind: 'sam-on' }];
  // The centred model's bias plays the normalisation offset for SAM-ON.
  const model = (W: number[][], b: number[]) => Object.assign(centredModel(W, b), { normalization: [false, true] });
  const xs = [[1, 2], [3, -1], [0.5, 0.5], [-1, 1]];
  const ys = [0, 1, 1, 0];

  for (const variant of variants) {
    it(`${variant!.kind}: a stepper restored from getState() continues exactly, and no tensor leaks`, () => {
      const cfg = { optimizer: opt({ kind: 'sgd', lr: 0.1, momentum: 0.9 }), sam: samCfg({ rho: 0.1, variant }), seed: 4 };
      const start = tf.memory().numTensors;
      const a = model([[0.3, -0.2], [0.1, 0.4]], [0, 0.1]);
      const sa = createStepper(a, cfg);
      for (let i = 0; i < 4; i++) stepWith(sa, a, xs, ys, 0.1);
      const saved = sa.getState();
      const b = model([[0, 0], [0, 0]], [0, 0]);
      [...b.params, ...b.state].forEach((p, i) => p.assign([...a.params, ...a.state][i]));
      const sb = createStepper(b, cfg);
      sb.setState(saved);
      tf.dispose(Object.values(saved));
      let before = 0;
      for (let i = 0; i < 6; i++) {
        for (const [s, m] of [[sa, a], [sb, b]] as const) stepWith(s, m, xs, ys, 0.1);
        // By step 6 (LookSAM's next SAM step) sb has allocated its lr scalar and kept an ε̂.
        if (i === 2) before = tf.memory().numTensors;
      }
      expect(tf.memory().numTensors).toBe(before);
      expect(flat(b.params)).toEqual(flat(a.params));
      [sa, sb].forEach((s) => s.dispose());
      [a, b].forEach((m) => m.dispose());
      expect(tf.memory().numTensors).toBe(start);
    });
  }

  it('m-sharpness works with the stateless variants and is refused for LookSAM and Friendly-SAM', () => {
    for (const variant of [{ kind: 'gsam' }, { kind: 'esam', gamma: 0.5 }] as const) {
      const m = ZERO();
      const r = once(m, samCfg({ rho: 0.1, m: 1, variant }));
      // Chunks of one example: ESAM keeps ⌈0.5·1⌉ = 1 row of each, after ranking it with a forward pass.
      expect(r.passes).toEqual({ forwardBackward: 2, forward: variant.kind === 'esam' ? 1 : 0 });
      m.dispose();
    }
    for (const variant of [{ kind: 'looksam' }, { kind: 'friendly-sam' }] as const) {
      const m = ZERO();
      expect(() => once(m, samCfg({ rho: 0.1, m: 1, variant }))).toThrow(/does not combine with sam\.variant/);
      m.dispose();
    }
  });

  it('Stepper.name shows the variant', () => {
    const m = ZERO();
    const s = createStepper(m, { optimizer: SGD1, sam: samCfg({ rho: 0.1, variant: { kind: 'friendly-sam' } }) });
    expect(s.name).toBe('friendly-sam(sgd)');
    disposeStep(s.step(tf.tensor2d(XS), tf.tensor1d(YS, 'int32'), 1));
    s.dispose();
    m.dispose();
  });
});
