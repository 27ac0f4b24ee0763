// SAM's arithmetic on models small enough to check by hand (Foret et al. 2021; ASAM: Kwon et al.
// 2021). The base optimizer is plain SGD with lr = 1 and no momentum, so the weight change of
// one step is exactly minus the gradient SAM hands to the base optimizer.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { createStepper } from '../../src/engine/optim';
import type { EngineModel } from '../../src/engine/types';
import type { OptimizerConfig, SamConfig } from '../../src/shared/config';
import { GENERAL, centredModel, deadModel, disposeStep, expectClose, flat, gradAt, gradAtShifted, linearModel, norm, opt, samCfg, sigmoid, stepOnce } from './optim-fixtures';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const SGD1 = opt({ kind: 'sgd', lr: 1, momentum: 0 });

// Worked example A: W = 0 (2×2), b = 0, x = [1, 2], y = 0.
//   softmax = [½, ½], δ = p − onehot = [−½, ½]
//   g = (∇W, ∇b) = ([[−½, ½], [−1, 1]], [−½, ½]),  ‖g‖² = ¼+¼+1+1+¼+¼ = 3
const ZERO = () => linearModel([[0, 0], [0, 0]], [0, 0]);
const G_A = [-0.5, 0.5, -1, 1, -0.5, 0.5];

describe('ε̂ (Foret et al. 2021, eq. 2)', () => {
  it('p = 2: ε̂ = ρ·g/‖g‖₂, and the second pass is ∇L(w + ε̂)', () => {
    // ρ = 0.1, c = ρ/√3 = 0.0577350: ε̂ = c·g, ‖ε̂‖ = ρ.
    // At w + ε̂ the logits are x·ε̂_W + ε̂_b = c·[−½−2−½, ½+2+½] = [−3c, 3c], so
    //   p₁ = σ(6c) = σ(0.3464102) = 0.5857468, δ = [−p₁, p₁]
    //   ∇L(w+ε̂) = ([[−p₁, p₁], [−2p₁, 2p₁]], [−p₁, p₁])
    //   L(w+ε̂) = log(1 + e^{6c}) = 0.8812779,  L(w) = log 2
    const m = ZERO();
    const r = stepOnce(m, SGD1, samCfg({ rho: 0.1 }), [[1, 2]], [0]);
    const c = 0.1 / Math.sqrt(3);
    expectClose(r.eps!, G_A.map((g) => c * g));
    const p1 = sigmoid(6 * c);
    expect(p1).toBeCloseTo(0.5857468, 7);
    expectClose(r.grad, [-p1, p1, -2 * p1, 2 * p1, -p1, p1]);
    expectClose([r.gradNorm, r.epsNorm!, r.loss, r.perturbedLoss!], [Math.sqrt(3), 0.1, Math.log(2), 0.8812779]);
    m.dispose();
  });

  it('p = ∞: ε̂ = ρ·sign(g)', () => {
    // ε̂ = 0.1·sign(g) = ([[−.1, .1], [−.1, .1]], [−.1, .1]),  ‖ε̂‖ = 0.1·√6
    // logits at w + ε̂: [−0.1−0.2−0.1, 0.4] = [−0.4, 0.4] → p₁ = σ(0.8), ∇ = p₁·(−1, 1, −2, 2, −1, 1)
    const m = ZERO();
    const r = stepOnce(m, SGD1, samCfg({ rho: 0.1, p: 'inf' }), [[1, 2]], [0]);
    expectClose(r.eps!, [-0.1, 0.1, -0.1, 0.1, -0.1, 0.1]);
    expectClose([r.epsNorm!], [0.1 * Math.sqrt(6)]);
    const p1 = sigmoid(0.8);
    expectClose(r.grad, [-p1, p1, -2 * p1, 2 * p1, -p1, p1]);
    m.dispose();
  });

  it('the gradient handed to the base optimizer equals ∇L(w + ε̂) computed independently', () => {
    const { W, b, xs, ys } = GENERAL;
    const m = linearModel(W, b);
    const g = gradAt(m, xs, ys);
    const r = stepOnce(m, SGD1, samCfg({ rho: 0.2 }), xs, ys);
    expectClose(r.eps!, g.map((v) => (0.2 * v) / norm(g)));
    expectClose(r.grad, gradAtShifted(W, b, r.eps!, xs, ys), 1e-6);
    m.dispose();
  });
});

describe('ASAM (Kwon et al. 2021): T_w = |w| + η', () => {
  // Worked example B: W = [[1, −1], [2, 3]], b = 0, x = [1, 0], y = 0, η = 0.01.
  //   logits = [1, −1], p = [0.8807971, 0.1192029], δ = [−0.1192029, 0.1192029] =: a·[−1, 1]
  //   g = ([[−a, a], [0, 0]], [−a, a]);  T = ([[1.01, 1.01], [2.01, 3.01]], [0.01, 0.01])
  //   ‖T·g‖ = a·√(2·1.01² + 2·0.01²) = a·√2.0404 = a·1.4284257
  const W = [[1, -1], [2, 3]];
  it('p = 2: ε̂ = ρ·T²·g/‖T·g‖ (the a cancels)', () => {
    // ε̂_W00 = −ρ·1.0201/1.4284257 = −ρ·0.7141428,  ε̂_b0 = −ρ·0.0001/1.4284257 = −ρ·7.000714e−5
    const m = linearModel(W, [0, 0]);
    const r = stepOnce(m, SGD1, samCfg({ rho: 0.5, adaptive: true, eta: 0.01 }), [[1, 0]], [0]);
    const k = 0.5 * 0.7141428;
    const kb = 0.5 * 7.000714e-5;
    expectClose(r.eps!, [-k, k, 0, 0, -kb, kb], 1e-6);
    m.dispose();
  });

  it('p = ∞: ε̂ = ρ·T·sign(g)', () => {
    // ε̂ = 0.5·([[−1.01, 1.01], [0, 0]], [−0.01, 0.01]); the zero-gradient row stays put
    const m = linearModel(W, [0, 0]);
    const r = stepOnce(m, SGD1, samCfg({ rho: 0.5, p: 'inf', adaptive: true, eta: 0.01 }), [[1, 0]], [0]);
    expectClose(r.eps!, [-0.505, 0.505, 0, 0, -0.005, 0.005]);
    m.dispose();
  });
});

describe('m-sharpness (Foret et al. 2021, §4.1)', () => {
  // Batch of two: x₁ = [1, 2], y₁ = 0 (example A) and x₂ = [3, −1], y₂ = 1; W = 0, b = 0, ρ = 0.1.
  //   g₁ = G_A, ‖g₁‖ = √3;  g₂ = ([[1.5, −1.5], [−0.5, 0.5]], [0.5, −0.5]), ‖g₂‖ = √5.5
  //   chunk 1 at w + ρg₁/√3:   ∇ = r·(−1, 1, −2, 2, −1, 1),  r = σ(6ρ/√3)  = 0.5857468
  //   chunk 2 at w + ρg₂/√5.5: logits = c₂·[5.5, −5.5], c₂ = ρ/√5.5, label 1 →
  //                           ∇ = q·(3, −3, −1, 1, 1, −1),    q = σ(11c₂) = 0.6151569
  //   SAM gradient (m = 1) = ½(∇₁ + ∇₂);  L(w+ε̂) = ½(0.8812779 + 0.9549195)
  const XS = [[1, 2], [3, -1]];
  const YS = [0, 1];
  it('m < batch: each chunk its own ε̂, second-pass gradients averaged', () => {
    const m = ZERO();
    const r = stepOnce(m, SGD1, samCfg({ rho: 0.1, m: 1 }), XS, YS);
    const rr = sigmoid((6 * 0.1) / Math.sqrt(3));
    const q = sigmoid((11 * 0.1) / Math.sqrt(5.5));
    expect(q).toBeCloseTo(0.6151569, 7);
    const g1 = [-1, 1, -2, 2, -1, 1].map((v) => v * rr);
    const g2 = [3, -3, -1, 1, 1, -1].map((v) => v * q);
    expectClose(r.grad, g1.map((v, i) => (v + g2[i]) / 2));
    // lastEpsilon is chunk 1's own ε̂ (not the full batch's), ‖ε̂ᵢ‖ = ρ each
    expectClose(r.eps!, G_A.map((g) => (0.1 * g) / Math.sqrt(3)));
    // ‖g‖ of the whole batch: ½(g₁ + g₂) = ([[.5, −.5], [−.75, .75]], [0, 0]) → √1.625
    expectClose([r.epsNorm!, r.gradNorm, r.loss, r.perturbedLoss!], [0.1, Math.sqrt(1.625), Math.log(2), (0.8812779 + 0.9549195) / 2]);
    // Chunk 2's own ε̂ = ρ·g₂/√5.5: put it first and read it back; the averaged step is the same.
    const m2 = ZERO();
    const r2 = stepOnce(m2, SGD1, samCfg({ rho: 0.1, m: 1 }), [XS[1], XS[0]], [YS[1], YS[0]]);
    expectClose(r2.eps!, [1.5, -1.5, -0.5, 0.5, 0.5, -0.5].map((g) => (0.1 * g) / Math.sqrt(5.5)));
    expectClose(r2.grad, r.grad, 1e-7);
    [m, m2].forEach((x) => x.dispose());
  });

  it('m = batch is plain SAM, bit for bit; and differs from m < batch', () => {
    const a = ZERO();
    const b = ZERO();
    const ra = stepOnce(a, SGD1, samCfg({ rho: 0.1, m: 2 }), XS, YS);
    const rb = stepOnce(b, SGD1, samCfg({ rho: 0.1, m: null }), XS, YS);
    expect(flat(a.params)).toEqual(flat(b.params));
    // plain SAM perturbs along the batch gradient ½(g₁ + g₂) = ([[.5, −.5], [−.75, .75]], [0, 0])
    expectClose(rb.eps!, [0.5, -0.5, -0.75, 0.75, 0, 0].map((v) => (0.1 * v) / Math.sqrt(1.625)));
    const c = ZERO();
    stepOnce(c, SGD1, samCfg({ rho: 0.1, m: 1 }), XS, YS);
    expect(Math.max(...flat(c.params).map((v, i) => Math.abs(v - flat(a.params)[i])))).toBeGreaterThan(1e-3);
    [a, b, c].forEach((x) => x.dispose());
  });

  it('rejects an m that does not divide the batch, naming sam.m', () => {
    const m = ZERO();
    expect(() => stepOnce(m, SGD1, samCfg({ rho: 0.1, m: 2 }), [[1, 2], [3, -1], [0, 1]], [0, 1, 0])).toThrow(/sam\.m = 2 does not divide this batch of 3/);
    m.dispose();
  });
});

describe('guards, clipping, weight decay and batch norm', () => {
  it('‖g‖ = 0 gives ε̂ = 0, not NaN (p = 2, ASAM, p = ∞)', () => {
    for (const sam of [samCfg({ rho: 0.1 }), samCfg({ rho: 0.1, adaptive: true }), samCfg({ rho: 0.1, p: 'inf' })]) {
      const m = deadModel();
      const w0 = flat(m.params);
      const r = stepOnce(m, SGD1, sam, [[1, 2]], [0]);
      expect(r.eps!.every((e) => e === 0)).toBe(true);
      expect([r.gradNorm, r.epsNorm]).toEqual([0, 0]);
      expect(flat(m.params)).toEqual(w0);
      expect(Number.isFinite(r.perturbedLoss!)).toBe(true);
      m.dispose();
    }
  });

  it('clipping applies to the second-pass gradient only', () => {
    // Example A with gradClip = 0.5: ε̂ and ‖g‖ are the unclipped ones (√3, ‖ε̂‖ = ρ);
    // the step is ∇L(w+ε̂) = p₁·(−1, 1, −2, 2, −1, 1) rescaled from ‖·‖ = p₁·√12 = 2.0290859 to 0.5.
    const m = ZERO();
    const r = stepOnce(m, opt({ kind: 'sgd', lr: 1, momentum: 0, gradClip: 0.5 }), samCfg({ rho: 0.1 }), [[1, 2]], [0]);
    const p1 = sigmoid((6 * 0.1) / Math.sqrt(3));
    expect(p1 * Math.sqrt(12)).toBeCloseTo(2.0290859, 6);
    expectClose([r.gradNorm, r.epsNorm!, norm(r.grad)], [Math.sqrt(3), 0.1, 0.5]);
    expectClose(r.grad, [-1, 1, -2, 2, -1, 1].map((v) => (v * 0.5) / Math.sqrt(12)));
    m.dispose();
  });

  // Which parameters are decayed (optimizer.weightDecayParams): 'all' — both SAM reference codes'
  // default — adds wd·w to every gradient; 'weights-only' (the JAX code's --no_weight_decay_on_bn,
  // x.ndim > 1) to the kernel only. Params flatten as W (4 values), then b (2).
  for (const decayParams of ['all', 'weights-only'] as const) {
    it(`weight decay 'loss' enters g and ε̂ (${decayParams}); 'optimizer' does not`, () => {
      const W = [[0.3, -0.7], [0.5, 0.1]];
      const b = [0.2, -0.4];
      const w0 = [...W.flat(), ...b];
      const decayed = (i: number) => decayParams === 'all' || i < 4;
      const xs = [[1, 2], [-1, 0.5]];
      const ys = [0, 1];
      const wd = 0.5;
      const at = linearModel(W, b);
      const g = gradAt(at, xs, ys);
      at.dispose();
      // 'loss' mode: ε̂ ∝ g + wd·w on the decayed parameters
      const gl = g.map((v, i) => (decayed(i) ? v + wd * w0[i] : v));
      const a = linearModel(W, b);
      const ra = stepOnce(a, opt({ kind: 'sgd', lr: 1, momentum: 0, weightDecay: wd, weightDecayMode: 'loss', weightDecayParams: decayParams }), samCfg({ rho: 0.1 }), xs, ys);
      expectClose(ra.eps!, gl.map((v) => (0.1 * v) / norm(gl)));
      expectClose([ra.gradNorm], [norm(gl)]);
      const bm = linearModel(W, b);
      const rb = stepOnce(bm, opt({ kind: 'sgd', lr: 1, momentum: 0, weightDecay: wd, weightDecayMode: 'optimizer', weightDecayParams: decayParams }), samCfg({ rho: 0.1 }), xs, ys);
      expectClose(rb.eps!, g.map((v) => (0.1 * v) / norm(g)));
      // 'optimizer' mode: step = ∇L_data(w + ε̂) + wd·w at the restored w (davda54/sam: SGD's weight_decay)
      const h = gradAtShifted(W, b, rb.eps!, xs, ys);
      expectClose(rb.grad, h.map((v, i) => (decayed(i) ? v + wd * w0[i] : v)), 1e-6);
      [a, bm].forEach((x) => x.dispose());
    });
  }

  it('batch-norm statistics move in the first pass only', () => {
    // running ← 0.9·0 + 0.1·mean_B(x·W), exactly as one plain step would move it
    const W = [[0.3, -0.2], [0.1, 0.4]];
    const xs = [[1, 2], [3, -1], [0.5, 0.5], [-1, 1]];
    const ys = [0, 1, 1, 0];
    const sam = centredModel(W, [0, 0.1]);
    stepOnce(sam, SGD1, samCfg({ rho: 0.3 }), xs, ys);
    expect(sam.calls).toEqual([
      { training: true, updateState: true },
      { training: true, updateState: false },
    ]);
    const mean = [0, 1].map((j) => (0.1 * xs.reduce((acc, x) => acc + x[0] * W[0][j] + x[1] * W[1][j], 0)) / xs.length);
    expectClose(Array.from(sam.running.dataSync()), mean);
    const plain = centredModel(W, [0, 0.1]);
    stepOnce(plain, SGD1, null, xs, ys);
    expect(Array.from(sam.running.dataSync())).toEqual(Array.from(plain.running.dataSync()));
    // m-sharpness: each chunk starts from the same statistics; the chunks' updates are averaged
    const chunked = centredModel(W, [0, 0.1]);
    stepOnce(chunked, SGD1, samCfg({ rho: 0.3, m: 2 }), xs, ys);
    expect(chunked.calls.map((c) => c.updateState)).toEqual([true, false, true, false]);
    expectClose(Array.from(chunked.running.dataSync()), mean);
    [sam, plain, chunked].forEach((x) => x.dispose());
  });
});

describe('ρ = 0 reproduces the base optimizer', () => {
  const pool = Array.from({ length: 5 }, (_, s) => ({
    xs: Array.from({ length: 4 }, (_, i) => [Math.sin(s * 4 + i), Math.cos(3 * s + 2 * i)]),
    ys: [0, 1, 2, (s + 1) % 3],
  }));
  const W = [[0.3, -0.7, 0.2], [0.5, 0.1, -0.4]];
  const b = [0.05, -0.1, 0.2];

  function train(model: EngineModel, optimizer: OptimizerConfig, sam: SamConfig | null): number[] {
    const s = createStepper(model, { optimizer, sam });
    for (const { xs, ys } of pool) {
      const x = tf.tensor2d(xs);
      const y = tf.tensor1d(ys, 'int32');
      disposeStep(s.step(x, y, optimizer.lr));
      tf.dispose([x, y]);
    }
    s.dispose();
    const w = flat(model.params);
    model.dispose();
    return w;
  }

  const cases: { name: string; optimizer: OptimizerConfig; sam: SamConfig; centred: boolean }[] = [
    { name: 'SGD + Nesterov + L2 in the loss', optimizer: opt({ kind: 'sgd', lr: 0.1, nesterov: true, weightDecay: 5e-3 }), sam: samCfg({ rho: 0 }), centred: false },
    { name: 'Adam + decay in the optimizer, batch norm', optimizer: opt({ kind: 'adam', lr: 0.01, weightDecay: 1e-2, weightDecayMode: 'optimizer' }), sam: samCfg({ rho: 0 }), centred: true },
    { name: 'AdamW + clipping, ASAM p = ∞, batch norm', optimizer: opt({ kind: 'adamw', lr: 0.01, weightDecay: 1e-2, gradClip: 0.3 }), sam: samCfg({ rho: 0, p: 'inf', adaptive: true }), centred: true },
  ];
  for (const c of cases) {
    it(`bit for bit: ${c.name}`, () => {
      const make = () => (c.centred ? centredModel(W, b) : linearModel(W, b));
      const base = train(make(), c.optimizer, null);
      const sam = train(make(), c.optimizer, c.sam);
      expect(sam).toEqual(base);
      const start = linearModel(W, b);
      expect(base).not.toEqual(flat(start.params)); // the weights did move
      start.dispose();
    });
  }

  it('with m-sharpness chunks: equal to rounding (the mean of chunk gradients is the batch gradient)', () => {
    const optimizer = opt({ kind: 'sgd', lr: 0.1, momentum: 0.9 });
    const base = train(linearModel(W, b), optimizer, null);
    const sam = train(linearModel(W, b), optimizer, samCfg({ rho: 0, m: 2 }));
    expectClose(sam, base, 1e-7);
  });
});
