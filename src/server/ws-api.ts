// The WebSocket side of the browser door: WireRequest in, WireReply out (same ids), and every
// StudioEvent pushed as { push }. Requests are validated by dispatchApiCall (shared schemas).
import type { WebSocket } from 'ws';
import type { StudioApi, StudioEvent } from '../shared/api';
import { dispatchApiCall, type ApiHandlers } from '../shared/dispatch';
import type { WirePush, WireReply, WireRequest } from '../shared/wire';

/** Past this many buffered bytes a slow client stops getting live metric pushes (it can re-query). */
const MAX_BUFFERED = 8 * 1024 * 1024;

export function serveWebSocket(ws: WebSocket, handlers: ApiHandlers, subscribe: StudioApi['subscribe']): void {
  const unsubscribe = subscribe((e: StudioEvent) => {
    if (ws.readyState !== ws.OPEN) return;
    if (e.type === 'run-event' && e.event.event === 'metrics' && ws.bufferedAmount > MAX_BUFFERED) return;
    ws.send(JSON.stringify({ push: e } satisfies WirePush));
  });
  ws.on('close', unsubscribe);
  ws.on('error', unsubscribe);
  ws.on('message', async (data) => {
    let req: Partial<WireRequest>;
    try {
      req = JSON.parse(data.toString()) as Partial<WireRequest>;
    } catch (err) {
      ws.send(JSON.stringify({ id: -1, ok: false, error: { name: 'BadRequest', message: `not JSON: ${(err as Error).message}` } } satisfies WireReply));
      return;
    }
    const id = typeof req.id === 'number' ? req.id : -1;
    if (id < 0 || typeof req.method !== 'string') {
      ws.send(JSON.stringify({ id, ok: false, error: { name: 'BadRequest', message: 'a request is { id: number, method: string, args: unknown[] }' } } satisfies WireReply));
      return;
    }
    const reply = await dispatchApiCall(handlers, id, req.method, req.args ?? []);
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(reply));
  });
}
