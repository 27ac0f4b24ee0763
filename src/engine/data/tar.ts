// Just enough of the tar format (POSIX ustar / GNU) to unpack the CIFAR archives: 512-byte
// headers (name at 0, octal size at 124, type flag at 156, ustar prefix at 345), data padded to
// 512 bytes, two zero blocks at the end.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileError } from './errors';

function field(buf: Uint8Array, off: number, len: number): string {
  let end = off;
  while (end < off + len && buf[end] !== 0) end++;
  return Buffer.from(buf.subarray(off, end)).toString('utf8');
}

export interface TarEntry {
  name: string;
  data: Uint8Array;
}

export function* tarEntries(buf: Uint8Array, archive: string): Generator<TarEntry> {
  let off = 0;
  let longName: string | null = null;
  while (off + 512 <= buf.length) {
    const header = buf.subarray(off, off + 512);
    if (header.every((b) => b === 0)) return;
    const size = parseInt(field(header, 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156] || 0x30);
    const prefix = field(header, 345, 155);
    let name = longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
    longName = null;
    const start = off + 512;
    if (start + size > buf.length) throw fileError(archive, `truncated tar archive: entry "${name}" needs ${size} bytes past offset ${start}`);
    const data = buf.subarray(start, start + size);
    off = start + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      longName = field(data, 0, data.length);
      continue;
    }
    if (type === '0' || type === '\0') {
      name = normalize(name);
      yield { name, data };
    }
  }
}

/** Write the entries accepted by `keep` under `dir`; refuses paths that would escape it. */
export function extractTar(buf: Uint8Array, archive: string, dir: string, keep: (name: string) => boolean): string[] {
  const written: string[] = [];
  for (const e of tarEntries(buf, archive)) {
    if (!keep(e.name)) continue;
    if (e.name.startsWith('..') || e.name.startsWith('/')) throw fileError(archive, `unsafe path in archive: ${e.name}`);
    const out = join(dir, e.name);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, e.data);
    written.push(out);
  }
  return written;
}
