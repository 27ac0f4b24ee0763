// PDF through headless Chromium (playwright-core): the CLI and the browser door use this; the
// Electron app passes its own webContents.printToPDF renderer with the same signature.
import { chromium } from 'playwright-core';
import { existsSync } from 'node:fs';

import type { PdfRenderer } from './types';

export type { PdfRenderer };

export const CHROMIUM_PATH = process.env.SAM_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function chromiumPdfRenderer(executablePath = CHROMIUM_PATH): PdfRenderer {
  return async (html, outPath) => {
    if (!existsSync(executablePath)) {
      throw new Error(`PDF export needs Chromium at ${executablePath}; install it (apt-get install chromium) or set SAM_CHROMIUM to its path`);
    }
    const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
    try {
      const page = await browser.newPage();
      // The report is self-contained; refuse anything that would reach out anyway.
      await page.route('**/*', (route) => (route.request().url().startsWith('data:') ? route.continue() : route.abort()));
      await page.setContent(html, { waitUntil: 'load' });
      await page.emulateMedia({ media: 'print' });
      await page.pdf({ path: outPath, format: 'A4', printBackground: true, preferCSSPageSize: true, displayHeaderFooter: true, headerTemplate: '<span></span>', footerTemplate: FOOTER, margin: { top: '13mm', bottom: '14mm', left: '12mm', right: '12mm' } });
    } finally {
      await browser.close();
    }
  };
}

// Chromium fills pageNumber/totalPages; the template must carry its own font size.
const FOOTER =
  '<div style="width:100%;font-size:7pt;color:#888;text-align:center;font-family:DejaVu Sans,Arial,sans-serif">' +
  'SAM Studio report · page <span class="pageNumber"></span> of <span class="totalPages"></span></div>';
