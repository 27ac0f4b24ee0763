// How fast each rung was on this machine, remembered between processes. Every run is its own
// trainer process; timing every rung at every start would cost each run seconds (a software
// WebGPU adapter takes seconds to compile and step). A timing is kept per fingerprint of what it
// measured — the rung and what its probe reports (device, SIMD, threads), tfjs, Node, the
// platform and the core count — so a new driver, GPU or version is timed afresh. Correctness is
// never cached: the rung `auto` chooses is self-checked in every process.
import * as tf from '@tensorflow/tfjs-core';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { arch, cpus, homedir, platform } from 'node:os';
import { dirname, join } from 'node:path';

/** Timings older than this are measured again (machines change under their owners). */
const MAX_AGE_MS = 30 * 24 * 3600 * 1000;

interface Entry {
  stepMs: number;
  measuredAt: number;
}

/** $SAM_STUDIO_CACHE_DIR/backend-timings.json, else ~/.cache/sam-studio/ (XDG_CACHE_HOME honoured). */
export function timingCachePath(): string {
  const dir = process.env.SAM_STUDIO_CACHE_DIR || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'sam-studio');
  return join(dir, 'backend-timings.json');
}

export function fingerprint(rung: string, details: Record<string, unknown>): string {
  const facts = Object.entries(details)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(',');
  return [rung, facts, `tfjs ${tf.version_core}`, `node ${process.versions.node}`, `${platform()}-${arch()}`, `${cpus().length} cpus`].join('|');
}

function readAll(): Record<string, Entry> {
  try {
    const parsed = JSON.parse(readFileSync(timingCachePath(), 'utf8')) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, Entry>) : {};
  } catch {
    return {}; // missing or unreadable: measure again
  }
}

/** A remembered timing younger than MAX_AGE_MS, or null. */
export function cachedStepMs(key: string): { stepMs: number; measuredAt: number } | null {
  const e = readAll()[key];
  if (!e || !(e.stepMs > 0) || !(Date.now() - e.measuredAt < MAX_AGE_MS)) return null;
  return e;
}

/** Remembers a timing. A cache that cannot be written is no error: the next process measures again. */
export function rememberStepMs(key: string, stepMs: number): void {
  const path = timingCachePath();
  try {
    const all = readAll();
    all[key] = { stepMs, measuredAt: Date.now() };
    mkdirSync(dirname(path), { recursive: true });
    // Write-then-rename: concurrent trainer processes never read a half-written file.
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(all, null, 1));
    renameSync(tmp, path);
  } catch {
    // read-only home, full disk: timing again next time is the only cost
  }
}
