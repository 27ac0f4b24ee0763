// The backend ladder (DESIGN.md "The engine"): tensorflow-gpu, tensorflow, webgpu, wasm, cpu.
// A rung is trusted only after it proves itself on this machine: every rung that comes up runs
// the self-check (self-check/: a tiny CNN's loss, gradients and one SAM step against cpu), and a
// rung that disagrees is refused with the reason. `auto` then takes the fastest rung that passed,
// timed here (self-check/timing.ts); a pinned backend that cannot come up or fails its check is an
// error that says why. Checks and timings are kept for the life of the process.
// tfjs-core's Node bundle registers no gradients (only the ESM register_all_gradients does, and
// that file cannot load under Node's ESM resolver); tfjs-layers' Node bundle registers them all.
import '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { BACKEND_NAMES, type BackendName } from '../shared/config';
import type { BackendCheck, BackendReport } from '../shared/events';
import { cpuRung, wasmRung } from './backends/wasm';
import { tensorflowCpuRung, tensorflowGpuRung } from './backends/tensorflow';
import { webgpuRung } from './backends/webgpu';
import type { BackendRung } from './backends/types';
import { formatError } from './self-check/compare';
import { type SelfCheckResult, selfCheckActiveBackend } from './self-check/index';
import { TIMING_DESCRIPTION, timeSamStep } from './self-check/timing';

const LADDER: readonly BackendRung[] = [tensorflowGpuRung, tensorflowCpuRung, webgpuRung, wasmRung, cpuRung];

/** cpu is what every other rung is checked against. */
const REFERENCE: BackendName = 'cpu';

export class BackendUnavailableError extends Error {
  constructor(
    readonly backend: BackendName,
    readonly reason: string,
  ) {
    super(`backend "${backend}" is not available here: ${reason}. Use backend "auto" to pick the best available one.`);
    this.name = 'BackendUnavailableError';
  }
}

const checks = new Map<BackendName, Promise<SelfCheckResult>>();
const timings = new Map<BackendName, Promise<number>>();

/** Forget the self-checks and timings of one rung, or of all (tests that break a kernel on purpose). */
export function forgetBackendChecks(name?: BackendName): void {
  for (const m of [checks, timings]) {
    if (name) m.delete(name);
    else m.clear();
  }
}

/** `run` for this rung once per process (it runs on the active backend, which must be `name`). */
function once<T>(cache: Map<BackendName, Promise<T>>, name: BackendName, run: () => Promise<T>): Promise<T> {
  let p = cache.get(name);
  if (!p) {
    p = run();
    cache.set(name, p);
  }
  return p;
}

type Details = Record<string, string | number | boolean>;

function describe(details: Details): string {
  return Object.entries(details)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
}

function checkedDetails(c: SelfCheckResult | null): Details {
  if (!c) return { selfCheck: 'reference (cpu)' };
  return { selfCheck: `passed (max relative error ${formatError(c.maxRelError ?? 0)}, ${c.ms} ms)` };
}

interface Candidate {
  rung: BackendRung;
  details: Details;
  check: SelfCheckResult | null;
  stepMs: number | null;
}

/** Brings one rung up and checks it. Leaves it active when it passed. */
async function tryRung(rung: BackendRung): Promise<{ ok: true; c: Candidate } | { ok: false; entry: BackendCheck }> {
  const r = await rung.activate();
  if (!r.ok) return { ok: false, entry: { name: rung.name, status: 'unavailable', reason: r.reason, checkMs: null, maxRelError: null, stepMs: null } };
  const check = rung.name === REFERENCE ? null : await once(checks, rung.name, selfCheckActiveBackend);
  const software = r.details.software === true ? { software: true } : {};
  if (check && !check.ok) {
    return {
      ok: false,
      entry: { name: rung.name, status: 'refused', reason: check.reason ?? 'self-check failed', checkMs: check.ms, maxRelError: check.maxRelError, stepMs: null, ...software },
    };
  }
  return { ok: true, c: { rung, details: r.details, check, stepMs: null } };
}

function passedEntry(c: Candidate, status: BackendCheck['status'], reason: string): BackendCheck {
  return {
    name: c.rung.name,
    status: c.check === null && status !== 'chosen' ? 'reference' : status,
    reason,
    checkMs: c.check?.ms ?? null,
    maxRelError: c.check?.maxRelError ?? null,
    stepMs: c.stepMs,
    ...(c.details.software === true ? { software: true } : {}),
  };
}

function slowerReason(c: Candidate, best: Candidate): string {
  const soft = c.details.software === true ? ` (software adapter: ${c.details.device ?? 'unknown'})` : '';
  const checked = c.check ? 'passed its self-check but is' : 'the reference backend,';
  return `${checked} slower here: ${c.stepMs!.toFixed(1)} ms per ${TIMING_DESCRIPTION} against ${best.stepMs!.toFixed(1)} ms on ${best.rung.name}${soft}`;
}

/**
 * Sets the tfjs backend (registering what it needs), checks it against cpu, and reports what was
 * chosen, why the others were not, and every rung's check and timing.
 */
export async function initBackend(pref: 'auto' | BackendName): Promise<BackendReport> {
  if (pref !== 'auto') return initPinned(pref);
  const entries: BackendCheck[] = [];
  const passed: Candidate[] = [];
  for (const rung of LADDER) {
    const r = await tryRung(rung);
    if (r.ok) passed.push(r.c);
    else entries.push(r.entry);
  }
  if (passed.length === 0) {
    throw new Error(`no tfjs backend could start: ${entries.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
  }
  if (passed.length > 1) {
    for (const c of passed) {
      await tf.setBackend(c.rung.name);
      c.stepMs = await once(timings, c.rung.name, () => timeSamStep());
    }
  }
  const best = passed.reduce((a, b) => ((b.stepMs ?? Infinity) < (a.stepMs ?? Infinity) ? b : a));
  await tf.setBackend(best.rung.name);
  for (const c of passed) {
    entries.push(c === best ? passedEntry(c, 'chosen', describe(c.details)) : passedEntry(c, 'passed', slowerReason(c, best)));
  }
  const ordered = LADDER.map((r) => entries.find((e) => e.name === r.name)!);
  return {
    name: best.rung.name,
    skipped: ordered.filter((e) => e.status !== 'chosen').map((e) => ({ name: e.name, reason: e.reason })),
    details: { ...best.details, ...checkedDetails(best.check), ...(best.stepMs !== null ? { samStepMs: Number(best.stepMs.toFixed(2)) } : {}) },
    checks: ordered,
  };
}

async function initPinned(pref: BackendName): Promise<BackendReport> {
  const rung = LADDER.find((r) => r.name === pref);
  if (!rung) throw new Error(`unknown backend "${pref}"; choose auto or one of ${BACKEND_NAMES.join(', ')}`);
  const before = tf.getBackend();
  const r = await tryRung(rung);
  if (!r.ok) {
    // Leave the process on the backend it had.
    if (before && tf.getBackend() !== before) await tf.setBackend(before);
    throw new BackendUnavailableError(pref, r.entry.reason);
  }
  return {
    name: pref,
    skipped: [],
    details: { ...r.c.details, ...checkedDetails(r.c.check), pinned: true },
    checks: [passedEntry(r.c, 'chosen', describe(r.c.details))],
  };
}

/** Availability of every rung without switching the active backend (for the app's info screen). */
export async function probeBackends(): Promise<{ name: BackendName; available: boolean; reason: string }[]> {
  const out: { name: BackendName; available: boolean; reason: string }[] = [];
  // Loading tfjs-node registers (and may select) its backend: put the active one back afterwards.
  const active = tf.engine().backendName;
  for (const rung of LADDER) {
    const r = await rung.probe();
    out.push({ name: rung.name, available: r.ok, reason: r.ok ? describe(r.details) || 'available' : r.reason });
  }
  if (active && tf.engine().backendName !== active) await tf.setBackend(active);
  return out;
}
