// The browser door's guard: a random token (in the printed URL) on every /api request and on the
// WebSocket upgrade, and a Host check so a web page on another origin cannot reach the server
// through DNS rebinding.
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

/** Only loopback names may address the server (blocks DNS-rebinding pages). */
export function hostAllowed(req: IncomingMessage, port: number): boolean {
  const host = req.headers.host;
  if (!host) return false;
  return host === `127.0.0.1:${port}` || host === `localhost:${port}` || host === `[::1]:${port}`;
}
