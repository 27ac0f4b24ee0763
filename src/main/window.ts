// The one main window, created with the security defaults of DESIGN.md.
import { join } from 'node:path';
import { BrowserWindow } from 'electron';
import type { AppPages } from './app-pages';
import { applyContentsSecurity, SECURE_WEB_PREFERENCES } from './security';

export function createMainWindow(pages: AppPages, icon?: string): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 1024,
    minHeight: 700,
    show: false,
    title: 'SAM Studio',
    icon,
    webPreferences: {
      ...SECURE_WEB_PREFERENCES,
      preload: join(__dirname, '../preload/index.cjs'),
      spellcheck: false,
    },
  });
  applyContentsSecurity(win.webContents, pages);
  win.once('ready-to-show', () => win.show());
  if (pages.devServerUrl) void win.loadURL(pages.devServerUrl);
  else void win.loadFile(pages.indexHtml);
  return win;
}
