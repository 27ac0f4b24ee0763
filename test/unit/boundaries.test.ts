// The architecture's import rules (DESIGN.md), kept by a test instead of by memory:
// shared and engine import no Electron, no services, no Vue; the renderer imports only shared.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(ts|vue)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm)];
  return specs.map((m) => m[1] ?? m[2] ?? m[3]);
}

/** Resolve a relative import to a path under src/, or return the bare package name. */
function target(file: string, spec: string): string {
  if (!spec.startsWith('.')) return spec;
  return relative(join(root, 'src'), resolve(dirname(file), spec));
}

function violations(dir: string, allowed: (t: string, spec: string) => boolean): string[] {
  const bad: string[] = [];
  for (const f of sourceFiles(join(root, 'src', dir))) {
    for (const spec of importsOf(f)) {
      const t = target(f, spec);
      if (!allowed(t, spec)) bad.push(`${relative(root, f)} imports ${spec}`);
    }
  }
  return bad;
}

describe('import boundaries', () => {
  it('src/shared imports only itself and zod', () => {
    expect(violations('shared', (t, spec) => (spec.startsWith('.') ? t.startsWith('shared') : spec === 'zod'))).toEqual([]);
  });

  it('src/engine imports no Electron, services, server, renderer or database', () => {
    const banned = /^(electron|better-sqlite3|vue|pinia|main|server|renderer|cli)(\/|$)/;
    expect(violations('engine', (t) => !banned.test(t))).toEqual([]);
  });

  it('src/renderer imports only src/shared and browser packages', () => {
    const nodeOnly = /^(node:|electron|better-sqlite3|@tensorflow|fs$|path$|child_process$|ws$)/;
    expect(violations('renderer', (t, spec) => (spec.startsWith('.') ? t.startsWith('renderer') || t.startsWith('shared') : !nodeOnly.test(spec)))).toEqual([]);
  });

  it('the preload imports only electron and src/shared', () => {
    expect(violations('preload', (t, spec) => (spec.startsWith('.') ? t.startsWith('shared') : spec === 'electron'))).toEqual([]);
  });

  it('only the thin Electron layer imports electron', () => {
    const electronFiles = ['main', 'preload']
      .flatMap((d) => sourceFiles(join(root, 'src', d)))
      .filter((f) => importsOf(f).includes('electron'))
      .map((f) => relative(join(root, 'src'), f))
      .sort();
    expect(electronFiles.every((f) => /^(main\/[^/]+\.ts|preload\/index\.ts)$/.test(f))).toBe(true);
    expect(electronFiles.filter((f) => f.startsWith('main/services'))).toEqual([]);
  });
});
