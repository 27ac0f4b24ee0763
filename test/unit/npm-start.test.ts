// `npm start` where Electron's binary or headers cannot be downloaded (as on this machine): it
// says what it does, tries the downloads before any build, and ends with the cause and browser
// mode, exit 1, no stack trace. Real npm and node-gyp run in a scratch copy of the checkout
// (scripts, package.json, node_modules linked); the download hosts are a closed local port, so
// the result does not depend on the machine's network.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from './helpers/tmp';

const electronVersion = (JSON.parse(readFileSync('node_modules/electron/package.json', 'utf8')) as { version: string }).version;
let checkout: string;
let closedPort: number;

beforeAll(async () => {
  checkout = makeTempDir('sam-npm-start-');
  cpSync(resolve('scripts'), join(checkout, 'scripts'), { recursive: true });
  cpSync(resolve('package.json'), join(checkout, 'package.json'));
  symlinkSync(resolve('node_modules'), join(checkout, 'node_modules'));
  const server = createServer();
  closedPort = await new Promise<number>((done) => server.listen(0, '127.0.0.1', () => done((server.address() as { port: number }).port)));
  await new Promise<void>((done) => server.close(() => done()));
});

/** No line of a JavaScript stack trace ("    at f (file.js:1:2)", "gyp ERR! stack …"). */
const STACK = /^\s+at \S|gyp ERR! stack/m;

describe('npm start without network', () => {
  it('names the failed Electron download and offers browser mode, before building anything', () => {
    const empty = makeTempDir('sam-no-electron-');
    mkdirSync(join(empty, 'cache'));
    const r = spawnSync('npm', ['start'], {
      cwd: checkout,
      encoding: 'utf8',
      env: {
        ...process.env,
        // Not the binary of this machine's node_modules (if any), no cached zip, an unreachable mirror.
        ELECTRON_OVERRIDE_DIST_PATH: empty,
        electron_config_cache: join(empty, 'cache'),
        ELECTRON_MIRROR: `http://127.0.0.1:${closedPort}/`,
      },
    });
    expect(r.status).not.toBe(0);
    expect(r.stdout).toContain(`SAM Studio's desktop app on Electron ${electronVersion}. The first start downloads Electron and builds better-sqlite3`);
    expect(r.stdout).toContain(`[1/4] downloading Electron ${electronVersion}`);
    expect(r.stdout).not.toContain('[2/4]'); // nothing compiled or built before the download failed
    expect(r.stderr).toContain(`npm start: could not download Electron ${electronVersion}'s binary (connect ECONNREFUSED 127.0.0.1:${closedPort})`);
    expect(r.stderr).toContain('`npm run serve` opens the same app in your browser');
    expect(r.stdout + r.stderr).not.toMatch(STACK);
  });

  it('names the failed download of Electron’s headers for better-sqlite3 and offers browser mode', () => {
    const r = spawnSync(process.execPath, [join(checkout, 'scripts', 'electron-native.mjs')], {
      cwd: checkout,
      encoding: 'utf8',
      // npm_config_nodedir: an npm setting for Node's own headers (this machine's npmrc has one),
      // which must not stand in for Electron's (the build would target Node's ABI).
      env: { ...process.env, SAM_ELECTRON_HEADERS_URL: `http://127.0.0.1:${closedPort}/headers`, npm_config_devdir: makeTempDir('sam-gyp-'), npm_config_nodedir: '/usr' },
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`building better-sqlite3`);
    expect(r.stderr).toContain(`could not build better-sqlite3 for Electron ${electronVersion}: could not download Electron's headers from 127.0.0.1:${closedPort} (`);
    expect(r.stderr).toContain(`(connect ECONNREFUSED 127.0.0.1:${closedPort})`);
    expect(r.stderr).toContain('`npm run serve` opens the same app in your browser');
    expect(r.stdout + r.stderr).not.toMatch(STACK);
    // Nothing half-built is left to be mistaken for a good build.
    expect(() => readFileSync(join(checkout, '.electron-native', 'stamp.json'))).toThrow();
  });
});
