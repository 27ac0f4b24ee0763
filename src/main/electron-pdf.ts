// Reports' PDF renderer inside the desktop app: Chromium's own printToPDF in a hidden,
// sandboxed window with JavaScript off (the report HTML is static).
import { writeFile } from 'node:fs/promises';
import { BrowserWindow } from 'electron';

export async function electronPrintToPdf(html: string, outPath: string): Promise<void> {
  const win = new BrowserWindow({
    show: false,
    webPreferences: { sandbox: true, contextIsolation: true, nodeIntegration: false, javascript: false },
  });
  try {
    await win.loadURL(`data:text/html;charset=utf-8,${encodeURIComponent(html)}`);
    const pdf = await win.webContents.printToPDF({ pageSize: 'A4', printBackground: true, preferCSSPageSize: true });
    await writeFile(outPath, pdf);
  } finally {
    win.destroy();
  }
}
