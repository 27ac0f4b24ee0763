#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so `sam-studio` works straight after `npm install`.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const tsxLoader = require.resolve('tsx');
const r = spawnSync(process.execPath, ['--import', tsxLoader, join(root, 'src/cli/index.ts'), ...process.argv.slice(2)], {
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
