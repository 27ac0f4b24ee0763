// The verified backend ladder on this machine: no tfjs-node(-gpu); WebGPU through SwiftShader
// where Debian's chromium is installed (a software adapter, correct but slower than wasm). Every
// rung that comes up is checked against cpu; `auto` takes the fastest that passes and says why
// each other one was not used; a rung with a broken kernel is refused with a reason naming the
// kernel, and `auto` falls through to the next.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { BackendUnavailableError, forgetBackendChecks, initBackend, probeBackends } from '../../src/engine/backend';
import { chooseThreads } from '../../src/engine/backends/wasm-threads';
import { BACKEND_NAMES } from '../../src/shared/config';
import { webgpuAvailable } from './helpers/rungs';
import { makeTempDir } from './helpers/tmp';

const hasWebGpu = await webgpuAvailable('backend ladder');
// A machine that has never timed its rungs: auto's first choice measures them all.
process.env.SAM_STUDIO_CACHE_DIR = makeTempDir('ladder-cache-');

afterAll(async () => {
  await tf.setBackend('cpu');
});

/** Registers `broken` in place of `kernel` on `backend` for the duration of `body`. */
async function withBrokenKernel(kernel: string, backend: string, broken: tf.KernelFunc, body: () => Promise<void>): Promise<void> {
  const original = tf.getKernel(kernel, backend);
  tf.unregisterKernel(kernel, backend);
  tf.registerKernel({ ...original, kernelFunc: broken });
  forgetBackendChecks(backend as never);
  try {
    await body();
  } finally {
    tf.unregisterKernel(kernel, backend);
    tf.registerKernel(original);
    forgetBackendChecks(backend as never);
  }
}

describe('initBackend', () => {
  it('auto checks every rung that comes up, takes the fastest that passes (wasm), and says why not the others', async () => {
    await initBackend('cpu');
    const tensors = tf.memory().numTensors;
    const r = await initBackend('auto');
    expect(r.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(tf.memory().numTensors).toBe(tensors);
    expect(r.skipped.map((s) => s.name)).toEqual(['tensorflow-gpu', 'tensorflow', 'webgpu', 'cpu']);
    const reason = Object.fromEntries(r.skipped.map((s) => [s.name, s.reason]));
    expect(reason['tensorflow-gpu']).toMatch(/@tensorflow\/tfjs-node-gpu/);
    expect(reason['tensorflow-gpu']).toMatch(/CUDA 11\.2.*cuDNN 8\.1.*libtensorflow 2\.9\.1/);
    expect(reason.tensorflow).toMatch(/@tensorflow\/tfjs-node is not installed/);
    expect(reason.cpu).toMatch(/reference backend, slower here: [\d.]+ ms per SAM step.* against [\d.]+ ms on wasm/);
    const by = Object.fromEntries(r.checks!.map((c) => [c.name, c]));
    expect(r.checks!.map((c) => c.name)).toEqual([...BACKEND_NAMES]);
    expect(by.wasm).toMatchObject({ status: 'chosen' });
    expect(by.wasm.maxRelError).toBeLessThan(1e-4);
    expect(by.cpu).toMatchObject({ status: 'reference', checkMs: null });
    expect(by.cpu.stepMs).toBeGreaterThan(by.wasm.stepMs!);
    expect(r.details.selfCheck).toMatch(/^passed \(max relative error .*, \d+ ms\)$/);
    if (hasWebGpu) {
      // SwiftShader renders on the CPU: it passes the check, then loses to wasm on time.
      expect(by.webgpu).toMatchObject({ status: 'passed' });
      expect(by.webgpu.maxRelError).toBeLessThan(1e-4);
      expect(by.webgpu.stepMs).toBeGreaterThan(by.wasm.stepMs!);
      expect(reason.webgpu).toMatch(/passed its self-check but is slower here/);
      if (by.webgpu.software) expect(reason.webgpu).toMatch(/software adapter: /);
    } else {
      expect(by.webgpu).toMatchObject({ status: 'unavailable' });
      expect(reason.webgpu).toMatch(/adapter/);
    }
    expect(typeof r.details.simd).toBe('boolean');
    // Every core (or $SAM_WASM_THREADS), on the threaded build when that is more than one.
    expect(r.details.threads).toBe(chooseThreads(null).threads);
    expect(r.details.build).toBe(chooseThreads(null).threads > 1 ? 'threaded-simd' : 'simd');
  });

  it('a later process remembers the timings: only the rung it uses is brought up and checked', async () => {
    forgetBackendChecks(); // as a new trainer process starts
    const r = await initBackend('auto');
    expect(r.name).toBe('wasm');
    const by = Object.fromEntries(r.checks!.map((c) => [c.name, c]));
    expect(by.wasm).toMatchObject({ status: 'chosen' });
    expect(by.wasm.checkMs).not.toBeNull();
    expect(by.cpu).toMatchObject({ status: 'reference', checkMs: null });
    if (hasWebGpu) {
      expect(by.webgpu).toMatchObject({ status: 'slower', checkMs: null, maxRelError: null });
      expect(by.webgpu.reason).toMatch(/^not brought up: slower here: [\d.]+ ms per SAM step, MLP 784-128-10, batch 64, timed within the hour against [\d.]+ ms on wasm/);
    }
  });

  it('a pinned backend that is available is checked and used, with nothing skipped', async () => {
    const r = await initBackend('cpu');
    expect(r).toMatchObject({ name: 'cpu', skipped: [] });
    expect(r.checks).toEqual([expect.objectContaining({ name: 'cpu', status: 'chosen' })]);
    expect(tf.getBackend()).toBe('cpu');
    const w = await initBackend('wasm');
    expect(w.name).toBe('wasm');
    expect(w.details).toMatchObject({ pinned: true, selfCheck: expect.stringMatching(/^passed/) });
    expect(tf.getBackend()).toBe('wasm');
  });

  it('a pinned backend that is unavailable fails with the reason and the way out', async () => {
    if (!hasWebGpu) {
      await expect(initBackend('webgpu')).rejects.toThrow(BackendUnavailableError);
      await expect(initBackend('webgpu')).rejects.toThrow(/"webgpu" is not available here: .*adapter.*Use backend "auto"/);
    }
    await expect(initBackend('tensorflow-gpu')).rejects.toThrow(/CUDA 11\.2/);
    await expect(initBackend('tensorflow')).rejects.toThrow(/tfjs-node is not installed/);
    // The active backend is left as it was.
    expect(tf.getBackend()).toBe('wasm');
  });

  it('rejects a name that is not a backend', async () => {
    await expect(initBackend('metal' as never)).rejects.toThrow(/unknown backend "metal"; choose auto or one of/);
  });
});

describe('a rung with a deliberately broken kernel', () => {
  // wasm's MaxPool, off by 0.5 in every 7th output: the probe CNN pools twice per pass.
  const wasmMaxPool = tf.getKernel('MaxPool', 'wasm').kernelFunc;
  const brokenMaxPool: tf.KernelFunc = (args) => {
    const out = wasmMaxPool(args) as tf.TensorInfo;
    const heap = (args.backend as unknown as { typedArrayFromHeap(t: tf.TensorInfo): Float32Array }).typedArrayFromHeap(out);
    for (let i = 0; i < heap.length; i += 7) heap[i] += 0.5;
    return out;
  };

  it('is refused by the self-check with a reason naming the kernel, and auto falls through to the next rung', async () => {
    await initBackend('wasm'); // registers the wasm kernels
    await withBrokenKernel('MaxPool', 'wasm', brokenMaxPool, async () => {
      const r = await initBackend('auto');
      expect(r.name).not.toBe('wasm');
      // The next rung is the fastest of the others that pass: cpu here (SwiftShader is slower still).
      const passing = r.checks!.filter((c) => c.status === 'chosen' || c.status === 'passed' || c.status === 'reference');
      expect(r.name).toBe(passing.reduce((a, b) => (b.stepMs! < a.stepMs! ? b : a)).name);
      const wasm = r.checks!.find((c) => c.name === 'wasm')!;
      expect(wasm.status).toBe('refused');
      expect(wasm.reason).toMatch(/^self-check disagrees with cpu: .*kernel MaxPool disagrees with cpu \(relative error [\d.e+-]+ on the same inputs; \d+ of \d+ kernel calls disagree\)/);
      expect(r.skipped.find((s) => s.name === 'wasm')!.reason).toBe(wasm.reason);
      // Pinned, the same reason is an error.
      await expect(initBackend('wasm')).rejects.toThrow(/"wasm" is not available here: self-check disagrees with cpu: .*kernel MaxPool disagrees/);
    });
    // Repaired, it passes again.
    expect((await initBackend('auto')).name).toBe('wasm');
  });

  it.skipIf(!hasWebGpu)('on webgpu too: a wrong GPU kernel (Sqrt computing a square) is named', async () => {
    await initBackend('webgpu');
    const square = tf.getKernel('Square', 'webgpu').kernelFunc;
    await withBrokenKernel('Sqrt', 'webgpu', (args) => square(args), async () => {
      await expect(initBackend('webgpu')).rejects.toThrow(/self-check disagrees with cpu: .*kernel Sqrt disagrees with cpu/);
    });
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
    expect(by.webgpu.available).toBe(hasWebGpu);
    if (hasWebGpu) expect(by.webgpu.reason).toMatch(/device: .*software: (true|false)/);
    expect(by.tensorflow.available).toBe(false);
    expect(tf.getBackend()).toBe('cpu');
  });
});
