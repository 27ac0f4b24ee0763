// Which Python runs an exported project here, and whether its torchrun works. Debian's
// python3-torch lives in /usr/bin/python3, while the python3 first on PATH may be another
// interpreter without torch; its torchrun (torch 1.13 on Python 3.11) crashes before starting
// a worker, so the launcher checks it once instead of trusting it.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export interface PythonInfo {
  path: string;
  torch: string;
}

/** What `import torch` says in `python`, or null when it cannot (with why in `why`). */
function torchVersion(python: string, why: string[]): string | null {
  const r = spawnSync(python, ['-c', 'import numpy, torch; print(torch.__version__)'], { encoding: 'utf8', timeout: 120_000 });
  if (r.error) {
    why.push(`${python}: ${(r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : r.error.message}`);
    return null;
  }
  if (r.status !== 0) {
    why.push(`${python}: ${(r.stderr.trim().split('\n').at(-1) ?? '').trim() || `exit code ${r.status}`}`);
    return null;
  }
  return r.stdout.trim();
}

/**
 * The interpreter to use: `explicit` (--python), else $SAM_STUDIO_PYTHON, else the first of
 * /usr/bin/python3, python3, python that imports torch and numpy.
 */
export function findPython(explicit?: string): PythonInfo {
  const candidates = explicit ? [explicit] : process.env.SAM_STUDIO_PYTHON ? [process.env.SAM_STUDIO_PYTHON] : ['/usr/bin/python3', 'python3', 'python'];
  const why: string[] = [];
  for (const path of candidates) {
    const torch = torchVersion(path, why);
    if (torch) return { path, torch };
  }
  throw new Error(
    `no Python with PyTorch found (${why.join('; ')}); install it (Debian: apt-get install python3-torch; elsewhere: pip install torch numpy) or name the interpreter with --python`,
  );
}

/**
 * Does torchrun work with this interpreter? It runs the project's rendezvous check (one gloo
 * all-reduce) under `python -m torch.distributed.run --standalone`. Returns null when it works,
 * else the reason (the last line torchrun printed).
 */
export function torchrunProblem(python: string, projectDir: string): string | null {
  const r = spawnSync(python, ['-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', '1', join(projectDir, 'sam_studio', 'rendezvous_check.py')], {
    encoding: 'utf8',
    timeout: 120_000,
    cwd: projectDir,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  if (r.error) return r.error.message;
  if (r.status === 0) return null;
  const lines = `${r.stderr}\n${r.stdout}`.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.at(-1) ?? `exit code ${r.status}`;
}
