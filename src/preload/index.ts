// Exposes StudioApi as window.studio and nothing else: no ipcRenderer, no Node.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { createApiClient } from '../shared/api-client';
import { IPC_CHANNELS } from '../shared/api-methods';
import type { StudioApi, StudioEvent } from '../shared/api';
import { fromWireError, type WireReply } from '../shared/wire';

const studio: StudioApi = createApiClient(
  async (method, args) => {
    const reply = (await ipcRenderer.invoke(IPC_CHANNELS.call, method, args)) as WireReply;
    if (!reply.ok) throw fromWireError(reply.error);
    return reply.result;
  },
  (listener) => {
    const handler = (_e: IpcRendererEvent, event: StudioEvent) => listener(event);
    ipcRenderer.on(IPC_CHANNELS.event, handler);
    return () => {
      ipcRenderer.removeListener(IPC_CHANNELS.event, handler);
    };
  },
);

contextBridge.exposeInMainWorld('studio', studio);
