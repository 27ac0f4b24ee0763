#!/usr/bin/env node
// `npm start`: the desktop app. Says what it does first; the one-time steps come before the
// build, so a machine without network learns it at once: (1) Electron's binary (downloaded once
// from GitHub, or $ELECTRON_MIRROR), (2) better-sqlite3 built for Electron (once; needs Electron's
// headers from electronjs.org and a C++ toolchain), (3) the app's build, (4) Electron itself.
// A failed download ends with its cause and browser mode (`npm run serve`), exit 1, no stack trace.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fail, networkCause, probe } from './offline.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const electronDir = dirname(require.resolve('electron/package.json'));
const version = JSON.parse(readFileSync(join(electronDir, 'package.json'), 'utf8')).version;
const mirror = process.env.ELECTRON_MIRROR ?? 'https://github.com/electron/electron/releases/download/';

function say(line) {
  console.log(`npm start: ${line}`);
}

/** Electron's executable, when its binary is in place (as electron's own install.js checks). */
function electronBinary() {
  const pathTxt = join(electronDir, 'path.txt');
  if (!existsSync(pathTxt)) return null;
  const exe = join(process.env.ELECTRON_OVERRIDE_DIST_PATH ?? join(electronDir, 'dist'), readFileSync(pathTxt, 'utf8'));
  return existsSync(exe) ? exe : null;
}

async function ensureElectron() {
  const found = electronBinary();
  if (found) return found;
  say(`[1/4] downloading Electron ${version} (about 110 MB, once) from ${new URL(mirror).host}…`);
  const r = spawnSync(process.execPath, [join(electronDir, 'install.js')], { encoding: 'utf8', env: process.env });
  const exe = r.status === 0 ? electronBinary() : null;
  if (exe) return exe;
  const output = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
  const platform = process.platform === 'win32' ? 'win32' : process.platform;
  const cause = networkCause(output) ?? (await probe(`${mirror.replace(/\/?$/, '/')}v${version}/electron-v${version}-${platform}-${process.arch}.zip`)) ?? output.trim().split('\n')[0];
  fail([
    `could not download Electron ${version}'s binary (${cause}).`,
    `The desktop app needs it once, from ${mirror} (set ELECTRON_MIRROR to use another). Fix the network, or run \`npm start\` where it works, and try again.`,
  ]);
}

function run(step, args) {
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    // The tool printed its own error above; electron-native.mjs ends with the cause and browser mode.
    console.error(`\nnpm start: ${step} failed (exit ${r.status ?? r.signal}).`);
    process.exit(r.status || 1);
  }
}

say(`SAM Studio's desktop app on Electron ${version}. The first start downloads Electron and builds better-sqlite3 for it (network and a C++ toolchain, about a minute); later starts only build the app. Without network, \`npm run serve\` opens the same app in your browser.`);
const exe = await ensureElectron();
say('[2/4] better-sqlite3 for Electron…');
run('building better-sqlite3 for Electron', [join(root, 'scripts', 'electron-native.mjs')]);
say('[3/4] building the app (electron-vite)…');
run('building the app', [join(dirname(require.resolve('electron-vite/package.json')), 'bin', 'electron-vite.js'), 'build']);
say('[4/4] starting Electron');
const child = spawn(exe, ['.'], { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
