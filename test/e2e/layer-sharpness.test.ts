// Per-layer sharpness in real Chromium through the browser door (issue 13, item 3): an SGD run
// analysed per layer during training (hessian.perLayer, after each of its two epochs) and a SAM
// run without any analysis train on a small Fashion-MNIST limit; on the Compare page "Analyse per
// layer" queues an analysis of the SAM run (a real analysis process); the chart then shows each
// layer's block λ_max of both runs side by side with the stored values, the SAM ÷ SGD ratio and
// the ε̂ shares. The SAM run's page shows the same beside its baseline, the SGD run's page its
// layers over epochs, and the PDF exported from Compare has the per-layer section. Every step
// waits for what it reads.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunConfigInput } from '../../src/shared/config';
import { latestLayered } from '../../src/shared/layer-sharpness';
import { studioInChromium, waitForRunIn } from './form-helpers';
import { drawn, screenshotDir, shot } from './harness';

const FASHION = '/usr/share/datasets/fashion-mnist';

const tiny: RunConfigInput = {
  seed: 2,
  epochs: 1,
  batchSize: 50,
  data: { name: 'fashion-mnist', limit: 500, testLimit: 100 },
  model: { kind: 'mlp', hidden: [16, 8] },
  optimizer: { kind: 'sgd', lr: 0.05 },
  logEvery: 5,
};

describe.skipIf(!existsSync(FASHION))('per-layer sharpness in Chromium', () => {
  const ctx = studioInChromium({ concurrency: 1 });
  let sgd = 0;
  let sam = 0;
  const bars = (col: string, layer = '') => ctx.page.locator(`.layer-chart rect[data-lambda][data-column="${col}"]${layer ? `[data-layer="${layer}"]` : ''}`);

  it('analyses an SGD and a SAM run per layer from the Compare page and shows them side by side', async () => {
    const { services } = ctx.studio;
    const perLayer = { everyEpochs: 1, topK: 1, batchSize: 100, maxIterations: 20, trace: false, perLayer: true };
    sgd = (await services.createRun({ ...tiny, epochs: 2, hessian: perLayer, name: 'e2e layers SGD' })).id;
    sam = (await services.createRun({ ...tiny, name: 'e2e layers SAM', sam: { rho: 0.1 } })).id;
    for (const id of [sgd, sam]) expect((await waitForRunIn(ctx.studio, id, ['done', 'failed'])).status).toBe('done');

    const page = ctx.page;
    await page.goto(`${ctx.studio.server.url}#/compare?ids=${sgd},${sam}`);
    const section = page.locator('section[aria-labelledby="layers-h"]');
    // The SGD run's layers are there from training; the SAM run is the one left to analyse.
    const chart = section.locator('.layer-chart');
    await expect.poll(() => chart.getAttribute('data-columns')).toBe('1');
    await expect.poll(() => page.textContent('#analyse-layers')).toContain('Analyse per layer (1 run)');
    await page.click('#analyse-layers');

    // The analysis finishes in its own process and its spectrum reaches the page.
    await expect.poll(() => chart.getAttribute('data-columns'), { timeout: 150_000 }).toBe('2');
    await expect.poll(() => chart.getAttribute('data-rows')).toBe('3');
    await expect.poll(() => chart.getAttribute('data-ratios')).toBe('1');
    await expect.poll(() => page.locator('#analyse-layers').count()).toBe(0);

    // Each bar carries what the store holds for that run and layer.
    for (const id of [sgd, sam]) {
      const stored = latestLayered(await ctx.studio.services.getSpectra(id))!.perLayer!.layers;
      expect(stored.map((l) => l.name)).toEqual(['dense0', 'dense1', 'logits']);
      await expect.poll(() => bars(`r${id}`).count()).toBe(3);
      for (const l of stored) {
        expect(Number(await bars(`r${id}`, l.name).getAttribute('data-lambda'))).toBe(l.lambdaMax);
      }
    }
    const ratios = section.locator('rect[data-ratio]');
    await expect.poll(() => ratios.count()).toBe(3);
    await expect.poll(() => section.locator('rect[data-share]').count()).toBe(6);
    // Row labels name the layer, its tensors and its parameter count.
    await expect.poll(() => section.textContent()).toContain('kernel+bias · 12,560');
    await expect.poll(() => section.locator('.sources').textContent()).toContain('no SAM in this run');
    await drawn(page);
    await section.screenshot({ path: join(screenshotDir(), 'layers-compare.png') });
    await shot(page, 'layers-compare-page');
  });

  it('shows the SAM run beside its SGD baseline on the Run page', async () => {
    const page = ctx.page;
    await page.goto(`${ctx.studio.server.url}#/run/${sam}/spectra`);
    const panel = page.locator('section[aria-labelledby="run-layers-h"]');
    // The baseline is picked by itself: the closest run without SAM.
    await expect.poll(() => page.inputValue('#layers-compare-with')).toBe(String(sgd));
    await expect.poll(() => panel.locator('.layer-chart').getAttribute('data-columns')).toBe('2');
    await expect.poll(() => panel.locator('rect[data-ratio]').count()).toBe(3);
    // Choosing no other run leaves this run alone, without ratios.
    await page.selectOption('#layers-compare-with', '0');
    await expect.poll(() => panel.locator('.layer-chart').getAttribute('data-columns')).toBe('1');
    await expect.poll(() => panel.locator('rect[data-ratio]').count()).toBe(0);
    await page.selectOption('#layers-compare-with', String(sgd));
    await expect.poll(() => panel.locator('.layer-chart').getAttribute('data-ratios')).toBe('1');
    await drawn(page);
    await panel.screenshot({ path: join(screenshotDir(), 'layers-run.png') });

    // The SGD run was analysed per layer after each epoch: its page draws each layer over epochs.
    await page.goto(`${ctx.studio.server.url}#/run/${sgd}/spectra`);
    const epochs = page.locator('section[aria-labelledby="run-layers-h"] figure[data-label="Each layer\'s Hessian block lambda max over epochs"]');
    await expect.poll(() => epochs.getAttribute('data-legend')).toBe('dense0|dense1|logits');
    await expect.poll(() => epochs.getAttribute('data-points')).toBe('6');
    await drawn(page);
    await page.locator('section[aria-labelledby="run-layers-h"]').screenshot({ path: join(screenshotDir(), 'layers-run-epochs.png') });
  });

  it('exports a PDF from Compare with the per-layer section', async () => {
    const page = ctx.page;
    await page.goto(`${ctx.studio.server.url}#/compare?ids=${sgd},${sam}`);
    await expect.poll(() => page.locator('section[aria-labelledby="layers-h"] .layer-chart').getAttribute('data-columns')).toBe('2');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('button[data-format="pdf"]')]);
    const pdf = (await download.path())!;
    expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
    const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
    expect(text).toContain('Per-layer sharpness: which layers SAM flattened');
    for (const want of ['dense0', 'dense1', 'logits', 'SAM ÷ baseline']) expect(text).toContain(want);
    const out = join(screenshotDir(), 'layers-report');
    mkdirSync(out, { recursive: true });
    const pages = execFileSync('pdfinfo', [pdf], { encoding: 'utf8' }).match(/Pages:\s+(\d+)/)![1];
    const layerPage = text.split('\f').findIndex((p) => p.includes('Per-layer sharpness: which layers SAM flattened')) + 1;
    expect(layerPage).toBeGreaterThan(0);
    expect(layerPage).toBeLessThanOrEqual(Number(pages));
    execFileSync('pdftoppm', ['-r', '70', '-f', String(layerPage), '-l', String(layerPage), '-png', pdf, join(out, 'page')]);
    expect(ctx.browser.errors).toEqual([]);
  });
});
