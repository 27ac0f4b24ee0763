#!/usr/bin/env node
// Builds better-sqlite3 for Electron's ABI into .electron-native/, leaving node_modules' copy
// built for Node. So `npm test` (Node) and `npm start` (Electron) both work, in either order.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fail, networkCause, probe } from './offline.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const electronVersion = JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
const sqliteDir = dirname(require.resolve('better-sqlite3/package.json'));
const sqliteVersion = JSON.parse(readFileSync(join(sqliteDir, 'package.json'), 'utf8')).version;
const outDir = join(root, '.electron-native', 'better-sqlite3');
const binding = join(outDir, 'build', 'Release', 'better_sqlite3.node');
const stampFile = join(root, '.electron-native', 'stamp.json');
const stamp = JSON.stringify({ electronVersion, sqliteVersion, arch: process.arch });

if (existsSync(binding) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) {
  console.log(`better-sqlite3 ${sqliteVersion} for Electron ${electronVersion}: up to date`);
  process.exit(0);
}

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
cpSync(sqliteDir, outDir, { recursive: true, filter: (src) => !src.includes(`${sqliteDir}/build`) });

/** node-gyp: the one npm passes to scripts, else npm's own copy beside this Node, else one on PATH. */
function nodeGyp() {
  if (process.env.npm_config_node_gyp) return [process.execPath, process.env.npm_config_node_gyp];
  const bundled = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  return existsSync(bundled) ? [process.execPath, bundled] : ['node-gyp'];
}

const TOOLCHAIN = /(gyp ERR! find Python[^\n]*|make: (?:not found|command not found)|not found: make|(?:g|c)\+\+: (?:not found|command not found)|No Xcode or CLT version detected[^\n]*|could not find any Visual Studio[^\n]*)/i;

/** Why node-gyp failed, in one line, from its output (asking the network itself when the output does not say). */
async function diagnose(output, spawnError) {
  if (spawnError?.code === 'ENOENT') return 'node-gyp is not available; run this through npm (`npm start`), which brings it, or install node-gyp';
  const download = [...output.matchAll(/gyp http GET (\S+)/g)].at(-1)?.[1];
  const failedDownload = download && /install got an error|fetch failed/.test(output);
  const net = networkCause(output) ?? (failedDownload ? await probe(download) : null);
  if (net) return `could not download Electron's headers from ${new URL(headersUrl).host} (${net})`;
  const tool = TOOLCHAIN.exec(output);
  if (tool) return `no C++ toolchain (${tool[1].trim()}); install one: Debian/Ubuntu \`apt-get install build-essential python3\`, macOS \`xcode-select --install\`, Windows the Visual Studio Build Tools`;
  const tail = output.split('\n').filter((l) => !/^gyp ERR! (stack|System|command|cwd|node -v|node-gyp -v|not ok)/.test(l)).slice(-12).join('\n');
  return `node-gyp failed; its last lines:\n${tail.trim()}`;
}

// Electron's headers; a mirror may stand in (the tests point it at a closed port).
const headersUrl = process.env.SAM_ELECTRON_HEADERS_URL ?? 'https://electronjs.org/headers';
const [cmd, ...pre] = nodeGyp();
const args = [...pre, 'rebuild', '--release', `--target=${electronVersion}`, `--arch=${process.arch}`, `--dist-url=${headersUrl}`, '--runtime=electron'];
console.log(`building better-sqlite3 ${sqliteVersion} for Electron ${electronVersion} (${process.arch}), once: Electron's headers from ${new URL(headersUrl).host}, then about a minute of C++…`);
// Shown as it comes (but for node-gyp's "gyp ERR!" lines, stack traces included: the cause is
// said below), and kept to say what went wrong.
let output = '';
// An npm `nodedir` setting points node-gyp at Node's own headers: right for Node addons, wrong
// here (it would build for Node's ABI and skip Electron's headers), so it is not passed on.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.toLowerCase() !== 'npm_config_nodedir'));
const child = spawn(cmd, args, { cwd: outDir, stdio: ['ignore', 'pipe', 'pipe'], env });
for (const [from, to] of [[child.stdout, process.stdout], [child.stderr, process.stderr]]) {
  let partial = '';
  from.on('data', (chunk) => {
    const text = partial + chunk.toString();
    output = (output + chunk.toString()).slice(-64 * 1024);
    const lines = text.split('\n');
    partial = lines.pop();
    for (const line of lines) if (!line.startsWith('gyp ERR!')) to.write(`${line}\n`);
  });
}
let spawnError = null;
child.on('error', (e) => (spawnError = e));
const code = await new Promise((resolve) => child.on('close', (c) => resolve(c)));
if (code === 0 && !spawnError) {
  writeFileSync(stampFile, stamp);
} else {
  rmSync(outDir, { recursive: true, force: true });
  fail([
    `could not build better-sqlite3 for Electron ${electronVersion}: ${await diagnose(output, spawnError)}.`,
    'The desktop app cannot open its run database without it. Fix that and run `npm start` again.',
  ]);
}
