// Without --verbose the CLI drops what libraries print on the console (banners, notices) and
// keeps its own lines and every console.error: checked in a real Node process, with a real
// package in a node_modules folder doing the printing.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from './helpers/tmp';

describe('library console output', () => {
  it('is hidden unless --verbose; the CLI’s own lines and errors stay', () => {
    const dir = makeTempDir('sam-quiet-');
    const lib = join(dir, 'node_modules', 'noisy');
    mkdirSync(lib, { recursive: true });
    writeFileSync(join(lib, 'package.json'), JSON.stringify({ name: 'noisy', type: 'module', main: 'index.js' }));
    writeFileSync(join(lib, 'index.js'), "export function noise() { console.warn('noisy: a library warning'); console.log('noisy: a banner'); console.error('noisy: an error'); }\n");
    const quiet = pathToFileURL(resolve('src/cli/quiet.ts')).href;
    const app = join(dir, 'app.mjs');
    writeFileSync(
      app,
      [
        `import { hideLibraryConsole } from '${quiet}';`,
        "import { noise } from 'noisy';",
        "if (!process.argv.includes('--verbose')) hideLibraryConsole();",
        'noise();',
        "console.warn('own: a warning');",
        "console.log('own: a result');",
      ].join('\n'),
    );
    const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', app, ...args], { cwd: process.cwd(), encoding: 'utf8' });
    const quietRun = run();
    expect(quietRun.status, quietRun.stderr).toBe(0);
    expect(quietRun.stdout).toBe('own: a result\n');
    expect(quietRun.stderr).toBe('noisy: an error\nown: a warning\n');
    const verbose = run('--verbose');
    expect(verbose.stdout).toBe('noisy: a banner\nown: a result\n');
    expect(verbose.stderr).toBe('noisy: a library warning\nnoisy: an error\nown: a warning\n');
  });
});
