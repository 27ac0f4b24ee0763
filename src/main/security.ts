// Security rules applied to the session and to every window (DESIGN.md "Security"): no remote
// content, no navigation away from the app's own page, no new windows, a strict CSP, no
// permissions, and only allow-listed https links handed to the user's browser.
import { session, shell, type WebContents } from 'electron';
import { isAllowedExternal, isAppPage, isAppResource, type AppPages } from './app-pages';
import { APP_CSP_HEADER } from './csp';

export function applySessionSecurity(pages: AppPages): void {
  const s = session.defaultSession;
  // The app needs no permission (camera, notifications, clipboard reads, …): refuse requests and
  // answer every synchronous permission check with "no".
  s.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  s.setPermissionCheckHandler(() => false);
  s.setDevicePermissionHandler(() => false);
  s.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [APP_CSP_HEADER] } });
  });
  // Block every request that is not the app itself (no remote content, no other local file).
  s.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !isAppResource(details.url, pages) }));
}

/** Hand a link to the user's browser if it is on the allow-list; say so when it is not. */
export function openExternalIfAllowed(url: string): boolean {
  if (!isAllowedExternal(url)) {
    console.warn(`SAM Studio: not opening ${url.slice(0, 200)}: only https links to known paper and documentation sites open outside the app`);
    return false;
  }
  void shell.openExternal(url);
  return true;
}

/**
 * Every window's contents: no new windows (allow-listed links go to the browser), no navigation
 * or redirect away from the app's page, no <webview>. `pages` null = a window that never
 * navigates at all (the PDF printer).
 */
export function applyContentsSecurity(wc: WebContents, pages: AppPages | null): void {
  wc.setWindowOpenHandler(({ url }) => {
    if (pages) openExternalIfAllowed(url);
    return { action: 'deny' };
  });
  const guard = (event: { preventDefault(): void }, url: string) => {
    if (!pages || !isAppPage(url, pages)) event.preventDefault();
  };
  wc.on('will-navigate', guard);
  wc.on('will-redirect', guard);
  wc.on('will-attach-webview', (event) => event.preventDefault());
}

/**
 * Web preferences every window shares: sandboxed, isolated, no Node, and no middle-click
 * (auxclick), which would otherwise let a link open outside the window-open handler's view.
 */
export const SECURE_WEB_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  webSecurity: true,
  disableBlinkFeatures: 'Auxclick',
} as const;
