// The SAM paper's studies as sweep presets, in real Chromium through the browser door (issue 13),
// on small Fashion-MNIST limits with real trainer processes: the tuning protocol chooses ρ on the
// validation split and retrains it (a second phase the services start by themselves), its page
// and its report show the validation curve and means with 95 % confidence intervals; the
// m-sharpness study shows τ per m; the fine-tuning study shows the pre-trained model and both
// fine-tunes in one comparison. Every step waits for what it reads.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import type { SweepDetail } from '../../src/shared/api';
import type { TuningDecision } from '../../src/shared/studies/index';
import { fieldId, formFields, studioInChromium } from './form-helpers';
import { drawn, shot } from './harness';

const FASHION = '/usr/share/datasets/fashion-mnist';

describe.skipIf(!existsSync(FASHION))('the paper’s studies in Chromium', () => {
  const ctx = studioInChromium({ concurrency: 2 });
  const { fill, fieldErrors } = formFields(() => ctx.page);

  /** The New-run form: a tiny Fashion-MNIST MLP trained with SAM, then on to the Sweep form. */
  async function sweepFrom(opts: { limit: number; batchSize: number }): Promise<void> {
    const page = ctx.page;
    await page.goto(`${ctx.studio.server.url}#/new`);
    await page.waitForSelector('#train');
    await page.selectOption(fieldId('data.name'), 'fashion-mnist');
    await fill('data.limit', opts.limit);
    await fill('data.testLimit', 200);
    await fill('model.hidden', '16');
    await fill('epochs', 1);
    await fill('batchSize', opts.batchSize);
    await fill('logEvery', 3);
    await fill('optimizer.lr', 0.05);
    await page.check('#method-sam');
    await expect.poll(() => page.isEnabled('#train')).toBe(true);
    await page.click('text=Sweep from this config…');
    await page.waitForURL(/#\/sweep$/);
  }

  /** Launch the previewed sweep; the page of the new sweep opens. Returns its id. */
  async function launch(): Promise<number> {
    await expect.poll(() => ctx.page.isEnabled('#sweep-launch')).toBe(true);
    await ctx.page.click('#sweep-launch');
    await ctx.page.waitForURL(/#\/sweeps\/\d+/);
    return Number(/#\/sweeps\/(\d+)/.exec(ctx.page.url())![1]);
  }

  /** Waits until the sweep's phases are complete and every run has settled. */
  async function complete(id: number): Promise<SweepDetail> {
    let d: SweepDetail | null = null;
    await expect
      .poll(
        async () => {
          d = await ctx.studio.services.getSweep(id);
          return d.complete && d.runs.every((r) => ['done', 'failed', 'cancelled'].includes(r.status));
        },
        { timeout: 600_000, interval: 500 },
      )
      .toBe(true);
    await expect.poll(() => ctx.page.getAttribute('.sweep-page', 'data-complete')).toBe('true');
    return d!;
  }

  it('runs the tuning protocol: ρ chosen on the validation split, retrained with the baseline, means and 95 % CIs on the page and in the report', async () => {
    const page = ctx.page;
    await sweepFrom({ limit: 270, batchSize: 30 });
    await page.check('[data-study="tuning"]');
    // The preset is the paper's grid; this test sweeps two of its values to stay small.
    await expect.poll(() => page.inputValue(fieldId('rho'))).toBe('0.01, 0.02, 0.05, 0.1, 0.2, 0.5');
    await expect.poll(() => page.inputValue(fieldId('seeds'))).toBe('0, 1, 2');
    await fill('rho', '0.05');
    await page.click('#sweep-preview');
    await expect.poll(() => fieldErrors('rho')).toEqual([expect.stringContaining('the tuning protocol chooses among ρ values: give at least two')]);
    await fill('rho', '0.02, 0.2');
    await fill('name', 'e2e tune');
    await page.click('#sweep-preview');
    const planNames = () => page.locator('#sweep-plan tbody tr td:nth-child(2)').allTextContents();
    await expect.poll(planNames).toHaveLength(6);
    expect((await planNames())[0]).toBe('e2e tune · ρ grid · SAM ρ=0.02 seed=0');
    await expect.poll(() => page.textContent('#sweep-later')).toMatch(/retrained on seeds 3, 4, 5 on the training and validation examples together, with the SGD baseline at 2× the epochs \(2\): 6 more runs/);
    await shot(page, 'study-tuning-form');
    const id = await launch();

    const d = await complete(id);
    expect(d.state!.phases.map((p) => [p.name, p.runIds.length])).toEqual([
      ['grid', 6],
      ['final', 6],
    ]);
    // The choice, re-derived from the grid's stored validation accuracies (never the test set).
    const grid = d.runs.filter((r) => d.state!.phases[0].runIds.includes(r.id));
    const meanVal = (rho: number) => grid.filter((r) => r.config.sam!.rho === rho).reduce((a, r) => a + r.finalMetrics!.valAccuracy! / 3, 0);
    const chosen = (d.state!.decision as TuningDecision).chosen.rho;
    expect(chosen).toBe(meanVal(0.2) > meanVal(0.02) ? 0.2 : 0.02);
    for (const r of grid) expect(r.config.data.validationSplit).toBe(0.1);

    // The page: which ρ won and why — the validation curve, each ρ's mean with its CI, the retrained groups.
    await expect.poll(() => page.textContent('#chosen-rho')).toContain(`ρ chosen on the validation split: ${chosen}`);
    await expect.poll(() => page.textContent('#study-reading')).toMatch(new RegExp(`ρ = ${chosen} chosen: the highest mean validation accuracy`));
    await expect.poll(() => page.locator('#tuning-candidates tbody tr').count()).toBe(2);
    await expect.poll(() => page.locator('#tuning-candidates tbody .ci').count()).toBe(2);
    const curve = page.locator('figure[data-label^="Validation accuracy against rho"]');
    await expect.poll(async () => Number(await curve.getAttribute('data-points'))).toBeGreaterThanOrEqual(2 + 2 * 2 + 1);
    await expect.poll(() => page.locator('#study-comparison tbody tr').count()).toBe(2);
    const cells = await page.locator('#study-comparison tbody tr td:nth-child(3)').allTextContents();
    for (const c of cells) expect(c).toMatch(/^\s*[\d.]+% ± [\d.]+ pp \(n = 3\)\s*95% CI [\d.]+% – [\d.]+%\s*$/);
    expect(await page.locator('#study-comparison tbody tr td:first-child').allTextContents()).toEqual([`SGD baseline (2 epochs)`, `SAM ρ=${chosen}`].map((s) => expect.stringContaining(s)));
    await drawn(page);
    await shot(page, 'study-tuning-page');

    // The report: the same choice, the curve, and the groups with their CIs.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('.exports button[data-format="html"]')]);
    const html = readFileSync((await download.path())!, 'utf8');
    expect(html).toContain(`<b>ρ chosen on the validation split: ${chosen}</b>`);
    expect(html).toMatch(/<figure id="fig-study-\d+-curve"/);
    // Two groups, each with the 95 % CI of its mean test accuracy and of its mean test loss.
    expect((html.match(/<table class="study-final">[\s\S]*?<\/table>/)?.[0].match(/95 % CI /g) ?? []).length).toBe(4);

    // Compare opens the retrained runs grouped by seed: means and CIs in its table too.
    await page.click('#sweep-compare');
    await page.waitForURL(/#\/compare\?ids=.*&group=1/);
    await expect.poll(() => page.locator('#metrics-table[data-grouped="true"] tbody tr').count()).toBe(2);
    await expect.poll(() => page.locator('#metrics-table tbody tr .ci').count()).toBeGreaterThanOrEqual(2);
    expect(ctx.browser.errors).toEqual([]);
  });

  it('runs the m-sharpness study and shows Kendall τ per m', async () => {
    const page = ctx.page;
    await sweepFrom({ limit: 320, batchSize: 32 });
    await page.check('[data-study="m-sharpness"]');
    await expect.poll(() => page.inputValue(fieldId('m'))).toBe('4, 16, whole');
    await expect.poll(() => page.inputValue(fieldId('study.samples'))).toBe('320');
    await fill('m', '4, whole');
    await fill('rho', '0.02, 0.1');
    await fill('seeds', '0');
    await fill('name', 'e2e m-sharpness');
    await page.click('#sweep-preview');
    await expect.poll(() => page.locator('#sweep-plan tbody tr').count()).toBe(5);
    const id = await launch();
    const d = await complete(id);
    for (const r of d.runs) expect(Object.keys(r.finalMetrics ?? {})).toEqual(expect.arrayContaining(['mSharpness@4', 'mSharpness@32', 'evalTrainAccuracy']));
    await expect.poll(() => page.locator('#tau-table tbody tr').count()).toBe(2);
    expect(await page.locator('#tau-table tbody tr td:first-child').allTextContents()).toEqual(['m = 4', 'm = 32 (whole batch)']);
    for (const t of await page.locator('#tau-table tbody td.tau').allTextContents()) expect(t).toMatch(/^-?[01]\.\d{3}$/);
    await expect.poll(() => page.textContent('#study-reading')).toMatch(/Kendall τ between m-sharpness and the generalisation gap: m = 4: -?[\d.]+; m = 32 \(whole batch\): -?[\d.]+ \(n = 5 runs\)/);
    await drawn(page);
    await shot(page, 'study-m-sharpness-page');
    expect(ctx.browser.errors).toEqual([]);
  });

  it('runs the fine-tuning study: pre-trained on classes 0–4, fine-tuned on 5–9 with SGD and with SAM, in one comparison', async () => {
    const page = ctx.page;
    await sweepFrom({ limit: 300, batchSize: 30 });
    await page.check('[data-study="fine-tuning"]');
    await expect.poll(() => page.inputValue(fieldId('study.source.classes'))).toBe('0-4');
    await expect.poll(() => page.inputValue(fieldId('study.classes'))).toBe('5-9');
    await fill('seeds', '0');
    await fill('name', 'e2e fine-tune');
    await page.click('#sweep-preview');
    await expect.poll(() => page.locator('#sweep-plan tbody tr td:nth-child(2)').allTextContents()).toEqual(['e2e fine-tune · pre-train on classes 0–4']);
    await expect.poll(() => page.textContent('#sweep-later')).toMatch(/2 fine-tuning runs from its last checkpoint/);
    const id = await launch();
    const d = await complete(id);
    const [pre, ...tuned] = d.runs;
    expect(pre.config.data.classes).toEqual([0, 1, 2, 3, 4]);
    expect(tuned.map((r) => [r.config.sam?.rho ?? null, r.config.data.classes, r.config.startFrom?.sourceRunId])).toEqual([
      [null, [5, 6, 7, 8, 9], pre.id],
      [0.05, [5, 6, 7, 8, 9], pre.id],
    ]);
    await expect.poll(() => page.locator('#study-comparison tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-row')))).toEqual(['pretrained', 'baseline', 'sam']);
    expect(await page.locator('#study-comparison tbody tr td:first-child').allTextContents()).toEqual([
      expect.stringContaining('pre-trained on classes 0–4'),
      expect.stringContaining('SGD fine-tune on classes 5–9'),
      expect.stringContaining('SAM ρ=0.05 fine-tune on classes 5–9'),
    ]);
    await shot(page, 'study-fine-tuning-page');
    // One comparison of the three models on the Compare page.
    await page.click('#sweep-compare');
    await page.waitForURL(/#\/compare\?ids=/);
    await expect.poll(() => page.locator('ul[aria-label="Runs compared"] li').evaluateAll((li) => li.map((l) => Number(l.getAttribute('data-run-id'))))).toEqual([pre.id, ...tuned.map((r) => r.id)]);
    expect(ctx.browser.errors).toEqual([]);
  });
});
