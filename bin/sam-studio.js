#!/usr/bin/env node
// `sam-studio`: runs the CLI built to JavaScript (out/cli, made by `npm run build:cli`, which
// `npm install` runs through the `prepare` script) in this very process, so Ctrl-C and
// `kill -INT/-TERM <this pid>` reach the command itself.
import { existsSync } from 'node:fs';

const entry = new URL('../out/cli/index.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('sam-studio: the command is not built yet (out/cli/index.js is missing); run `npm run build:cli` in the SAM Studio folder (`npm install` does it)');
  process.exit(1);
}
await import(entry.href);
