// Exported PyTorch projects in tests: export a config, run its train.py as real processes (one,
// or N ranks started with MASTER_ADDR/MASTER_PORT/RANK/WORLD_SIZE/LOCAL_RANK over gloo — Debian's
// torchrun crashes on Python 3.11), and read what they wrote.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseRunConfig, type RunConfig, type RunConfigInput } from '../../../src/shared/config';
import type { TrainerEvent } from '../../../src/shared/events';
import { exportPytorch, freePort, type PytorchExport } from '../../../src/main/services/export/pytorch/index';

export { freePort };

/** Debian's interpreter: the python3 first on PATH may be another one, without torch. */
export const PYTHON = '/usr/bin/python3';

/** Python's environment in tests: no bytecode files in the template, one thread per process (2 shared cores). */
export const PYTHON_ENV = { PYTHONDONTWRITEBYTECODE: '1', OMP_NUM_THREADS: '1' };

export async function exportConfig(input: RunConfigInput, dir: string): Promise<{ config: RunConfig; exported: PytorchExport }> {
  const config = parseRunConfig(structuredClone(input));
  const exported = await exportPytorch(config, dir, { appVersion: 'test', run: { id: 1, name: config.name ?? 'test run' } });
  return { config, exported };
}

export interface ScriptRun {
  events: TrainerEvent[];
  stdout: string;
  stderr: string;
}

/** `python3 train.py ARGS` as `world` processes in `dir`; rank 0's stdout parsed as events. Rejects unless every rank exits 0. */
export async function runTrainScript(dir: string, opts: { world?: number; args?: string[] } = {}): Promise<ScriptRun> {
  const world = opts.world ?? 1;
  const port = await freePort();
  const ranks = Array.from({ length: world }, (_, rank) => {
    const env = { ...process.env, ...PYTHON_ENV, ...(world > 1 ? { MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), WORLD_SIZE: String(world), RANK: String(rank), LOCAL_RANK: String(rank) } : {}) };
    const child = spawn(PYTHON, ['train.py', '--threads', '1', ...(opts.args ?? [])], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  });
  const results = await Promise.all(ranks);
  const failed = results.find((r) => r.code !== 0);
  if (failed) throw new Error(`train.py failed in ${dir} (exit ${failed.code}):\n${results.map((r, i) => `rank ${i}: ${r.stderr.trim().split('\n').slice(-6).join('\n')}`).join('\n')}`);
  const events = results[0].stdout.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as TrainerEvent);
  return { events, stdout: results[0].stdout, stderr: results.map((r) => r.stderr).join('\n') };
}

/** The last checkpoint an events list names. */
export function lastCheckpoint(events: TrainerEvent[]): string {
  const c = events.filter((e): e is Extract<TrainerEvent, { event: 'checkpoint' }> => e.event === 'checkpoint').at(-1);
  if (!c) throw new Error(`no checkpoint event in ${events.map((e) => e.event).join(', ')}`);
  return c.path;
}

export function templateTests(): string {
  return join(__dirname, '..', '..', '..', 'src', 'main', 'services', 'export', 'pytorch', 'template', 'tests');
}
