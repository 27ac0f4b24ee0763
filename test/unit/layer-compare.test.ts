// Lining runs up layer by layer (src/shared/layer-compare.ts) and laying the chart out
// (src/shared/layer-chart.ts): rows in model order, seed groups as mean ± std, each SAM column
// paired with its closest baseline, a log axis only where values span a decade, and bars that
// carry their values and grow with them.
import { describe, expect, it } from 'vitest';
import { runConfigSchema, type RunConfig } from '../../src/shared/config';
import { compareLayers, layerColumnsOf, wantsLogScale, type LayerRunInput } from '../../src/shared/layer-compare';
import { layerChart, type Shape } from '../../src/shared/layer-chart';
import type { LayerSpectrum } from '../../src/shared/layer-sharpness';

const base = { epochs: 2, batchSize: 32, data: { name: 'fashion-mnist' }, model: { kind: 'mlp', hidden: [8] }, optimizer: { kind: 'sgd', lr: 0.1 } };
const cfg = (extra: object): RunConfig => runConfigSchema.parse({ ...base, ...extra });

function perLayer(lams: [string, number][], shares?: number[]): LayerSpectrum {
  return {
    layers: lams.map(([name, lambdaMax], i) => ({ name, tensors: ['kernel', 'bias'], paramCount: 10 * (i + 1), lambdaMax, residual: 0, iterations: 5, epsShare: shares?.[i] ?? null })),
    eps: null,
    hvp: 'exact',
    elapsedMs: 1,
  };
}
const run = (id: number, config: RunConfig, spectra: [number, LayerSpectrum | null][]): LayerRunInput => ({
  id,
  config,
  spectra: spectra.map(([step, p]) => ({ step, epoch: step / 10, perLayer: p })),
});

describe('compareLayers', () => {
  const sgd = cfg({});
  const sam = cfg({ sam: { rho: 0.05 } });
  const samLr = cfg({ sam: { rho: 0.05 }, optimizer: { kind: 'sgd', lr: 0.3 } });
  const sgdLr = cfg({ optimizer: { kind: 'sgd', lr: 0.3 } });

  it('takes each run’s latest per-layer analysis and pairs every SAM run with its closest baseline', () => {
    const runs = [
      run(1, sgd, [[10, perLayer([['dense0', 8], ['logits', 2]])], [20, perLayer([['dense0', 10], ['logits', 4]])], [30, null]]),
      run(2, sam, [[20, perLayer([['dense0', 5], ['logits', 4]])]]),
      run(3, sgdLr, [[20, perLayer([['dense0', 20], ['logits', 1]])]]),
      run(4, samLr, [[20, perLayer([['dense0', 2], ['logits', 2]])]]),
    ];
    const cmp = compareLayers(layerColumnsOf(runs, { grouped: false, label: (ids) => `#${ids[0]}`, color: () => '#000' }));
    expect(cmp.rows.map((r) => r.name)).toEqual(['dense0', 'logits']);
    expect(cmp.columns.map((c) => c.cells.map((x) => x.lambdaMax))).toEqual([[10, 4], [5, 4], [20, 1], [2, 2]]);
    expect(cmp.columns.map((c) => c.epochs)).toEqual([[2], [2], [2], [2]]);
    // #2 differs from #1 only in SAM; #4 from #3 only in SAM.
    expect(cmp.ratios.map((r) => [r.key, r.reference, r.values])).toEqual([
      ['r2', 'r1', [0.5, 1]],
      ['r4', 'r3', [0.1, 2]],
    ]);
    expect(cmp.logScale).toBe(true);
  });

  it('groups seeds: mean and sample std per layer; a layer only some runs have gets a row with gaps', () => {
    const runs = [
      run(1, cfg({ seed: 0 }), [[10, perLayer([['dense0', 2], ['logits', 1]], [0.25, 0.75])]]),
      run(2, cfg({ seed: 1 }), [[10, perLayer([['dense0', 4], ['logits', 3]], [0.75, 0.25])]]),
      run(3, cfg({ sam: { rho: 0.05 }, model: { kind: 'mlp', hidden: [8, 4] } }), [[10, perLayer([['dense0', 1], ['dense1', 1], ['logits', 1]])]]),
      run(4, cfg({ seed: 2 }), []),
    ];
    const cmp = compareLayers(layerColumnsOf(runs, { grouped: true, label: (ids) => ids.join('+'), color: () => '#000' }));
    expect(cmp.columns.map((c) => c.label)).toEqual(['1+2+4', '3']);
    const g = cmp.columns[0];
    expect(g.runIds).toEqual([1, 2]);
    expect(g.cells.map((x) => [x.lambdaMax, x.sd, x.n, x.epsShare])).toEqual([
      [3, Math.SQRT2, 2, 0.5],
      [2, Math.SQRT2, 2, 0.5],
      [null, null, 0, null],
    ]);
    expect(cmp.rows.map((r) => r.name)).toEqual(['dense0', 'logits', 'dense1']);
    expect(cmp.ratios[0].values).toEqual([1 / 3, 1 / 2, null]);
  });

  it('no baseline, no ratio; a log axis only for positive values spanning a decade', () => {
    const cmp = compareLayers(layerColumnsOf([run(1, sam, [[10, perLayer([['a', 3], ['b', 4]])]])], { grouped: false, label: () => 'x', color: () => '#000' }));
    expect(cmp.ratios).toEqual([]);
    expect(cmp.logScale).toBe(false);
    expect(wantsLogScale([1, 9.9])).toBe(false);
    expect(wantsLogScale([1, 10])).toBe(true);
    expect(wantsLogScale([-1, 100])).toBe(false);
  });
});

describe('layerChart', () => {
  const rects = (shapes: Shape[], key: string) => shapes.filter((s): s is Extract<Shape, { kind: 'rect' }> => s.kind === 'rect' && !!s.data?.[key]);
  const runs = [
    run(1, cfg({}), [[10, perLayer([['dense0', 10], ['a/very/long/layer/name/of/a/deep/resnet/block/conv', 16]], [0.2, 0.8])]]),
    run(2, cfg({ sam: { rho: 0.05 } }), [[10, perLayer([['dense0', 5], ['a/very/long/layer/name/of/a/deep/resnet/block/conv', 20]], [0.4, 0.6])]]),
  ];
  const cmp = compareLayers(layerColumnsOf(runs, { grouped: false, label: (ids) => `#${ids[0]}`, color: (id) => (id === 1 ? '#111' : '#222') }));

  it('one bar per layer and column carrying its value, longer for a larger λ_max; ratios left of 1 when SAM is flatter', () => {
    expect(cmp.logScale).toBe(false);
    const chart = layerChart(cmp, { width: 700 });
    const bars = rects(chart.shapes, 'lambda');
    expect(bars).toHaveLength(4);
    const w = (layer: string, col: string) => bars.find((b) => b.data!.layer.startsWith(layer) && b.data!.column === col)!.w;
    expect(w('dense0', 'r1')).toBeCloseTo(2 * w('dense0', 'r2'), 6);
    expect(w('a/very', 'r2')).toBeGreaterThan(w('a/very', 'r1'));
    const ratios = rects(chart.shapes, 'ratio');
    const one = ratios.map((r) => [r.data!.ratio, r.x, r.x + r.w]);
    const flatter = one.find(([v]) => Number(v) === 0.5)!;
    const sharper = one.find(([v]) => Number(v) === 1.25)!;
    // Both bars touch x(1): the flatter one ends there, the sharper one starts there.
    expect(flatter[2]).toBeCloseTo(sharper[1] as number, 6);
    expect(rects(chart.shapes, 'share')).toHaveLength(4);
    // Everything inside the canvas; long names are cut with … and keep their full text in a title.
    for (const s of chart.shapes) if (s.kind === 'rect') expect(s.x + s.w).toBeLessThanOrEqual(chart.width + 1e-6);
    const label = chart.shapes.find((s) => s.kind === 'text' && s.title === 'a/very/long/layer/name/of/a/deep/resnet/block/conv');
    expect(label && label.kind === 'text' && label.text.startsWith('…')).toBe(true);
  });
});
