// The thin Electron layer, with only the Electron binary replaced (it cannot run on CI machines):
// IPC requests are validated by the shared schemas and refused from foreign frames; windows get
// the security defaults; navigation and new windows are denied.
import { beforeEach, describe, expect, it, vi } from 'vitest';

type Handler = (event: { senderFrame: { url: string } | null }, ...args: unknown[]) => Promise<unknown> | unknown;
const fake = vi.hoisted(() => {
  const handlers = new Map<string, Handler>();
  const windows: { options: Record<string, unknown>; events: Map<string, (...a: unknown[]) => void>; openHandler?: (d: { url: string }) => unknown; sent: unknown[][] }[] = [];
  const opened: string[] = [];
  class BrowserWindow {
    webContents: Record<string, unknown>;
    constructor(public options: Record<string, unknown>) {
      const rec = { options, events: new Map<string, (...a: unknown[]) => void>(), sent: [] as unknown[][] } as (typeof windows)[number];
      windows.push(rec);
      this.webContents = {
        setWindowOpenHandler: (h: (d: { url: string }) => unknown) => (rec.openHandler = h),
        on: (name: string, l: (...a: unknown[]) => void) => rec.events.set(name, l),
        send: (...a: unknown[]) => rec.sent.push(a),
      };
    }
    static getAllWindows = () => [];
    once() {}
    loadURL() { return Promise.resolve(); }
    loadFile() { return Promise.resolve(); }
    isDestroyed() { return false; }
  }
  return {
    handlers,
    windows,
    opened,
    module: {
      ipcMain: { handle: (ch: string, h: Handler) => handlers.set(ch, h), removeHandler: (ch: string) => handlers.delete(ch) },
      BrowserWindow,
      shell: { openExternal: (u: string) => (opened.push(u), Promise.resolve()) },
      app: {},
      session: {},
    },
  };
});
vi.mock('electron', () => ({ ...fake.module, default: fake.module }));

import { registerIpc } from '../../src/main/ipc';
import { createMainWindow } from '../../src/main/window';
import { IPC_CHANNELS } from '../../src/shared/api-methods';
import type { WireReply } from '../../src/shared/wire';

const calls: { method: string; args: unknown[] }[] = [];
const services = new Proxy(
  { subscribe: () => () => {} },
  {
    get: (t, method: string) =>
      method === 'subscribe' ? t.subscribe : async (...args: unknown[]) => (calls.push({ method, args }), { id: 1 }),
  },
) as unknown as Parameters<typeof registerIpc>[0];

const goodConfig = { epochs: 1, batchSize: 32, data: { name: 'synthetic-moons' }, model: { kind: 'mlp', hidden: [8] }, optimizer: { kind: 'sgd', lr: 0.1 } };

describe('Electron IPC door', () => {
  beforeEach(() => {
    calls.length = 0;
    fake.handlers.clear();
  });

  it('passes a valid request from the app page to the services', async () => {
    registerIpc(services, undefined);
    const handler = fake.handlers.get(IPC_CHANNELS.call)!;
    const reply = (await handler({ senderFrame: { url: 'file:///app/out/renderer/index.html' } }, 'createRun', [goodConfig])) as WireReply;
    expect(reply.ok).toBe(true);
    expect(calls).toEqual([{ method: 'createRun', args: [expect.objectContaining({ seed: 0, sam: null }), {}] }]);
  });

  it('refuses a bad payload with field-named issues and never calls the service', async () => {
    registerIpc(services, undefined);
    const handler = fake.handlers.get(IPC_CHANNELS.call)!;
    const reply = (await handler({ senderFrame: { url: 'file:///app/index.html' } }, 'createRun', [{ ...goodConfig, batchSize: 32, sam: { rho: 0.05, m: 5 } }])) as WireReply;
    expect(reply.ok).toBe(false);
    if (!reply.ok) expect(reply.error.issues).toEqual([{ field: 'sam.m', message: expect.stringContaining('does not divide batchSize = 32') }]);
    expect(calls).toEqual([]);
  });

  it('refuses calls from frames that are not the app', async () => {
    registerIpc(services, 'http://localhost:5173');
    const handler = fake.handlers.get(IPC_CHANNELS.call)!;
    const reply = (await handler({ senderFrame: { url: 'https://evil.example/' } }, 'deleteRun', [1])) as WireReply;
    expect(reply).toMatchObject({ ok: false, error: { name: 'ForbiddenError' } });
    const dev = (await handler({ senderFrame: { url: 'http://localhost:5173/#/runs' } }, 'getRun', [1])) as WireReply;
    expect(dev.ok).toBe(true);
    expect(calls.map((c) => c.method)).toEqual(['getRun']);
  });

  it('unregisters its handler', () => {
    const off = registerIpc(services, undefined);
    off();
    expect(fake.handlers.has(IPC_CHANNELS.call)).toBe(false);
  });
});

describe('main window', () => {
  it('is sandboxed, context-isolated, without Node, and denies navigation and new windows', () => {
    createMainWindow(undefined);
    const w = fake.windows.at(-1)!;
    expect(w.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
    expect(w.openHandler!({ url: 'https://arxiv.org/abs/2010.01412' })).toEqual({ action: 'deny' });
    expect(fake.opened).toEqual(['https://arxiv.org/abs/2010.01412']);
    expect(w.openHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(fake.opened).toHaveLength(1);
    let prevented = false;
    w.events.get('will-navigate')!({ preventDefault: () => (prevented = true) }, 'https://evil.example/');
    expect(prevented).toBe(true);
    prevented = false;
    w.events.get('will-navigate')!({ preventDefault: () => (prevented = true) }, 'file:///app/out/renderer/index.html');
    expect(prevented).toBe(false);
  });
});
