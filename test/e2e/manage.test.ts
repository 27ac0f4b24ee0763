// The workbench points of issue 12 in Chromium through the browser door: names that follow the
// config, form details, the run list as a practitioner manages runs (sort, columns, parallel
// coordinates, search, rename, archive, delete), truthful "not found" pages, progress and phase
// with the Hessian, analysis from the Run page, chart details (zoom, single points, integer
// ticks, legends, log ticks, durations), Compare details, and the door without its token.
// Real services, SQLite, processes and Fashion-MNIST (tiny limits); screenshots throughout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { RunSummary } from '../../src/shared/api';
import type { RunConfigInput } from '../../src/shared/config';
import { drawn as drawnIn, fieldId, openBrowser, shot as shotOf, startStudio, type Browser, type Studio } from './harness';

const FASHION = '/usr/share/datasets/fashion-mnist';
let studio: Studio;
let browser: Browser;
let page: Page;

const fill = (field: string, value: string | number) => page.fill(fieldId(field), String(value));
const shot = (name: string) => shotOf(page, name);
const drawn = () => drawnIn(page);
const shownIds = () => page.locator('#runs-table tbody tr').evaluateAll((rs) => rs.map((r) => Number((r as HTMLElement).dataset.runId)));

/** A tiny Fashion-MNIST run: 2 epochs over 320 examples. */
const tiny = (over: Partial<RunConfigInput> = {}): RunConfigInput => ({
  epochs: 2,
  batchSize: 32,
  data: { name: 'fashion-mnist', limit: 320, testLimit: 160 },
  model: { kind: 'mlp', hidden: [16] },
  optimizer: { kind: 'sgd', lr: 0.05 },
  logEvery: 2,
  ...over,
});

/** The run once it has ended (polls the services; usable in hooks, unlike expect.poll). */
function finished(id: number): Promise<RunSummary> {
  return studio.services.waitForRun(id);
}

describe.skipIf(!existsSync(FASHION))('managing and reading runs in Chromium', () => {
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    studio = await startStudio({ concurrency: 2 });
    browser = await openBrowser({ width: 1360, height: 900 });
    page = browser.page;
    const s = studio.services;
    ids.sgd0 = (await s.createRun(tiny())).id;
    ids.sam0 = (await s.createRun(tiny({ sam: { rho: 0.05 } }))).id;
    ids.sam1 = (await s.createRun(tiny({ seed: 1, sam: { rho: 0.05 } }))).id;
    ids.rho01 = (await s.createRun(tiny({ sam: { rho: 0.1, m: 8 } }))).id;
    for (const id of Object.values(ids)) expect((await finished(id)).status).toBe('done');
  });
  afterAll(async () => {
    await browser?.close();
    await studio?.close();
  });

  it('shows a clear message without the door’s token, not an empty run table', async () => {
    const base = studio.server.url.replace(/\?token=.*$/, '');
    await page.goto(`${base}#/runs`);
    await expect.poll(() => page.locator('.no-access h1').textContent()).toBe('This page needs its access token');
    expect(await page.locator('#runs-table').count()).toBe(0);
    await shot('door-no-token');
    await page.goto(`${base}?token=wrong#/runs`);
    await expect.poll(() => page.locator('.no-access').textContent()).toContain('missing or wrong token');
    browser.errors.length = 0; // the refused WebSocket logs a console error, as it should
  });

  it('names runs after their config; Duplicate of an automatic name follows the edited config', async () => {
    const sam = await studio.services.getRun(ids.sam0);
    expect(sam.name).toBe('Fashion-MNIST MLP 16 · SAM ρ=0.05');
    expect((await studio.services.getRun(ids.rho01)).name).toBe('Fashion-MNIST MLP 16 · SAM ρ=0.1 m=8');
    await page.goto(`${studio.server.url}#/run/${ids.sam0}`);
    await page.click('button:has-text("Duplicate…")');
    await page.waitForSelector('#train');
    expect(await page.inputValue(fieldId('name'))).toBe('');
    await page.check('#method-base');
    await expect.poll(() => page.getAttribute(fieldId('name'), 'placeholder')).toBe('Fashion-MNIST MLP 16 · SGD');
    await page.check('#method-sam');
    await fill('sam.rho', 0.02);
    await expect.poll(() => page.getAttribute(fieldId('name'), 'placeholder')).toBe('Fashion-MNIST MLP 16 · SAM ρ=0.02');
  });

  it('keeps typed limits when a preset is chosen, gives Adam its own lr, and never says Ready next to a data-path error', async () => {
    await page.goto(`${studio.server.url}#/new`);
    await fill('data.limit', 3000);
    await fill('data.testLimit', 500);
    await page.selectOption('#preset', 'fashion-mnist-cnn-sam');
    await expect.poll(() => page.inputValue(fieldId('data.limit'))).toBe('3000');
    expect(await page.inputValue(fieldId('data.testLimit'))).toBe('500');
    await expect.poll(() => page.textContent('.preset-note')).toContain('kept your limits: 3000 training examples, 500 test examples');
    await page.selectOption(fieldId('optimizer.kind'), 'adam');
    await expect.poll(() => page.inputValue(fieldId('optimizer.lr'))).toBe('0.001');
    await page.selectOption(fieldId('optimizer.kind'), 'sgd');
    await expect.poll(() => page.inputValue(fieldId('optimizer.lr'))).toBe('0.05');
    // A missing data file is refused by the services; the form shows the error and no "Ready".
    await page.selectOption(fieldId('data.name'), 'csv');
    await fill('data.path', '/nonexistent/data.csv');
    await page.click('#train');
    await expect.poll(() => page.locator('.submit [role="alert"]').allTextContents()).toEqual([expect.stringContaining('/nonexistent/data.csv')]);
    expect(await page.locator('[data-testid="ready"]').count()).toBe(0);
    await shot('new-run-path-error');
    // The Sweep page says what each run will train on.
    await page.selectOption(fieldId('data.name'), 'fashion-mnist');
    await fill('epochs', 3);
    await page.click('text=Sweep from this config…');
    await expect.poll(() => page.textContent('#sweep-budget')).toMatch(/Each run:\s+3 epochs on\s+3000 training examples, tested on\s+500 test examples/);
  });

  it('sorts, picks hyper-parameter columns, searches rho=0.05 and ρ>0.02, and draws parallel coordinates', async () => {
    await page.goto(`${studio.server.url}#/runs`);
    await expect.poll(shownIds).toHaveLength(4);
    // Click "Test acc": best first; again: worst first.
    const accs = async () => Promise.all((await shownIds()).map(async (id) => (await studio.services.getRun(id)).finalMetrics!.testAccuracy!));
    await page.click('button[data-sort="testAccuracy"]');
    await expect.poll(accs).toEqual([...(await accs())].sort((a, b) => b - a));
    await page.click('button[data-sort="testAccuracy"]');
    await expect.poll(async () => { const a = await accs(); return a.every((v, i) => i === 0 || a[i - 1] <= v); }).toBe(true);
    // Columns: add "model", drop "seed"; the ρ column sorts numerically.
    await page.click('#pick-columns');
    await page.check('input[data-column="model"]');
    await page.uncheck('input[data-column="seed"]');
    await expect.poll(() => page.locator('#runs-table thead button[data-sort="model"]').count()).toBe(1);
    expect(await page.locator('#runs-table thead button[data-sort="seed"]').count()).toBe(0);
    await page.click('button[data-sort="rho"]');
    await expect.poll(() => page.locator('#runs-table tbody td[data-column="rho"]').allTextContents()).toEqual(['0', '0.05', '0.05', '0.1']);
    // Search in the app's language.
    await page.fill('#run-search', 'rho=0.05');
    await expect.poll(async () => (await shownIds()).sort()).toEqual([ids.sam0, ids.sam1].sort());
    await page.fill('#run-search', 'ρ>0.02');
    await expect.poll(async () => (await shownIds()).sort()).toEqual([ids.sam0, ids.sam1, ids.rho01].sort());
    await page.fill('#run-search', 'sam=no');
    await expect.poll(shownIds).toEqual([ids.sgd0]);
    await page.fill('#run-search', 'seed=1 MLP');
    await expect.poll(shownIds).toEqual([ids.sam1]);
    await page.fill('#run-search', 'rhoo=1');
    await expect.poll(() => page.textContent('#search-errors')).toContain('unknown search field "rhoo"');
    await page.fill('#run-search', '');
    await shot('runs-sorted-columns');
    await page.click('#view-parallel');
    const pcp = page.locator('figure.pcp');
    await expect.poll(() => pcp.getAttribute('data-lines')).toBe('4');
    expect((await pcp.getAttribute('data-axes'))!.split('|')).toEqual(['ρ', 'm', 'lr', 'model', 'Test acc', 'Test loss']);
    await shot('runs-parallel-coordinates');
    await page.click('button:has-text("Table")');
  });

  it('renames, archives and deletes (with its files, after confirmation); pages say what is true', async () => {
    const victim = (await studio.services.createRun(tiny({ seed: 7 }), { name: 'to be deleted' })).id;
    await finished(victim);
    const report = await studio.services.exportReport({ runIds: [victim], format: 'json' });
    // #/run/999: no such run, and it says so (not "may have been deleted").
    await page.goto(`${studio.server.url}#/run/999`);
    await expect.poll(() => page.locator('[role="alert"]').textContent()).toBe(`run 999 does not exist: run ids here go up to ${victim}; list runs to pick another id`);
    // Rename.
    await page.goto(`${studio.server.url}#/run/${ids.rho01}`);
    await page.click('button:has-text("Rename")');
    await page.fill('#rename-input', 'ρ = 0.1 with m = 8');
    await page.click('form.rename button[type=submit]');
    await expect.poll(async () => (await studio.services.getRun(ids.rho01)).name).toBe('ρ = 0.1 with m = 8');
    // Archive from the list: hidden until "Show archived".
    await page.goto(`${studio.server.url}#/runs`);
    await page.check(`tr[data-run-id="${ids.rho01}"] input[type=checkbox]`);
    await page.click('#archive-selected');
    await expect.poll(shownIds).not.toContain(ids.rho01);
    await page.check('#show-archived');
    await expect.poll(shownIds).toContain(ids.rho01);
    await page.uncheck('#show-archived');
    // Delete with confirmation: the dialog says what goes; the run's folder and report go too.
    await page.check(`tr[data-run-id="${victim}"] input[type=checkbox]`);
    await page.click('#delete-selected');
    await expect.poll(() => page.locator('dialog.confirm[open]').textContent()).toContain('cannot be undone');
    await shot('runs-delete-confirm');
    await page.click('#confirm-delete');
    await expect.poll(shownIds).not.toContain(victim);
    expect(readdirSync(join(studio.dir, 'work', 'runs'))).not.toContain(String(victim));
    expect(existsSync(report.path)).toBe(false);
    await page.goto(`${studio.server.url}#/run/${victim}`);
    await expect.poll(() => page.locator('[role="alert"]').textContent()).toMatch(new RegExp(`^run ${victim} \\(“to be deleted”\\) was deleted on `));
  });

  it('shows progress and the phase with the Hessian counted, then analyses the run from its page', async () => {
    const run = await studio.services.createRun(tiny({ epochs: 1, hessian: { topK: 5, batchSize: 320, maxIterations: 200, tolerance: 1e-9, trace: true, density: true } }));
    await page.goto(`${studio.server.url}#/run/${run.id}`);
    const phase = page.locator('[data-testid="run-phase"]');
    // While training: the epoch, not "prepare 1/1".
    await expect.poll(async () => (await phase.count()) ? await phase.textContent() : '', { timeout: 120_000, interval: 100 }).toMatch(/^(training · epoch 1\/1|evaluated epoch 1\/1|Hessian analysis.*)$/);
    // While the final Hessian runs: its own phase, and the bar is short of 100 %.
    await expect.poll(async () => (await phase.count()) ? await phase.textContent() : '', { timeout: 120_000, interval: 100 }).toMatch(/^Hessian analysis · epoch 1 · \d+\/\d+$/);
    const progress = await page.textContent('[data-testid="run-progress"]');
    expect(progress).toMatch(/^\d+% · ETA /);
    expect(Number(/^(\d+)%/.exec(progress!)![1])).toBeLessThan(100);
    await shot('run-progress-hessian');
    expect((await finished(run.id)).status).toBe('done');

    // An SGD run without Hessian: its page offers the analysis, never "turn it on in the config".
    await page.goto(`${studio.server.url}#/run/${ids.sgd0}/spectra`);
    await expect.poll(() => page.locator('.spectra .empty').textContent()).toContain('press Analyse above');
    expect(await page.content()).not.toContain('Turn on');
    await page.fill('.analyse input[type=number] >> nth=0', '4');
    await page.uncheck('.analyse label:has-text("trace") input');
    await page.click('#analyse-run');
    await expect.poll(() => page.locator('.analyse .job').first().getAttribute('data-status'), { timeout: 120_000 }).toBe('done');
    const top = page.locator('figure[data-label="Top Hessian eigenvalues by rank"]');
    await expect.poll(() => top.getAttribute('data-points')).toBe('4');
    // One analysis is drawn by rank with whole-number ticks, not on a 2.85–3.15 epoch axis; no empty trace axes.
    expect((await top.getAttribute('data-x-ticks'))!.split('|').every((t) => /^\d+$/.test(t))).toBe(true);
    expect(await page.locator('figure[data-label="Hessian trace over epochs"]').count()).toBe(0);
    await drawn();
    await shot('run-analysed');
  });

  it('draws charts a practitioner can read: zoom and reset, single points, legends, log ticks', async () => {
    // A one-epoch run whose learning rate has a single logged point.
    const one = await studio.services.createRun(tiny({ epochs: 1, data: { name: 'fashion-mnist', limit: 64, testLimit: 64 }, logEvery: 50 }));
    await finished(one.id);
    await page.goto(`${studio.server.url}#/run/${one.id}`);
    const lr = page.locator('figure[data-label="Learning rate"]');
    await expect.poll(() => lr.getAttribute('data-points')).toBe('1');
    expect(await lr.getAttribute('data-markers')).toBe('1');

    await page.goto(`${studio.server.url}#/run/${ids.sgd0}`);
    const loss = page.locator('figure[data-label="Loss, train versus test"]');
    await expect.poll(async () => Number(await loss.getAttribute('data-points'))).toBeGreaterThan(5);
    // Distinct swatches: the per-epoch curve is dashed with dots, the per-step one solid.
    const swatch = (label: string) => loss.locator(`.legend li:has-text("${label}") svg`).innerHTML();
    expect(await swatch('train (epoch)')).toContain('stroke-dasharray');
    expect(await swatch('train (epoch)')).toContain('circle');
    expect(await swatch('train (steps)')).not.toContain('stroke-dasharray');
    // SGD: no ‖ε̂‖ entry anywhere.
    expect(await page.locator('figure[data-legend*="ε̂"]').count()).toBe(0);
    // Zoom: drag a box over the loss plot, then reset.
    const before = await loss.getAttribute('data-x-range');
    const box = (await loss.locator('canvas').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.3);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.7, { steps: 5 });
    await page.mouse.up();
    await expect.poll(() => loss.getAttribute('data-zoomed')).toBe('true');
    expect(await loss.getAttribute('data-x-range')).not.toBe(before);
    await shot('chart-zoomed');
    await loss.locator('button.reset').click();
    await expect.poll(() => loss.getAttribute('data-x-range')).toBe(before);
    // Log-scale loss labels more than one tick.
    await page.check('#log-y');
    await expect.poll(async () => Number(await loss.getAttribute('data-y-labels'))).toBeGreaterThanOrEqual(3);
    await page.uncheck('#log-y');
    // Epoch axis: whole-number ticks.
    await page.selectOption('#x-axis', 'epoch');
    await expect.poll(async () => (await loss.getAttribute('data-x-ticks'))?.split('|') ?? []).toSatisfy((t: string[]) => t.length > 1 && t.every((x) => /^\d+$/.test(x)));
    await page.selectOption('#x-axis', 'step');
  });

  it('compares two seeds that read apart, with whole chips, wall-time "at" as durations, one Export', async () => {
    // Long names that differ only at their end: a chip must not cut exactly the part that differs.
    await studio.services.updateRun(ids.sam0, { name: 'SAM on Fashion-MNIST, the configuration we keep coming back to — seed zero' });
    await studio.services.updateRun(ids.sam1, { name: 'SAM on Fashion-MNIST, the configuration we keep coming back to — seed one' });
    await page.goto(`${studio.server.url}#/compare?ids=${ids.sam0},${ids.sam1},${ids.sgd0}`);
    await expect.poll(() => page.locator('#metrics-table tbody tr').count()).toBe(3);
    const diff = (id: number) => page.locator(`.legend li[data-run-id="${id}"] .diff`).textContent();
    expect(await diff(ids.sam0)).toBe('SAM ρ=0.05 · seed=0');
    expect(await diff(ids.sam1)).toBe('SAM ρ=0.05 · seed=1');
    // Names are shown whole (wrapped), never cut.
    const cut = await page.locator('.legend .name').evaluateAll((els) => els.filter((e) => e.scrollWidth > e.clientWidth + 1).length);
    expect(cut).toBe(0);
    const rowLabels = await page.locator('#metrics-table tbody td.who .label').allTextContents();
    expect(new Set(rowLabels).size).toBe(3);
    expect(await page.locator('.compare .head').getByText('Export', { exact: true }).count()).toBe(1);
    await page.selectOption('#x-axis', 'time');
    await expect.poll(() => page.locator(`#metrics-table tr[data-run-id="${ids.sam0}"] td`).nth(5).textContent()).toMatch(/\((\d+s|\d+m \d+s)\)/);
    await page.selectOption('#x-axis', 'step');
    // Spectra panels wrap instead of overflowing sideways.
    await page.setViewportSize({ width: 900, height: 900 });
    // Charts resize on their ResizeObserver after the window does: wait for the reflow.
    await expect.poll(() => page.locator('.compare').evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(1);
    await page.setViewportSize({ width: 1360, height: 900 });
    await drawn();
    await shot('compare-seeds');
  });

  it('raised no page errors', () => {
    expect(browser.errors).toEqual([]);
  });
});
