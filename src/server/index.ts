// The browser door: `sam-studio serve`. One HTTP server on 127.0.0.1 only, serving the built
// renderer, a token-protected /api and a token-protected WebSocket (/ws) implementing StudioApi.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { resolve } from 'node:path';
import { WebSocketServer } from 'ws';
import type { AppInfo, StudioApi } from '../shared/api';
import type { ApiHandlers } from '../shared/dispatch';
import { hostAllowed, newToken, originAllowed, presentedToken, tokenMatches } from './auth';
import { handleApi } from './http-api';
import { serveStatic } from './static-files';
import { serveWebSocket } from './ws-api';

export interface StartServerOptions {
  services: StudioApi;
  /** 0 or undefined = any free port. */
  port?: number;
  /** The renderer build; default out/web (vite build --config vite.web.config.ts). */
  staticDir?: string;
  /** Default: 24 random bytes. */
  token?: string;
}

export interface RunningServer {
  /** http://127.0.0.1:PORT/?token=… — open it in a browser. */
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

/** The only interface we listen on: nothing beyond this machine can connect. */
export const LOOPBACK = '127.0.0.1';

export async function startServer(opts: StartServerOptions): Promise<RunningServer> {
  const token = opts.token ?? newToken();
  const staticDir = resolve(opts.staticDir ?? 'out/web');
  const services = opts.services;
  // Same services, but info() tells the renderer which door it came through.
  const handlers: ApiHandlers = new Proxy(services as ApiHandlers, {
    get(target, prop, receiver) {
      if (prop === 'info') return async (): Promise<AppInfo> => ({ ...(await services.info()), transport: 'websocket' });
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  let port = 0;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', `http://${LOOPBACK}`);
    if (!hostAllowed(req, port)) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('forbidden host');
      return;
    }
    if (url.pathname === '/api' || url.pathname.startsWith('/api/')) {
      if (!originAllowed(req, port)) {
        res.writeHead(403, { 'content-type': 'application/json' }).end(
          JSON.stringify({ error: { name: 'ForbiddenOrigin', message: `requests from ${String(req.headers.origin).slice(0, 200)} are not allowed: open the URL sam-studio serve printed` } }),
        );
        return;
      }
      if (!tokenMatches(presentedToken(req), token)) {
        res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' }).end(
          JSON.stringify({ error: { name: 'Unauthorized', message: 'missing or wrong token: use the URL sam-studio serve printed' } }),
        );
        return;
      }
      handleApi(handlers, req, res, url).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { name: 'Error', message: (err as Error).message } }));
      });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    serveStatic(staticDir, url.pathname, res, port);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', `http://${LOOPBACK}`);
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (url.pathname !== '/ws') return refuse(404, 'Not Found');
    if (!hostAllowed(req, port) || !originAllowed(req, port)) return refuse(403, 'Forbidden');
    if (!tokenMatches(presentedToken(req), token)) return refuse(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => serveWebSocket(ws, handlers, (l) => services.subscribe(l)));
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, LOOPBACK, () => resolveListen());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the server has no TCP address');
  port = address.port;

  return {
    url: `http://${LOOPBACK}:${port}/?token=${encodeURIComponent(token)}`,
    port,
    token,
    close: () =>
      new Promise<void>((done) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
