// Builds a StudioApi from one `call` function: the preload (over ipcRenderer) and the browser
// door's WebSocket client are both this, so the renderer cannot tell them apart.
import { API_METHODS, type ApiMethod, type StudioApi, type StudioEvent } from './api';

export type ApiCall = (method: ApiMethod, args: unknown[]) => Promise<unknown>;
export type ApiSubscribe = (listener: (e: StudioEvent) => void) => () => void;

export function createApiClient(call: ApiCall, subscribe: ApiSubscribe): StudioApi {
  const api: Record<string, unknown> = { subscribe };
  for (const method of API_METHODS) {
    api[method] = (...args: unknown[]) => call(method, args);
  }
  return api as unknown as StudioApi;
}
