// Running `sam-studio` (src/cli/index.ts under tsx) as a real child process.
import { spawn } from 'node:child_process';

/** Node arguments that start the CLI; append the command and its options. */
export const CLI_ARGS = ['--import', 'tsx', 'src/cli/index.ts'] as const;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to completion and collects its output; resolves with any exit code. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI_ARGS, ...args], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
