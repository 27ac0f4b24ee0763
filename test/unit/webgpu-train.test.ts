// Training on webgpu, end to end through the engine's loop (issue 11, "Done when"): the MLP, the
// CNN and ResNet-20 reach on webgpu the test accuracy of the same run on wasm (same seed, same
// data) within 2 points; every other model kind trains; a run stopped at a checkpoint resumes to
// the weights of an uninterrupted one; the Hessian analysis at the end of a run matches wasm's.
// The math itself (every SAM option, optimizer, batch norm, dropout) is compared kernel-close in
// backend-parity.test.ts; here the loop, evaluation, checkpoints and analysis run on the device.
// Small widths and slices of real Fashion-MNIST: SwiftShader renders on the CPU.
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeContents, loadCheckpoint } from '../../src/engine/checkpoint';
import type { RunConfigInput } from '../../src/shared/config';
import type { CheckpointEvent, DoneEvent, SpectrumEvent, StartedEvent, TrainerEvent } from '../../src/shared/events';
import { saveLayersModel } from './helpers/layers-model';
import { webgpuAvailable } from './helpers/rungs';
import { makeTempDir, removeTempDir } from './helpers/tmp';
import { trainCollect } from './helpers/train';

const hasWebGpu = await webgpuAvailable('webgpu training');
const work = makeTempDir('webgpu-train-');

afterAll(async () => {
  removeTempDir(work);
  await tf.setBackend('cpu');
});

const SAM_SGD = { optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9 }, sam: { rho: 0.05 } } as const;

async function trainOn(backend: 'webgpu' | 'wasm', name: string, config: RunConfigInput, resumeFrom?: string) {
  const r = await trainCollect({ ...config, backend }, { runId: null, workDir: join(work, `${name}-${backend}`), resumeFrom });
  if (r.result.event !== 'done') throw new Error(`${name} on ${backend}: ${r.result.event === 'failed' ? r.result.reason : r.result.event}`);
  const started = r.events.find((e): e is StartedEvent => e.event === 'started')!;
  expect(started.backend.name).toBe(backend);
  return { ...r, done: r.result as DoneEvent };
}

const checkpoints = (events: TrainerEvent[]) => events.filter((e): e is CheckpointEvent => e.event === 'checkpoint');

async function weightsOf(path: string): Promise<Float32Array[]> {
  const { contents } = await loadCheckpoint(path);
  const all = [...contents.params, ...contents.state, ...Object.values(contents.optimizer)];
  const out = await Promise.all(all.map(async (t) => Float32Array.from(await t.data())));
  disposeContents(contents);
  return out;
}

describe.skipIf(!hasWebGpu)('training on webgpu', () => {
  // Sizes chosen for CI on SwiftShader, which renders on the CPU at a few tens of millions of
  // elements per second on the test box: an elementwise op on a batch of 32 CNN activations
  // takes ~50 ms there, and a ResNet step is thousands of dispatches.
  const RUNS: Record<string, RunConfigInput & { learnedAbove: number; lossTolerance: number }> = {
    MLP: {
      seed: 2,
      epochs: 2,
      batchSize: 32,
      data: { name: 'fashion-mnist', limit: 256, testLimit: 128 },
      model: { kind: 'mlp', hidden: [32], dropout: 0.1 },
      ...SAM_SGD,
      // The analysis at the end runs on the device too (exact H·v for the MLP).
      hessian: { atEnd: true, topK: 2, batchSize: 32, maxIterations: 5, trace: false },
      logEvery: 4,
      learnedAbove: 0.3,
      lossTolerance: 1e-3,
    },
    CNN: {
      // 16 steps on 128 images: whether that beats chance depends on the draw. With PyTorch's
      // default init, seed 2 lands at 14 % and seed 3 at 41 % (wasm, lr 0.05; 36 % at lr 0.03).
      seed: 3,
      epochs: 2,
      batchSize: 16,
      data: { name: 'fashion-mnist', limit: 128, testLimit: 64 },
      model: { kind: 'cnn', filters: [4, 8], dense: 16 },
      ...SAM_SGD,
      logEvery: 4,
      learnedAbove: 0.15,
      lossTolerance: 1e-3,
    },
    // A real gate: the net learns (chance is 10 %) and both backends land on it. ~1,500 dispatches
    // per forward-backward pass: CI affords ~25 SAM steps (6–7 s each at width 3, batch 8 on the
    // loaded test box; SwiftShader spends ~80 % of a forward pass in the convolutions), and
    // fewer do not beat chance (the 4-step run this replaced: 6.3 % on both). Of the configurations
    // tried on wasm (widths 1–4, batches 4–32, SGD and Adam, lr, schedules), width 3 with Adam
    // learns best within that budget (width 4 a little better, at 1.5× the cost per step; batch-16
    // and SGD runs less). ELU, not ReLU: at these sizes a ReLU run is chaotic (float32 rounding
    // flips ReLU kinks and the runs part), so the same run with ReLU lands 3.1 points apart on
    // webgpu and wasm (10.2 vs 13.3 %), and an lr changed by 1e-6 moves a ReLU run's accuracy by up
    // to 10 points on wasm alone; with ELU that change moves nothing. Measured on wasm, seeds 1–6:
    // 29.7, 33.6, 38.3, 42.2, 35.2, 25.8 % (seed 2 sits at the mean); on webgpu seeds 2 and 5 land
    // on wasm's accuracy exactly, test losses 5e-6 and < 1e-6 apart (webgpu ~70 s, wasm ~3 s). ReLU
    // ResNet-20 is compared kernel-close in backend-parity.test.ts.
    'ResNet-20': {
      seed: 2,
      epochs: 1,
      batchSize: 8,
      data: { name: 'fashion-mnist', limit: 192, testLimit: 128 },
      model: { kind: 'resnet20', width: 3, activation: 'elu' },
      optimizer: { kind: 'adam', lr: 0.003 },
      sam: { rho: 0.05 },
      logEvery: 4,
      // 0.2: twice chance, 5.8 points under the worst seed tried and 13.6 under this one.
      learnedAbove: 0.2,
      // 200× the 5e-6 measured, the MLP's and the CNN's tolerance.
      lossTolerance: 1e-3,
    },
  };

  for (const [name, { learnedAbove, lossTolerance, ...config }] of Object.entries(RUNS)) {
    it(`${name}: the same run reaches on webgpu the test accuracy it reaches on wasm, within 2 points`, { timeout: 900_000 }, async () => {
      const gpu = await trainOn('webgpu', name, config);
      const wasm = await trainOn('wasm', name, config);
      const [a, b] = [gpu.done.metrics.testAccuracy, wasm.done.metrics.testAccuracy];
      console.log(`[webgpu-train] ${name}: test accuracy ${(a * 100).toFixed(1)} % on webgpu, ${(b * 100).toFixed(1)} % on wasm`);
      expect(Math.abs(a - b)).toBeLessThanOrEqual(0.02);
      // Learned something (chance is 10 % on 10 classes).
      expect(a).toBeGreaterThan(learnedAbove);
      const [la, lb] = [gpu.done.metrics.testLoss, wasm.done.metrics.testLoss];
      expect(Math.abs(la - lb) / lb, `test loss ${la} on webgpu, ${lb} on wasm`).toBeLessThan(lossTolerance);
      if (config.hessian) {
        const spectrum = (r: typeof gpu) => r.events.find((e): e is SpectrumEvent => e.event === 'spectrum')!;
        const [sg, sw] = [spectrum(gpu), spectrum(wasm)];
        expect(sg.hvp).toBe(sw.hvp);
        sg.topEigenvalues.forEach((l, i) => expect(Math.abs(l - sw.topEigenvalues[i]) / Math.abs(sw.topEigenvalues[i])).toBeLessThan(1e-2));
      }
    });
  }

  it('every other model kind trains: ResNet-18, Wide-ResNet, an imported Layers model', { timeout: 900_000 }, async () => {
    const dir = makeTempDir('webgpu-layers-');
    try {
      const layers = tfl.sequential({
        layers: [
          tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 4, kernelSize: 3, strides: 2, activation: 'relu' }),
          tfl.layers.batchNormalization(),
          tfl.layers.flatten(),
          tfl.layers.dropout({ rate: 0.2 }),
          tfl.layers.dense({ units: 10, activation: 'softmax' }),
        ],
      });
      const path = await saveLayersModel(layers, dir);
      layers.dispose();
      const base = { seed: 1, epochs: 1, batchSize: 4, data: { name: 'fashion-mnist', limit: 8, testLimit: 4 }, ...SAM_SGD, logEvery: 1 } as const;
      for (const [name, model] of [
        ['ResNet-18', { kind: 'resnet18', width: 1 }],
        ['WRN-10-1', { kind: 'wrn', depth: 10, widen: 1 }],
        ['Layers', { kind: 'layers', path }],
      ] as const) {
        const r = await trainOn('webgpu', name, { ...base, model });
        expect(r.done.steps, name).toBe(2);
        expect(Number.isFinite(r.done.metrics.testLoss), name).toBe(true);
      }
    } finally {
      removeTempDir(dir);
    }
  });

  describe('checkpoint and resume', () => {
    const CFG: RunConfigInput = {
      seed: 4,
      epochs: 2,
      batchSize: 32,
      data: { name: 'fashion-mnist', limit: 128, testLimit: 32 },
      model: { kind: 'mlp', hidden: [16] },
      optimizer: { kind: 'adam', lr: 1e-3 },
      sam: { rho: 0.05, p: 'inf' },
      checkpointEvery: 1,
      logEvery: 2,
    };
    let full: Awaited<ReturnType<typeof trainOn>>;
    beforeAll(async () => {
      if (hasWebGpu) full = await trainOn('webgpu', 'resume-full', CFG);
    }, 900_000);

    it('a run resumed from its epoch-1 checkpoint ends on the weights and optimizer state of the uninterrupted run', async () => {
      const [epoch1, end] = checkpoints(full.events);
      expect(epoch1.epoch).toBe(1);
      const resumed = await trainOn('webgpu', 'resume-resumed', CFG, epoch1.path);
      expect(resumed.events.find((e): e is StartedEvent => e.event === 'started')!.resumedFromStep).toBe(4);
      const [a, b] = [await weightsOf(end.path), await weightsOf(checkpoints(resumed.events).at(-1)!.path)];
      expect(b.length).toBe(a.length);
      a.forEach((t, i) => expect(Array.from(b[i]), `tensor ${i}`).toEqual(Array.from(t)));
      expect(resumed.done.metrics).toEqual(full.done.metrics);
    });
  });
});
