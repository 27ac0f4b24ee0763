// Per-layer sharpness in the report (issue 13, item 3): an SGD and a SAM run, really trained on
// Fashion-MNIST with hessian.perLayer (analysed after each of two epochs) and recorded as the CLI
// records them, exported to HTML and PDF. The HTML holds the chart the app draws — one bar per
// layer and run carrying the stored λ_max, the SAM ÷ SGD ratio per layer, the ε̂ shares — each
// run's per-layer λ_max over epochs, and the table; the PDF shows the section with its words.
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/main/services/store';
import { exportReport, gatherReportData } from '../../src/main/services/reports';
import { reportLayerComparison } from '../../src/main/services/reports/layer-section';
import type { RunConfigInput } from '../../src/shared/config';
import { trainInto } from './helpers/train';
import { latestLayered } from '../../src/shared/layer-sharpness';
import { pdfWords } from './report-pdf-tools';

let dir: string;
let dbPath: string;
let store: Store;
let sgd: number;
let sam: number;
let html: string;
let pdfPath: string;

const tiny: RunConfigInput = {
  name: 'tiny MLP · SGD',
  seed: 5,
  epochs: 2,
  batchSize: 64,
  backend: 'wasm',
  data: { name: 'fashion-mnist', limit: 512, testLimit: 128 },
  model: { kind: 'mlp', hidden: [24, 12] },
  optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9 },
  hessian: { everyEpochs: 1, topK: 2, batchSize: 128, maxIterations: 25, trace: false, perLayer: true },
  logEvery: 4,
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sam-report-layers-'));
  dbPath = join(dir, 'runs.sqlite');
  sgd = await trainInto(dbPath, tiny);
  sam = await trainInto(dbPath, { ...tiny, name: 'tiny MLP · SAM', sam: { rho: 0.1 } });
  store = openStore(dbPath);
  const out = join(dir, 'reports');
  html = readFileSync((await exportReport(store, { runIds: [sgd, sam], format: 'html' }, { outDir: out })).path, 'utf8');
  pdfPath = (await exportReport(store, { runIds: [sgd, sam], format: 'pdf' }, { outDir: out })).path;
});

afterAll(() => {
  if (process.env.SAM_REPORT_KEEP && dir) cpSync(join(dir, 'reports'), process.env.SAM_REPORT_KEEP, { recursive: true });
  store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The <figure> with this id, as HTML. */
const figure = (id: string) => {
  const m = new RegExp(`<figure id="${id}"[^>]*>([\\s\\S]*?)</figure>`).exec(html);
  if (!m) throw new Error(`no figure ${id} in the report`);
  return m[1];
};
const attrs = (svg: string, attr: string) => [...svg.matchAll(new RegExp(`<rect [^>]*data-${attr}="([^"]+)"[^>]*>`, 'g'))].map((m) => m[0]);
const attr = (tag: string, name: string) => new RegExp(`data-${name}="([^"]+)"`).exec(tag)?.[1];

describe('per-layer sharpness in the report', () => {
  it('trained with perLayer: every analysis carries each layer, below the full λ_max, shares summing to 1', () => {
    for (const id of [sgd, sam]) {
      const spectra = store.getSpectra(id);
      expect(spectra).toHaveLength(2);
      for (const s of spectra) {
        expect(s.perLayer!.layers.map((l) => l.name)).toEqual(['dense0', 'dense1', 'logits']);
        for (const l of s.perLayer!.layers) expect(l.lambdaMax).toBeLessThanOrEqual(s.topEigenvalues[0] * (1 + 1e-3));
        expect(s.perLayer!.layers.reduce((a, l) => a + l.epsShare!, 0)).toBeCloseTo(1, 5);
      }
    }
    expect(store.getSpectra(sam)[0].perLayer!.eps!.source).toBe('run');
    expect(store.getSpectra(sgd)[0].perLayer!.eps!.source).toBe('sam-p2');
  });

  it('draws one λ_max bar per layer and run with the stored value, the SAM ÷ SGD ratio and the ε̂ shares', () => {
    expect(html).toContain('<section id="layers" class="page"><h2>Per-layer sharpness</h2>');
    const svg = figure('fig-layers');
    expect(svg).toContain('Per-layer sharpness: which layers SAM flattened');
    const lambdas = attrs(svg, 'lambda');
    expect(lambdas).toHaveLength(6);
    for (const [id, key] of [
      [sgd, `r${sgd}`],
      [sam, `r${sam}`],
    ] as const) {
      const stored = latestLayered(store.getSpectra(id))!.perLayer!.layers;
      for (const l of stored) {
        const bar = lambdas.find((t) => attr(t, 'layer') === l.name && attr(t, 'column') === key);
        expect(Number(attr(bar!, 'lambda'))).toBe(l.lambdaMax);
      }
    }
    const ratios = attrs(svg, 'ratio');
    expect(ratios).toHaveLength(3);
    const base = latestLayered(store.getSpectra(sgd))!.perLayer!.layers;
    const withSam = latestLayered(store.getSpectra(sam))!.perLayer!.layers;
    for (const t of ratios) {
      const i = base.findIndex((l) => l.name === attr(t, 'layer'));
      expect(Number(attr(t, 'ratio'))).toBeCloseTo(withSam[i].lambdaMax / base[i].lambdaMax, 10);
    }
    expect(attrs(svg, 'share')).toHaveLength(6);
    // Layer names with their tensors and parameter counts label the rows.
    expect(svg).toContain('kernel+bias · 18,840');
    expect(svg).toContain('SAM ÷ baseline');
  });

  it('shows each run’s per-layer λ_max over its two analysed epochs, and the numbers as a table', () => {
    for (const id of [sgd, sam]) {
      const svg = figure(`fig-layers-epochs-${id}`);
      // Three layers, two analyses each.
      expect(svg.match(/class="point"/g)).toHaveLength(6);
    }
    const tables = [...html.matchAll(/<table class="layers">([\s\S]*?)<\/table>/g)].map((m) => m[1]);
    // λ_max with the ratio, then the ε̂ shares: a header and a row per layer each.
    expect(tables).toHaveLength(2);
    for (const t of tables) expect(t.match(/<tr>/g)).toHaveLength(4);
    expect(tables[0]).toContain(`#${sam} ÷ #${sgd}`);
    const cmp = reportLayerComparison(gatherReportData(store, [sgd, sam]).runs);
    expect(cmp.ratios).toHaveLength(1);
    expect(cmp.ratios[0]).toMatchObject({ key: `r${sam}`, reference: `r${sgd}` });
    expect(html).toContain('no SAM in this run: SAM’s p = 2 step');
  });

  it('the PDF has the section on a page of its own, with the chart’s words', () => {
    const { words } = pdfWords(pdfPath);
    const page = words.find((w, i) => w.text === 'Per-layer' && words[i + 1]?.text === 'sharpness')!.page;
    const text = words.filter((w) => w.page === page).map((w) => w.text).join(' ');
    for (const want of ['dense0', 'dense1', 'logits', 'baseline', 'ε̂', 'kernel+bias']) expect(text).toContain(want);
    expect(text).toMatch(/×\d\.\d\d/);
  });
});
