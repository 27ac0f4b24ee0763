// The PyTorch bridge in Chromium through the browser door: a run launched as 2 PyTorch DDP
// processes (`sam-studio launch` on the same database) is in the run list with its backend and
// on the Compare page next to the local run; the Run page's "Export to PyTorch" writes the project
// and says where and how to run it. Real services, SQLite, processes, PyTorch and Fashion-MNIST.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { runCli } from '../unit/helpers/cli';
import { PYTHON_ENV } from '../unit/helpers/pytorch-export';
import { drawn, openBrowser, shot, startStudio, type Browser, type Studio } from './harness';

const FASHION = '/usr/share/datasets/fashion-mnist';
let studio: Studio;
let browser: Browser;
let page: Page;
let localId: number;
let ddpId: number;

describe.skipIf(!existsSync(FASHION))('a launched PyTorch DDP run in Chromium', () => {
  beforeAll(async () => {
    studio = await startStudio({ concurrency: 1 });
    browser = await openBrowser({ width: 1360, height: 900 });
    page = browser.page;
    const local = await studio.services.createRun(
      { epochs: 1, batchSize: 32, backend: 'wasm', data: { name: 'fashion-mnist', limit: 512, testLimit: 200 }, model: { kind: 'mlp', hidden: [16] }, optimizer: { kind: 'sgd', lr: 0.05 }, sam: { rho: 0.05 }, logEvery: 2 },
      { name: 'local MLP' },
    );
    localId = local.id;
    expect((await studio.services.waitForRun(localId)).status).toBe('done');
    const r = await runCli(['launch', '--run', String(localId), '--nproc', '2', '--threads', '1', '--db', studio.dbPath, '--json'], PYTHON_ENV);
    expect(r.code, r.stderr).toBe(0);
    ddpId = (JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { runId: number }).runId;
  });
  afterAll(async () => {
    await browser?.close();
    await studio?.close();
  });

  it('lists the launched run with its backend, and compares it with the local run', async () => {
    await page.goto(`${studio.server.url}#/runs`);
    const row = page.locator(`#runs-table tr[data-run-id="${ddpId}"]`);
    await expect.poll(() => row.textContent()).toContain('pytorch-ddp×2');
    await expect.poll(() => row.textContent()).toContain('local MLP · PyTorch DDP×2');
    await page.check(`tr[data-run-id="${localId}"] input[type=checkbox]`);
    await page.check(`tr[data-run-id="${ddpId}"] input[type=checkbox]`);
    await page.click('#compare-selected');
    await page.waitForURL(/#\/compare\?ids=/);
    const overlay = page.locator('figure[data-label="trainLoss of each run"]');
    await expect.poll(async () => Number(await overlay.getAttribute('data-series'))).toBe(2);
    await expect.poll(() => page.locator('#metrics-table tbody tr').count()).toBe(2);
    const ddp = await studio.services.getRun(ddpId);
    const acc = page.locator(`#metrics-table tr[data-run-id="${ddpId}"] td`).nth(1);
    await expect.poll(() => acc.textContent()).toContain(`${(ddp.finalMetrics!.testAccuracy! * 100).toFixed(2)}%`);
    await drawn(page);
    await shot(page, 'compare-pytorch-ddp');
    expect(browser.errors).toEqual([]);
  });

  it('exports a run to PyTorch from its Run page', async () => {
    await page.goto(`${studio.server.url}#/run/${localId}`);
    const box = page.getByTestId('pytorch-export');
    await box.getByRole('button', { name: 'Export to PyTorch' }).click();
    const dir = box.getByTestId('pytorch-export-dir');
    // The services load the data set and build the initial weights: seconds, not milliseconds.
    await expect.poll(() => dir.count(), { timeout: 120_000 }).toBe(1);
    const written = (await dir.textContent())!;
    expect(written).toBe(join(studio.dir, 'work', 'exports', `run-${localId}-pytorch`));
    for (const f of ['train.py', 'README.md', 'run.json', 'initial.ckpt']) expect(existsSync(join(written, f))).toBe(true);
    await expect.poll(() => box.locator('pre').first().textContent()).toContain('python3 train.py > events.jsonl');
    await shot(page, 'run-export-pytorch');
    expect(browser.errors).toEqual([]);
  });
});
