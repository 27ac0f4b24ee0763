// `auto`: the fastest rung that passes its self-check, timed on this machine (DESIGN.md "The
// engine"). Timings are remembered between processes (self-check/timing-cache.ts), so a trainer
// process normally brings up and checks only the rung it will use; a rung never timed here with
// its current driver and versions is brought up, checked and timed first. Correctness is checked
// in every process: the first rung in order of speed that passes is chosen, one that fails is
// refused with its reason and the next is tried.
import * as tf from '@tensorflow/tfjs-core';
import type { BackendName } from '../../shared/config';
import type { BackendCheck, BackendReport } from '../../shared/events';
import { cachedStepMs, fingerprint, rememberStepMs } from '../self-check/timing-cache';
import { TIMING_DESCRIPTION } from '../self-check/timing';
import type { ActivateOptions, BackendRung } from './types';
import { type Verified, checkedDetails, describeDetails, timeRung, unavailableEntry, verifiedEntry, verifyRung } from './verify';

interface Available {
  rung: BackendRung;
  /** Device, SIMD, threads… as the probe reports them (part of the timing's fingerprint). */
  probed: Record<string, string | number | boolean>;
  key: string;
  stepMs: number;
  /** When the timing was taken; null when it was taken in this process. */
  measuredAt: number | null;
}

function ago(ms: number): string {
  const h = ms / 3600_000;
  return h < 1 ? 'within the hour' : h < 48 ? `${Math.round(h)} h ago` : `${Math.round(h / 24)} days ago`;
}

function slowerReason(a: Available, verified: boolean, best: Available): string {
  const soft = a.probed.software === true ? ` (software adapter: ${a.probed.device ?? 'unknown'})` : '';
  const what = a.rung.name === 'cpu' ? 'the reference backend,' : verified ? 'passed its self-check but is' : 'not brought up:';
  const when = a.measuredAt !== null ? `, timed ${ago(Date.now() - a.measuredAt)}` : '';
  return `${what} slower here: ${a.stepMs.toFixed(1)} ms per ${TIMING_DESCRIPTION}${when} against ${best.stepMs.toFixed(1)} ms on ${best.rung.name}${soft}`;
}

export async function chooseFastest(ladder: readonly BackendRung[], opts: ActivateOptions = {}): Promise<BackendReport> {
  const entries = new Map<BackendName, BackendCheck>();
  const verified = new Map<BackendName, Verified>();
  const available: Available[] = [];
  for (const rung of ladder) {
    const p = await rung.probe();
    if (!p.ok) {
      entries.set(rung.name, unavailableEntry(rung.name, p.reason));
      continue;
    }
    const key = fingerprint(rung.name, p.details);
    const known = cachedStepMs(key);
    if (known) {
      available.push({ rung, probed: p.details, key, stepMs: known.stepMs, measuredAt: known.measuredAt });
      continue;
    }
    // Never timed here: bring it up, check it, time it, remember.
    const r = await verifyRung(rung, opts);
    if (!r.ok) {
      entries.set(rung.name, r.entry);
      continue;
    }
    r.v.stepMs = await timeRung(r.v);
    rememberStepMs(key, r.v.stepMs);
    verified.set(rung.name, r.v);
    available.push({ rung, probed: p.details, key, stepMs: r.v.stepMs, measuredAt: null });
  }
  available.sort((a, b) => a.stepMs - b.stepMs);
  let best: { a: Available; v: Verified } | null = null;
  for (const a of available) {
    let v = verified.get(a.rung.name);
    if (!v) {
      const r = await verifyRung(a.rung, opts);
      if (!r.ok) {
        entries.set(a.rung.name, { ...r.entry, stepMs: a.stepMs });
        continue;
      }
      v = { ...r.v, stepMs: a.stepMs };
      verified.set(a.rung.name, v);
    }
    best = { a, v };
    break;
  }
  if (!best) throw new Error(`no tfjs backend could start: ${[...entries.values()].map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
  await tf.setBackend(best.a.rung.name);
  for (const a of available) {
    if (entries.has(a.rung.name)) continue;
    const v = verified.get(a.rung.name);
    if (a === best.a) entries.set(a.rung.name, verifiedEntry(best.v, 'chosen', describeDetails(best.v.details)));
    else if (v) entries.set(a.rung.name, verifiedEntry(v, 'passed', slowerReason(a, true, best.a)));
    else
      entries.set(a.rung.name, {
        name: a.rung.name,
        status: a.rung.name === 'cpu' ? 'reference' : 'slower',
        reason: slowerReason(a, false, best.a),
        checkMs: null,
        maxRelError: null,
        stepMs: a.stepMs,
        ...(a.probed.software === true ? { software: true } : {}),
      });
  }
  const ordered = ladder.map((r) => entries.get(r.name)!);
  return {
    name: best.a.rung.name,
    skipped: ordered.filter((e) => e.status !== 'chosen').map((e) => ({ name: e.name, reason: e.reason })),
    details: { ...best.v.details, ...checkedDetails(best.v.check), samStepMs: Number(best.a.stepMs.toFixed(2)) },
    checks: ordered,
  };
}
