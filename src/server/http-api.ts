// The HTTP side of the browser door, under /api (token required, checked by the caller):
//   GET  /api/info
//   GET  /api/runs?status=done,failed&search=&sweepId=&tag=&sort=&order=&limit=
//   GET  /api/runs/:id
//   GET  /api/runs/:id/series?names=trainLoss,testLoss&scope=step&axis=step&maxPoints=1000
//   GET  /api/runs/:id/spectra        GET /api/runs/:id/landscapes
//   GET  /api/artifacts/:id           (the file itself, as a download)
//   POST /api/call/:method            body: JSON array of arguments (any StudioApi method)
// Every request goes through the shared schemas, exactly like the WebSocket.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dispatchApiCall, type ApiHandlers } from '../shared/dispatch';
import type { WireError } from '../shared/wire';

type Route = { method: string; pattern: RegExp; call: (m: RegExpMatchArray, q: URLSearchParams) => { method: string; args: unknown[] } };

const list = (v: string | null) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined);
const num = (v: string | null) => (v === null || v === '' ? undefined : Number(v));

const ROUTES: Route[] = [
  { method: 'GET', pattern: /^\/api\/info$/, call: () => ({ method: 'info', args: [] }) },
  {
    method: 'GET',
    pattern: /^\/api\/runs$/,
    call: (_m, q) => ({
      method: 'listRuns',
      args: [
        dropUndefined({
          search: q.get('search') ?? undefined,
          status: list(q.get('status')),
          sweepId: num(q.get('sweepId')),
          tag: q.get('tag') ?? undefined,
          sort: q.get('sort') ?? undefined,
          order: q.get('order') ?? undefined,
          limit: num(q.get('limit')),
        }),
      ],
    }),
  },
  { method: 'GET', pattern: /^\/api\/runs\/(\d+)$/, call: (m) => ({ method: 'getRun', args: [Number(m[1])] }) },
  {
    method: 'GET',
    pattern: /^\/api\/runs\/(\d+)\/series$/,
    call: (m, q) => ({
      method: 'getSeries',
      args: [
        dropUndefined({
          runIds: [Number(m[1])],
          names: list(q.get('names')),
          scope: q.get('scope') ?? undefined,
          axis: q.get('axis') ?? undefined,
          maxPoints: num(q.get('maxPoints')),
        }),
      ],
    }),
  },
  { method: 'GET', pattern: /^\/api\/runs\/(\d+)\/spectra$/, call: (m) => ({ method: 'getSpectra', args: [Number(m[1])] }) },
  { method: 'GET', pattern: /^\/api\/runs\/(\d+)\/landscapes$/, call: (m) => ({ method: 'getLandscapes', args: [Number(m[1])] }) },
  { method: 'GET', pattern: /^\/api\/runs\/(\d+)\/artifacts$/, call: (m) => ({ method: 'listArtifacts', args: [Number(m[1])] }) },
];

function dropUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

function statusOf(e: WireError): number {
  if (e.name === 'ApiValidationError' || e.name === 'ConfigError' || e.name === 'ZodError') return 400;
  if (e.name === 'RunNotFoundError' || /does not exist/.test(e.message)) return 404;
  return 500;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

/** Request bodies are JSON argument lists; none is near this. */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;

class PayloadTooLarge extends Error {
  constructor() {
    super(`the request body is over ${MAX_BODY_BYTES.toLocaleString('en-US')} bytes`);
    this.name = 'PayloadTooLarge';
  }
}

async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > limit) throw new PayloadTooLarge();
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function handleApi(handlers: ApiHandlers, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const artifact = url.pathname.match(/^\/api\/artifacts\/(\d+)$/);
  if (artifact && req.method === 'GET') {
    const reply = await dispatchApiCall(handlers, 0, 'readArtifact', [Number(artifact[1])]);
    if (!reply.ok) return sendJson(res, statusOf(reply.error), { error: reply.error });
    const file = reply.result as { fileName: string; mime: string; base64: string };
    res
      .writeHead(200, {
        'content-type': file.mime,
        'content-disposition': `attachment; filename="${file.fileName.replace(/["\\\r\n]/g, '_')}"`,
        'x-content-type-options': 'nosniff',
      })
      .end(Buffer.from(file.base64, 'base64'));
    return;
  }
  const call = url.pathname.match(/^\/api\/call\/(\w+)$/);
  if (call && req.method === 'POST') {
    let args: unknown;
    try {
      args = JSON.parse((await readBody(req)) || '[]');
    } catch (err) {
      if (err instanceof PayloadTooLarge) {
        res.setHeader('connection', 'close');
        return sendJson(res, 413, { error: { name: err.name, message: err.message } });
      }
      return sendJson(res, 400, { error: { name: 'BadRequest', message: `body must be a JSON array of arguments: ${(err as Error).message}` } });
    }
    const reply = await dispatchApiCall(handlers, 0, call[1], args);
    return reply.ok ? sendJson(res, 200, reply.result) : sendJson(res, statusOf(reply.error), { error: reply.error });
  }
  for (const r of ROUTES) {
    const m = url.pathname.match(r.pattern);
    if (!m || req.method !== r.method) continue;
    const { method, args } = r.call(m, url.searchParams);
    const reply = await dispatchApiCall(handlers, 0, method, args);
    return reply.ok ? sendJson(res, 200, reply.result) : sendJson(res, statusOf(reply.error), { error: reply.error });
  }
  sendJson(res, 404, { error: { name: 'NotFound', message: `no API route ${req.method} ${url.pathname}` } });
}
