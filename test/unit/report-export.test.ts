// Export a comparison of an SGD and a SAM run — really trained on Fashion-MNIST (tiny: 768
// examples, 3 epochs, Hessian spectrum + landscape every epoch) and recorded in a real SQLite file
// the way `sam-studio train --db` records them — to HTML, PDF, CSV and JSON, and check each the
// way a reader would: the HTML in real Chromium with no network, the PDF rendered to pixels,
// the CSV parsed back exactly.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/main/services/store';
import { exportReport, parseCsv, CSV_COLUMNS } from '../../src/main/services/reports';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../src/main/services/reports/chromium-pdf';
import type { ArtifactInfo, ReportFormat } from '../../src/shared/api';
import type { RunConfigInput } from '../../src/shared/config';
import { trainInto } from './helpers/train';
import { runCli } from './helpers/cli';
import { fillFixtureRuns } from './report-fixture';
import { inkIn, pdfWords, renderPages } from './report-pdf-tools';

let dir: string;
let dbPath: string;
let store: Store;
let sgd: number;
let sam: number;
const artifacts = new Map<ReportFormat, ArtifactInfo>();

const tiny: RunConfigInput = {
  name: 'tiny MLP · SGD',
  seed: 3,
  epochs: 3,
  batchSize: 64,
  backend: 'wasm',
  data: { name: 'fashion-mnist', limit: 768, testLimit: 256 },
  model: { kind: 'mlp', hidden: [16] },
  optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9 },
  hessian: { everyEpochs: 1, topK: 5, batchSize: 64, maxIterations: 10, density: true, landscape: true },
  logEvery: 2,
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sam-report-'));
  dbPath = join(dir, 'runs.sqlite');
  sgd = await trainInto(dbPath, tiny);
  sam = await trainInto(dbPath, { ...tiny, name: 'tiny MLP · SAM', sam: { rho: 0.05 } });
  store = openStore(dbPath);
  // A name with a comma and quotes exercises CSV quoting and HTML escaping.
  store.updateRun(sam, { name: 'MLP · SAM, ρ="0.05" <b>', notes: 'Same seed, data and model as the SGD run.' });
  for (const format of ['html', 'pdf', 'csv', 'json'] as const) {
    artifacts.set(format, await exportReport(store, { runIds: [sgd, sam], format }, { outDir: join(dir, 'reports') }));
  }
});

afterAll(() => {
  // SAM_REPORT_KEEP=/some/dir keeps the exported files to look at.
  if (process.env.SAM_REPORT_KEEP && dir) cpSync(join(dir, 'reports'), process.env.SAM_REPORT_KEEP, { recursive: true });
  store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('artifacts', () => {
  it('writes every format and lists it under both runs', () => {
    for (const [format, a] of artifacts) {
      expect(a.format).toBe(format);
      expect(a.runIds).toEqual([sgd, sam]);
      expect(existsSync(a.path)).toBe(true);
      expect(a.path.endsWith(`.${format}`)).toBe(true);
    }
    for (const id of [sgd, sam]) {
      const listed = store.listArtifacts(id);
      expect(listed.map((a) => a.format).sort()).toEqual(['csv', 'html', 'json', 'pdf']);
      expect(store.getRun(id)!.artifacts.map((a) => a.id).sort()).toEqual([...artifacts.values()].map((a) => a.id).sort());
    }
  });
});

describe('HTML', () => {
  it('is self-contained: no scripts, nothing to fetch', () => {
    const html = readFileSync(artifacts.get('html')!.path, 'utf8');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\s(src|href)\s*=/i);
    expect(html).not.toMatch(/url\((?!#)/i);
    expect(html).not.toMatch(/@import|@font-face/i);
    // The run name is escaped, not injected.
    expect(html).toContain('MLP · SAM, ρ=&quot;0.05&quot; &lt;b&gt;');
  });

  it('opens in Chromium without a single network request and shows its charts', async () => {
    const file = artifacts.get('html')!.path;
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage();
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      expect(requests).toEqual([pathToFileURL(file).href]);
      const charts = await page.$$eval('svg.chart', (els) =>
        els.map((e) => ({
          id: e.closest('figure')?.id ?? '',
          marks: e.querySelectorAll('path.series, circle.point, rect.cell').length,
          width: e.getBoundingClientRect().width,
          height: e.getBoundingClientRect().height,
        })),
      );
      // Curves (loss, accuracy, gap, grad norm, ‖ε̂‖, sharpness), spectra (eigs, ratio, density),
      // landscape (1-D random, 1-D ε̂, one 2-D plane per run).
      expect(charts.map((c) => c.id)).toEqual([
        'fig-loss', 'fig-accuracy', 'fig-gap', 'fig-gradnorm', 'fig-eps', 'fig-sharpness',
        'fig-eigs', 'fig-ratio', 'fig-density', 'fig-1d-random', 'fig-1d-eps', `fig-2d-${sgd}`, `fig-2d-${sam}`,
      ]);
      for (const c of charts) {
        expect(c.marks, c.id).toBeGreaterThan(0);
        expect(c.width, c.id).toBeGreaterThan(200);
        expect(c.height, c.id).toBeGreaterThan(100);
      }
      // The 2-D planes draw every grid cell.
      const cells = await page.$$eval(`#fig-2d-${sgd} rect.cell`, (els) => els.length);
      expect(cells).toBe(store.getLandscapes(sgd).find((l) => l.kind === '2d-random')!.losses.length);
      const reading = await page.textContent('.reading');
      const acc = (id: number) => ((store.getRun(id)!.finalMetrics!.testAccuracy as number) * 100).toFixed(2);
      expect(reading).toContain(`${acc(sam)} %`);
      expect(reading).toContain(`${acc(sgd)} %`);
      // The best test accuracy is marked.
      const best = await page.$$eval('table.metrics td.best', (els) => els.map((e) => e.textContent));
      expect(best).toContain(`${Math.max(Number(acc(sam)), Number(acc(sgd))).toFixed(2)} %`);
    } finally {
      await browser.close();
    }
  });

  it('reports a single run without comparison highlights', async () => {
    const a = await exportReport(store, { runIds: [sam], format: 'html', title: 'Just SAM' }, { outDir: join(dir, 'single') });
    expect(a.runIds).toEqual([sam]);
    const html = readFileSync(a.path, 'utf8');
    expect(html).toContain('<h1>Just SAM</h1>');
    expect(html).toContain('no baseline in this report');
    expect(html).not.toContain('class="differs"');
    expect(html).not.toContain('td class="num best"');
    expect(html.match(/<figure /g)!.length).toBe(12); // 13 minus the second 2-D plane
    expect(store.listArtifacts(sgd).map((x) => x.id)).not.toContain(a.id);
  });
});

describe('PDF', () => {
  const DPI = 50;
  it('has one page per section, in order, and its charts are drawn', () => {
    const pdf = artifacts.get('pdf')!.path;
    expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
    const out = join(dir, 'pages');
    mkdirSync(out);
    const pages = renderPages(pdf, out, DPI);
    const { pages: pageBoxes, words } = pdfWords(pdf);
    expect(pages.length).toBe(pageBoxes.length);
    // Summary, curves, spectrum, landscape, configuration + notes.
    expect(pages.length).toBe(5);
    const topLine = (p: number) => {
      const ws = words.filter((w) => w.page === p);
      const top = Math.min(...ws.map((w) => w.yMin));
      return ws.filter((w) => w.yMin - top < 3).sort((a, b) => a.xMin - b.xMin).map((w) => w.text).join(' ');
    };
    expect(topLine(1)).toMatch(/^Comparison of 2 runs/);
    expect(topLine(2)).toBe('Training curves');
    expect(topLine(3)).toBe('Hessian spectrum');
    expect(topLine(4)).toBe('Loss landscape');
    expect(topLine(5)).toBe('Configuration');
    expect(words.filter((w) => w.page === 1).map((w) => w.text).join(' ')).toContain('Did SAM help?');

    // Every figure caption "Fig. n." has a drawn chart right above it: ink, and coloured data.
    const html = readFileSync(artifacts.get('html')!.path, 'utf8');
    const nFigures = html.match(/<figure /g)!.length;
    const captions = words.filter((w, i) => w.text === 'Fig.' && /^\d+\.$/.test(words[i + 1]?.text ?? ''));
    expect(captions.length).toBe(nFigures);
    const colW = (pageBoxes[0].width - 2 * 34) / 2 - 10; // A4 minus 12 mm margins, two columns
    for (const c of captions) {
      const region = { x0: c.xMin + 4, y0: c.yMin - 150, x1: c.xMin + colW - 4, y1: c.yMin - 10 };
      const ink = inkIn(pages[c.page - 1], DPI, region);
      const label = `figure caption on page ${c.page} at y=${c.yMin.toFixed(0)}`;
      expect(ink.ink / ink.area, label).toBeGreaterThan(0.03);
      expect(ink.colored, label).toBeGreaterThan(40);
    }
    // A blank stretch stays blank: the bottom margin band above the footer holds no ink on page 2.
    const p2 = pages[1];
    const band = inkIn(p2, DPI, { x0: 40, y0: pageBoxes[1].height - 70, x1: pageBoxes[1].width - 40, y1: pageBoxes[1].height - 45 });
    expect(band.ink).toBeLessThan(band.area * 0.01);
  });
});

describe('CSV', () => {
  it('round-trips every stored point exactly', () => {
    const rows = parseCsv(readFileSync(artifacts.get('csv')!.path, 'utf8'));
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    const groups = new Map<string, string[][]>();
    for (const r of rows.slice(1)) {
      expect(r.length).toBe(CSV_COLUMNS.length);
      const key = `${r[0]}|${r[2]}|${r[6]}`;
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    let checked = 0;
    let missing = 0;
    for (const id of [sgd, sam]) {
      const name = store.getRun(id)!.name;
      for (const scope of ['step', 'epoch'] as const) {
        const names = store.seriesNames(id, scope);
        expect(names.length).toBeGreaterThan(0);
        for (const metric of names) {
          const got = groups.get(`${id}|${scope}|${metric}`)!;
          const raw = store.getRawSeries(id, scope, metric);
          expect(got.length, `${id} ${scope} ${metric}`).toBe(raw.length);
          got.forEach((r, i) => {
            expect(r[1]).toBe(name);
            expect(Number(r[3])).toBe(raw[i].step);
            expect(Number(r[4])).toBe(raw[i].epoch);
            expect(Number(r[5])).toBe(raw[i].timeMs);
            if (raw[i].value === null) (expect(r[7]).toBe(''), missing++);
            else expect(Number(r[7])).toBe(raw[i].value);
          });
          // And against the API read at full resolution (which skips missing values).
          const present = got.filter((r) => r[7] !== '');
          for (const axis of ['step', 'epoch', 'time'] as const) {
            const [s] = store.getSeries({ runIds: [id], names: [metric], scope, axis, maxPoints: 100000 });
            expect(s.total).toBe(present.length);
            const col = { step: 3, epoch: 4, time: 5 }[axis];
            expect(present.map((r) => Number(r[col]))).toEqual(s.x);
            expect(present.map((r) => Number(r[7]))).toEqual(s.y);
          }
          groups.delete(`${id}|${scope}|${metric}`);
          checked += got.length;
        }
      }
    }
    expect(groups.size).toBe(0);
    expect(checked).toBe(rows.length - 1);
    const storedMissing = [sgd, sam].flatMap((id) => (['step', 'epoch'] as const).flatMap((sc) => store.seriesNames(id, sc).flatMap((n) => store.getRawSeries(id, sc, n)))).filter((p) => p.value === null).length;
    expect(missing).toBe(storedMissing);
  });

  it('writes a value the store holds as NaN as an empty cell', async () => {
    const fx = openStore(join(dir, 'fixture.sqlite'));
    try {
      const [a, b] = fillFixtureRuns(fx);
      const art = await exportReport(fx, { runIds: [a, b], format: 'csv' }, { outDir: join(dir, 'fx') });
      const rows = parseCsv(readFileSync(art.path, 'utf8'));
      const nulls = fx.getRawSeries(a, 'step', 'gradNorm').filter((p) => p.value === null);
      expect(nulls).toHaveLength(1); // the fixture's one diverged gradient-norm reading
      const row = rows.find((r) => r[0] === String(a) && r[6] === 'gradNorm' && Number(r[3]) === nulls[0].step)!;
      expect(row[7]).toBe('');
      expect(rows.filter((r) => r[7] === '')).toHaveLength(1);
    } finally {
      fx.close();
    }
  });
});

describe('JSON', () => {
  it('holds configs, spectra, landscapes, final metrics and the SAM reading', () => {
    const doc = JSON.parse(readFileSync(artifacts.get('json')!.path, 'utf8'));
    expect(doc.runs.map((r: { id: number }) => r.id)).toEqual([sgd, sam]);
    for (const r of doc.runs) {
      const stored = store.getRun(r.id)!;
      expect(r.config).toEqual(stored.config);
      expect(r.spectra).toEqual(store.getSpectra(r.id));
      expect(r.landscapes).toEqual(store.getLandscapes(r.id));
      expect(r.finalMetrics.testAccuracy).toBe(stored.finalMetrics!.testAccuracy);
      expect(r.finalMetrics.lambdaMax).toBe(store.getSpectra(r.id).at(-1)!.topEigenvalues[0]);
    }
    const [pair] = doc.samReading.pairs;
    expect(pair.samRunId).toBe(sam);
    expect(pair.baseRunId).toBe(sgd);
    const acc = (id: number) => store.getRun(id)!.finalMetrics!.testAccuracy as number;
    expect(pair.testAccuracyDiffPp).toBeCloseTo((acc(sam) - acc(sgd)) * 100, 12);
  });
});

describe('sam-studio report', () => {
  const cli = (argv: string[]) => runCli(['report', ...argv]);

  it('writes a report and records it', async () => {
    store.close(); // the CLI opens the file itself, as another process would
    try {
      const out = join(dir, 'cli', 'r.json');
      const r = await cli(['--db', dbPath, '--runs', `${sgd},${sam}`, '--format', 'json', '--out', out]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(JSON.parse(readFileSync(out, 'utf8')).runs).toHaveLength(2);
      expect(r.stdout).toContain(out);
    } finally {
      store = openStore(dbPath);
    }
    expect(store.listArtifacts(sam).filter((a) => a.format === 'json')).toHaveLength(2);
  });

  it('names the bad run id, the bad format and a missing database', async () => {
    const out = join(dir, 'cli', 'x.html');
    const badRun = await cli(['--db', dbPath, '--runs', `${sgd},9999`, '--format', 'html', '--out', out]);
    expect(badRun.code).toBe(2);
    expect(badRun.stderr).toContain('run 9999 does not exist');
    const badId = await cli(['--db', dbPath, '--runs', '1,x', '--format', 'html', '--out', out]);
    expect(badId.stderr).toContain('"x" is not a run id');
    const badFormat = await cli(['--db', dbPath, '--runs', `${sgd}`, '--format', 'docx', '--out', out]);
    expect(badFormat.code).toBe(2);
    expect(badFormat.stderr).toContain('unknown format "docx"');
    const noDb = await cli(['--db', join(dir, 'nope.sqlite'), '--runs', '1', '--format', 'html', '--out', out]);
    expect(noDb.code).toBe(2);
    expect(noDb.stderr).toContain('nope.sqlite does not exist');
    expect(existsSync(out)).toBe(false);
  });
});
