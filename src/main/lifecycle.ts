// The desktop app's life: one instance per user (a second launch focuses the first window and
// quits before it opens anything), services opened once the app is ready, and a quit that waits
// until every trainer has written its stop-checkpoint and the database is closed.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { app, BrowserWindow } from 'electron';
import { createStudioServices } from './services';
import { ElectronTrainerLauncher } from './electron-trainer-launcher';
import { electronPrintToPdf } from './electron-pdf';
import { registerIpc } from './ipc';
import { applySessionSecurity } from './security';
import { createMainWindow } from './window';
import type { AppPages } from './app-pages';

export interface DesktopAppOptions {
  pages: AppPages;
  /** The trainer's utility-process entry (the bundled trainer-process.js). */
  trainerEntry: string;
  /** better_sqlite3.node built for Electron's ABI, when there is one. */
  sqliteBinding?: string;
  /** Window icon (Linux and Windows; macOS takes the bundle's). */
  icon?: string;
}

/** Resolves false when another instance owns the lock (this one is quitting), true once the window is up. */
export async function runDesktopApp(o: DesktopAppOptions): Promise<boolean> {
  // First, before the store, the services or a window exist: a second scheduler on the same
  // database would run every queued run twice.
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return false;
  }
  let win: BrowserWindow | null = null;
  app.on('second-instance', () => {
    if (!win || win.isDestroyed()) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });

  await app.whenReady();
  applySessionSecurity(o.pages);
  const userData = app.getPath('userData');
  const services = createStudioServices({
    // The same file `sam-studio serve` and the CLI use by default, so every door sees one history.
    dbPath: join(userData, 'runs.db'),
    workDir: join(userData, 'runs'),
    launcher: new ElectronTrainerLauncher(o.trainerEntry),
    nativeBinding: o.sqliteBinding && existsSync(o.sqliteBinding) ? o.sqliteBinding : undefined,
    reportPdf: electronPrintToPdf,
    transport: 'electron',
  });
  const unregister = registerIpc(services, o.pages);
  closeBeforeQuit(async () => {
    unregister();
    await services.close();
  });
  win = createMainWindow(o.pages, o.icon);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) win = createMainWindow(o.pages, o.icon);
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  return true;
}

/**
 * Electron does not wait for promises in `before-quit`: hold the quit (preventDefault) until
 * `close` settles — trainers stopped with a checkpoint, last events stored, database closed —
 * then quit for real.
 */
function closeBeforeQuit(close: () => Promise<void>): void {
  let state: 'open' | 'closing' | 'closed' = 'open';
  app.on('before-quit', (event) => {
    if (state === 'closed') return;
    event.preventDefault();
    if (state === 'closing') return;
    state = 'closing';
    close()
      .catch((err: unknown) => console.error('SAM Studio: closing the services failed:', err))
      .finally(() => {
        state = 'closed';
        app.quit();
      });
  });
}
