// The browser door on real sockets: token on /api and on the WebSocket upgrade, loopback only,
// Host check, CSP on the HTML, schema validation over the wire, live pushes, downloads, and the
// `sam-studio serve` command end to end.
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createConnection, createServer } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createStudioServices, type StudioServices } from '../../src/main/services/index';
import { NodeTrainerLauncher } from '../../src/main/services/node-trainer-launcher';
import { startServer, type RunningServer } from '../../src/server/index';
import type { StudioApi, StudioEvent } from '../../src/shared/api';
import type { RunConfigInput } from '../../src/shared/config';
import { startCli } from './helpers/cli';
import { makeTempDir, removeTempDir } from './helpers/tmp';

const moons: RunConfigInput = {
  epochs: 1,
  batchSize: 16,
  backend: 'cpu',
  data: { name: 'synthetic-moons', samples: 100 },
  model: { kind: 'mlp', hidden: [4] },
  optimizer: { kind: 'sgd', lr: 0.1 },
};

// The renderer's WebSocket client is browser code (DOM types, outside tsconfig.node.json): load it
// by path and run it on the `ws` package's WebSocket, which has the same API.
const WS_CLIENT = '../../src/renderer/api/ws-client';
let connectWebSocketApi: (url: string, token: string) => StudioApi;

let dir: string;
let services: StudioServices;
let server: RunningServer;
let base: string;

beforeAll(async () => {
  (globalThis as { WebSocket?: unknown }).WebSocket = WebSocket;
  ({ connectWebSocketApi } = (await import(/* @vite-ignore */ WS_CLIENT)) as { connectWebSocketApi: typeof connectWebSocketApi });
  dir = makeTempDir('sam-server-');
  const web = join(dir, 'web');
  mkdirSync(web);
  writeFileSync(join(web, 'index.html'), '<!doctype html><title>SAM Studio</title><div id="app"></div>');
  services = createStudioServices({ dbPath: join(dir, 'runs.db'), workDir: dir, launcher: new NodeTrainerLauncher() });
  server = await startServer({ services, staticDir: web });
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(async () => {
  await server.close();
  await services.close();
  removeTempDir(dir);
});

/** A GET with full control over headers (fetch cannot set Host). */
function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function upgradeStatus(url: string, origin?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, origin ? { origin } : {});
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    ws.on('error', (err) => (err.message.includes('Unexpected server response') ? undefined : reject(err)));
  });
}

describe('token', () => {
  it('refuses /api without the right token (401) and answers with it', async () => {
    expect((await get('/api/runs')).status).toBe(401);
    expect((await get('/api/runs?token=wrong')).status).toBe(401);
    expect((await get('/api/runs', { authorization: 'Bearer nope' })).status).toBe(401);
    const ok = await get(`/api/runs?token=${server.token}`);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual([]);
    expect((await get('/api/runs', { authorization: `Bearer ${server.token}` })).status).toBe(200);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
    expect(server.token.length).toBeGreaterThanOrEqual(32);
  });

  it('refuses the WebSocket upgrade without the token (401)', async () => {
    expect(await upgradeStatus(`ws://127.0.0.1:${server.port}/ws`)).toBe(401);
    expect(await upgradeStatus(`ws://127.0.0.1:${server.port}/ws?token=wrong`)).toBe(401);
    expect(await upgradeStatus(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`)).toBe(101);
  });

  it('refuses other Host names (DNS rebinding)', async () => {
    expect((await get(`/api/runs?token=${server.token}`, { host: `evil.example:${server.port}` })).status).toBe(403);
  });

  it('refuses a WebSocket or an API call from a page on another origin, even with the token', async () => {
    const ws = `ws://127.0.0.1:${server.port}/ws?token=${server.token}`;
    for (const origin of ['https://evil.example', 'http://127.0.0.1.evil.example', `http://127.0.0.1:${server.port + 1}`, 'null', 'file://']) {
      expect(await upgradeStatus(ws, origin), origin).toBe(403);
      expect((await get(`/api/runs?token=${server.token}`, { origin })).status, origin).toBe(403);
    }
    // The app's own page, by any loopback name it may be opened with.
    for (const origin of [`http://127.0.0.1:${server.port}`, `http://localhost:${server.port}`]) {
      expect(await upgradeStatus(ws, origin), origin).toBe(101);
      expect((await get(`/api/runs?token=${server.token}`, { origin })).status, origin).toBe(200);
    }
  });
});

describe('network', () => {
  it('listens on 127.0.0.1 only', async () => {
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal);
    const addresses = ['127.0.0.1', ...(external ? [external.address] : [])];
    const reachable = await Promise.all(
      addresses.map(
        (host) =>
          new Promise<boolean>((resolve) => {
            const s = createConnection({ host, port: server.port });
            s.once('connect', () => (s.destroy(), resolve(true)));
            s.once('error', () => resolve(false));
          }),
      ),
    );
    expect(reachable[0]).toBe(true);
    // Every non-loopback address of this machine is refused.
    expect(reachable.slice(1).every((r) => r === false)).toBe(true);
  });

  it('serves the renderer with a strict CSP and no token', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<div id="app">');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    expect(csp).toContain("frame-ancestors 'none'");
    // Path traversal, plain or percent-encoded, never reaches files outside the build.
    for (const path of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2fetc%2fpasswd']) {
      expect((await get(path)).body).not.toContain('root:');
    }
  });
});

describe('API over the wire', () => {
  it('validates payloads over the WebSocket and returns field-named errors', async () => {
    const api = connectWebSocketApi(`ws://127.0.0.1:${server.port}/ws`, server.token);
    const err = await api.createRun({ ...moons, optimizer: { kind: 'sgd', lr: -1 }, sam: { rho: 0.05, m: 3 } }).catch((e: unknown) => e as Error & { issues?: { field: string; message: string }[] });
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('ApiValidationError');
    const fields = (err as { issues: { field: string }[] }).issues.map((i) => i.field);
    expect(fields).toContain('optimizer.lr');
    expect(fields).toContain('sam.m');
    await expect(api.getRun(-4)).rejects.toThrow(/getRun: invalid request/);
    const info = await api.info();
    expect(info.transport).toBe('websocket');
    expect(info.backends.find((b) => b.name === 'cpu')?.available).toBe(true);
    expect((await api.datasets()).find((d) => d.name === 'fashion-mnist')?.onDisk).toBe(true);
  });

  it('creates a run over the WebSocket, pushes its events live, and serves it over HTTP', async () => {
    const api = connectWebSocketApi(`http://127.0.0.1:${server.port}/`, server.token);
    const pushed: StudioEvent[] = [];
    const finished = new Promise<void>((resolve) =>
      api.subscribe((e) => {
        pushed.push(e);
        if (e.type === 'run-updated' && e.run.status === 'done') resolve();
      }),
    );
    const run = await api.createRun(moons, { name: 'over the wire' });
    await finished;
    expect(pushed.some((e) => e.type === 'run-event' && e.runId === run.id && e.event.event === 'metrics')).toBe(true);
    expect((await api.listRuns()).map((r) => r.name)).toContain('over the wire');

    const one = JSON.parse((await get(`/api/runs/${run.id}?token=${server.token}`)).body) as { status: string; checkpoints: unknown[] };
    expect(one.status).toBe('done');
    const series = JSON.parse((await get(`/api/runs/${run.id}/series?names=trainLoss,lr&maxPoints=10&token=${server.token}`)).body) as { name: string; x: number[] }[];
    expect(series.map((s) => s.name).sort()).toEqual(['lr', 'trainLoss']);
    expect(series[0].x.length).toBeLessThanOrEqual(10);
    const bad = await get(`/api/runs/${run.id}/series?maxPoints=3&token=${server.token}`);
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error.issues[0].field).toContain('maxPoints');
    expect((await get(`/api/runs/9999?token=${server.token}`)).status).toBe(404);

    // Any method over POST /api/call/:method, same validation.
    const post = (method: string, body: string, token = server.token) =>
      fetch(`${base}/api/call/${method}?token=${token}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    const updated = await post('updateRun', JSON.stringify([run.id, { notes: 'from curl' }]));
    expect(updated.status).toBe(200);
    expect(((await updated.json()) as { notes: string }).notes).toBe('from curl');
    expect((await post('updateRun', JSON.stringify([run.id, { tags: 'x' }]))).status).toBe(400);
    expect((await post('listRuns', '[{}]', 'wrong')).status).toBe(401);

    const file = join(dir, 'report.csv');
    writeFileSync(file, 'step,value\n1,0.5\n');
    const artifact = services.store.addArtifact({ runIds: [run.id], format: 'csv', path: file });
    const dl = await get(`/api/artifacts/${artifact.id}?token=${server.token}`);
    expect(dl.status).toBe(200);
    expect(dl.body).toBe('step,value\n1,0.5\n');
    expect(String(dl.headers['content-disposition'])).toBe('attachment; filename="report.csv"');
    expect((await get(`/api/artifacts/${artifact.id}`)).status).toBe(401);
  });
});

describe('WebSocket client', () => {
  it('reconnects after the server restarts and sends calls made while it was away', async () => {
    const first = await startServer({ services, staticDir: join(dir, 'web') });
    const states: string[] = [];
    let sawClose = () => {};
    const closed = new Promise<void>((resolve) => (sawClose = resolve));
    const connect = connectWebSocketApi as (url: string, token: string, opts: { minDelayMs: number; onState: (s: string) => void }) => StudioApi;
    const api = connect(`ws://127.0.0.1:${first.port}/ws`, first.token, {
      minDelayMs: 50,
      onState: (st) => {
        states.push(st);
        if (st === 'closed') sawClose();
      },
    });
    expect(Array.isArray(await api.listRuns())).toBe(true);
    await first.close();
    await closed;
    // Made while disconnected: held until the connection is back, then sent.
    const pending = api.listRuns({ sort: 'name', order: 'asc' });
    const second = await startServer({ services, staticDir: join(dir, 'web'), port: first.port, token: first.token });
    try {
      expect((await pending).map((r) => r.id)).toEqual((await services.listRuns({ sort: 'name', order: 'asc' })).map((r) => r.id));
      expect(states.filter((st) => st === 'open').length).toBeGreaterThanOrEqual(2);
    } finally {
      await second.close();
    }
  });
});

describe('sam-studio serve', () => {
  it('prints a tokenised loopback URL, guards /api with it, and on SIGTERM to its pid exits 0 and frees the port', async () => {
    const db = join(dir, 'serve.db');
    const child = startCli(['serve', '--port', '0', '--db', db, '--static', join(dir, 'web')]);
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        const m = out.match(/open (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/);
        if (m) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
    });
    const u = new URL(url);
    const token = u.searchParams.get('token')!;
    expect((await fetch(`${u.origin}/api/runs`)).status).toBe(401);
    const ok = await fetch(`${u.origin}/api/runs?token=${token}`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual([]);
    const code = await new Promise<number | null>((resolve) => {
      child.once('exit', (c) => resolve(c));
      // The command's own pid (node bin/sam-studio.js): the server runs in it, not in a child.
      process.kill(child.pid!, 'SIGTERM');
    });
    expect(code).toBe(0);
    // The port is free again: nothing listens there, and it can be bound.
    await expect(fetch(`${u.origin}/api/runs?token=${token}`)).rejects.toThrow();
    const again = createServer();
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.listen(Number(u.port), '127.0.0.1', () => resolve());
    });
    await new Promise<void>((resolve) => again.close(() => resolve()));
  });
});
