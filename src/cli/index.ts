#!/usr/bin/env node
// The `sam-studio` command (bin/sam-studio.js runs the build of this file in its own process).
import { runCli } from './main';

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`sam-studio: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
