// Builds a StudioApi from one `call` function: the preload (over ipcRenderer) and the browser
// door's WebSocket client are both this, so the renderer cannot tell them apart.
import type { ApiMethod, StudioApi, StudioEvent } from './api';
import { API_METHOD_NAMES } from './api-methods';

export type ApiCall = (method: ApiMethod, args: unknown[]) => Promise<unknown>;
export type ApiSubscribe = (listener: (e: StudioEvent) => void) => () => void;

export function createApiClient(call: ApiCall, subscribe: ApiSubscribe): StudioApi {
  const api: Record<string, unknown> = { subscribe };
  for (const method of API_METHOD_NAMES) {
    api[method] = (...args: unknown[]) => call(method, args);
  }
  return api as unknown as StudioApi;
}
