// The Python project's files are real files in ./template (tested as Python), copied as they
// are; only README.md has {{PLACEHOLDERS}}, filled with this run's facts and commands.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const FROM_ROOT = join('src', 'main', 'services', 'export', 'pytorch', 'template');
const SKIP = new Set(['__pycache__', 'tests']);

/**
 * The template folder: beside this module in the source tree; from a build (out/cli, out/main)
 * the same folder of the package, found by walking up to it; in the packaged desktop app, its
 * resources/pytorch-template (electron-builder.yml extraResources).
 */
export function templateDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const beside = join(here, 'template');
  if (existsSync(join(beside, 'train.py'))) return beside;
  const resources = (process as { resourcesPath?: string }).resourcesPath;
  if (resources && existsSync(join(resources, 'pytorch-template', 'train.py'))) return join(resources, 'pytorch-template');
  for (let dir = here; dirname(dir) !== dir; dir = dirname(dir)) {
    const candidate = join(dir, FROM_ROOT);
    if (existsSync(join(candidate, 'train.py'))) return candidate;
  }
  throw new Error(`the PyTorch export template (${FROM_ROOT}) is missing from this SAM Studio installation`);
}

/** Copy the template (all but README.md, tests and caches) into `out`; returns the files written, relative to `out`. */
export function copyTemplate(out: string): string[] {
  const root = templateDir();
  const written: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (SKIP.has(name)) continue;
      if (statSync(path).isDirectory()) walk(path);
      else if (!(dir === root && name === 'README.md') && /\.(py|txt)$/.test(name)) {
        const rel = relative(root, path);
        mkdirSync(dirname(join(out, rel)), { recursive: true });
        copyFileSync(path, join(out, rel));
        written.push(rel);
      }
    }
  };
  walk(root);
  return written;
}

/** README.md with every {{NAME}} replaced; a placeholder without a value is an error (never left in). */
export function fillReadme(values: Record<string, string>): string {
  const text = readFileSync(join(templateDir(), 'README.md'), 'utf8');
  return text.replace(/\{\{([A-Z_]+)\}\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`export template README.md: no value for {{${name}}}`);
    return values[name];
  });
}

export function writeReadme(out: string, values: Record<string, string>): void {
  writeFileSync(join(out, 'README.md'), fillReadme(values));
}
