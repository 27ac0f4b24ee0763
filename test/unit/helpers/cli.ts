// Running `sam-studio` (src/cli/index.ts under tsx), or any Node script, as a real child process.
import { spawn } from 'node:child_process';

/** Node arguments that start the CLI; append the command and its options. */
export const CLI_ARGS = ['--import', 'tsx', 'src/cli/index.ts'] as const;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node ...args` to completion and collects its output; resolves with any exit code.
 * `timeoutMs` kills a child that hangs (its code is then null).
 */
export function runNode(args: string[], opts: { timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'], timeout: opts.timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs the CLI to completion and collects its output; resolves with any exit code. */
export function runCli(args: string[]): Promise<CliResult> {
  return runNode([...CLI_ARGS, ...args]);
}
