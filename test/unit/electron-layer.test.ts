// The thin Electron layer, with only the Electron binary replaced (it cannot run on CI machines):
// IPC requests are validated by the shared schemas and refused from any page but the app's own
// index.html; windows get the security defaults; navigation, new windows, foreign files, remote
// requests and permissions are denied; only allow-listed links reach the user's browser.
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fake, FakeBrowserWindow } from './helpers/fake-electron';

vi.mock('electron', async () => (await import('./helpers/fake-electron')).electronModule);

import { registerIpc } from '../../src/main/ipc';
import { createMainWindow } from '../../src/main/window';
import { electronPrintToPdf } from '../../src/main/electron-pdf';
import { applySessionSecurity } from '../../src/main/security';
import { isAppPage, type AppPages } from '../../src/main/app-pages';
import { APP_CSP } from '../../src/main/csp';
import { cspMetaPlugin } from '../../electron.vite.config';
import { IPC_CHANNELS } from '../../src/shared/api-methods';
import type { WireReply } from '../../src/shared/wire';
import { makeTempDir } from './helpers/tmp';

const calls: { method: string; args: unknown[] }[] = [];
const services = new Proxy(
  { subscribe: () => () => {} },
  {
    get: (t, method: string) =>
      method === 'subscribe' ? t.subscribe : async (...args: unknown[]) => (calls.push({ method, args }), { id: 1 }),
  },
) as unknown as Parameters<typeof registerIpc>[0];

const goodConfig = { epochs: 1, batchSize: 32, data: { name: 'synthetic-moons' }, model: { kind: 'mlp', hidden: [8] }, optimizer: { kind: 'sgd', lr: 0.1 } };

/** The built app as it sits on a user's disk. */
const appDir = resolve('/opt/SAM Studio/resources/app.asar/out/renderer');
const pages: AppPages = { indexHtml: join(appDir, 'index.html') };
const indexUrl = pathToFileURL(pages.indexHtml).href;
const dev: AppPages = { ...pages, devServerUrl: 'http://localhost:5173' };

type Handler = (event: { senderFrame: { url: string } | null }, ...args: unknown[]) => Promise<unknown>;
const callHandler = () => fake.ipcHandlers.get(IPC_CHANNELS.call) as unknown as Handler;

beforeEach(() => {
  calls.length = 0;
  fake.reset();
});

describe('Electron IPC door', () => {
  it('passes a valid request from the app page (any #route) to the services', async () => {
    registerIpc(services, pages);
    const reply = (await callHandler()({ senderFrame: { url: `${indexUrl}#/runs` } }, 'createRun', [goodConfig])) as WireReply;
    expect(reply.ok).toBe(true);
    expect(calls).toEqual([{ method: 'createRun', args: [expect.objectContaining({ seed: 0, sam: null }), {}] }]);
  });

  it('refuses a bad payload with field-named issues and never calls the service', async () => {
    registerIpc(services, pages);
    const reply = (await callHandler()({ senderFrame: { url: indexUrl } }, 'createRun', [{ ...goodConfig, batchSize: 32, sam: { rho: 0.05, m: 5 } }])) as WireReply;
    expect(reply.ok).toBe(false);
    if (!reply.ok) expect(reply.error.issues).toEqual([{ field: 'sam.m', message: expect.stringContaining('does not divide batchSize = 32') }]);
    expect(calls).toEqual([]);
  });

  it('refuses calls from any other page: a remote one, another local file, a look-alike dev server', async () => {
    registerIpc(services, pages);
    for (const url of [
      'https://evil.example/',
      'file:///tmp/downloaded.html',
      pathToFileURL(join(appDir, 'assets', 'index.html')).href,
      pathToFileURL(join(appDir, '..', 'index.html')).href,
      '',
    ]) {
      const reply = (await callHandler()({ senderFrame: url ? { url } : null }, 'deleteRun', [1])) as WireReply;
      expect(reply, url).toMatchObject({ ok: false, error: { name: 'ForbiddenError' } });
    }
    fake.ipcHandlers.clear();
    registerIpc(services, dev);
    const lookAlike = (await callHandler()({ senderFrame: { url: 'http://localhost:5173.evil.example/' } }, 'deleteRun', [1])) as WireReply;
    expect(lookAlike).toMatchObject({ ok: false, error: { name: 'ForbiddenError' } });
    const devPage = (await callHandler()({ senderFrame: { url: 'http://localhost:5173/#/runs' } }, 'getRun', [1])) as WireReply;
    expect(devPage.ok).toBe(true);
    expect(calls.map((c) => c.method)).toEqual(['getRun']);
  });

  it('unregisters its handler', () => {
    const off = registerIpc(services, pages);
    off();
    expect(fake.ipcHandlers.has(IPC_CHANNELS.call)).toBe(false);
  });
});

describe('windows', () => {
  const navigate = (w: FakeBrowserWindow, event: 'will-navigate' | 'will-redirect', url: string) => {
    let prevented = false;
    w.webContents.handlers.get(event)!({ preventDefault: () => (prevented = true) }, url);
    return !prevented;
  };

  it('main window: sandboxed, context-isolated, no Node, no middle-click; loads the pinned index.html', () => {
    const w = (createMainWindow(pages), fake.windows.at(-1)!);
    expect(w.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, disableBlinkFeatures: 'Auxclick' });
    expect(w.loaded).toBe(pages.indexHtml);
  });

  it('main window: navigates only to the app page; a foreign file:// URL is refused', () => {
    createMainWindow(pages);
    const w = fake.windows.at(-1)!;
    expect(navigate(w, 'will-navigate', `${indexUrl}#/compare`)).toBe(true);
    for (const url of ['https://evil.example/', 'file:///etc/passwd', 'file:///app/out/renderer/index.html', pathToFileURL(join(appDir, 'other.html')).href, 'file://remote-host/share/index.html']) {
      expect(navigate(w, 'will-navigate', url), url).toBe(false);
      expect(navigate(w, 'will-redirect', url), url).toBe(false);
    }
  });

  it('main window: new windows are denied; only allow-listed https links go to the browser', () => {
    createMainWindow(pages);
    const w = fake.windows.at(-1)!;
    expect(w.webContents.openHandler!({ url: 'https://arxiv.org/abs/2010.01412' })).toEqual({ action: 'deny' });
    for (const url of ['file:///etc/passwd', 'http://arxiv.org/abs/2010.01412', 'https://evil.example/', 'https://arxiv.org.evil.example/', 'smb://server/share', 'https://user@arxiv.org/']) {
      expect(w.webContents.openHandler!({ url })).toEqual({ action: 'deny' });
    }
    expect(fake.opened).toEqual(['https://arxiv.org/abs/2010.01412']);
  });

  it('the PDF printer window: no JavaScript, no middle-click, never navigates, opens nothing', async () => {
    const dir = makeTempDir('sam-pdf-');
    await electronPrintToPdf('<p>report</p>', join(dir, 'r.pdf'));
    const w = fake.windows.at(-1)!;
    expect(w.options.webPreferences).toMatchObject({ javascript: false, sandbox: true, contextIsolation: true, disableBlinkFeatures: 'Auxclick' });
    expect(navigate(w, 'will-navigate', 'https://evil.example/')).toBe(false);
    expect(navigate(w, 'will-navigate', indexUrl)).toBe(false);
    expect(w.webContents.openHandler!({ url: 'https://arxiv.org/abs/2010.01412' })).toEqual({ action: 'deny' });
    expect(fake.opened).toEqual([]);
    expect(w.destroyed).toBe(true);
  });
});

describe('session', () => {
  const allowed = (url: string) => {
    let cancel: boolean | null = null;
    fake.session.beforeRequest!({ url }, (r) => (cancel = r.cancel));
    return cancel === false;
  };

  it('loads only the app page and the files beside it; nothing remote, no other local file', () => {
    applySessionSecurity(pages);
    expect(allowed(indexUrl)).toBe(true);
    expect(allowed(pathToFileURL(join(appDir, 'assets', 'index-abc123.js')).href)).toBe(true);
    expect(allowed('data:image/png;base64,AAAA')).toBe(true);
    for (const url of ['https://cdn.example/x.js', 'file:///etc/passwd', pathToFileURL(join(appDir, '..', '..', 'package.json')).href, 'file:///opt/SAM%20Studio/resources/app.asar/out/renderer/../main/index.js']) {
      expect(allowed(url), url).toBe(false);
    }
  });

  it('in development, only the dev server itself (and its hot-reload socket)', () => {
    applySessionSecurity(dev);
    expect(allowed('http://localhost:5173/src/main.ts')).toBe(true);
    expect(allowed('ws://localhost:5173/')).toBe(true);
    expect(allowed('http://localhost:5173.evil.example/x.js')).toBe(false);
    expect(allowed('http://localhost:5174/')).toBe(false);
    expect(allowed(indexUrl)).toBe(false);
    expect(isAppPage('http://localhost:5173.evil.example/', dev)).toBe(false);
  });

  it('grants no permission, on request or on a synchronous check', () => {
    applySessionSecurity(pages);
    let granted: boolean | null = null;
    fake.session.permissionRequest!({}, 'media', (ok) => (granted = ok));
    expect(granted).toBe(false);
    for (const p of ['clipboard-read', 'notifications', 'media', 'geolocation', 'hid']) expect(fake.session.permissionCheck!({}, p, indexUrl, {})).toBe(false);
    expect(fake.session.devicePermission!({ deviceType: 'usb', origin: indexUrl })).toBe(false);
  });

  it('sends the CSP on every response, and the build writes it into index.html as a <meta>', () => {
    applySessionSecurity(pages);
    let headers: Record<string, string[]> = {};
    fake.session.headersReceived!({ responseHeaders: {} }, (r) => (headers = r.responseHeaders));
    expect(headers['Content-Security-Policy'][0]).toContain(APP_CSP);
    expect(headers['Content-Security-Policy'][0]).toContain("frame-ancestors 'none'");
    const plugin = cspMetaPlugin();
    expect(plugin.apply).toBe('build');
    const html = (plugin.transformIndexHtml as (h: string) => string)('<html><head><meta charset="UTF-8" /><title>x</title></head><body></body></html>');
    expect(html).toMatch(new RegExp(`<head><meta charset="UTF-8" />\\s*<meta http-equiv="Content-Security-Policy" content="${APP_CSP.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}" />`));
  });
});
