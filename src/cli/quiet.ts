// Libraries print to the console on their own (tfjs's install banners and "kernel already
// registered" notices, …). The CLI's output is what its user asked for, and `--json` output is
// read by programs, so library chatter on the console is dropped unless --verbose. A call counts
// as a library's when the code making it lives in a node_modules folder (below SAM Studio's own
// folder, so an installed copy of SAM Studio still prints its own lines). console.error stays.
import { sep } from 'node:path';
import { packageRoot } from './paths';

const LEVELS = ['log', 'info', 'warn', 'debug'] as const;
const FRAME_FILE = /\(?((?:file:\/\/)?\/[^():]+|[A-Za-z]:\\[^():]+):\d+:\d+\)?$/;

/** Whether the code that called console.* is a library's. `stack` is taken in the wrapper. */
export function fromLibrary(stack: string | undefined, root: string): boolean {
  // Line 0 is "Error", line 1 the wrapper below; the first file frame after it is the caller.
  for (const line of (stack ?? '').split('\n').slice(2)) {
    const m = FRAME_FILE.exec(line.trim());
    if (!m) continue;
    const file = m[1].replace(/^file:\/\//, '');
    const own = file.startsWith(root + sep) ? file.slice(root.length) : file;
    return own.includes(`${sep}node_modules${sep}`);
  }
  return false;
}

export function hideLibraryConsole(): void {
  const root = packageRoot();
  for (const level of LEVELS) {
    const original = console[level].bind(console);
    console[level] = (...args: unknown[]) => {
      if (!fromLibrary(new Error().stack, root)) original(...args);
    };
  }
}
