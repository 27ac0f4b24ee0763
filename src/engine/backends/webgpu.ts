// WebGPU through Dawn for Node (the `webgpu` package). Works only where Dawn finds an adapter
// (Vulkan/Metal/D3D driver); on a headless box without a GPU requestAdapter() returns null.
import * as tf from '@tensorflow/tfjs-core';
import { type BackendRung, type ProbeResult, errorText } from './types';

let adapterInfo: Promise<ProbeResult> | null = null;

async function findAdapter(): Promise<ProbeResult> {
  try {
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    const gpu = create([]);
    const g = globalThis as unknown as { navigator?: { gpu?: unknown } };
    // Node 20 has no global navigator; Node ≥ 21 has a read-only one we extend.
    if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
    else if (!g.navigator.gpu) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { ok: false, reason: 'Dawn (webgpu package) found no GPU adapter (no Vulkan/Metal/D3D12 driver)' };
    const info = (adapter as unknown as { info?: { vendor?: string; device?: string; description?: string } }).info;
    return { ok: true, details: { device: info?.description || info?.device || info?.vendor || 'unknown' } };
  } catch (e) {
    return { ok: false, reason: `webgpu package failed to load: ${errorText(e)}` };
  }
}

export const webgpuRung: BackendRung = {
  name: 'webgpu',
  probe() {
    adapterInfo ??= findAdapter();
    return adapterInfo;
  },
  async activate() {
    const r = await this.probe();
    if (!r.ok) return r;
    try {
      await import('@tensorflow/tfjs-backend-webgpu');
      if (!(await tf.setBackend('webgpu'))) return { ok: false, reason: 'tfjs webgpu backend failed to initialise' };
    } catch (e) {
      return { ok: false, reason: `tfjs webgpu backend failed: ${errorText(e)}` };
    }
    return r;
  },
};
