// An 8-run comparison as a PDF (issue 12): the legends fit (one short key per run, not half of
// each plot), no two words on a page overlap (y labels stay apart), chart titles are whole, and
// every run wears the app's colour (src/shared/colors.ts). Four SGD and four SAM runs, stored
// through the real ingest path; the PDF is printed by Chromium and read back with pdftotext.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/main/services/store';
import { exportReport } from '../../src/main/services/reports';
import { curveFigures } from '../../src/main/services/reports/figures';
import { gatherReportData } from '../../src/main/services/reports/gather';
import { runColor } from '../../src/shared/colors';
import { fillFixtureRuns } from './report-fixture';
import { pdfWords } from './report-pdf-tools';

let dir: string;
let store: Store;
let ids: number[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sam-report8-'));
  store = openStore(join(dir, 'runs.db'));
  for (let i = 0; i < 4; i++) ids.push(...fillFixtureRuns(store));
});
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('an 8-run report', () => {
  it('keeps each figure’s legend to one short line per row and its y labels apart', () => {
    const data = gatherReportData(store, ids);
    for (const f of curveFigures(data.runs)) {
      const height = Number(/viewBox="0 0 \d+ (\d+)"/.exec(f.svg)![1]);
      const plotTop = Number(/<rect x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="[\d.]+" fill="none" stroke="#999"\/>/.exec(f.svg)![1]);
      // The plot keeps at least two thirds of the figure; before, 16 legend entries took half.
      expect(plotTop / height, f.id).toBeLessThan(0.34);
      const yLabels = [...f.svg.matchAll(/<text x="[\d.]+" y="([\d.]+)" text-anchor="end" font-size="10"/g)].map((m) => Number(m[1])).sort((a, b) => a - b);
      for (let i = 1; i < yLabels.length; i++) expect(yLabels[i] - yLabels[i - 1], `${f.id} y labels`).toBeGreaterThanOrEqual(12);
    }
  });

  it('prints a PDF whose words never overlap, with whole titles and the app’s run colours', async () => {
    const html = await exportReport(store, { runIds: ids, format: 'html' }, { outDir: dir });
    const text = readFileSync(html.path, 'utf8');
    for (const id of ids) expect(text).toContain(`<span class="swatch" style="background:${runColor(id)}"></span>#${id}`);
    expect(text).toContain('By seed group');
    const pdf = await exportReport(store, { runIds: ids, format: 'pdf' }, { outDir: dir });
    const { words } = pdfWords(pdf.path);
    const overlaps: string[] = [];
    const pages = [...new Set(words.map((w) => w.page))];
    for (const p of pages) {
      const ws = words.filter((w) => w.page === p);
      for (let i = 0; i < ws.length; i++)
        for (let j = i + 1; j < ws.length; j++) {
          const a = ws[i];
          const b = ws[j];
          // Boxes sharing more than a sliver (0.8 pt) both ways overlap on paper.
          const dx = Math.min(a.xMax, b.xMax) - Math.max(a.xMin, b.xMin);
          const dy = Math.min(a.yMax, b.yMax) - Math.max(a.yMin, b.yMin);
          if (dx > 0.8 && dy > 0.8) overlaps.push(`page ${p}: "${a.text}" / "${b.text}"`);
        }
    }
    expect(overlaps).toEqual([]);
    // Chart titles are whole: nothing was cut with an ellipsis.
    expect(words.filter((w) => w.text.endsWith('…')).map((w) => w.text)).toEqual([]);
  });
});
