// Running `sam-studio` as users do: `node bin/sam-studio.js …`, a real process running the built
// CLI (out/cli, rebuilt by test/global-setup.ts). Its home is a scratch folder, so commands
// without --db use a default run database of the test's own, never the user's.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { makeTempDir } from './tmp';

export const BIN = resolve('bin/sam-studio.js');

/** A home folder for this test file's CLI processes. */
export const CLI_HOME = makeTempDir('sam-cli-home-');
mkdirSync(join(CLI_HOME, '.config'), { recursive: true });

/** The default run database of CLI processes started here (the desktop app's path under CLI_HOME). */
export const DEFAULT_DB = process.platform === 'darwin' ? join(CLI_HOME, 'Library', 'Application Support', 'sam-studio', 'runs.db') : join(CLI_HOME, '.config', 'sam-studio', 'runs.db');

/** `env` with this file's scratch home (kept whatever `env` says). */
export function cliEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, HOME: CLI_HOME, XDG_CONFIG_HOME: join(CLI_HOME, '.config') };
}

export const CLI_ENV = cliEnv();

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts `sam-studio <args>` (pipes for stdout and stderr). */
export function startCli(args: string[], opts: SpawnOptions = {}): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'], env: CLI_ENV, ...opts });
}

/** Collects a started CLI's output until it exits. */
export function collect(child: ChildProcess): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Runs `node ...args` (any script, not the CLI) to completion; resolves with any exit code.
 * `timeoutMs` kills a child that hangs (its code is then null).
 */
export function runNode(args: string[], opts: { timeoutMs?: number } = {}): Promise<CliResult> {
  return collect(spawn(process.execPath, args, { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'], timeout: opts.timeoutMs }));
}

/** Runs `sam-studio <args>` to completion (extra environment in `env`); resolves with any exit code. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<CliResult> {
  return collect(startCli(args, { env: cliEnv(env) }));
}
