// The workbench in real Chromium through the real browser door: real services, SQLite file,
// trainer processes and Fashion-MNIST (small data.limit). A new user fills the form, trains an
// SGD and a SAM run, watches the curves grow, compares them, meets a form error and a failed
// run, and looks at Hessian spectra. Screenshots go to test-results/screenshots/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { CSV_COLUMNS, parseCsv } from '../../src/main/services/reports/csv';
import { presetConfig } from '../../src/shared/presets';
import { formFields, waitForRunIn } from './form-helpers';
import { drawn as drawnIn, fieldId, openBrowser, screenshotDir, startStudio, type Browser, type Studio } from './harness';

const FASHION = '/usr/share/datasets/fashion-mnist';
let studio: Studio;
let browser: Browser;
let page: Page;

const { fill, fieldErrors } = formFields(() => page);
const waitForRun = (id: number, statuses: string[], timeoutMs?: number) => waitForRunIn(studio, id, statuses, timeoutMs);

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
  // The form leads with SAM; these runs start from plain SGD unless a test picks SAM.
  await page.check('#method-base');
}

/** Click Train; the page opens the new run. Returns its id from the URL. */
async function train(): Promise<number> {
  await expect.poll(() => page.isEnabled('#train')).toBe(true);
  await page.click('#train');
  await page.waitForURL(/#\/run\/\d+/);
  return Number(/#\/run\/(\d+)/.exec(page.url())![1]);
}

/**
 * The loss chart grows while the run trains. Speed-independent: it needs one count read while the
 * run still had steps left to log (its progress is read after the count, so it bounds what the
 * count showed), then a larger count. No assertion on how many times growth was seen.
 */
async function expectLiveGrowth(id: number): Promise<void> {
  const chart = page.locator('figure[data-label="Loss, train versus test"]');
  const points = async () => Number((await chart.getAttribute('data-points')) ?? 0);
  let partial = 0;
  await expect
    .poll(
      async () => {
        const n = await points();
        const r = await studio.services.getRun(id);
        if (n > 0 && r.status === 'running' && r.progress < 0.9) partial = n;
        return partial > 0 ? 'seen' : r.status === 'done' || r.status === 'failed' ? `run ended (${r.status}) before a partial curve was drawn` : 'waiting';
      },
      { timeout: 150_000, interval: 100 },
    )
    .toBe('seen');
  await expect.poll(points, { timeout: 150_000 }).toBeGreaterThan(partial);
}

const drawn = () => drawnIn(page);

describe.skipIf(!existsSync(FASHION))('the workbench in Chromium', () => {
  // Inside the describe: a skipped suite starts neither the server nor Chromium.
  beforeAll(async () => {
    studio = await startStudio({ concurrency: 2 });
    browser = await openBrowser();
    page = browser.page;
  });

  afterAll(async () => {
    await browser?.close();
    await studio?.close();
  });

  let sgdId = 0;
  let samId = 0;

  it('opens on an empty run list', async () => {
    await page.goto(studio.server.url);
    await expect.poll(() => page.locator('text=No runs yet').count()).toBe(1);
  });

  it('marks a bad value at its field and keeps Train disabled', async () => {
    await fillSmallRun('bad values');
    await expect.poll(() => page.isEnabled('#train')).toBe(true);
    await page.check('#method-sam');
    await fill('sam.rho', -1);
    await expect.poll(() => fieldErrors('sam.rho')).toEqual([expect.stringContaining('sam.rho must be ≥ 0')]);
    await expect.poll(() => page.getAttribute(fieldId('sam.rho'), 'aria-invalid')).toBe('true');
    await expect.poll(() => page.isDisabled('#train')).toBe(true);

    // m must divide the batch: pick 16 (offered for batch 32), then change the batch to 40.
    await fill('sam.rho', 0.05);
    const offered = () => page.locator(`${fieldId('sam.m')} option`).evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    await expect.poll(offered).toEqual(['', '1', '2', '4', '8', '16', '32']);
    await page.selectOption(fieldId('sam.m'), '16');
    await expect.poll(() => page.isEnabled('#train')).toBe(true);
    await fill('batchSize', 40);
    await expect.poll(() => fieldErrors('sam.m')).toEqual([expect.stringContaining('sam.m = 16 does not divide batchSize = 40; choose one of 1, 2, 4, 5, 8, 10, 20, 40')]);
    await expect.poll(() => page.isDisabled('#train')).toBe(true);
    await page.screenshot({ path: join(screenshotDir(), 'new-run-errors.png'), fullPage: true });
    await fill('batchSize', 32);
    await expect.poll(() => page.isEnabled('#train')).toBe(true);
    await page.selectOption(fieldId('sam.m'), '');

    // Keyboard: Tab moves from ρ to m, and the focused control shows a visible outline.
    await page.focus(fieldId('sam.rho'));
    await page.keyboard.press('Tab');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('f-sam-m');
    await expect.poll(() => page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).not.toBe('none');
    await page.check('#method-base');
  });

  it('trains an SGD run and a SAM run from the form and shows their curves growing live', async () => {
    await fillSmallRun('e2e SGD');
    sgdId = await train();
    await expectLiveGrowth(sgdId);

    await fillSmallRun('e2e SAM');
    await page.check('#method-sam');
    await fill('sam.rho', 0.05);
    samId = await train();
    await expectLiveGrowth(samId);
    const sam = await waitForRun(samId, ['done']);
    const sgd = await waitForRun(sgdId, ['done']);
    expect(sam.config.sam?.rho).toBe(0.05);
    expect(sgd.config.sam).toBeNull();

    // The finished run page shows the test curve and the final metrics the store holds.
    await page.goto(`${studio.server.url}#/run/${samId}`);
    await expect.poll(() => page.locator('.run-page .meta').textContent()).toContain(`${(sam.finalMetrics!.testAccuracy! * 100).toFixed(2)}%`);
    await expect.poll(async () => Number(await page.getAttribute('figure[data-label="Accuracy, train versus test"]', 'data-series'))).toBeGreaterThanOrEqual(3);
    await drawn();
    // How the backend was chosen: every rung with its check against cpu and its timing.
    await page.click('[data-testid="backend-checks"] summary');
    await expect.poll(() => page.locator(`[data-testid="backend-checks"] tr[data-backend="${sam.backend}"]`).textContent()).toContain('used');
    await expect.poll(() => page.locator('[data-testid="backend-checks"] tbody tr').count()).toBe(5);
    // And what it computed on: the threads of the run's report (wasm and cpu report them).
    const threads = (await studio.services.getRun(samId)).backendReport?.details.threads;
    if (typeof threads === 'number') await expect.poll(() => page.locator('[data-testid="backend-threads"]').textContent()).toMatch(new RegExp(`^ on ${threads} threads?$`));
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
    await expect.poll(() => accCell(sgdId)).toContain(`${(sgd.finalMetrics!.testAccuracy! * 100).toFixed(2)}%`);
    await expect.poll(() => accCell(samId)).toContain(`${(sam.finalMetrics!.testAccuracy! * 100).toFixed(2)}%`);
    // The better final accuracy carries the best mark.
    const bestId = sgd.finalMetrics!.testAccuracy! >= sam.finalMetrics!.testAccuracy! ? sgdId : samId;
    await expect.poll(() => page.locator(`#metrics-table tr[data-run-id="${bestId}"] td`).nth(1).getAttribute('class')).toContain('best');

    // "Differences only" keeps the rows that differ (SAM on/off, the seed is equal).
    const keys = () => page.locator('#config-table tbody th').allTextContents();
    await expect.poll(keys).toContain('sam.rho');
    expect(await keys()).not.toContain('seed');
    await page.uncheck('#diff-only');
    await expect.poll(keys).toContain('seed');
    await page.check('#diff-only');
    await expect.poll(keys).not.toContain('seed');
    await drawn();
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
    await expect.poll(() => row.locator('.reason').textContent()).toBe(failed.failureReason);
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
    await expect.poll(() => page.locator('.facts').textContent()).toContain(`λ_max ${Number(lambdaMax.toPrecision(4))}`);
    await drawn();
    await page.screenshot({ path: join(screenshotDir(), 'spectra.png'), fullPage: true });

    // Side by side on the Compare page, with one λ_max-vs-accuracy point per run; dark theme.
    await page.goto(`${studio.server.url}#/compare?ids=${sgdRun.id},${samRun.id}`);
    await expect.poll(() => page.locator('.spec-col').count()).toBe(2);
    const scatter = page.locator('figure[data-label^="Sharpness lambda max"]');
    await expect.poll(async () => Number(await scatter.getAttribute('data-points'))).toBe(2);
    await page.click('button.theme');
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await drawn();
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
    const planNames = () => page.locator('#sweep-plan tbody tr td:nth-child(2)').allTextContents();
    await expect.poll(planNames).toEqual([
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
    await expect.poll(planNames).toHaveLength(5);
    await expect.poll(() => page.isEnabled('#sweep-launch')).toBe(true);
    await page.click('#sweep-launch');
    await page.waitForURL(/#\/runs/);
    const rows = page.locator('#runs-table tbody tr', { hasText: 'e2e sweep' });
    await expect.poll(() => rows.count()).toBe(5);

    // Stop a run while it trains (past loading its data); it becomes interrupted with a Resume button.
    const training = async () =>
      (await studio.services.listRuns({ search: 'e2e sweep' })).find((x) => x.status === 'running' && x.progress > 0 && x.progress < 0.7)?.id ?? 0;
    let id = 0;
    await expect.poll(async () => (id = await training()), { timeout: 150_000, interval: 100 }).toBeGreaterThan(0);
    // Freeze the trainer so the click lands mid-run on any machine, fast or slow; the stop request
    // waits in its pipe until the trainer continues.
    const pid = studio.services.trainerPid(id);
    expect(pid, `run ${id} has no live trainer`).toBeGreaterThan(0);
    process.kill(pid!, 'SIGSTOP');
    const row = page.locator(`tr[data-run-id="${id}"]`);
    try {
      await row.locator('button', { hasText: 'Stop' }).click();
      await expect.poll(() => row.locator('.stopping').count()).toBe(1);
    } finally {
      process.kill(pid!, 'SIGCONT');
    }
    const stopped = await waitForRun(id, ['interrupted', 'failed', 'done']);
    expect(stopped.status, stopped.failureReason ?? '').toBe('interrupted');
    await expect.poll(() => row.getAttribute('data-status')).toBe('interrupted');
    await expect.poll(() => row.locator('.reason').textContent()).toContain('stopped by the user');
    // The run page reads a user's Stop as an interruption, in the warning colour, not "Failed" in red.
    await page.goto(`${studio.server.url}#/run/${id}`);
    const ending = page.locator('.run-page .failure');
    await expect.poll(() => ending.textContent()).toMatch(/^Interrupted: stopped by the user at step \d+/);
    expect(await ending.getAttribute('class')).not.toContain('error-text');
    await page.screenshot({ path: join(screenshotDir(), 'run-interrupted.png') });
    await page.goto(`${studio.server.url}#/runs`);
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
    await expect.poll(() => overlay.getAttribute('data-bands')).toBe('0');
    await page.check('#group-seeds');
    await expect.poll(() => overlay.getAttribute('data-bands')).toBe('1');
    // One group of three seeds → band upper, band lower, mean; the other config stays one line.
    await expect.poll(async () => Number(await overlay.getAttribute('data-series'))).toBe(4);
    await expect.poll(async () => Number(await overlay.getAttribute('data-points'))).toBe(4 * 50);
    await drawn();
    await page.screenshot({ path: join(screenshotDir(), 'compare-groups.png') });
    await page.uncheck('#group-seeds');
  });

  it('raised no page errors', () => {
    expect(browser.errors).toEqual([]);
  });
});
