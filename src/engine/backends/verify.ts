// Bringing a rung up and trusting it: activate, then the self-check against cpu (once per process
// per rung), and the timing `auto` chooses by. Also how each outcome reads in the BackendReport.
import * as tf from '@tensorflow/tfjs-core';
import type { BackendName } from '../../shared/config';
import type { BackendCheck } from '../../shared/events';
import { formatError } from '../self-check/compare';
import { type SelfCheckResult, forgetReference, selfCheckActiveBackend } from '../self-check/index';
import { timeSamStep } from '../self-check/timing';
import type { ActivateOptions, BackendRung } from './types';

/** cpu is what every other rung is checked against. */
export const REFERENCE: BackendName = 'cpu';

export type Details = Record<string, string | number | boolean>;

const checks = new Map<BackendName, Promise<SelfCheckResult>>();
const timings = new Map<BackendName, Promise<number>>();

/**
 * Forget the self-checks and timings of one rung, or of all and cpu's reference numbers too (as
 * a new process starts; tests that break a kernel on purpose, the bench).
 */
export function forgetBackendChecks(name?: BackendName): void {
  for (const m of [checks, timings]) {
    if (name) m.delete(name);
    else m.clear();
  }
  if (!name) forgetReference();
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

/** A rung that is up, active and agrees with cpu. */
export interface Verified {
  rung: BackendRung;
  details: Details;
  /** null for cpu, the reference. */
  check: SelfCheckResult | null;
  stepMs: number | null;
}

export function describeDetails(details: Details): string {
  return Object.entries(details)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
}

export function checkedDetails(c: SelfCheckResult | null): Details {
  if (!c) return { selfCheck: 'reference (cpu)' };
  return { selfCheck: `passed (max relative error ${formatError(c.maxRelError ?? 0)}, ${c.ms} ms)` };
}

const software = (d: Details) => (d.software === true ? { software: true } : {});

export function unavailableEntry(name: BackendName, reason: string): BackendCheck {
  return { name, status: 'unavailable', reason, checkMs: null, maxRelError: null, stepMs: null };
}

/** Brings one rung up and checks it. Leaves it active when it passed. */
export async function verifyRung(rung: BackendRung, opts: ActivateOptions = {}): Promise<{ ok: true; v: Verified } | { ok: false; entry: BackendCheck }> {
  const r = await rung.activate(opts);
  if (!r.ok) return { ok: false, entry: unavailableEntry(rung.name, r.reason) };
  const check = rung.name === REFERENCE ? null : await once(checks, rung.name, selfCheckActiveBackend);
  if (check && !check.ok) {
    const entry: BackendCheck = { name: rung.name, status: 'refused', reason: check.reason ?? 'self-check failed', checkMs: check.ms, maxRelError: check.maxRelError, stepMs: null, ...software(r.details) };
    return { ok: false, entry };
  }
  return { ok: true, v: { rung, details: r.details, check, stepMs: null } };
}

/** Median ms of the timing workload on this (verified, active) rung, once per process. */
export async function timeRung(v: Verified): Promise<number> {
  if (tf.getBackend() !== v.rung.name) await tf.setBackend(v.rung.name);
  return once(timings, v.rung.name, () => timeSamStep());
}

export function verifiedEntry(v: Verified, status: 'chosen' | 'passed', reason: string): BackendCheck {
  return {
    name: v.rung.name,
    status: v.check === null && status !== 'chosen' ? 'reference' : status,
    reason,
    checkMs: v.check?.ms ?? null,
    maxRelError: v.check?.maxRelError ?? null,
    stepMs: v.stepMs,
    ...software(v.details),
  };
}
