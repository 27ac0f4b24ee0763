// Security rules applied to every window (DESIGN.md "Security"): no remote content, no
// navigation away from the app, no new windows, a strict CSP, and no permission grants.
import { app, session, shell, type BrowserWindow, type WebContents } from 'electron';

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // Vue's scoped styles and chart.js set inline styles.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

export function isAppUrl(url: string, devServerUrl: string | undefined): boolean {
  if (devServerUrl && url.startsWith(devServerUrl)) return true;
  return url.startsWith('file://');
}

export function applySessionSecurity(devServerUrl: string | undefined): void {
  const s = session.defaultSession;
  s.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  s.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  // Block every request that is not the app itself (no remote content at all).
  s.webRequest.onBeforeRequest((details, callback) => {
    const ok = isAppUrl(details.url, devServerUrl) || details.url.startsWith('devtools://') || details.url.startsWith('data:') || details.url.startsWith('blob:');
    callback({ cancel: !ok });
  });
}

export function applyWindowSecurity(win: BrowserWindow, devServerUrl: string | undefined): void {
  const wc: WebContents = win.webContents;
  wc.setWindowOpenHandler(({ url }) => {
    // Links to papers and docs open in the user's browser, never inside the app.
    if (/^https?:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  wc.on('will-navigate', (event, url) => {
    if (!isAppUrl(url, devServerUrl)) event.preventDefault();
  });
  wc.on('will-attach-webview', (event) => event.preventDefault());
}

export function enforceSingleInstance(onSecond: () => void): boolean {
  if (!app.requestSingleInstanceLock()) return false;
  app.on('second-instance', onSecond);
  return true;
}
