// The desktop app: wiring only. Services, store and engine live elsewhere and are tested in Node.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { app, BrowserWindow } from 'electron';
import { createStudioServices } from './services';
import { ElectronTrainerLauncher } from './electron-trainer-launcher';
import { electronPrintToPdf } from './electron-pdf';
import { registerIpc } from './ipc';
import { applySessionSecurity, enforceSingleInstance } from './security';
import { createMainWindow } from './window';

const devServerUrl = process.env.ELECTRON_RENDERER_URL;

/** better-sqlite3 built for Electron's ABI by scripts/electron-native.mjs (node_modules' copy is Node's). */
function electronSqliteBinding(): string | undefined {
  const p = join(app.getAppPath(), '.electron-native', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
  return existsSync(p) ? p : undefined;
}

async function start(): Promise<void> {
  await app.whenReady();
  applySessionSecurity(devServerUrl);
  const userData = app.getPath('userData');
  const services = createStudioServices({
    // The same file `sam-studio serve` and the CLI use by default, so every door sees one history.
    dbPath: join(userData, 'runs.db'),
    workDir: join(userData, 'runs'),
    launcher: new ElectronTrainerLauncher(),
    nativeBinding: electronSqliteBinding(),
    reportPdf: electronPrintToPdf,
    transport: 'electron',
  });
  const unregister = registerIpc(services, devServerUrl);
  let win = createMainWindow(devServerUrl);

  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) win = createMainWindow(devServerUrl);
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('before-quit', () => {
    unregister();
    void services.close();
  });
  enforceSingleInstance(() => {
    if (win.isMinimized()) win.restore();
    win.focus();
  });
}

start().catch((err: unknown) => {
  console.error('SAM Studio failed to start:', err);
  app.exit(1);
});
