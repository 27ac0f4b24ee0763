// Serves the renderer built for the browser door (out/web), with a strict CSP on the HTML.
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
};

/** No inline or remote script, no plugins, no framing; the API only on this origin. */
export function contentSecurityPolicy(port: number): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    // Vue/chart.js set element styles; style attributes need this, scripts stay locked down.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function serveStatic(staticDir: string, pathname: string, res: ServerResponse, port: number): void {
  const root = resolve(staticDir);
  let rel: string;
  try {
    rel = normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/, '');
  } catch {
    res.writeHead(400).end('bad path');
    return;
  }
  let file = join(root, rel || 'index.html');
  if (file !== root && !file.startsWith(root + sep)) {
    res.writeHead(403).end('forbidden');
    return;
  }
  if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
  if (!existsSync(file)) {
    // A single-page app: unknown paths without an extension get the index.
    if (!extname(rel) && existsSync(join(root, 'index.html'))) file = join(root, 'index.html');
    else if (!existsSync(join(root, 'index.html'))) return missingBuild(res, root, port);
    else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
  }
  const type = MIME[extname(file)] ?? 'application/octet-stream';
  const headers: Record<string, string> = { 'content-type': type, 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache' };
  if (type.startsWith('text/html')) Object.assign(headers, htmlHeaders(port));
  res.writeHead(200, headers).end(readFileSync(file));
}

function htmlHeaders(port: number): Record<string, string> {
  return { 'content-security-policy': contentSecurityPolicy(port), 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer' };
}

function missingBuild(res: ServerResponse, root: string, port: number): void {
  res
    .writeHead(503, { 'content-type': 'text/html; charset=utf-8', ...htmlHeaders(port) })
    .end(`<!doctype html><title>SAM Studio</title><p>The browser build is missing in ${escapeHtml(root)}. Run <code>npm run build:web</code> and reload.</p>`);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
