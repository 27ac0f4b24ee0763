// WebGPU through Dawn for Node (the `webgpu` package). Works only where Dawn finds an adapter
// (Vulkan/Metal/D3D12 driver). Whether one exists is asked in a child process first
// (webgpu-probe.ts), so machines without one never load Dawn here and never see its warnings.
// The device is created with the adapter's real limits and watched for errors (webgpu-device.ts),
// and AddN never binds more inputs than the device allows (webgpu-kernels.ts).
import * as tf from '@tensorflow/tfjs-core';
import { type BackendRung, type ProbeResult, errorText } from './types';
import { type AdapterFacts, probeAdapter } from './webgpu-probe';
import { registerWatchedWebGpuBackend, webgpuDevice } from './webgpu-device';
import { maxKernelInputs, setDeviceSafeKernels } from './webgpu-kernels';

let probed: Promise<ProbeResult> | null = null;

function adapterDetails(a: AdapterFacts): Record<string, string | number | boolean> {
  return {
    device: a.description || a.device || a.vendor || 'unknown',
    ...(a.architecture ? { architecture: a.architecture } : {}),
    software: a.software,
    maxStorageBuffersPerShaderStage: a.limits.maxStorageBuffersPerShaderStage ?? 0,
  };
}

async function probe(): Promise<ProbeResult> {
  const r = await probeAdapter();
  if (!r.ok) return r;
  return { ok: true, details: adapterDetails(r.adapter) };
}

/** Dawn in this process: navigator.gpu for tfjs, then tfjs' webgpu backend with our device factory. */
async function loadInProcess(): Promise<void> {
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  const g = globalThis as unknown as { navigator?: { gpu?: unknown } };
  if (!g.navigator?.gpu) {
    const gpu = create([]);
    // Node 20 has no global navigator; Node ≥ 21 has a read-only one we extend.
    if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
    else Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  }
  // The package registers its kernels (and a factory we replace) only when navigator.gpu exists at import.
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
  if (!factoryInstalled) {
    registerWatchedWebGpuBackend(WebGPUBackend as never);
    setDeviceSafeKernels(true);
    factoryInstalled = true;
  }
}
let factoryInstalled = false;

/**
 * A software adapter (SwiftShader) runs workgroup barriers and shared memory on CPU threads, and
 * tfjs' tiled conv2d shader is pathological there: 6.5 s for a 32×28×28×1 → 8-channel 3×3 conv,
 * 0.3 s with tfjs' separate im2col pass (a CNN SAM step: 19.7 → 9.2 s; measured on SwiftShader,
 * loaded 2-core box). Both compute the same convolution; the parity tests compare with cpu.
 * (Forcing the packed matmul instead of MatMulReduceProgram was tried too: 20× faster runs of the
 * self-check but 35 s of shader compilation on its first run, so tfjs' choice stays.)
 */
function preferSoftwareFriendlyShaders(): void {
  tf.env().set('WEBGPU_CONV_SEPARATE_IM2COL_SHADER', true);
}

export const webgpuRung: BackendRung = {
  name: 'webgpu',
  probe() {
    probed ??= probe();
    return probed;
  },
  async activate() {
    const r = await this.probe();
    if (!r.ok) return r;
    try {
      await loadInProcess();
      if (!(await tf.setBackend('webgpu'))) return { ok: false, reason: 'tfjs webgpu backend failed to initialise' };
    } catch (e) {
      return { ok: false, reason: `tfjs webgpu backend failed: ${errorText(e)}` };
    }
    if (r.details.software === true) preferSoftwareFriendlyShaders();
    const device = webgpuDevice();
    return {
      ok: true,
      details: { ...r.details, ...(device ? { maxKernelInputs: maxKernelInputs(device) } : {}) },
    };
  },
};
