// The backend ladder on this machine: no tfjs-node(-gpu), no GPU adapter for Dawn, so `auto`
// lands on wasm and says why each better backend was skipped; pinning a missing one fails clearly.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { BackendUnavailableError, initBackend, probeBackends } from '../../src/engine/backend';
import { chooseThreads } from '../../src/engine/backends/wasm-threads';
import { BACKEND_NAMES } from '../../src/shared/config';

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('initBackend', () => {
  it('auto picks wasm and reports every skipped better backend with a reason', async () => {
    const r = await initBackend('auto');
    expect(r.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(r.skipped.map((s) => s.name)).toEqual(['tensorflow-gpu', 'tensorflow', 'webgpu']);
    const reason = Object.fromEntries(r.skipped.map((s) => [s.name, s.reason]));
    expect(reason['tensorflow-gpu']).toMatch(/@tensorflow\/tfjs-node-gpu/);
    expect(reason['tensorflow-gpu']).toMatch(/CUDA 11\.2.*cuDNN 8\.1.*libtensorflow 2\.9\.1/);
    expect(reason.tensorflow).toMatch(/@tensorflow\/tfjs-node is not installed/);
    expect(reason.webgpu).toMatch(/adapter/);
    expect(typeof r.details.simd).toBe('boolean');
    // Every core (or $SAM_WASM_THREADS), on the threaded build when that is more than one.
    expect(r.details.threads).toBe(chooseThreads(null).threads);
    expect(r.details.build).toBe(chooseThreads(null).threads > 1 ? 'threaded-simd' : 'simd');
  });

  it('a pinned backend that is available is used, with nothing skipped', async () => {
    const r = await initBackend('cpu');
    expect(r).toMatchObject({ name: 'cpu', skipped: [] });
    expect(tf.getBackend()).toBe('cpu');
    const w = await initBackend('wasm');
    expect(w.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('a pinned backend that is unavailable fails with the reason and the way out', async () => {
    await expect(initBackend('webgpu')).rejects.toThrow(BackendUnavailableError);
    await expect(initBackend('webgpu')).rejects.toThrow(/"webgpu" is not available here: .*adapter.*Use backend "auto"/);
    await expect(initBackend('tensorflow-gpu')).rejects.toThrow(/CUDA 11\.2/);
    await expect(initBackend('tensorflow')).rejects.toThrow(/tfjs-node is not installed/);
    // The active backend is left as it was.
    expect(tf.getBackend()).toBe('wasm');
  });

  it('rejects a name that is not a backend', async () => {
    await expect(initBackend('metal' as never)).rejects.toThrow(/unknown backend "metal"; choose auto or one of/);
  });
});

describe('probeBackends', () => {
  it('lists every rung in ladder order without switching backends', async () => {
    await initBackend('cpu');
    const p = await probeBackends();
    expect(p.map((b) => b.name)).toEqual([...BACKEND_NAMES]);
    const by = Object.fromEntries(p.map((b) => [b.name, b]));
    expect(by.wasm.available).toBe(true);
    expect(by.wasm.reason).toMatch(/simd/);
    expect(by.cpu.available).toBe(true);
    expect(by.webgpu.available).toBe(false);
    expect(by.tensorflow.available).toBe(false);
    expect(tf.getBackend()).toBe('cpu');
  });
});
