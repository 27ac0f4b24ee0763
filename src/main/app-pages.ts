// Which URLs are the app itself. `file:` URLs share one opaque origin, so "starts with file://"
// would let any local file navigate the window, call the services or load as a resource. As in
// vutron's security.ts, the app's page is pinned to the built renderer's index.html, and the
// dev server to its exact origin (a prefix test accepts http://localhost:5173.evil.example).
// Free of Electron, so it is tested in plain Node.
import { isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface AppPages {
  /** The renderer's built index.html (absolute path). */
  indexHtml: string;
  /** electron-vite's dev server (ELECTRON_RENDERER_URL), when running `npm run dev`. */
  devServerUrl?: string;
}

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** The local file a file: URL names, or null (not file:, a remote host, or malformed). */
function filePath(u: URL): string | null {
  if (u.protocol !== 'file:') return null;
  try {
    return resolve(fileURLToPath(u));
  } catch {
    return null;
  }
}

function isDevServer(u: URL, pages: AppPages, protocols: readonly string[]): boolean {
  const dev = pages.devServerUrl ? parse(pages.devServerUrl) : null;
  return dev !== null && protocols.includes(u.protocol) && u.host === dev.host;
}

/** The app's own page (any #route): what a window may navigate to and what may call the services. */
export function isAppPage(url: string, pages: AppPages): boolean {
  const u = parse(url);
  if (!u) return false;
  if (pages.devServerUrl) return isDevServer(u, pages, [parse(pages.devServerUrl)!.protocol]);
  return filePath(u) === resolve(pages.indexHtml);
}

/**
 * What the app's page may load: the page, the files beside it (its scripts, styles and assets),
 * and inline data. Nothing remote, no other local file. The dev server also serves Vite's
 * hot-reload socket on its own host.
 */
export function isAppResource(url: string, pages: AppPages): boolean {
  const u = parse(url);
  if (!u) return false;
  if (u.protocol === 'data:' || u.protocol === 'blob:' || u.protocol === 'devtools:') return true;
  if (pages.devServerUrl) return isDevServer(u, pages, ['http:', 'https:', 'ws:', 'wss:']);
  const p = filePath(u);
  if (p === null) return false;
  const rel = relative(resolve(pages.indexHtml, '..'), p);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/** Links the app may hand to the user's browser: https to the hosts its papers and docs live on. */
export const EXTERNAL_HOSTS = ['arxiv.org', 'doi.org', 'openreview.net', 'proceedings.mlr.press', 'github.com', 'www.tensorflow.org', 'pytorch.org'] as const;

export function isAllowedExternal(url: string): boolean {
  const u = parse(url);
  if (!u || u.protocol !== 'https:' || u.username || u.password || u.port) return false;
  return EXTERNAL_HOSTS.some((h) => u.hostname === h || u.hostname === `www.${h}`);
}
