// What `npm start` says when a one-time download fails: the cause in one line (DNS, refused,
// timeout, HTTP status — never a stack trace) and the way to use SAM Studio without Electron.

export const BROWSER_MODE =
  'Everything else works without it: `npm run serve` opens the same app in your browser ' +
  '(on 127.0.0.1, with a token in the URL), and `npx sam-studio --help` lists the command line.';

/** The network error named in a tool's output (node-gyp, @electron/get), or null. */
export function networkCause(text) {
  const m = /(getaddrinfo \w+ \S+|connect (?:ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH) \S+|\bE(?:AI_AGAIN|TIMEDOUT|CONNRESET)\b[^\n]*|socket hang up|unable to get local issuer certificate|self[- ]signed certificate[^\n]*|HTTPError: Response code \d+[^\n]*|status code \d{3})/i.exec(text);
  return m ? m[1].trim() : null;
}

/** Why `url` cannot be fetched ("getaddrinfo ENOTFOUND github.com", "HTTP 404"), or null when it can. */
export async function probe(url) {
  try {
    const r = await fetch(url, { method: 'HEAD', redirect: 'follow', signal: AbortSignal.timeout(15_000) });
    return r.ok ? null : `HTTP ${r.status} from ${new URL(url).host}`;
  } catch (e) {
    const c = e?.cause;
    // Node's own words: "getaddrinfo ENOTFOUND github.com", "connect ECONNREFUSED 127.0.0.1:9".
    if (c?.code && c.message) return c.message;
    if (e?.name === 'TimeoutError') return `no answer from ${new URL(url).host} within 15 s`;
    return e?.message ?? String(e);
  }
}

/** Print the message (a first line naming what failed, then why and what to do) and exit 1. */
export function fail(lines) {
  console.error(`\nnpm start: ${lines.join('\n')}\n\n${BROWSER_MODE}\n`);
  process.exit(1);
}
