// The step benchmark's rows (issue 11, item 6): every step row says how many threads it ran on,
// wasm is measured on 1 thread and on all threads in alternating rounds, and the thread speed-up
// row compares the two. Tiny plan and real Fashion-MNIST; no timing is asserted.
import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { benchThreadCounts, measureSteps, type SkippedRow, type StepRow, type ThreadsRow } from '../../bench/step';
import { WASM_MAX_THREADS, machineThreads } from '../../src/engine/backends/wasm-threads';
import { loadDataset } from '../../src/engine/data/index';
import { dataSchema } from '../../src/shared/config';

const FASHION = '/usr/share/datasets/fashion-mnist';

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('bench thread counts', () => {
  it('are 1 and every core by default; SAM_BENCH_THREADS lists others; bad lists are named', () => {
    expect(benchThreadCounts(undefined)).toEqual([...new Set([1, Math.min(machineThreads(), WASM_MAX_THREADS)])]);
    expect(benchThreadCounts('4, 1,2,2')).toEqual([1, 2, 4]);
    expect(() => benchThreadCounts('1,16')).toThrow(/SAM_BENCH_THREADS must list whole numbers from 1 to 8, got "1,16"/);
  });
});

describe.skipIf(!existsSync(FASHION))('step rows', () => {
  it('wasm on 1 thread and on 2 (one pool, and data-parallel ranks) and cpu on 1, each row with its threads, and the wasm thread speed-ups', async () => {
    const data = await loadDataset(dataSchema.parse({ name: 'fashion-mnist', limit: 384, testLimit: 128 }), { seed: 0 });
    const emitted: (StepRow | ThreadsRow | SkippedRow)[] = [];
    const { steps, speedups } = await measureSteps({
      data,
      backends: ['wasm', 'cpu'],
      models: ['mlp'],
      threads: [1, 2],
      rounds: 2,
      plan: () => ({ warmup: 0, repeats: 1 }),
      emit: (r) => emitted.push(r),
    });
    expect(steps.map((r) => [r.backend, r.threads, r.parallel])).toEqual([
      ['wasm', 1, undefined],
      ['wasm', 2, 'pool'],
      ['wasm', 2, 'ranks'],
      ['cpu', 1, undefined],
    ]);
    for (const r of steps) {
      expect(r).toMatchObject({ bench: 'step', model: 'mlp', batchSize: 128, paramCount: 669_706 });
      expect(r.sgdMs).toBeGreaterThan(0);
      expect(r.samMs).toBeGreaterThan(0);
    }
    const speedup = (parallel: string) => ({ bench: 'threads', model: 'mlp', backend: 'wasm', threads: 2, parallel, sgd: expect.any(Number), sam: expect.any(Number), rounds: 2 });
    expect(speedups).toEqual([speedup('pool'), speedup('ranks')]);
    expect(speedups[0].sam).toBeCloseTo(steps[0].samMs / steps[1].samMs, 1);
    expect(speedups[1].sam).toBeCloseTo(steps[0].samMs / steps[2].samMs, 1);
    expect(emitted).toEqual([...steps.slice(0, 3), ...speedups, steps[3]]);
  });
});
