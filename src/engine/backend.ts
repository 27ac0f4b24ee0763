// The backend ladder (DESIGN.md "The engine"): tensorflow-gpu, tensorflow, webgpu, wasm, cpu.
// A rung is trusted only after it proves itself on this machine: the rung that is to be used runs
// the self-check (self-check/: a tiny CNN's loss, gradients and one SAM step against cpu), and a
// rung that disagrees is refused with the reason. `auto` takes the fastest rung that passes,
// timed here (backends/auto.ts); a pinned backend that cannot come up or fails its check is an
// error that says why.
// tfjs-core's Node bundle registers no gradients (only the ESM register_all_gradients does, and
// that file cannot load under Node's ESM resolver); tfjs-layers' Node bundle registers them all.
import '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { BACKEND_NAMES, type BackendName } from '../shared/config';
import type { BackendReport } from '../shared/events';
import { cpuRung, wasmRung } from './backends/wasm';
import { tensorflowCpuRung, tensorflowGpuRung } from './backends/tensorflow';
import { webgpuRung } from './backends/webgpu';
import type { ActivateOptions, BackendRung } from './backends/types';
import { chooseFastest } from './backends/auto';
import { checkedDetails, describeDetails, verifiedEntry, verifyRung } from './backends/verify';

export { forgetBackendChecks } from './backends/verify';

const LADDER: readonly BackendRung[] = [tensorflowGpuRung, tensorflowCpuRung, webgpuRung, wasmRung, cpuRung];

export class BackendUnavailableError extends Error {
  constructor(
    readonly backend: BackendName,
    readonly reason: string,
  ) {
    super(`backend "${backend}" is not available here: ${reason}. Use backend "auto" to pick the best available one.`);
    this.name = 'BackendUnavailableError';
  }
}

/**
 * Sets the tfjs backend (registering what it needs), checks it against cpu, and reports what was
 * chosen, why the others were not, and every rung's check and timing.
 */
export async function initBackend(pref: 'auto' | BackendName, opts: ActivateOptions = {}): Promise<BackendReport> {
  return pref === 'auto' ? chooseFastest(LADDER, opts) : initPinned(pref, opts);
}

async function initPinned(pref: BackendName, opts: ActivateOptions): Promise<BackendReport> {
  const rung = LADDER.find((r) => r.name === pref);
  if (!rung) throw new Error(`unknown backend "${pref}"; choose auto or one of ${BACKEND_NAMES.join(', ')}`);
  const before = tf.getBackend();
  const r = await verifyRung(rung, opts);
  if (!r.ok) {
    // Leave the process on the backend it had.
    if (before && tf.getBackend() !== before) await tf.setBackend(before);
    throw new BackendUnavailableError(pref, r.entry.reason);
  }
  return {
    name: pref,
    skipped: [],
    details: { ...r.v.details, ...checkedDetails(r.v.check), pinned: true },
    checks: [verifiedEntry(r.v, 'chosen', describeDetails(r.v.details))],
  };
}

/** Availability of every rung without switching the active backend (for the app's info screen). */
export async function probeBackends(): Promise<{ name: BackendName; available: boolean; reason: string }[]> {
  const out: { name: BackendName; available: boolean; reason: string }[] = [];
  // Loading tfjs-node registers (and may select) its backend: put the active one back afterwards.
  const active = tf.engine().backendName;
  for (const rung of LADDER) {
    const r = await rung.probe();
    out.push({ name: rung.name, available: r.ok, reason: r.ok ? describeDetails(r.details) || 'available' : r.reason });
  }
  if (active && tf.engine().backendName !== active) await tf.setBackend(active);
  return out;
}
