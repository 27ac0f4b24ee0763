// The workbench's shared helpers: automatic names, the run search language, seed groups and the
// statistics behind "mean ± std (95 % CI)". Expected numbers are worked out in comments.
import { describe, expect, it } from 'vitest';
import { parseRunConfig, type RunConfig } from '../../src/shared/config';
import { presetConfig } from '../../src/shared/presets';
import { autoRunName, isAutomaticName } from '../../src/shared/run-name';
import { filterRuns, parseRunSearch, SearchError, type SearchableRun } from '../../src/shared/run-search';
import { groupLabels, runDiffLabel, seedGroups } from '../../src/shared/seed-groups';
import { summarize, tQuantile975, welchDifference } from '../../src/shared/stats';

const sgd = presetConfig('fashion-mnist-sgd');
const withSam = (c: RunConfig, sam: Partial<NonNullable<RunConfig['sam']>>): RunConfig => parseRunConfig({ ...c, sam: { rho: 0.05, ...sam } });

describe('automatic run names', () => {
  it('follow the config: ticking SAM changes the name, and ρ, m, p and ASAM are in it', () => {
    expect(autoRunName(sgd)).toBe('Fashion-MNIST MLP 512-512 · SGD');
    expect(autoRunName(withSam(sgd, { m: 8 }))).toBe('Fashion-MNIST MLP 512-512 · SAM ρ=0.05 m=8');
    expect(autoRunName(withSam(sgd, { p: 'inf', adaptive: true, rho: 0.5 }))).toBe('Fashion-MNIST MLP 512-512 · ASAM ρ=0.5 p=∞');
    const adam = parseRunConfig({ ...sgd, optimizer: { kind: 'adam', lr: 0.001 } });
    expect(autoRunName(withSam(adam, {}))).toBe('Fashion-MNIST MLP 512-512 · SAM ρ=0.05 + Adam');
  });

  it('no preset names a run: a SAM preset is never called "· SGD"', () => {
    expect(presetConfig('fashion-mnist-sam').name).toBeUndefined();
    expect(autoRunName(presetConfig('fashion-mnist-sam'))).toContain('SAM ρ=0.05');
  });

  it('tells automatic names (today’s and the old preset ones) from names a user typed', () => {
    const sam = withSam(sgd, {});
    expect(isAutomaticName(autoRunName(sam), sam)).toBe(true);
    expect(isAutomaticName('Fashion-MNIST MLP · SGD', sam)).toBe(true);
    expect(isAutomaticName('fashion-mnist mlp · SAM(ρ=0.05 m=8) + sgd lr=0.05', sam)).toBe(true);
    expect(isAutomaticName('my favourite run', sam)).toBe(false);
  });
});

function run(id: number, config: RunConfig, extra: Partial<SearchableRun> = {}): SearchableRun {
  return { id, name: autoRunName(config), status: 'done', config, backend: 'wasm', tags: [], notes: '', finalMetrics: null, ...extra };
}

describe('run search', () => {
  const runs = [
    run(1, sgd, { finalMetrics: { testAccuracy: 0.81 } }),
    run(2, withSam(sgd, {}), { finalMetrics: { testAccuracy: 0.84 }, tags: ['baseline-pair'] }),
    run(3, withSam(sgd, { rho: 0.1, m: 32 }), { finalMetrics: { testAccuracy: 0.79 }, notes: 'too large a radius' }),
  ];
  const ids = (q: string) => filterRuns(runs, q).map((r) => r.id);

  it('understands rho=0.05 and ρ>0.02 (SGD counts as ρ = 0)', () => {
    expect(ids('rho=0.05')).toEqual([2]);
    expect(ids('ρ>0.02')).toEqual([2, 3]);
    expect(ids('rho=0')).toEqual([1]);
    expect(ids('ρ >= 0.05 m=32')).toEqual([3]);
  });

  it('compares metrics, booleans and words, and ANDs the terms', () => {
    expect(ids('acc>0.8')).toEqual([1, 2]);
    expect(ids('acc>80')).toEqual([1, 2]);
    expect(ids('sam=no')).toEqual([1]);
    expect(ids('tag:baseline')).toEqual([2]);
    expect(ids('radius')).toEqual([3]);
    expect(ids('SAM acc<0.8')).toEqual([3]);
    expect(ids('"MLP 512-512" #1')).toEqual([1]);
  });

  it('names an unknown field and what to use instead', () => {
    expect(parseRunSearch('rhoo=0.05').errors[0]).toMatch(/unknown search field "rhoo"; use one of: rho, m, p/);
    expect(() => filterRuns(runs, 'lr>')).toThrow(SearchError);
  });
});

describe('seed groups', () => {
  const sam = withSam(sgd, {});
  const configs = [sgd, { ...sgd, seed: 1 }, sam, { ...sam, seed: 1 }, { ...sam, seed: 2 }];
  const groups = seedGroups(configs.map((config, i) => ({ id: i + 1, config })));

  it('groups runs that differ only by seed and labels groups by what differs, not by ids', () => {
    expect(groups.map((g) => g.ids)).toEqual([[1, 2], [3, 4, 5]]);
    expect(groupLabels(groups)).toEqual(['SGD · 2 seeds', 'SAM ρ=0.05 · 3 seeds']);
  });

  it('labels single runs so that two seeds of one config read apart', () => {
    expect(runDiffLabel(configs, 3)).toBe('SAM ρ=0.05 · seed=1');
    expect(runDiffLabel(configs, 0)).toBe('SGD · seed=0');
  });
});

describe('statistics', () => {
  it('has Student t quantiles from the table and the expansion', () => {
    expect(tQuantile975(2)).toBeCloseTo(4.303, 3);
    expect(tQuantile975(30)).toBeCloseTo(2.042, 3);
    // Table value t(0.975, 60) = 2.000, t(0.975, 120) = 1.980.
    expect(tQuantile975(60)).toBeCloseTo(2.0, 3);
    expect(tQuantile975(120)).toBeCloseTo(1.98, 3);
  });

  it('gives mean ± sample sd, and a 95 % CI only from three values on', () => {
    // [1, 2, 3]: mean 2, sd 1, half-width 4.303 · 1/√3 = 2.4843.
    const s = summarize([1, 2, 3, NaN])!;
    expect([s.n, s.mean, s.sd]).toEqual([3, 2, 1]);
    expect(s.ci95![1]).toBeCloseTo(2 + 4.303 / Math.sqrt(3), 3);
    expect(summarize([1, 2])!.ci95).toBeNull();
    expect(summarize([])).toBeNull();
  });

  it('compares two groups with Welch’s interval, and refuses one with a single value', () => {
    // a = [1, 2, 3], b = [2, 3, 4]: diff −1, se = √(1/3 + 1/3) = 0.8165, df = 4, t = 2.776.
    const d = welchDifference(summarize([1, 2, 3])!, summarize([2, 3, 4])!);
    expect(d.diff).toBe(-1);
    expect(d.df).toBeCloseTo(4, 9);
    expect(d.ci95![0]).toBeCloseTo(-1 - 2.776 * Math.sqrt(2 / 3), 3);
    expect(welchDifference(summarize([1])!, summarize([2, 3])!).ci95).toBeNull();
  });
});

describe('chart ticks', () => {
  it('labels a short log axis 1-2-5 (more than one label) and thins decades on a short wide one', async () => {
    const { logTickLabel, fmtClock } = await import('../../src/renderer/lib/ticks');
    // chart.js's log ticks from 0.5 to 3: before, only "1" had a label.
    const ticks = [0.5, 0.6, 0.7, 0.8, 0.9, 1, 2, 3];
    expect(ticks.map((t) => logTickLabel(t, ticks)).filter(Boolean)).toEqual(['0.5', '0.6', '0.7', '0.8', '0.9', '1', '2', '3']);
    // Six decades on a 4-label axis: every second power of ten.
    const wide = [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1];
    expect(wide.map((t) => logTickLabel(t, wide, 4)).filter(Boolean)).toEqual(['1e-4', '0.01', '1']);
    expect(fmtClock(95)).toBe('1m 35s');
    expect(fmtClock(3725)).toBe('1h 02m');
  });
});
