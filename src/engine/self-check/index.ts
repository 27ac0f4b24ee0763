// The self-check a rung must pass before anything trains on it (DESIGN.md "The engine": a rung is
// trusted only after it proves itself on this machine). The probe (probe.ts) runs on the
// candidate and on cpu, the reference; every result must agree to TOLERANCE. When they do not,
// the kernel trace names the kernel that is wrong. A backend error (a WebGPU validation error, a
// kernel that throws) refuses the rung with that error.
import * as tf from '@tensorflow/tfjs-core';
import { errorText } from '../backends/types';
import { cpuRung } from '../backends/wasm';
import { compareAll, formatError } from './compare';
import { describeKernelDisagreement, findDisagreeingKernel } from './kernel-trace';
import { type ProbeValues, runProbe } from './probe';

export { PROBE_DESCRIPTION } from './probe';

/**
 * Largest relative difference from cpu accepted. Float32 on another backend differs in the order
 * of additions only (measured ≤ 2e-6 on wasm and SwiftShader WebGPU); a wrong kernel or a dropped
 * command buffer is off by O(1).
 */
export const SELF_CHECK_TOLERANCE = 1e-3;

export interface SelfCheckResult {
  ok: boolean;
  /** Why the rung is refused (null when it passed). */
  reason: string | null;
  /** Largest relative difference from cpu over every checked value (null when the probe failed). */
  maxRelError: number | null;
  /** Wall time of the check on the candidate, cpu reference excluded. */
  ms: number;
}

let reference: Promise<ProbeValues> | null = null;

/** Drops cpu's remembered numbers (as a new process starts without them). */
export function forgetReference(): void {
  reference = null;
}

/** cpu's numbers, computed once per process (cpu is deterministic). Switches to cpu and back. */
async function cpuReference(): Promise<ProbeValues> {
  const active = tf.getBackend();
  reference ??= (async () => {
    const r = await cpuRung.activate();
    if (!r.ok) throw new Error(`the cpu reference backend failed: ${r.reason}`);
    return runProbe();
  })();
  try {
    return await reference;
  } finally {
    if (active && tf.getBackend() !== active) await tf.setBackend(active);
  }
}

/** Checks the active backend against cpu. The active backend is the same afterwards. */
export async function selfCheckActiveBackend(): Promise<SelfCheckResult> {
  const name = tf.getBackend();
  const ref = await cpuReference();
  const t0 = performance.now();
  const elapsed = () => Math.round(performance.now() - t0);
  let got: ProbeValues;
  try {
    got = await runProbe();
  } catch (e) {
    return { ok: false, reason: `self-check failed: ${errorText(e)}`, maxRelError: null, ms: elapsed() };
  }
  const diffs = compareAll(got, ref);
  const worst = diffs[0];
  if (worst.relError <= SELF_CHECK_TOLERANCE) return { ok: true, reason: null, maxRelError: worst.relError, ms: elapsed() };
  const bad = diffs.filter((d) => d.relError > SELF_CHECK_TOLERANCE);
  let culprit = '';
  try {
    const k = await findDisagreeingKernel(name, runProbe);
    culprit = k ? `; ${describeKernelDisagreement(k)}` : '; every kernel agrees on its own inputs (the error is between kernels)';
  } catch (e) {
    culprit = `; tracing the kernels failed: ${errorText(e)}`;
  } finally {
    if (tf.getBackend() !== name) await tf.setBackend(name);
  }
  return {
    ok: false,
    reason:
      `self-check disagrees with cpu: ${bad.length} of ${diffs.length} results differ, worst ${worst.name} ` +
      `(relative error ${formatError(worst.relError)} > ${SELF_CHECK_TOLERANCE})${culprit}`,
    maxRelError: worst.relError,
    ms: elapsed(),
  };
}
