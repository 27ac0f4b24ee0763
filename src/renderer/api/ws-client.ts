// StudioApi over the browser door's WebSocket (browser-only; imports only src/shared).
// Requests carry ids and wait for the matching reply; pushed events go to subscribers; a lost
// connection is re-opened with backoff. Calls made while disconnected wait for the connection;
// calls in flight when it drops fail with a ConnectionLost error (they may or may not have run).
import type { ApiMethod, StudioApi, StudioEvent } from '../../shared/api';
import { createApiClient } from '../../shared/api-client';
import { fromWireError, type WirePush, type WireReply, type WireRequest } from '../../shared/wire';

export interface WebSocketApiOptions {
  /** First reconnect delay; doubles up to maxDelayMs. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Called on every connection state change (for a status badge). */
  onState?: (state: 'connecting' | 'open' | 'closed') => void;
}

/**
 * `url`: the WebSocket endpoint, e.g. ws://127.0.0.1:PORT/ws (an http(s) URL is accepted and
 * converted). `token`: the one `sam-studio serve` printed.
 */
export function connectWebSocketApi(url: string, token: string, opts: WebSocketApiOptions = {}): StudioApi {
  const endpoint = new URL(url);
  if (endpoint.protocol === 'http:' || endpoint.protocol === 'https:') {
    endpoint.protocol = endpoint.protocol === 'https:' ? 'wss:' : 'ws:';
    if (endpoint.pathname === '/' || endpoint.pathname === '') endpoint.pathname = '/ws';
  }
  endpoint.searchParams.set('token', token);

  const minDelay = opts.minDelayMs ?? 250;
  const maxDelay = opts.maxDelayMs ?? 10_000;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  /** Requests waiting for a connection (not yet sent, so safe to send later). */
  const outbox: { id: number; text: string }[] = [];
  /** Ids written to a socket and not answered yet. */
  const sent = new Set<number>();
  const listeners = new Set<(e: StudioEvent) => void>();
  let nextId = 1;
  let socket: WebSocket | null = null;
  let delay = minDelay;

  const open = () => {
    opts.onState?.('connecting');
    const ws = new WebSocket(endpoint.toString());
    socket = ws;
    ws.onopen = () => {
      delay = minDelay;
      opts.onState?.('open');
      while (outbox.length && ws.readyState === WebSocket.OPEN) {
        const next = outbox.shift()!;
        ws.send(next.text);
        sent.add(next.id);
      }
    };
    ws.onmessage = (m) => {
      let msg: WireReply | WirePush;
      try {
        msg = JSON.parse(String(m.data)) as WireReply | WirePush;
      } catch {
        return;
      }
      if ('push' in msg) {
        for (const l of listeners) {
          try {
            l(msg.push);
          } catch (err) {
            console.error('StudioApi event listener failed', err);
          }
        }
        return;
      }
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      sent.delete(msg.id);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(fromWireError(msg.error));
    };
    // Errors are always followed by `close`, which reconnects; handling them here keeps Node's
    // EventEmitter-based WebSocket implementations (the `ws` package in tests) from throwing.
    ws.onerror = () => {};
    ws.onclose = () => {
      opts.onState?.('closed');
      for (const id of sent) {
        const p = pending.get(id);
        if (!p) continue;
        const err = new Error('the connection to SAM Studio was lost before the reply arrived; check the server and retry');
        err.name = 'ConnectionLost';
        p.reject(err);
        pending.delete(id);
      }
      sent.clear();
      setTimeout(open, delay);
      delay = Math.min(maxDelay, delay * 2);
    };
  };
  open();

  const call = (method: ApiMethod, args: unknown[]): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      const text = JSON.stringify({ id, method, args } satisfies WireRequest);
      if (socket && socket.readyState === WebSocket.OPEN) {
        socket.send(text);
        sent.add(id);
      } else outbox.push({ id, text });
    });

  const subscribe = (listener: (e: StudioEvent) => void) => {
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  };

  return createApiClient(call, subscribe);
}
