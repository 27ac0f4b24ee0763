// Electron's door to the services: one invoke channel for every StudioApi request (validated by
// the shared schemas in dispatchApiCall), one channel pushing StudioEvents to every window.
import { BrowserWindow, ipcMain } from 'electron';
import { IPC_CHANNELS } from '../shared/api-methods';
import { dispatchApiCall, type ApiHandlers } from '../shared/dispatch';
import type { StudioEvent } from '../shared/api';
import { isAppPage, type AppPages } from './app-pages';

export function registerIpc(
  services: ApiHandlers & { subscribe(l: (e: StudioEvent) => void): () => void },
  pages: AppPages,
): () => void {
  let nextId = 1;
  ipcMain.handle(IPC_CHANNELS.call, (event, method: unknown, args: unknown) => {
    // Only the app's own page may call the services: no other local file, no frame from elsewhere.
    const url = event.senderFrame?.url ?? '';
    if (!isAppPage(url, pages)) {
      return { id: 0, ok: false, error: { name: 'ForbiddenError', message: `calls from ${url || 'an unknown frame'} are not allowed` } };
    }
    return dispatchApiCall(services, nextId++, String(method), args);
  });
  const unsubscribe = services.subscribe((e) => {
    for (const win of BrowserWindow.getAllWindows()) {
      if (!win.isDestroyed()) win.webContents.send(IPC_CHANNELS.event, e);
    }
  });
  return () => {
    ipcMain.removeHandler(IPC_CHANNELS.call);
    unsubscribe();
  };
}
