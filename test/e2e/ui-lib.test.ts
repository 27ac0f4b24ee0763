// The renderer's pure helpers (no DOM): form draft ↔ config, smoothing, seed-group statistics,
// best values and config differences. Expected numbers are worked out by hand in comments.
import { describe, expect, it } from 'vitest';
import { PRESET_NAMES, presetConfig } from '../../src/shared/presets';
import { validateRunConfig } from '../../src/shared/config';
import { configToDraft, draftToInput, fieldKey } from '../../src/renderer/lib/form-draft';
import { debiasedEma } from '../../src/renderer/lib/ema';
import { bestOf, interpolateAt, meanStd } from '../../src/renderer/lib/stats';
import { configRows, differingLabel, seedGroupKey } from '../../src/renderer/lib/config-diff';

describe('form draft', () => {
  it.each(PRESET_NAMES)('round-trips preset %s through the form unchanged', (name) => {
    const config = presetConfig(name);
    const r = validateRunConfig(draftToInput(configToDraft(config)));
    expect(r.ok && r.config).toEqual(config);
  });

  it('turns what the user typed into field-named errors', () => {
    const d = configToDraft(presetConfig('fashion-mnist-sam'));
    d.sam.rho = -1;
    d.model.hidden = '64, abc';
    d.epochs = '';
    const r = validateRunConfig(draftToInput(d));
    expect(r.ok).toBe(false);
    const fields = r.ok ? [] : r.errors.map((e) => fieldKey(e.field));
    expect(fields.sort()).toEqual(['epochs', 'model.hidden', 'sam.rho']);
  });

  it('maps empty optional inputs to null (all data, whole batch)', () => {
    const d = configToDraft(presetConfig('fashion-mnist-m-sharpness'));
    d.data.limit = '';
    d.sam.m = '';
    const r = validateRunConfig(draftToInput(d));
    expect(r.ok && [r.config.data.limit, r.config.sam?.m]).toEqual([null, null]);
  });
});

describe('debiased EMA', () => {
  it('starts at the first value and follows s_t / (1 - β^t)', () => {
    // β = 0.5, y = [2, 4]: s1 = 1 → 1/0.5 = 2; s2 = 0.5 + 2 = 2.5 → 2.5/0.75 = 3.333…
    const out = debiasedEma([2, 4], 0.5);
    expect(out[0]).toBeCloseTo(2, 12);
    expect(out[1]).toBeCloseTo(10 / 3, 12);
  });
  it('passes NaN through without poisoning later points', () => {
    const out = debiasedEma([1, NaN, 1], 0.9);
    expect(Number.isNaN(out[1])).toBe(true);
    expect(out[2]).toBeCloseTo(1, 12);
  });
});

describe('seed groups and best values', () => {
  it('averages seeds on the longest run’s grid, with the sample std', () => {
    // At x = 0: values 1 and 3 → mean 2, sample std √2. At x = 2: only the longer run reaches it → 5, 0.
    const a = { x: [0, 1, 2], y: [1, 2, 5] };
    const b = { x: [0, 1], y: [3, 4] };
    const ms = meanStd([a, b]);
    expect(ms.x).toEqual([0, 1, 2]);
    expect(ms.mean).toEqual([2, 3, 5]);
    expect(ms.std).toEqual([Math.SQRT2, Math.SQRT2, 0]);
    expect(ms.n).toEqual([2, 2, 1]);
  });
  it('interpolates linearly inside the range and refuses outside it', () => {
    expect(interpolateAt({ x: [0, 10], y: [0, 1] }, 2.5)).toBeCloseTo(0.25, 12);
    expect(interpolateAt({ x: [0, 10], y: [0, 1] }, 11)).toBeNull();
  });
  it('finds min loss / max accuracy and where', () => {
    const s = { x: [1, 2, 3], y: [0.5, 0.3, NaN] };
    expect(bestOf(s, 'min')).toEqual({ value: 0.3, at: 2 });
    expect(bestOf(s, 'max')).toEqual({ value: 0.5, at: 1 });
  });
});

describe('config differences', () => {
  const sgd = presetConfig('fashion-mnist-sgd');
  const sam = presetConfig('fashion-mnist-sam');
  const sgd1 = { ...sgd, seed: 1 };
  it('keeps the rows that differ and labels runs by them', () => {
    const rows = configRows([sgd, sam]).filter((r) => r.differs).map((r) => r.field);
    expect(rows).toContain('sam.rho');
    expect(rows).not.toContain('seed');
    expect(differingLabel([sgd, sam], 1)).toBe('SAM ρ=0.05');
    expect(differingLabel([sgd, sgd1], 1)).toBe('seed=1');
  });
  it('groups runs that differ only by seed (and name)', () => {
    expect(seedGroupKey({ ...sgd1, name: 'other' })).toBe(seedGroupKey(sgd));
    expect(seedGroupKey(sam)).not.toBe(seedGroupKey(sgd));
  });
});
