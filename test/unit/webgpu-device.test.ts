// The CNN that diverged silently on webgpu (issue 11): its global gradient norm summed 8 tensors
// with one AddN, which binds 9 storage buffers on a device created with WebGPU's default limit of
// 8; Dawn rejected the pipeline, dropped the command buffer, and tfjs returned garbage. Fixed three
// ways, each checked here on a real adapter (SwiftShader where there is no GPU):
// 1. the device is created with the adapter's own limits;
// 2. AddN never binds more inputs per dispatch than the device allows, however many it is given;
// 3. any WebGPU error fails every later read, so a run fails and a self-check refuses the rung.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forgetBackendChecks, initBackend } from '../../src/engine/backend';
import { webgpuRung } from '../../src/engine/backends/webgpu';
import { WebGpuFault, resetWebGpuDevice, webgpuDevice, webgpuFaults } from '../../src/engine/backends/webgpu-device';
import { maxKernelInputs, setDeviceSafeKernels } from '../../src/engine/backends/webgpu-kernels';
import { globalNorm } from '../../src/engine/optim/clip';
import { trainCollect } from './helpers/train';
import { webgpuAvailable } from './helpers/rungs';
import { makeTempDir, removeTempDir } from './helpers/tmp';

const hasWebGpu = await webgpuAvailable('webgpu-device');

/** Runs `body` with tfjs' stock AddN (no chunking), then puts the fixed one and a fresh device back. */
async function withStockAddN(body: () => Promise<void>): Promise<void> {
  setDeviceSafeKernels(false);
  try {
    await body();
  } finally {
    setDeviceSafeKernels(true);
    await resetWebGpuDevice();
    await initBackend('webgpu');
  }
}

describe.skipIf(!hasWebGpu)('the WebGPU device', () => {
  let limit = 0;
  beforeAll(async () => {
    await initBackend('webgpu');
    limit = maxKernelInputs(webgpuDevice()!);
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it("is created with the adapter's own limits, not WebGPU's defaults", async () => {
    const probe = await webgpuRung.probe();
    if (!probe.ok) throw new Error(probe.reason);
    const adapterLimit = probe.details.maxStorageBuffersPerShaderStage as number;
    // WebGPU's default is 8; SwiftShader offers 12, desktop GPUs far more.
    expect(adapterLimit).toBeGreaterThanOrEqual(8);
    expect(webgpuDevice()!.limits.maxStorageBuffersPerShaderStage).toBe(adapterLimit);
    expect(limit).toBe(adapterLimit - 1);
  });

  it('AddN sums any number of inputs, never binding more per dispatch than the device allows', async () => {
    for (const n of [2, 8, limit, limit + 1, 3 * limit + 2]) {
      for (const dtype of ['float32', 'int32'] as const) {
        const ts = Array.from({ length: n }, (_, i) => tf.fill([5], 1000 * (i + 1), dtype));
        const sum = tf.addN(ts);
        expect(Array.from(await sum.data()), `${n} ${dtype} inputs`).toEqual(Array(5).fill((1000 * n * (n + 1)) / 2));
        tf.dispose([...ts, sum]);
      }
    }
    expect(webgpuFaults()).toEqual([]);
  });

  it('the global gradient norm of a model with more parameter tensors than one dispatch binds matches float64', async () => {
    const n = 2 * limit + 3;
    const values = Array.from({ length: n }, (_, i) => Array.from({ length: 7 }, (_, j) => Math.sin(i * 7 + j)));
    const ts = values.map((v) => tf.tensor1d(v));
    const expected = Math.sqrt(values.flat().reduce((a, x) => a + x * x, 0));
    const norm = globalNorm(ts);
    expect((await norm.data())[0]).toBeCloseTo(expected, 4);
    tf.dispose([...ts, norm]);
    expect(webgpuFaults()).toEqual([]);
  });

  it('concat of many more inputs than the limit is right too (tfjs splits it by the same limit)', async () => {
    const parts = Array.from({ length: 3 * limit }, (_, i) => tf.fill([2], i));
    const out = tf.concat(parts);
    expect(Array.from(await out.data())).toEqual(parts.flatMap((_, i) => [i, i]));
    tf.dispose([...parts, out]);
  });

  it('a validation error fails that read and every later one, naming the program (stock AddN, one input too many)', async () => {
    await withStockAddN(async () => {
      const ts = Array.from({ length: limit + 1 }, () => tf.ones([4]));
      const sum = tf.addN(ts);
      await expect(sum.data()).rejects.toThrow(WebGpuFault);
      await expect(sum.data()).rejects.toThrow(/WebGPU error: validation error: .*storage buffers.*\[AddNPackedProgram\]/);
      expect(webgpuFaults()[0]).toMatch(/storage buffers \(\d+\) in the Compute stage exceeds the maximum per-stage limit \(\d+\)/);
      // Sticky: the device's results can no longer be trusted, whatever is read.
      const unrelated = tf.add(tf.scalar(1), tf.scalar(2));
      await expect(unrelated.data()).rejects.toThrow(/results computed after it are invalid/i);
      tf.dispose([...ts, sum, unrelated]);
    });
    // A fresh device is healthy again.
    const t = tf.add(tf.ones([3]), 1);
    expect(Array.from(await t.data())).toEqual([2, 2, 2]);
    t.dispose();
  });

  it('a training run hit by a WebGPU error fails with it instead of training on garbage', async () => {
    // An MLP with more parameter tensors than one AddN may bind: its ‖g‖ is the stock AddN that fails.
    const layers = Math.ceil(limit / 2);
    if (2 * layers + 2 > 34) return console.warn(`skipped: this device binds ${limit} inputs per dispatch, more than an MLP's 34 tensors`);
    const work = makeTempDir('webgpu-fault-');
    try {
      await withStockAddN(async () => {
        const { events, result } = await trainCollect(
          {
            seed: 1,
            epochs: 1,
            batchSize: 32,
            backend: 'webgpu',
            data: { name: 'fashion-mnist', limit: 64, testLimit: 32 },
            model: { kind: 'mlp', hidden: Array(layers).fill(8) },
            optimizer: { kind: 'sgd', lr: 0.05 },
            logEvery: 1,
          },
          { runId: null, workDir: work },
        );
        expect(result.event).toBe('failed');
        expect(result.event === 'failed' && result.reason).toMatch(/WebGPU error: validation error: .*\[AddNPackedProgram\].*cannot continue on webgpu/);
        // Not a single metric computed on the broken device was reported.
        expect(events.filter((e) => e.event === 'metrics')).toEqual([]);
      });
    } finally {
      removeTempDir(work);
    }
  });

  it('a rung whose kernels raise WebGPU errors is refused by the self-check with the error', async () => {
    const original = tf.getKernel('MaxPool', 'webgpu');
    tf.unregisterKernel('MaxPool', 'webgpu');
    tf.registerKernel({
      ...original,
      kernelFunc: (args) => {
        // A buffer with no usage is invalid: Dawn reports a validation error, as a buggy kernel would.
        (args.backend as unknown as { device: GPUDevice }).device.createBuffer({ size: 4, usage: 0 });
        return original.kernelFunc(args);
      },
    });
    try {
      forgetBackendChecks();
      await resetWebGpuDevice();
      await expect(initBackend('webgpu')).rejects.toThrow(/"webgpu" is not available here: self-check failed: WebGPU error: validation error/);
    } finally {
      tf.unregisterKernel('MaxPool', 'webgpu');
      tf.registerKernel(original);
      forgetBackendChecks();
      await resetWebGpuDevice();
    }
  });
});
