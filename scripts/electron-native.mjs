#!/usr/bin/env node
// Builds better-sqlite3 for Electron's ABI into .electron-native/, leaving node_modules' copy
// built for Node. So `npm test` (Node) and `npm start` (Electron) both work, in either order.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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

// npm passes its bundled node-gyp to scripts; fall back to one on PATH.
const nodeGyp = process.env.npm_config_node_gyp;
const cmd = nodeGyp ? process.execPath : 'node-gyp';
const args = [
  ...(nodeGyp ? [nodeGyp] : []),
  'rebuild',
  '--release',
  `--target=${electronVersion}`,
  `--arch=${process.arch}`,
  '--dist-url=https://electronjs.org/headers',
  '--runtime=electron',
];
try {
  console.log(`building better-sqlite3 ${sqliteVersion} for Electron ${electronVersion} (${process.arch})…`);
  execFileSync(cmd, args, { cwd: outDir, stdio: 'inherit' });
  writeFileSync(stampFile, stamp);
} catch (err) {
  console.error(
    `\nCould not build better-sqlite3 for Electron ${electronVersion}: node-gyp needs Electron's headers ` +
      `(downloaded once from electronjs.org) and a C++ toolchain.\n` +
      `The desktop app cannot open its run database without it. Fix the network or toolchain and run \`npm start\` again.\n` +
      `Meanwhile everything else works in plain Node: \`npm run serve\` opens the same app in your browser.\n`,
  );
  process.exit(1);
}
