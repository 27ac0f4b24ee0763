// The backend ladder (DESIGN.md "The engine"): best first, tensorflow-gpu → tensorflow → webgpu →
// wasm → cpu. `auto` takes the first that comes up and records why each better one was skipped;
// a pinned backend that cannot come up is an error that says why.
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

/** Sets the tfjs backend (and registers the wasm training kernels) and reports what was chosen. */
export async function initBackend(pref: 'auto' | BackendName, opts: ActivateOptions = {}): Promise<BackendReport> {
  if (pref !== 'auto') {
    const rung = LADDER.find((r) => r.name === pref);
    if (!rung) throw new Error(`unknown backend "${pref}"; choose auto or one of ${BACKEND_NAMES.join(', ')}`);
    const r = await rung.activate(opts);
    if (!r.ok) throw new BackendUnavailableError(pref, r.reason);
    return { name: pref, skipped: [], details: { ...r.details, pinned: true } };
  }
  const skipped: BackendReport['skipped'] = [];
  for (const rung of LADDER) {
    const r = await rung.activate(opts);
    if (r.ok) return { name: rung.name, skipped, details: r.details };
    skipped.push({ name: rung.name, reason: r.reason });
  }
  throw new Error(`no tfjs backend could start: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}

/** Availability of every rung without switching the active backend (for the app's info screen). */
export async function probeBackends(): Promise<{ name: BackendName; available: boolean; reason: string }[]> {
  const out: { name: BackendName; available: boolean; reason: string }[] = [];
  // Loading tfjs-node registers (and may select) its backend: put the active one back afterwards.
  const active = tf.engine().backendName;
  for (const rung of LADDER) {
    const r = await rung.probe();
    out.push({
      name: rung.name,
      available: r.ok,
      reason: r.ok ? Object.entries(r.details).map(([k, v]) => `${k}: ${v}`).join(', ') || 'available' : r.reason,
    });
  }
  if (active && tf.engine().backendName !== active) await tf.setBackend(active);
  return out;
}
