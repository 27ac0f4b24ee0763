// The SAM block's variant choice (issue 13): defaults, field-named errors, stored configs that
// predate it, and how run names and config diffs show it.
import { describe, expect, it } from 'vitest';
import { describeOptimizer, parseRunConfig, validateRunConfig, type RunConfigInput } from '../../src/shared/config';
import { differingLabel } from '../../src/renderer/lib/config-diff';
import { configRows } from '../../src/shared/config-diff';
import { expandSweep } from '../../src/shared/sweep';
import { defaultRunName } from '../../src/main/services/run-names';

const base: RunConfigInput = {
  epochs: 2,
  batchSize: 128,
  data: { name: 'fashion-mnist' },
  model: { kind: 'resnet20' },
  optimizer: { kind: 'sgd', lr: 0.05 },
};

function errorsOf(input: unknown) {
  const r = validateRunConfig(input);
  expect(r.ok).toBe(false);
  return r.ok ? [] : r.errors;
}

describe('sam.variant', () => {
  it('a stored SAM config without a variant still validates, as SAM', () => {
    const stored = { ...base, sam: { rho: 0.05, m: null, p: 2, adaptive: false, eta: 0.01 } };
    expect(parseRunConfig(stored).sam?.variant).toEqual({ kind: 'sam' });
  });

  it("fills each variant's defaults from its paper", () => {
    const variant = (v: object) => parseRunConfig({ ...base, sam: { rho: 0.05, variant: v } }).sam?.variant;
    expect(variant({ kind: 'gsam' })).toEqual({ kind: 'gsam', alpha: 0.2, rhoMin: null });
    expect(variant({ kind: 'esam' })).toEqual({ kind: 'esam', beta: 0.5, gamma: 0.5 });
    expect(variant({ kind: 'looksam' })).toEqual({ kind: 'looksam', k: 5, alpha: 0.7 });
    expect(variant({ kind: 'friendly-sam' })).toEqual({ kind: 'friendly-sam', sigma: 1, lambda: 0.9 });
    expect(variant({ kind: 'sam-on' })).toEqual({ kind: 'sam-on' });
  });

  it('names the field of a bad or misspelt variant setting', () => {
    expect(errorsOf({ ...base, sam: { rho: 0.05, variant: { kind: 'fsam' } } })[0]).toMatchObject({ field: 'sam.variant.kind', message: expect.stringContaining('friendly-sam') });
    expect(errorsOf({ ...base, sam: { rho: 0.05, variant: { kind: 'esam', beta: 0 } } })[0]).toMatchObject({ field: 'sam.variant.beta', message: expect.stringContaining('(0, 1]') });
    expect(errorsOf({ ...base, sam: { rho: 0.05, variant: { kind: 'looksam', kk: 3 } } })[0]).toMatchObject({ field: 'sam.variant.kk', message: expect.stringContaining('did you mean sam.variant.k') });
    // α is GSAM's and LookSAM's, not ESAM's
    expect(errorsOf({ ...base, sam: { rho: 0.05, variant: { kind: 'esam', alpha: 0.2 } } })[0].field).toBe('sam.variant.alpha');
  });

  it('refuses combinations that have no meaning, saying why', () => {
    const samOnMlp = errorsOf({ ...base, model: { kind: 'mlp' }, sam: { rho: 0.05, variant: { kind: 'sam-on' } } });
    expect(samOnMlp).toEqual([{ field: 'sam.variant.kind', message: expect.stringMatching(/SAM-ON .*model.kind "mlp" has none/) }]);
    const lookM = errorsOf({ ...base, sam: { rho: 0.05, m: 32, variant: { kind: 'looksam' } } });
    expect(lookM).toEqual([{ field: 'sam.m', message: expect.stringContaining('does not combine with LookSAM') }]);
    const rhoMin = errorsOf({ ...base, sam: { rho: 0.05, variant: { kind: 'gsam', rhoMin: 0.1 } } });
    expect(rhoMin).toEqual([{ field: 'sam.variant.rhoMin', message: expect.stringContaining('above sam.rho = 0.05') }]);
    // m = the whole batch is no split at all
    expect(parseRunConfig({ ...base, sam: { rho: 0.05, m: 128, variant: { kind: 'friendly-sam' } } }).sam?.m).toBe(128);
  });

  it('run names and labels show the variant and its settings; "Friendly-SAM" in full', () => {
    const d = (sam: object) => describeOptimizer(parseRunConfig({ ...base, sam }));
    expect(d({ rho: 0.05 })).toBe('SAM(ρ=0.05) + sgd lr=0.05');
    expect(d({ rho: 0.05, variant: { kind: 'gsam', rhoMin: 0.01 } })).toBe('GSAM(ρ=0.01…0.05 α=0.2) + sgd lr=0.05');
    expect(d({ rho: 0.05, m: 16, variant: { kind: 'esam' } })).toBe('ESAM(ρ=0.05 m=16 β=0.5 γ=0.5) + sgd lr=0.05');
    expect(d({ rho: 0.05, variant: { kind: 'looksam' } })).toBe('LookSAM(ρ=0.05 k=5 α=0.7) + sgd lr=0.05');
    expect(d({ rho: 0.05, adaptive: true, variant: { kind: 'friendly-sam' } })).toBe('Friendly-SAM(ρ=0.05 ASAM σ=1 λ=0.9) + sgd lr=0.05');
    expect(d({ rho: 0.05, variant: { kind: 'sam-on' } })).toBe('SAM-ON(ρ=0.05) + sgd lr=0.05');
    expect(defaultRunName(parseRunConfig({ ...base, sam: { rho: 0.05, variant: { kind: 'friendly-sam' } } }))).toContain('· Friendly-SAM ρ=0.05 σ=1 λ=0.9');
  });

  it('config diffs show which variant and which of its settings differ', () => {
    const a = parseRunConfig({ ...base, sam: { rho: 0.05 } });
    const b = parseRunConfig({ ...base, sam: { rho: 0.05, variant: { kind: 'looksam', k: 2 } } });
    const rows = configRows([a, b]).filter((r) => r.differs);
    expect(rows.map((r) => [r.field, ...r.values])).toEqual([
      ['sam.variant.kind', 'sam', 'looksam'],
      ['sam.variant.k', '—', '2'],
      ['sam.variant.alpha', '—', '0.7'],
    ]);
    expect(differingLabel([a, b], 1)).toBe('LookSAM ρ=0.05 k=2 α=0.7');
  });

  it('a sweep runs each chosen variant at every grid point; LookSAM and Friendly-SAM at the whole-batch points only', () => {
    const plans = expandSweep({
      name: 'v',
      base: parseRunConfig(base),
      rho: [0.05],
      m: [null, 16],
      variants: [{ kind: 'sam' }, { kind: 'looksam', k: 2 }],
    });
    expect(plans.map((p) => p.name)).toEqual(['v · SGD baseline', 'v · SAM ρ=0.05', 'v · SAM ρ=0.05 m=16', 'v · LookSAM ρ=0.05 k=2 α=0.7']);
    expect(plans[3].config.sam).toMatchObject({ m: null, variant: { kind: 'looksam', k: 2, alpha: 0.7 } });
    // No variants given: the base config's own (here none: SAM).
    expect(expandSweep({ name: 'w', base: parseRunConfig(base), rho: [0.1], baseline: false }).map((p) => p.config.sam?.variant)).toEqual([{ kind: 'sam' }]);
    expect(() => expandSweep({ name: 'x', base: parseRunConfig(base), rho: [0.1], m: [16], variants: [{ kind: 'friendly-sam' }] })).toThrow(
      /Friendly-SAM does not combine with m-sharpness; add “whole” to the m values/,
    );
  });
});
