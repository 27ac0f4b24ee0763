// Reports' PDF renderer inside the desktop app: Chromium's own printToPDF in a hidden,
// sandboxed window with JavaScript off (the report HTML is static) that never navigates.
import { writeFile } from 'node:fs/promises';
import { BrowserWindow } from 'electron';
import { applyContentsSecurity, SECURE_WEB_PREFERENCES } from './security';

export async function electronPrintToPdf(html: string, outPath: string): Promise<void> {
  const win = new BrowserWindow({
    show: false,
    webPreferences: { ...SECURE_WEB_PREFERENCES, javascript: false },
  });
  applyContentsSecurity(win.webContents, null);
  try {
    await win.loadURL(`data:text/html;charset=utf-8,${encodeURIComponent(html)}`);
    const pdf = await win.webContents.printToPDF({ pageSize: 'A4', printBackground: true, preferCSSPageSize: true });
    await writeFile(outPath, pdf);
  } finally {
    win.destroy();
  }
}
