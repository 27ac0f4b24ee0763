// Learning-rate schedules, values worked by hand (lr₀ = 0.1, 10 epochs of S = 4 steps: T = 40).
// Step t is counted from 0 and trains with lr(t); the training loop's use of it is tested in
// train-schedule.test.ts.
import { describe, expect, it } from 'vitest';
import { learningRateAt } from '../../src/engine/optim/schedule';
import { optimizerSchema, scheduleSchema } from '../../src/shared/config';
import type { ScheduleConfig } from '../../src/shared/config';

const S = 4;
const cfg = (s: Partial<ScheduleConfig>) => ({
  epochs: 10,
  optimizer: optimizerSchema.parse({ kind: 'sgd', lr: 0.1 }),
  schedule: scheduleSchema.parse(s),
});
const at = (s: Partial<ScheduleConfig>, step: number) => learningRateAt(cfg(s), step, S);

describe('learningRateAt(step)', () => {
  it('constant', () => {
    expect([at({}, 0), at({}, 22), at({}, 39)]).toEqual([0.1, 0.1, 0.1]);
  });

  it('step: a milestone at epoch m takes effect at step m·S exactly, not a step early', () => {
    const s = { kind: 'step' as const, milestones: [3, 6], gamma: 0.1 };
    expect(at(s, 11)).toBeCloseTo(0.1, 12); // last step of epoch 2
    expect(at(s, 12)).toBeCloseTo(0.01, 12); // first step of epoch 3
    expect(at(s, 23)).toBeCloseTo(0.01, 12);
    expect(at(s, 24)).toBeCloseTo(0.001, 12);
  });

  it('cosine: the first step at the full lr, the last one above the floor', () => {
    // 0.1·(0.1 + 0.9·½(1 + cos(π·t/40))):  t = 0 → 0.1,  t = 20 → 0.055,  t = 39 → 0.1·(0.1 + 0.9·½(1 + cos(39π/40)))
    const s = { kind: 'cosine' as const, minFactor: 0.1 };
    expect(at(s, 0)).toBe(0.1);
    expect(at(s, 20)).toBeCloseTo(0.055, 12);
    expect(at(s, 39)).toBeCloseTo(0.1 * (0.1 + 0.45 * (1 + Math.cos((39 * Math.PI) / 40))), 12);
    expect(at(s, 45)).toBeCloseTo(0.01, 12); // past the end: stays at the floor
    // minFactor 0: the last step still trains, with lr₀·½(1 − cos(π/40)) = 0.1·0.0015413 ≈ 1.54e-4
    const zero = { kind: 'cosine' as const, minFactor: 0 };
    expect(at(zero, 39)).toBeCloseTo(0.05 * (1 - Math.cos(Math.PI / 40)), 15);
    expect(at(zero, 39)).toBeGreaterThan(1.5e-4);
  });

  it('linear warm-up reaches lr₀ at its last step, then cosine over the remaining steps', () => {
    // W = 2 epochs = 8 steps: lr(t) = 0.1·(t + 1)/8 for t < 8 — step 0 already moves (0.0125)
    // then u = (t − 8)/32: t = 8 → 0.1, t = 24 → u = ½ → 0.05
    const s = { kind: 'cosine' as const, warmupEpochs: 2 };
    expect(at(s, 0)).toBeCloseTo(0.0125, 12);
    expect(at(s, 3)).toBeCloseTo(0.05, 12);
    expect(at(s, 7)).toBeCloseTo(0.1, 12);
    expect(at(s, 8)).toBeCloseTo(0.1, 12);
    expect(at(s, 24)).toBeCloseTo(0.05, 12);
    // constant with a 1-epoch warm-up: 0.1·(t + 1)/4
    expect([0, 1, 2, 3, 4].map((t) => at({ warmupEpochs: 1 }, t))).toEqual([0.025, 0.05, 0.075, 0.1, 0.1].map((v) => expect.closeTo(v, 12)));
  });

  it('rejects a bad step or steps per epoch', () => {
    expect(() => at({}, -1)).toThrow(/step must be/);
    expect(() => at({}, NaN)).toThrow(/step must be/);
    expect(() => at({}, 1.5)).toThrow(/step must be/);
    expect(() => learningRateAt(cfg({}), 0, 0)).toThrow(/stepsPerEpoch/);
  });
});
