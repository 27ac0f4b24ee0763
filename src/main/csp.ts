// The desktop app's Content-Security-Policy. Sent as a header on every response the session sees
// and, because a header may never reach a page loaded from file://, also written into the built
// index.html as a <meta> (electron.vite.config.ts). Free of Electron: the build config imports it.
export const APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // Vue's scoped styles and chart.js set inline styles.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** The <meta> form. frame-ancestors is left out: browsers ignore it in a <meta> (the header keeps it). */
export function cspMetaTag(): string {
  return `<meta http-equiv="Content-Security-Policy" content="${APP_CSP}" />`;
}

export const APP_CSP_HEADER = `${APP_CSP}; frame-ancestors 'none'`;
