// What the e2e suites do with the app's forms and runs: fill a config field, read its messages,
// wait for a run to reach a status.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { RunSummary } from '../../src/shared/api';
import { type Browser, type Studio, fieldId, openBrowser, startStudio } from './harness';

export { fieldId };

/** fill and fieldErrors on the page `get()` returns (suites assign their page in beforeAll). */
export function formFields(get: () => Page) {
  return {
    fill: (field: string, value: string | number) => get().fill(fieldId(field), String(value)),
    fieldErrors: (field: string) => get().locator(`[data-field="${field}"] .errors li`).allTextContents(),
  };
}

/** Polls the services until run `id` has one of `statuses`. */
export async function waitForRunIn(studio: Studio, id: number, statuses: string[], timeoutMs = 150_000): Promise<RunSummary> {
  const t0 = Date.now();
  for (;;) {
    const r = await studio.services.getRun(id);
    if (statuses.includes(r.status)) return r;
    if (Date.now() - t0 > timeoutMs) throw new Error(`run ${id} still ${r.status} after ${timeoutMs} ms (${r.failureReason ?? ''})`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

/**
 * Starts the studio (services + browser door) and Chromium before the suite's tests and closes
 * both after. Call it inside the describe, so a skipped suite starts neither.
 */
export function studioInChromium(opts: { concurrency: number }): { readonly studio: Studio; readonly browser: Browser; readonly page: Page } {
  const ctx = {} as { studio: Studio; browser: Browser; page: Page };
  beforeAll(async () => {
    ctx.studio = await startStudio({ concurrency: opts.concurrency });
    ctx.browser = await openBrowser();
    ctx.page = ctx.browser.page;
  });
  afterAll(async () => {
    await ctx.browser?.close();
    await ctx.studio?.close();
  });
  return ctx;
}
