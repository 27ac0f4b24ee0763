// The exported project's Python template, module by module, against the engine it ports: the
// app's random stream, the schedule, the data plan (rows, noisy labels, normalisation, each
// epoch's shuffled and augmented batches, per rank), the checkpoint format both ways, and the
// rule for how many processes a run splits over. Plus what the export writes and refuses.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../src/engine/rng';
import { dropoutKey, variantSeed } from '../../src/engine/optim/step-seeds';
import { epochRng } from '../../src/engine/train';
import { learningRateAt, learningRateRange } from '../../src/engine/optim/schedule';
import { loadDataset, iterateBatches } from '../../src/engine/data/index';
import { loadCheckpoint, saveCheckpoint } from '../../src/engine/checkpoint';
import { initBackend } from '../../src/engine/backend';
import { parseRunConfig, type RunConfigInput } from '../../src/shared/config';
import { ExportError, exportPytorch, validWorldSizes, worldSizeProblem } from '../../src/main/services/export/pytorch/index';
import { exportConfig, PYTHON, PYTHON_ENV, templateTests } from './helpers/pytorch-export';
import { makeTempDir, removeTempDir } from './helpers/tmp';
import { cifarBuffer } from '../fixtures/data/make';

const FASHION = '/usr/share/datasets/fashion-mnist';

/** One request to the template's probe (template/tests/probe.py): JSON in, JSON out. */
async function probe<T>(request: Record<string, unknown>): Promise<T> {
  const child = execFile(PYTHON, [join(templateTests(), 'probe.py')], { env: { ...process.env, ...PYTHON_ENV }, maxBuffer: 256 * 1024 * 1024 });
  child.stdin!.end(JSON.stringify(request));
  const out = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`probe.py failed (${code}): ${stderr}`))));
  });
  return JSON.parse(out) as T;
}

let dir: string;
beforeAll(async () => {
  dir = makeTempDir('sam-template-');
  await initBackend('cpu');
});
afterAll(() => removeTempDir(dir));

describe('the app’s random stream (rng.py)', () => {
  it('draws, forks, shuffles and keys exactly as src/engine/rng.ts', async () => {
    const seeds = [0, 1, 12345, 2 ** 31 + 7, 4294967295];
    const [py] = Object.values(await probe<{ rng: unknown[] }>({ rng: seeds }));
    const ts = seeds.map((seed) => {
      const r = new Rng(seed);
      const head = [r.next(), r.next(), r.next()];
      const draws = Array.from({ length: 5 }, () => r.next());
      const fork = r.fork(7);
      return {
        next: head,
        draws,
        int: Array.from({ length: 5 }, () => fork.int(10)),
        shuffle: Array.from(epochRng(seed, 3).shuffle(Int32Array.from({ length: 20 }, (_, i) => i))),
        dropoutKey: dropoutKey(seed, 5, 1),
        variantSeed: variantSeed(seed, 0, 2),
      };
    });
    expect(py).toEqual(ts);
  });
});

describe('the learning-rate schedule (schedule.py)', () => {
  it('gives the engine’s lr at every step and the same range, for constant, step, cosine and warm-up', async () => {
    const base = { epochs: 4, batchSize: 8, data: { name: 'synthetic-moons' }, model: { kind: 'mlp' }, optimizer: { kind: 'sgd', lr: 0.1 } } as const;
    const configs = [
      parseRunConfig(base),
      parseRunConfig({ ...base, schedule: { kind: 'step', milestones: [1, 3], gamma: 0.2, warmupEpochs: 0.5 } }),
      parseRunConfig({ ...base, schedule: { kind: 'cosine', minFactor: 0.1, warmupEpochs: 1 } }),
    ];
    const stepsPerEpoch = 5;
    const steps = 4 * stepsPerEpoch;
    const { schedule } = await probe<{ schedule: { lrs: number[]; range: number[] }[] }>({ schedule: { configs, stepsPerEpoch, steps } });
    configs.forEach((c, i) => {
      const lrs = Array.from({ length: steps }, (_, t) => learningRateAt(c, t, stepsPerEpoch));
      expect(schedule[i].lrs).toEqual(lrs);
      const r = learningRateRange(c);
      expect(schedule[i].range).toEqual([r.min, r.max]);
    });
  });
});

describe.skipIf(!existsSync(FASHION))('the data plan (data.py)', () => {
  it('rebuilds the app’s splits bit for bit: rows, label noise, validation split, normalisation', async () => {
    const input: RunConfigInput = {
      seed: 4,
      epochs: 1,
      batchSize: 16,
      data: { name: 'fashion-mnist', limit: 200, testLimit: 60, validationSplit: 0.1, labelNoise: 0.25, augment: { cropPadding: 3, flip: true } },
      model: { kind: 'cnn', filters: [4], dense: 8 },
      optimizer: { kind: 'sgd', lr: 0.1 },
    };
    const out = join(dir, 'data-plan');
    const { config } = await exportConfig(input, out);
    const batches: [number, number, number][] = [
      [0, 0, 1],
      [1, 0, 1],
      [1, 0, 2],
      [1, 1, 2],
      [1, 3, 4],
    ];
    const { data } = await probe<{ data: { train: Split; validation: Split; test: Split; batches: { x: number[]; y: number[] }[] } }>({ data: { dir: out, batches } });
    const ds = await loadDataset(config.data, { seed: config.seed });
    const same = (py: Split, ts: { x: Float32Array; y: Int32Array; n: number }) => {
      expect(py.n).toBe(ts.n);
      expect(py.y).toEqual(Array.from(ts.y));
      expect(py.x).toBe(createHash('sha256').update(new Uint8Array(ts.x.buffer, ts.x.byteOffset, ts.x.byteLength)).digest('hex'));
    };
    same(data.train, ds.train);
    same(data.validation, ds.validation!);
    same(data.test, ds.test);
    expect(ds.noisyIndices.length).toBeGreaterThan(0);
    // Each rank's share of an epoch's first batch: the app's batch (shuffle, crop corner and
    // flip drawn from the epoch's stream), sliced [rank·b, (rank+1)·b).
    batches.forEach(([epoch, rank, world], i) => {
      const b = iterateBatches(ds.train, ds.inputShape, { batchSize: 16, shuffle: true, rng: epochRng(config.seed, epoch), augment: config.data.augment, dropLast: true }).next().value!;
      const share = 16 / world;
      const row = ds.inputShape.reduce((a, c) => a * c, 1);
      expect(data.batches[i].y).toEqual(Array.from(b.y.subarray(rank * share, (rank + 1) * share)));
      expect(data.batches[i].x).toEqual(Array.from(b.x.subarray(rank * share * row, (rank + 1) * share * row)));
    });
  });

  it('keeps data.classes as the app does: the subset’s rows (in the source’s numbering), relabelled in the order given', async () => {
    const input: RunConfigInput = {
      seed: 9,
      epochs: 1,
      batchSize: 8,
      data: { name: 'fashion-mnist', limit: 60, testLimit: 40, validationSplit: 0.2, labelNoise: 0.3, classes: [7, 2, 9] },
      model: { kind: 'mlp', hidden: [4] },
      optimizer: { kind: 'sgd', lr: 0.1 },
    };
    const out = join(dir, 'classes');
    const { config } = await exportConfig(input, out);
    const exported = JSON.parse(readFileSync(join(out, 'export.json'), 'utf8')) as { data: { numClasses: number; classNames: string[]; classes: number[] } };
    expect(exported.data).toMatchObject({ numClasses: 3, classNames: ['Sneaker', 'Pullover', 'Ankle boot'], classes: [7, 2, 9] });
    const { data } = await probe<{ data: { train: Split; validation: Split; test: Split } }>({ data: { dir: out, batches: [] } });
    const ds = await loadDataset(config.data, { seed: config.seed });
    for (const [py, ts] of [[data.train, ds.train], [data.validation, ds.validation!], [data.test, ds.test]] as const) {
      expect(py.y).toEqual(Array.from(ts.y));
      expect(py.x).toBe(createHash('sha256').update(new Uint8Array(ts.x.buffer, ts.x.byteOffset, ts.x.byteLength)).digest('hex'));
    }
    expect(new Set(data.test.y)).toEqual(new Set([0, 1, 2]));
  });

  it('carries CSV-like sources as the app decoded them (synthetic set, held-out test split)', async () => {
    const out = join(dir, 'synthetic');
    const { config } = await exportConfig({ epochs: 1, batchSize: 10, data: { name: 'synthetic-spirals', samples: 90, labelNoise: 0.1 }, model: { kind: 'mlp', hidden: [4] }, optimizer: { kind: 'sgd', lr: 0.1 } }, out);
    expect(readdirSync(join(out, 'data'))).toEqual(expect.arrayContaining(['train-x.bin', 'train-y.bin']));
    const { data } = await probe<{ data: { train: Split; test: Split } }>({ data: { dir: out, batches: [] } });
    const ds = await loadDataset(config.data, { seed: config.seed });
    expect(data.train.y).toEqual(Array.from(ds.train.y));
    expect(data.test.y).toEqual(Array.from(ds.test.y));
    expect(data.train.x).toBe(createHash('sha256').update(new Uint8Array(ds.train.x.buffer, ds.train.x.byteOffset, ds.train.x.byteLength)).digest('hex'));
  });
});

describe('CIFAR sources read on the target machine (data.py)', () => {
  it.each(['cifar10', 'cifar100'] as const)('%s: the planar records become the app’s NHWC images, normalised per channel, batches augmented alike', async (name) => {
    // The archives' layouts: cifar-10-batches-bin/data_batch_1..5.bin + test_batch.bin; cifar-100-binary/train.bin + test.bin (coarse and fine labels).
    const root = join(dir, `${name}-files`);
    const folder = join(root, name === 'cifar10' ? 'cifar-10-batches-bin' : 'cifar-100-binary');
    mkdirSync(folder, { recursive: true });
    if (name === 'cifar10') {
      for (let k = 1; k <= 5; k++) writeFileSync(join(folder, `data_batch_${k}.bin`), cifarBuffer([k, (k + 5) % 10, (k + 2) % 10, k % 10]));
      writeFileSync(join(folder, 'test_batch.bin'), cifarBuffer([0, 1, 2]));
    } else {
      writeFileSync(join(folder, 'train.bin'), cifarBuffer([57, 99, 3, 40, 12, 8, 77, 64], [4, 19, 0, 2, 3, 1, 5, 6]));
      writeFileSync(join(folder, 'test.bin'), cifarBuffer([1, 2], [0, 0]));
    }
    const out = join(dir, `${name}-export`);
    const { config } = await exportConfig({ seed: 6, epochs: 1, batchSize: 4, data: { name, path: root, augment: { cropPadding: 4, flip: true } }, model: { kind: 'resnet20', width: 2 }, optimizer: { kind: 'sgd', lr: 0.1 } }, out);
    const { data } = await probe<{ data: { train: Split; test: Split; batches: { x: number[]; y: number[] }[] } }>({ data: { dir: out, batches: [[0, 1, 2]] } });
    const ds = await loadDataset(config.data, { seed: config.seed });
    expect(data.train.y).toEqual(Array.from(ds.train.y));
    expect(data.train.x).toBe(createHash('sha256').update(new Uint8Array(ds.train.x.buffer, ds.train.x.byteOffset, ds.train.x.byteLength)).digest('hex'));
    expect(data.test.x).toBe(createHash('sha256').update(new Uint8Array(ds.test.x.buffer, ds.test.x.byteOffset, ds.test.x.byteLength)).digest('hex'));
    const b = iterateBatches(ds.train, ds.inputShape, { batchSize: 4, shuffle: true, rng: epochRng(config.seed, 0), augment: config.data.augment, dropLast: true }).next().value!;
    expect(data.batches[0].x).toEqual(Array.from(b.x.subarray(2 * 3072, 4 * 3072)));
  });
});

interface Split {
  x: string;
  y: number[];
  n: number;
}

describe('the checkpoint format (checkpoint.py)', () => {
  it('reads the app’s checkpoints and writes ones the app reads back unchanged', async () => {
    const a = join(dir, 'a.ckpt');
    const b = join(dir, 'b.ckpt');
    const params = [tf.tensor([[1.5, -2], [3, 4e-8]]), tf.tensor([0.25, -0.125])];
    const state = [tf.tensor([1, 2, 3, 4])];
    const optimizer = { 'momentum/0': tf.tensor([[0.1, 0.2], [0.3, 0.4]]), 'stepper/t': tf.scalar(7, 'int32') };
    await saveCheckpoint(a, { epoch: 2, stepInEpoch: 3, step: 11, seed: 5, extra: { note: 'é' } }, { params, state, optimizer });
    const { checkpoint } = await probe<{ checkpoint: { names: string[]; meta: Record<string, unknown> } }>({ checkpoint: { in: a, out: b } });
    expect(checkpoint.names).toEqual(['param/0', 'param/1', 'state/0', 'opt/momentum/0', 'opt/stepper/t']);
    expect(checkpoint.meta).toMatchObject({ epoch: 2, stepInEpoch: 3, step: 11, seed: 5, extra: { note: 'é' } });
    const back = await loadCheckpoint(b);
    expect(back.meta).toMatchObject({ epoch: 2, stepInEpoch: 3, step: 11, seed: 5, version: 1 });
    for (const [i, t] of params.entries()) expect(Array.from(back.contents.params[i].dataSync())).toEqual(Array.from(t.dataSync()));
    expect(Array.from(back.contents.state[0].dataSync())).toEqual([1, 2, 3, 4]);
    expect(back.contents.optimizer['stepper/t'].dtype).toBe('int32');
    expect(back.contents.optimizer['stepper/t'].dataSync()[0]).toBe(7);
    tf.dispose([...params, ...state, ...Object.values(optimizer), ...back.contents.params, ...back.contents.state, ...Object.values(back.contents.optimizer)]);
  });
});

describe('how many processes a run splits over', () => {
  it('is the same rule in the exporter and in the script (stepper.py chunk_plan)', async () => {
    const worlds = [1, 2, 3, 4, 5, 6, 8, 12, 16, 24, 48];
    const ms = [null, 4, 8, 12, 24];
    const { chunkPlan } = await probe<{ chunkPlan: (number[] | string)[][] }>({ chunkPlan: ms.map((m) => ({ batchSize: 48, worlds, m })) });
    ms.forEach((m, j) => {
      const config = { batchSize: 48, sam: m === null ? null : { m } } as Parameters<typeof worldSizeProblem>[0];
      worlds.forEach((w, i) => expect({ m, w, ok: Array.isArray(chunkPlan[j][i]) }).toEqual({ m, w, ok: worldSizeProblem(config, w) === null }));
    });
    // m = 12 of 48: whole chunks on 1, 2 or 4 processes (shares 48, 24, 12); a chunk over 2, 3, 4,
    // 6 or 12 whole shares on 8, 12, 16, 24 or 48; never a chunk cut across a share (3, 6 processes).
    expect(validWorldSizes({ batchSize: 48, sam: { m: 12 } } as Parameters<typeof validWorldSizes>[0])).toEqual([1, 2, 4, 8, 12, 16, 24, 48]);
  });
});

describe.skipIf(!existsSync(FASHION))('what an export writes', () => {
  it('a project with filled-in README commands, the run config as it is, and the initial weights', async () => {
    const out = join(dir, 'written');
    const { config, exported } = await exportConfig({ name: 'readme run', epochs: 1, batchSize: 16, data: { name: 'fashion-mnist', limit: 32 }, model: { kind: 'mlp', hidden: [4] }, optimizer: { kind: 'sgd', lr: 0.1 }, sam: { rho: 0.05, m: 4 } }, out);
    for (const f of ['train.py', 'README.md', 'requirements.txt', 'run.json', 'export.json', 'initial.ckpt', 'sam_studio/stepper.py']) expect(exported.files).toContain(f);
    expect(exported.files.some((f) => f.startsWith('tests/') || f.includes('__pycache__'))).toBe(false);
    const readme = readFileSync(join(out, 'README.md'), 'utf8');
    expect(readme).not.toMatch(/\{\{|\}\}/);
    expect(readme).toContain('# readme run');
    expect(readme).toContain(exported.commands.manual);
    expect(readme).toContain('torchrun --nnodes=2 --nproc_per_node=8');
    // 16 examples with m = 4: whole chunks on 1, 2 or 4 processes, a chunk over 2 or 4 shares on
    // 8 or 16; 3 processes do not split the batch.
    expect(exported.worldSizes).toEqual([1, 2, 4, 8, 16]);
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'))).toEqual(config);
    const initial = await loadCheckpoint(join(out, 'initial.ckpt'));
    expect(initial.meta.step).toBe(0);
    expect(initial.contents.params.map((t) => t.shape)).toEqual([[784, 4], [4], [4, 10], [10]]);
    tf.dispose(initial.contents.params);
  });

  it('refuses what it cannot honour, by name, and never writes into a folder that holds files', async () => {
    const layers = parseRunConfig({ epochs: 1, batchSize: 8, data: { name: 'synthetic-moons' }, model: { kind: 'layers', path: '/tmp/model.json' }, optimizer: { kind: 'sgd', lr: 0.1 } });
    const err = await exportPytorch(layers, join(dir, 'layers'), { appVersion: 'test' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExportError);
    expect((err as ExportError).field).toBe('model.kind');
    expect((err as Error).message).toMatch(/model\.kind "layers".*no PyTorch port/);
    const moons = parseRunConfig({ epochs: 1, batchSize: 8, data: { name: 'synthetic-moons', samples: 40 }, model: { kind: 'mlp', hidden: [2] }, optimizer: { kind: 'sgd', lr: 0.1 } });
    await exportPytorch(moons, join(dir, 'twice'), { appVersion: 'test' });
    await expect(exportPytorch(moons, join(dir, 'twice'), { appVersion: 'test' })).rejects.toThrow(/is not empty/);
  });
});
