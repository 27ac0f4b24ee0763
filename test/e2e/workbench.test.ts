// The workbench in real Chromium through the real browser door: real services, SQLite file,
// trainer processes and Fashion-MNIST (small data.limit). A new user fills the form, trains an
// SGD and a SAM run, watches the curves grow, compares them, meets a form error and a failed
// run, and looks at Hessian spectra. Screenshots go to test-results/screenshots/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { RunSummary } from '../../src/shared/api';
import { CSV_COLUMNS, parseCsv } from '../../src/main/services/reports/csv';
import { presetConfig } from '../../src/shared/presets';
import { openBrowser, screenshotDir, startStudio, type Browser, type Studio } from './harness';

const FASHION = '/usr/share/datasets/fashion-mnist';
let studio: Studio;
let browser: Browser;
let page: Page;

const fieldId = (field: string) => `#f-${field.replace(/[^a-z0-9]+/gi, '-')}`;
const fill = (field: string, value: string | number) => page.fill(fieldId(field), String(value));
const fieldErrors = (field: string) => page.locator(`[data-field="${field}"] .errors li`).allTextContents();

async function waitForRun(id: number, statuses: string[], timeoutMs = 150_000): Promise<RunSummary> {
  const t0 = Date.now();
  for (;;) {
    const r = await studio.services.getRun(id);
    if (statuses.includes(r.status)) return r;
    if (Date.now() - t0 > timeoutMs) throw new Error(`run ${id} still ${r.status} after ${timeoutMs} ms (${r.failureReason ?? ''})`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

/** Fill the form for a small Fashion-MNIST MLP run (the user's steps). */
async function fillSmallRun(name: string): Promise<void> {
  await page.goto(`${studio.server.url}#/new`);
  await page.waitForSelector('#train');
  await page.selectOption(fieldId('data.name'), 'fashion-mnist');
  await fill('data.limit', 3000);
  await fill('data.testLimit', 1000);
  await fill('model.hidden', '32');
  await fill('epochs', 3);
  await fill('batchSize', 32);
  await fill('logEvery', 2);
  await fill('optimizer.lr', 0.05);
  await fill('name', name);
}

/** Click Train; the page opens the new run. Returns its id from the URL. */
async function train(): Promise<number> {
  await expect.poll(() => page.isEnabled('#train')).toBe(true);
  await page.click('#train');
  await page.waitForURL(/#\/run\/\d+/);
  return Number(/#\/run\/(\d+)/.exec(page.url())![1]);
}

/** Point counts of the loss chart seen while the run trains: they must grow. */
async function watchGrowth(id: number): Promise<number[]> {
  const seen: number[] = [];
  const chart = page.locator('figure[data-label="Loss, train versus test"]');
  for (let i = 0; i < 600; i++) {
    const n = Number((await chart.getAttribute('data-points')) ?? 0);
    if (n > 0 && n !== seen[seen.length - 1]) seen.push(n);
    const r = await studio.services.getRun(id);
    if (['done', 'failed'].includes(r.status)) break;
    await page.waitForTimeout(150);
  }
  return seen;
}

beforeAll(async () => {
  studio = await startStudio({ concurrency: 2 });
  browser = await openBrowser();
  page = browser.page;
});

afterAll(async () => {
  await browser?.close();
  await studio?.close();
});

describe.skipIf(!existsSync(FASHION))('the workbench in Chromium', () => {
  let sgdId = 0;
  let samId = 0;

  it('opens on an empty run list', async () => {
    await page.goto(studio.server.url);
    await expect.poll(() => page.locator('text=No runs yet').count()).toBe(1);
  });

  it('marks a bad value at its field and keeps Train disabled', async () => {
    await fillSmallRun('bad values');
    expect(await page.isEnabled('#train')).toBe(true);
    await page.check('#sam-on');
    await fill('sam.rho', -1);
    await expect.poll(() => fieldErrors('sam.rho')).toEqual([expect.stringContaining('sam.rho must be ≥ 0')]);
    expect(await page.getAttribute(fieldId('sam.rho'), 'aria-invalid')).toBe('true');
    expect(await page.isDisabled('#train')).toBe(true);

    // m must divide the batch: pick 16 (offered for batch 32), then change the batch to 40.
    await fill('sam.rho', 0.05);
    const offered = await page.locator(`${fieldId('sam.m')} option`).evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(offered).toEqual(['', '1', '2', '4', '8', '16', '32']);
    await page.selectOption(fieldId('sam.m'), '16');
    expect(await page.isEnabled('#train')).toBe(true);
    await fill('batchSize', 40);
    await expect.poll(() => fieldErrors('sam.m')).toEqual([expect.stringContaining('sam.m = 16 does not divide batchSize = 40; choose one of 1, 2, 4, 5, 8, 10, 20, 40')]);
    expect(await page.isDisabled('#train')).toBe(true);
    await page.screenshot({ path: join(screenshotDir(), 'new-run-errors.png'), fullPage: true });
    await fill('batchSize', 32);
    await expect.poll(() => page.isEnabled('#train')).toBe(true);
    await page.selectOption(fieldId('sam.m'), '');

    // Keyboard: Tab moves from ρ to m, and the focused control shows a visible outline.
    await page.focus(fieldId('sam.rho'));
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('f-sam-m');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).not.toBe('none');
    await page.uncheck('#sam-on');
  });

  it('trains an SGD run and a SAM run from the form and shows their curves growing live', async () => {
    await fillSmallRun('e2e SGD');
    sgdId = await train();
    const sgdGrowth = await watchGrowth(sgdId);

    await fillSmallRun('e2e SAM');
    await page.check('#sam-on');
    await fill('sam.rho', 0.05);
    samId = await train();
    const samGrowth = await watchGrowth(samId);

    for (const growth of [sgdGrowth, samGrowth]) {
      expect(growth.length).toBeGreaterThanOrEqual(3);
      expect(growth).toEqual([...growth].sort((a, b) => a - b));
    }
    const sam = await waitForRun(samId, ['done']);
    const sgd = await waitForRun(sgdId, ['done']);
    expect(sam.config.sam?.rho).toBe(0.05);
    expect(sgd.config.sam).toBeNull();

    // The finished run page shows the test curve and the final metrics the store holds.
    await page.goto(`${studio.server.url}#/run/${samId}`);
    await expect.poll(() => page.locator('.run-page .meta').textContent()).toContain(`${(sam.finalMetrics!.testAccuracy! * 100).toFixed(2)}%`);
    await expect.poll(async () => Number(await page.getAttribute('figure[data-label="Accuracy, train versus test"]', 'data-series'))).toBeGreaterThanOrEqual(3);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(screenshotDir(), 'run.png'), fullPage: true });

    // Notes are editable and stored with the run.
    await page.fill('#run-notes', 'SAM: flatter minimum, smaller gap?');
    await page.click('#save-notes');
    await expect.poll(async () => (await studio.services.getRun(samId)).notes).toBe('SAM: flatter minimum, smaller gap?');
  });

  it('compares both runs: overlaid curves, the metrics table and config differences', async () => {
    await page.goto(`${studio.server.url}#/runs`);
    for (const id of [sgdId, samId]) await page.check(`tr[data-run-id="${id}"] input[type=checkbox]`);
    await page.click('#compare-selected');
    await page.waitForURL(/#\/compare\?ids=/);
    const overlay = page.locator('figure[data-label="trainLoss of each run"]');
    await expect.poll(async () => Number(await overlay.getAttribute('data-series'))).toBe(2);
    await expect.poll(() => page.locator('#metrics-table tbody tr').count()).toBe(2);

    const sgd = await studio.services.getRun(sgdId);
    const sam = await studio.services.getRun(samId);
    const accCell = (id: number) => page.locator(`#metrics-table tr[data-run-id="${id}"] td`).nth(1).textContent();
    expect(await accCell(sgdId)).toContain(`${(sgd.finalMetrics!.testAccuracy! * 100).toFixed(2)}%`);
    expect(await accCell(samId)).toContain(`${(sam.finalMetrics!.testAccuracy! * 100).toFixed(2)}%`);
    // The better final accuracy carries the best mark.
    const bestId = sgd.finalMetrics!.testAccuracy! >= sam.finalMetrics!.testAccuracy! ? sgdId : samId;
    expect(await page.locator(`#metrics-table tr[data-run-id="${bestId}"] td`).nth(1).getAttribute('class')).toContain('best');

    // "Differences only" keeps the rows that differ (SAM on/off, the seed is equal).
    const keys = await page.locator('#config-table tbody th').allTextContents();
    expect(keys).toContain('sam');
    expect(keys).not.toContain('seed');
    await page.uncheck('#diff-only');
    expect(await page.locator('#config-table tbody th').allTextContents()).toContain('seed');
    await page.check('#diff-only');
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(screenshotDir(), 'compare.png'), fullPage: true });

    // One click exports every selected run's series as CSV, downloaded by the browser.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('button[data-format="csv"]')]);
    const rows = parseCsv(readFileSync((await download.path())!, 'utf8'));
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    for (const id of [sgdId, samId]) {
      const stored = studio.services.store.getRawSeries(id, 'epoch', 'testAccuracy');
      const got = rows.filter((r) => r[0] === String(id) && r[2] === 'epoch' && r[6] === 'testAccuracy').map((r) => Number(r[7]));
      expect(got).toEqual(stored.map((p) => p.value));
      expect(got.length).toBe(3);
    }
  });

  it('shows the reason of a failed run in the run list', async () => {
    const csv = join(studio.dir, 'broken.csv');
    writeFileSync(csv, 'a,b,label\n1,x,0\n2,3\n');
    await page.goto(`${studio.server.url}#/new`);
    await page.selectOption(fieldId('data.name'), 'csv');
    await fill('data.path', csv);
    await fill('name', 'broken csv');
    const id = await train();
    const failed = await waitForRun(id, ['failed']);
    expect(failed.failureReason).toBeTruthy();
    await page.goto(`${studio.server.url}#/runs`);
    const row = page.locator(`tr[data-run-id="${id}"]`);
    await expect.poll(() => row.getAttribute('data-status')).toBe('failed');
    expect(await row.locator('.reason').textContent()).toBe(failed.failureReason);
    await page.screenshot({ path: join(screenshotDir(), 'runs.png'), fullPage: true });

    // Search and the status filter narrow the list.
    const shown = () => page.locator('#runs-table tbody tr').evaluateAll((rs) => rs.map((r) => Number((r as HTMLElement).dataset.runId)));
    await page.selectOption('#run-status', 'failed');
    await expect.poll(shown).toEqual([id]);
    await page.selectOption('#run-status', 'done');
    await expect.poll(shown).toEqual([samId, sgdId]);
    await page.selectOption('#run-status', '');
    await page.fill('#run-search', 'broken');
    await expect.poll(shown).toEqual([id]);
    await page.fill('#run-search', '');
  });

  it('shows Hessian spectra and landscape slices, and compares spectra across runs', async () => {
    const analysed = (name: string, sam: { rho: number } | null) =>
      studio.services.createRun({
        name,
        epochs: 2,
        batchSize: 32,
        seed: 0,
        data: { name: 'fashion-mnist', limit: 1500, testLimit: 500 },
        model: { kind: 'mlp', hidden: [16] },
        optimizer: { kind: 'sgd', lr: 0.05 },
        sam,
        hessian: { everyEpochs: 1, topK: 5, batchSize: 256, maxIterations: 30, density: true, landscape: true },
      });
    const samRun = await analysed('e2e spectra SAM', { rho: 0.05 });
    const sgdRun = await analysed('e2e spectra SGD', null);
    await waitForRun(samRun.id, ['done']);
    await waitForRun(sgdRun.id, ['done']);
    const spectra = await studio.services.getSpectra(samRun.id);
    expect(spectra.length).toBeGreaterThanOrEqual(2);
    await page.goto(`${studio.server.url}#/run/${samRun.id}/spectra`);
    const top = page.locator('figure[data-label="Top Hessian eigenvalues over epochs"]');
    await expect.poll(async () => Number(await top.getAttribute('data-series'))).toBe(spectra[0].topEigenvalues.length);
    await expect.poll(async () => Number(await page.getAttribute('figure[data-label="Eigenvalue density, log scale"]', 'data-points'))).toBeGreaterThan(10);
    await expect.poll(() => page.locator('canvas[aria-label="Two-dimensional loss landscape heat map"]').count()).toBe(1);
    const lambdaMax = spectra[spectra.length - 1].topEigenvalues[0];
    expect(await page.locator('.facts').textContent()).toContain(`λ_max ${Number(lambdaMax.toPrecision(4))}`);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(screenshotDir(), 'spectra.png'), fullPage: true });

    // Side by side on the Compare page, with one λ_max-vs-accuracy point per run; dark theme.
    await page.goto(`${studio.server.url}#/compare?ids=${sgdRun.id},${samRun.id}`);
    await expect.poll(() => page.locator('.spec-col').count()).toBe(2);
    const scatter = page.locator('figure[data-label^="Sharpness lambda max"]');
    await expect.poll(async () => Number(await scatter.getAttribute('data-points'))).toBe(2);
    await page.click('button.theme');
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(screenshotDir(), 'compare-spectra-dark.png'), fullPage: true });
    await page.click('button.theme');
  });

  it('previews and launches a sweep with its SGD baseline; a stopped run resumes from the list', async () => {
    await fillSmallRun('sweep base');
    await fill('data.limit', 1000);
    await fill('data.testLimit', 300);
    await fill('epochs', 4);
    await page.click('text=Sweep from this config…');
    await page.waitForURL(/#\/sweep/);
    await fill('name', 'e2e sweep');
    await fill('rho', '0.02, 0.1');
    await fill('m', 'whole, 16');
    await fill('seeds', '0');
    await page.click('#sweep-preview');
    const names = await page.locator('#sweep-plan tbody tr td:nth-child(2)').allTextContents();
    expect(names).toEqual([
      'e2e sweep · SGD baseline',
      'e2e sweep · SAM ρ=0.02',
      'e2e sweep · SAM ρ=0.02 m=16',
      'e2e sweep · SAM ρ=0.1',
      'e2e sweep · SAM ρ=0.1 m=16',
    ]);
    // An m that does not divide the batch (32) is refused with the divisors.
    await fill('m', '12');
    await page.click('#sweep-preview');
    await expect.poll(() => page.locator('.actions .error-text').textContent()).toContain('does not divide batchSize = 32');
    await fill('m', 'whole, 16');
    await page.click('#sweep-preview');
    await page.click('#sweep-launch');
    await page.waitForURL(/#\/runs/);
    const rows = page.locator('#runs-table tbody tr', { hasText: 'e2e sweep' });
    await expect.poll(() => rows.count()).toBe(5);

    // Stop a run while it trains (past loading its data); it becomes interrupted with a Resume button.
    let id = 0;
    for (let i = 0; i < 1200 && !id; i++) {
      const r = (await studio.services.listRuns({ search: 'e2e sweep' })).find((x) => x.status === 'running' && x.progress > 0 && x.progress < 0.7);
      if (r) id = r.id;
      else await page.waitForTimeout(100);
    }
    const states = (await studio.services.listRuns({})).map((r) => `#${r.id} ${r.name}: ${r.status} ${r.progress} ${r.failureReason ?? ''}`);
    expect(id, `no sweep run was seen training:\n${states.join('\n')}`).toBeGreaterThan(0);
    const running = page.locator(`tr[data-run-id="${id}"]`);
    await running.locator('button', { hasText: 'Stop' }).click();
    const row = page.locator(`tr[data-run-id="${id}"]`);
    const stopped = await waitForRun(id, ['interrupted', 'failed', 'done']);
    expect(stopped.status, stopped.failureReason ?? '').toBe('interrupted');
    await expect.poll(() => row.getAttribute('data-status')).toBe('interrupted');
    expect(await row.locator('.reason').textContent()).toContain('stopped by the user');
    await row.locator('button', { hasText: 'Resume' }).click();
    const resumed = await waitForRun(id, ['done'], 240_000);
    expect(resumed.status).toBe('done');
    await expect.poll(() => row.getAttribute('data-status')).toBe('done');
  });

  it('groups runs that differ only by seed into a mean line with a ± std band', async () => {
    // Three seeds of one config and one other config, stored directly (no training needed).
    const base = presetConfig('fashion-mnist-sam');
    const ids: number[] = [];
    for (const [seed, rho] of [[0, 0.05], [1, 0.05], [2, 0.05], [0, 0.2]] as const) {
      const config = { ...base, seed, sam: { ...base.sam!, rho }, name: `group seed=${seed} rho=${rho}` };
      const run = studio.services.store.createRun({ name: config.name, config, status: 'done' });
      ids.push(run.id);
      const points = Array.from({ length: 50 }, (_, i) => ({
        runId: run.id, scope: 'step' as const, name: 'trainLoss', step: (i + 1) * 10, epoch: (i + 1) / 50, timeMs: i * 100,
        value: 2 * Math.exp(-i / 15) + 0.1 * seed + (rho === 0.2 ? 0.5 : 0),
      }));
      studio.services.store.addPoints(points);
    }
    await page.goto(`${studio.server.url}#/compare?ids=${ids.join(',')}`);
    const overlay = page.locator('figure[data-label="trainLoss of each run"]');
    await expect.poll(async () => Number(await overlay.getAttribute('data-series'))).toBe(4);
    expect(await overlay.getAttribute('data-bands')).toBe('0');
    await page.check('#group-seeds');
    await expect.poll(() => overlay.getAttribute('data-bands')).toBe('1');
    // One group of three seeds → band upper, band lower, mean; the other config stays one line.
    await expect.poll(async () => Number(await overlay.getAttribute('data-series'))).toBe(4);
    await expect.poll(async () => Number(await overlay.getAttribute('data-points'))).toBe(4 * 50);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(screenshotDir(), 'compare-groups.png') });
    await page.uncheck('#group-seeds');
  });

  it('raised no page errors', () => {
    expect(browser.errors).toEqual([]);
  });
});
