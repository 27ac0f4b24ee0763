// The server side of every door: validate a request against the shared schemas, call the
// service, and turn the outcome into a WireReply (errors keep their name and field issues).
import { validateApiRequest, type ApiMethod, type StudioApi } from './api';
import { toWireError, type WireReply } from './wire';

export type ApiHandlers = Omit<StudioApi, 'subscribe'>;

export async function dispatchApiCall(handlers: ApiHandlers, id: number, method: string, args: unknown): Promise<WireReply> {
  try {
    const parsed = validateApiRequest(method, args);
    const fn = handlers[method as ApiMethod] as (...a: unknown[]) => Promise<unknown>;
    const result = await fn.apply(handlers, parsed);
    return { id, ok: true, result: result ?? null };
  } catch (err) {
    return { id, ok: false, error: toWireError(err) };
  }
}
