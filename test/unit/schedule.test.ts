// Learning-rate schedules, values worked by hand (lr₀ = 0.1, 10 epochs).
import { describe, expect, it } from 'vitest';
import { learningRateAt } from '../../src/engine/optim/schedule';
import { optimizerSchema, scheduleSchema } from '../../src/shared/config';
import type { ScheduleConfig } from '../../src/shared/config';

const cfg = (s: Partial<ScheduleConfig>) => ({
  epochs: 10,
  optimizer: optimizerSchema.parse({ kind: 'sgd', lr: 0.1 }),
  schedule: scheduleSchema.parse(s),
});
const at = (s: Partial<ScheduleConfig>, e: number) => learningRateAt(cfg(s), e);

describe('learningRateAt', () => {
  it('constant', () => {
    expect([at({}, 0), at({}, 5.5), at({}, 10)]).toEqual([0.1, 0.1, 0.1]);
  });

  it('step: ×gamma at each milestone reached', () => {
    const s = { kind: 'step' as const, milestones: [3, 6], gamma: 0.1 };
    expect(at(s, 2.99)).toBeCloseTo(0.1, 12);
    expect(at(s, 3)).toBeCloseTo(0.01, 12);
    expect(at(s, 5.5)).toBeCloseTo(0.01, 12);
    expect(at(s, 6)).toBeCloseTo(0.001, 12);
  });

  it('cosine down to minFactor', () => {
    // 0.1·(0.1 + 0.9·½(1 + cos πt)):  t = 0 → 0.1,  t = ½ → 0.055,  t = 1 → 0.01
    const s = { kind: 'cosine' as const, minFactor: 0.1 };
    expect(at(s, 0)).toBeCloseTo(0.1, 12);
    expect(at(s, 5)).toBeCloseTo(0.055, 12);
    expect(at(s, 10)).toBeCloseTo(0.01, 12);
    expect(at(s, 12)).toBeCloseTo(0.01, 12); // past the end: stays at the floor
  });

  it('linear warm-up, then cosine over the remaining epochs', () => {
    // W = 2: e = 0 → 0, e = 1 → 0.05, e = 2 → 0.1; then t = (e − 2)/8: e = 6 → t = ½ → 0.05
    const s = { kind: 'cosine' as const, warmupEpochs: 2 };
    expect(at(s, 0)).toBe(0);
    expect(at(s, 1)).toBeCloseTo(0.05, 12);
    expect(at(s, 2)).toBeCloseTo(0.1, 12);
    expect(at(s, 6)).toBeCloseTo(0.05, 12);
    expect(at({ warmupEpochs: 4 }, 1)).toBeCloseTo(0.025, 12);
  });

  it('rejects a bad epoch', () => {
    expect(() => at({}, -1)).toThrow(/epoch must be/);
    expect(() => at({}, NaN)).toThrow(/epoch must be/);
  });
});
