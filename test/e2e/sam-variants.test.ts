// SAM's successors in real Chromium through the browser door (issue 13): a user picks LookSAM in
// the New-run form, meets its field errors and SAM-ON's model requirement, trains it on a small
// Fashion-MNIST limit (the run records its passes per step), then sweeps LookSAM, GSAM and
// Friendly-SAM side by side from the Sweep form.
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fieldId, formFields, studioInChromium, waitForRunIn } from './form-helpers';
import { screenshotDir } from './harness';

const FASHION = '/usr/share/datasets/fashion-mnist';

describe.skipIf(!existsSync(FASHION))('SAM variants in Chromium', () => {
  const ctx = studioInChromium({ concurrency: 1 });
  const { fill, fieldErrors } = formFields(() => ctx.page);
  const waitForRun = (id: number, statuses: string[]) => waitForRunIn(ctx.studio, id, statuses);

  it('picks LookSAM in the New-run form, with field errors at its settings, and trains it', async () => {
    await ctx.page.goto(`${ctx.studio.server.url}#/new`);
    await ctx.page.waitForSelector('#train');
    await ctx.page.selectOption(fieldId('data.name'), 'fashion-mnist');
    await fill('data.limit', 600);
    await fill('data.testLimit', 200);
    await fill('model.hidden', '16');
    await fill('epochs', 1);
    await fill('batchSize', 50);
    await fill('logEvery', 3);
    await fill('optimizer.lr', 0.05);
    await fill('name', 'e2e looksam');
    await ctx.page.check('#method-sam');
    await ctx.page.selectOption(fieldId('sam.variant.kind'), 'looksam');
    await expect.poll(() => ctx.page.textContent('[data-testid="sam-variant-note"]')).toContain('Liu et al., CVPR 2022');
    await fill('sam.variant.k', 0);
    await expect.poll(() => fieldErrors('sam.variant.k')).toEqual([expect.stringContaining('sam.variant.k must be at least 1')]);
    await expect.poll(() => ctx.page.isEnabled('#train')).toBe(false);
    await fill('sam.variant.k', 3);
    await expect.poll(() => fieldErrors('sam.variant.k')).toEqual([]);

    // SAM-ON needs normalisation layers; the MLP has none, and the form says so at the variant.
    await ctx.page.selectOption(fieldId('sam.variant.kind'), 'sam-on');
    await expect.poll(() => fieldErrors('sam.variant.kind')).toEqual([expect.stringContaining('model.kind "mlp" has none')]);
    await ctx.page.selectOption(fieldId('sam.variant.kind'), 'looksam');
    // Switching back keeps what was typed for LookSAM.
    await expect.poll(() => ctx.page.inputValue(fieldId('sam.variant.k'))).toBe('3');
    await expect.poll(() => ctx.page.textContent('.submit .summary')).toContain('LookSAM ρ=0.05 k=3 α=0.7');
    await ctx.page.screenshot({ path: join(screenshotDir(), 'new-run-looksam.png'), fullPage: true });

    await expect.poll(() => ctx.page.isEnabled('#train')).toBe(true);
    await ctx.page.click('#train');
    await ctx.page.waitForURL(/#\/run\/\d+/);
    const id = Number(/#\/run\/(\d+)/.exec(ctx.page.url())![1]);
    const run = await waitForRun(id, ['done', 'failed']);
    expect(run.failureReason ?? null).toBeNull();
    expect(run.config.sam).toMatchObject({ rho: 0.05, variant: { kind: 'looksam', k: 3, alpha: 0.7 } });
    // 12 steps in windows of 3, a SAM step every 3: each window holds one, so 4/3 passes per step.
    const [passes] = await ctx.studio.services.getSeries({ runIds: [id], names: ['passesPerStep'] });
    expect(passes.y.length).toBeGreaterThan(0);
    for (const v of passes.y) expect(v).toBeCloseTo(4 / 3, 6);
  });

  it('sweeps LookSAM, GSAM and Friendly-SAM side by side from the Sweep form', async () => {
    // The New-run form still holds the LookSAM config: the sweep starts from it.
    await ctx.page.goto(`${ctx.studio.server.url}#/new`);
    await ctx.page.waitForSelector('#train');
    await ctx.page.click('text=Sweep from this config…');
    await ctx.page.waitForURL(/#\/sweep/);
    await fill('name', 'e2e variants');
    await fill('rho', '0.05');
    const picker = ctx.page.locator('[data-testid="sweep-variants"]');
    await expect.poll(() => picker.locator('input[data-variant="looksam"]').isChecked()).toBe(true);
    await expect.poll(() => picker.locator('input[data-variant="sam-on"]').isDisabled()).toBe(true);
    await picker.locator('input[data-variant="gsam"]').check();
    await picker.locator('input[data-variant="friendly-sam"]').check();
    await ctx.page.click('#sweep-preview');
    const planNames = () => ctx.page.locator('#sweep-plan tbody tr td:nth-child(2)').allTextContents();
    await expect
      .poll(planNames)
      .toEqual([
        'e2e variants · SGD baseline',
        'e2e variants · GSAM ρ=0.05 α=0.2',
        'e2e variants · LookSAM ρ=0.05 k=3 α=0.7',
        'e2e variants · Friendly-SAM ρ=0.05 σ=1 λ=0.9',
      ]);
    await ctx.page.screenshot({ path: join(screenshotDir(), 'sweep-variants.png'), fullPage: true });
    const optimizers = await ctx.page.locator('#sweep-plan tbody tr td:nth-child(3)').allTextContents();
    expect(optimizers.slice(1)).toEqual(['GSAM(ρ=0.05 α=0.2) + sgd lr=0.05', 'LookSAM(ρ=0.05 k=3 α=0.7) + sgd lr=0.05', 'Friendly-SAM(ρ=0.05 σ=1 λ=0.9) + sgd lr=0.05']);
    expect(ctx.browser.errors).toEqual([]);
  });
});
