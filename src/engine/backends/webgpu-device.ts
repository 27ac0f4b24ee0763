// The WebGPU device under tfjs, created our way:
// - with the adapter's real limits. tfjs-backend-webgpu asks for a few limits but not
//   maxStorageBuffersPerShaderStage, so Dawn hands out the WebGPU default of 8 even where the
//   adapter supports more (SwiftShader: 12; most desktop GPUs: far more);
// - with every uncaptured error (validation, out-of-memory, internal) and a lost device recorded
//   as a fault, and every read of a tensor's values refused once a fault happened. An invalid
//   pipeline makes Dawn drop the whole command buffer it sits in, so the numbers read afterwards
//   are garbage — without a fault check tfjs returns them silently (issue 11: a CNN whose global
//   gradient norm summed 8 tensors with an 8-input AddN trained on zeros and diverged).
import * as tf from '@tensorflow/tfjs-core';
import type {} from 'webgpu'; // the WebGPU type declarations (@webgpu/types)

export class WebGpuFault extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebGpuFault';
  }
}

interface DeviceState {
  device: GPUDevice;
  faults: string[];
  /** True while we destroy the device ourselves: that loss is no fault. */
  closing: boolean;
}

let current: DeviceState | null = null;

/** What went wrong on the device so far (first fault first); empty when healthy. */
export function webgpuFaults(): readonly string[] {
  return current?.faults ?? [];
}

/** The device tfjs runs on, once the webgpu backend was created. */
export function webgpuDevice(): GPUDevice | null {
  return current?.device ?? null;
}

/** Throws the first recorded fault, naming what the device refused. */
export function assertWebGpuHealthy(): void {
  const f = webgpuFaults();
  if (f.length === 0) return;
  const more = f.length > 1 ? ` (and ${f.length - 1} later error${f.length > 2 ? 's' : ''})` : '';
  throw new WebGpuFault(`WebGPU error: ${f[0]}${more}. Results computed after it are invalid; the run cannot continue on webgpu`);
}

/** One line of a Dawn message: its first sentence plus the object it was about (e.g. the program). */
function describeError(kind: string, message: string): string {
  const lines = message.split('\n').map((l) => l.trim()).filter(Boolean);
  const head = lines[0] ?? '(no message)';
  const subject = lines.map((l) => /"([A-Za-z0-9_]+Program)"/.exec(l)?.[1]).find(Boolean);
  return `${kind}: ${head}${subject && !head.includes(subject) ? ` [${subject}]` : ''}`;
}

function errorKind(e: GPUError): string {
  const name = e.constructor?.name ?? '';
  if (name.includes('OutOfMemory')) return 'out of memory';
  if (name.includes('Internal')) return 'internal error';
  return 'validation error';
}

function watch(device: GPUDevice): DeviceState {
  const state: DeviceState = { device, faults: [], closing: false };
  device.addEventListener('uncapturederror', (ev) => {
    const e = (ev as GPUUncapturedErrorEvent).error;
    state.faults.push(describeError(errorKind(e), e.message));
    // Handled here: without this Dawn also prints the report to stdout (which `train --json` owns).
    ev.preventDefault();
  });
  void device.lost.then((info) => {
    if (!state.closing) state.faults.push(`device lost (${info.reason}): ${info.message.split('\n')[0]}`);
  });
  return state;
}

/** Every `max…` limit at the adapter's value, so kernels may use what the hardware has. */
export function adapterLimits(adapter: GPUAdapter): Record<string, number> {
  const out: Record<string, number> = {};
  const limits = adapter.limits as unknown as Record<string, unknown>;
  for (const k in limits) {
    const v = limits[k];
    if (k.startsWith('max') && typeof v === 'number') out[k] = v;
  }
  return out;
}

type Backend = tf.KernelBackend & { device: GPUDevice };

/** Refuses every read once the device has faulted: a fault makes values read afterwards garbage. */
function guardReads(backend: Backend): void {
  const read = backend.read.bind(backend);
  backend.read = async (dataId: object) => {
    assertWebGpuHealthy();
    const values = await read(dataId);
    // Errors of the work just submitted are delivered as events; let them land before trusting it.
    await new Promise<void>((resolve) => setImmediate(resolve));
    assertWebGpuHealthy();
    return values;
  };
  const readSync = backend.readSync.bind(backend);
  backend.readSync = (dataId: object) => {
    assertWebGpuHealthy();
    return readSync(dataId);
  };
  const dispose = backend.dispose.bind(backend);
  backend.dispose = () => {
    if (current?.device === backend.device) current.closing = true;
    dispose();
    backend.device.destroy();
  };
}

type BackendClass = new (device: GPUDevice, info?: GPUAdapterInfo) => tf.KernelBackend;
let backendClass: BackendClass | null = null;

/**
 * Registers (or re-registers) tfjs' "webgpu" backend with a factory that creates the device with
 * the adapter's limits and watches it. Call after navigator.gpu exists and the tfjs webgpu package
 * has loaded.
 */
export function registerWatchedWebGpuBackend(WebGPUBackend: BackendClass): void {
  backendClass = WebGPUBackend;
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend(
    'webgpu',
    async () => {
      const gpu = (globalThis as unknown as { navigator: { gpu: GPU } }).navigator.gpu;
      const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
      if (!adapter) throw new Error('no WebGPU adapter');
      const requiredFeatures: GPUFeatureName[] = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
      const device = await adapter.requestDevice({ requiredLimits: adapterLimits(adapter), requiredFeatures });
      current = watch(device);
      const backend = new WebGPUBackend(device, adapter.info) as Backend;
      guardReads(backend);
      return backend;
    },
    3,
  );
}

/**
 * Drops the device (destroying it, with its faults and every tensor on it); the next
 * setBackend('webgpu') creates a fresh one. For a rung tried again after a fault, and for tests.
 */
export async function resetWebGpuDevice(): Promise<void> {
  if (!backendClass) return;
  // Removing the active backend would let tfjs pick the highest-priority one (webgpu) by itself.
  if (tf.getBackend() === 'webgpu') await tf.setBackend('cpu');
  registerWatchedWebGpuBackend(backendClass);
  current = null;
}
