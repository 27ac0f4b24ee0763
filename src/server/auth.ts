// The browser door's guard: a random token (in the printed URL) on every /api request and on the
// WebSocket upgrade, a Host check so a web page on another origin cannot reach the server through
// DNS rebinding, and an Origin check: browsers let any page open a WebSocket to any host (no
// same-origin policy), so a page elsewhere that learnt the token must still be refused.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** The token a request presents: `?token=`, `Authorization: Bearer …` or `X-Sam-Token`. */
export function presentedToken(req: IncomingMessage): string | null {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const q = url.searchParams.get('token');
  if (q) return q;
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const h = req.headers['x-sam-token'];
  return typeof h === 'string' ? h : null;
}

export function tokenMatches(presented: string | null, token: string): boolean {
  if (!presented) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The names the server may be addressed by: loopback only. */
function loopbackHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
}

/** Only loopback names may address the server (blocks DNS-rebinding pages). */
export function hostAllowed(req: IncomingMessage, port: number): boolean {
  const host = req.headers.host;
  return host !== undefined && loopbackHosts(port).includes(host);
}

/**
 * A request a browser sends from a page carries that page's Origin; only the app's own pages
 * (this server, by a loopback name) may use the API. No Origin = not a browser page (the CLI,
 * tests, curl), which the token alone guards.
 */
export function originAllowed(req: IncomingMessage, port: number): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  return loopbackHosts(port).some((h) => origin === `http://${h}`);
}
