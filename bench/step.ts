// Step benchmark (issue 3, "Benchmark"; issue 11, item 6): per available backend, for the MLP
// 784-512-512-10 and the small CNN on real Fashion-MNIST batches of 128 — SGD step ms, SAM step
// ms, SAM/SGD, examples/s, the wasm/cpu speed-up — wasm once on 1 thread and once on all threads
// (every step row says how many threads it ran on) with the thread speed-up, and the wall time of
// one SAM epoch of the MLP over all 60,000 training images on wasm.
// Table, or JSON lines {"bench":"step"|"threads"|"speedup"|"epoch",…}.
import * as tf from '@tensorflow/tfjs-core';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { initBackend, probeBackends } from '../src/engine/backend';
import { WASM_MAX_THREADS, machineThreads } from '../src/engine/backends/wasm-threads';
import { loadDataset } from '../src/engine/data/index';
import { iterateBatches, type Batch } from '../src/engine/data/batches';
import { buildModel } from '../src/engine/models/index';
import { createStepper } from '../src/engine/optim';
import { startDataParallel } from '../src/engine/parallel/data-parallel';
import { Rng } from '../src/engine/rng';
import type { Dataset } from '../src/engine/data/types';
import { type BackendName, dataSchema, modelSchema, optimizerSchema, samSchema } from '../src/shared/config';
import { mergeSamples, runStep, sampleInterleaved, summarize, type StepSamples } from './step-measure';

export const BATCH = 128;
const LR = 0.05;
export const MODELS = {
  mlp: { cfg: modelSchema.parse({ kind: 'mlp', hidden: [512, 512] }), label: 'MLP 784-512-512-10' },
  cnn: { cfg: modelSchema.parse({ kind: 'cnn', filters: [32, 64], dense: 128 }), label: 'CNN conv32-conv64-dense128' },
} as const;
export type ModelName = keyof typeof MODELS;

export interface Plan {
  warmup: number;
  repeats: number;
}

/**
 * tfjs-cpu CNN steps take a minute or more each (its conv gradients are scalar loops), so there
 * the two timed pairs are all: JIT warm-up is negligible next to a step that long.
 */
function defaultPlan(backend: BackendName, model: ModelName): Plan {
  if (backend === 'cpu') return model === 'cnn' ? { warmup: 0, repeats: 2 } : { warmup: 1, repeats: 5 };
  // A software WebGPU adapter (SwiftShader) takes seconds per MLP step: a few pairs say enough.
  if (backend === 'webgpu') return { warmup: 1, repeats: 3 };
  return model === 'cnn' ? { warmup: 2, repeats: 8 } : { warmup: 3, repeats: 20 };
}

/** How wasm used several threads (engine/parallel/plan.ts picks one per model in training). */
export type Parallel = 'pool' | 'ranks';

export interface StepRow {
  bench: 'step';
  model: ModelName;
  backend: BackendName;
  /** Threads the backend computed on (the wasm pool; 1 for cpu); null where tfjs does not say. */
  threads: number | null;
  /** wasm on several threads: one pool splitting each product, or data-parallel ranks splitting the batch. */
  parallel?: Parallel;
  batchSize: number;
  sgdMs: number;
  samMs: number;
  samOverSgd: number;
  /** The same ratio in process CPU time (immune to other processes competing for the cores). */
  samOverSgdCpu: number;
  examplesPerSec: number;
  samExamplesPerSec: number;
  sgdCpuMs: number;
  samCpuMs: number;
  paramCount: number;
  /** 1-minute load average when the row was measured: wall times stretch when it exceeds the cores. */
  load1: number;
  /** WebGPU only: the adapter, and whether it is a software rasteriser (SwiftShader) rather than a GPU. */
  adapter?: string;
  softwareAdapter?: boolean;
}

/** Wall-clock speed-up of wasm on `threads` over wasm on 1 thread, measured in the same rounds. */
export interface ThreadsRow {
  bench: 'threads';
  model: ModelName;
  backend: 'wasm';
  threads: number;
  parallel: Parallel;
  sgd: number;
  sam: number;
  rounds: number;
}

export function batchStream(data: Dataset, seed: number): () => Batch {
  const rng = new Rng(seed);
  let it = iterateBatches(data.train, data.inputShape, { batchSize: BATCH, shuffle: true, rng, dropLast: true });
  return () => {
    let n = it.next();
    if (n.done) {
      it = iterateBatches(data.train, data.inputShape, { batchSize: BATCH, shuffle: true, rng, dropLast: true });
      n = it.next();
    }
    return n.value as Batch;
  };
}

export const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const optimizer = optimizerSchema.parse({ kind: 'sgd', lr: LR, momentum: 0.9 });
const sam = samSchema.parse({ rho: 0.05 });

interface Measured {
  threads: number | null;
  parallel: Parallel;
  /** The backend's report details (the adapter for webgpu). */
  details: Record<string, string | number | boolean>;
  paramCount: number;
  sgd: StepSamples;
  sam: StepSamples;
}

async function sample(backend: BackendName, model: ModelName, data: Dataset, threads: number | null, plan: Plan, parallel: Parallel = 'pool'): Promise<Measured> {
  const ranks = parallel === 'ranks' && threads !== null && threads > 1 ? threads : 1;
  const report = await initBackend(backend, { threads: ranks > 1 ? 1 : threads });
  const m = await buildModel(MODELS[model].cfg, data.inputShape, data.numClasses, 0);
  const dp = ranks > 1 ? await startDataParallel({ model: m, config: MODELS[model].cfg, ranks, maxRows: BATCH }) : null;
  const pass = dp ? { pass: dp.pass } : {};
  const steppers = { sgd: createStepper(m, { optimizer, sam: null, ...pass }), sam: createStepper(m, { optimizer, sam, ...pass }) };
  const s = await sampleInterleaved(steppers, batchStream(data, 1), data.inputShape, { ...plan, lr: LR });
  steppers.sgd.dispose();
  steppers.sam.dispose();
  dp?.dispose();
  m.dispose();
  const t = report.details.threads;
  return { threads: ranks > 1 ? ranks : typeof t === 'number' ? t : null, parallel: ranks > 1 ? 'ranks' : 'pool', details: report.details, paramCount: m.paramCount, ...s };
}

function stepRow(backend: BackendName, model: ModelName, m: Measured): StepRow {
  const sgd = summarize(m.sgd);
  const samT = summarize(m.sam);
  return {
    bench: 'step',
    model,
    backend,
    threads: m.threads,
    ...(backend === 'wasm' && m.threads !== null && m.threads > 1 ? { parallel: m.parallel } : {}),
    batchSize: BATCH,
    sgdMs: round(sgd.wallMs),
    samMs: round(samT.wallMs),
    samOverSgd: round(samT.wallMs / sgd.wallMs, 2),
    samOverSgdCpu: round(samT.cpuMs / sgd.cpuMs, 2),
    examplesPerSec: Math.round((BATCH * 1000) / sgd.wallMs),
    samExamplesPerSec: Math.round((BATCH * 1000) / samT.wallMs),
    sgdCpuMs: round(sgd.cpuMs),
    samCpuMs: round(samT.cpuMs),
    paramCount: m.paramCount,
    load1: round(loadavg()[0], 2),
    ...(backend === 'webgpu' ? { adapter: String(m.details.device), softwareAdapter: m.details.software === true } : {}),
  };
}

/**
 * wasm on each thread count — several threads both ways, as one pool and as data-parallel ranks —
 * in `rounds` rounds whose order alternates (1, N, … then N, 1, …), so load from other processes
 * that comes and goes hits every setting alike.
 */
async function wasmThreadRows(model: ModelName, data: Dataset, counts: number[], plan: Plan, rounds: number): Promise<{ steps: StepRow[]; speedups: ThreadsRow[] }> {
  const per = Math.max(1, Math.ceil(plan.repeats / rounds));
  const settings = counts.flatMap((n): [number, Parallel][] => (n === 1 ? [[1, 'pool']] : [[n, 'pool'], [n, 'ranks']]));
  const acc = new Map<string, Measured>();
  for (let r = 0; r < rounds; r++) {
    for (const [n, parallel] of r % 2 === 0 ? settings : [...settings].reverse()) {
      const m = await sample('wasm', model, data, n, { warmup: plan.warmup, repeats: per }, parallel);
      const key = `${n} ${parallel}`;
      const prev = acc.get(key);
      acc.set(key, prev ? { ...m, sgd: mergeSamples(prev.sgd, m.sgd), sam: mergeSamples(prev.sam, m.sam) } : m);
    }
  }
  const steps = settings.map(([n, parallel]) => stepRow('wasm', model, acc.get(`${n} ${parallel}`) as Measured));
  const one = steps.find((s) => s.threads === 1);
  const speedups: ThreadsRow[] = one
    ? steps
        .filter((s) => s.threads !== null && s.threads > 1)
        .map((s) => ({
          bench: 'threads',
          model,
          backend: 'wasm',
          threads: s.threads as number,
          parallel: s.parallel ?? 'pool',
          sgd: round(one.sgdMs / s.sgdMs, 2),
          sam: round(one.samMs / s.samMs, 2),
          rounds,
        }))
    : [];
  return { steps, speedups };
}

/**
 * Thread counts for the wasm rows: 1 and every core (at most what the build runs);
 * SAM_BENCH_THREADS=1,2,4,8 asks for others.
 */
export function benchThreadCounts(env = process.env.SAM_BENCH_THREADS): number[] {
  if (env) {
    const counts = env.split(',').map((s) => Number(s.trim()));
    const bad = counts.find((n) => !Number.isInteger(n) || n < 1 || n > WASM_MAX_THREADS);
    if (bad !== undefined) throw new Error(`SAM_BENCH_THREADS must list whole numbers from 1 to ${WASM_MAX_THREADS}, got "${env}"`);
    return [...new Set(counts)].sort((a, b) => a - b);
  }
  return [...new Set([1, Math.min(machineThreads(), WASM_MAX_THREADS)])];
}

export interface StepBenchOptions {
  data: Dataset;
  backends: BackendName[];
  models?: ModelName[];
  threads?: number[];
  plan?: (backend: BackendName, model: ModelName) => Plan;
  /** Alternating rounds for the wasm thread rows. */
  rounds?: number;
  /** Backends on a software adapter (SwiftShader): their CNN rows are skipped. */
  software?: BackendName[];
  emit(row: StepRow | ThreadsRow | SkippedRow): void;
}

/** A row not measured, and why. */
export interface SkippedRow {
  bench: 'step';
  model: ModelName;
  backend: BackendName;
  skipped: string;
  softwareAdapter: true;
}

/** Every step row (and the wasm thread speed-ups) for the given backends and models. */
export async function measureSteps(o: StepBenchOptions): Promise<{ steps: StepRow[]; speedups: ThreadsRow[] }> {
  const plan = o.plan ?? defaultPlan;
  const steps: StepRow[] = [];
  const speedups: ThreadsRow[] = [];
  for (const backend of o.backends) {
    for (const model of o.models ?? (Object.keys(MODELS) as ModelName[])) {
      if (o.software?.includes(backend) && model === 'cnn') {
        // SwiftShader needs ~9 s for a SAM step of a CNN 16× smaller than this one (batch 32, 8/16 filters).
        o.emit({ bench: 'step', model, backend, skipped: 'software WebGPU adapter: minutes per step of this CNN', softwareAdapter: true });
        continue;
      }
      if (backend === 'wasm') {
        const r = await wasmThreadRows(model, o.data, o.threads ?? benchThreadCounts(), plan(backend, model), o.rounds ?? 4);
        for (const row of r.steps) o.emit(row);
        for (const row of r.speedups) o.emit(row);
        steps.push(...r.steps);
        speedups.push(...r.speedups);
      } else {
        const row = stepRow(backend, model, await sample(backend, model, o.data, null, plan(backend, model)));
        o.emit(row);
        steps.push(row);
      }
    }
  }
  return { steps, speedups };
}

/** One SAM epoch of the MLP over every training image (the last batch is partial), on wasm on all threads. */
async function samEpoch(data: Dataset): Promise<{ bench: 'epoch'; model: ModelName; backend: BackendName; threads: number | null; examples: number; steps: number; wallMs: number; examplesPerSec: number }> {
  const report = await initBackend('wasm');
  const m = await buildModel(MODELS.mlp.cfg, data.inputShape, data.numClasses, 0);
  const s = createStepper(m, { optimizer, sam });
  const t0 = performance.now();
  let steps = 0;
  let examples = 0;
  for (const b of iterateBatches(data.train, data.inputShape, { batchSize: BATCH, shuffle: true, rng: new Rng(2) })) {
    await runStep(s, b, data.inputShape, LR);
    steps++;
    examples += b.size;
  }
  const wallMs = performance.now() - t0;
  s.dispose();
  m.dispose();
  const threads = typeof report.details.threads === 'number' ? report.details.threads : null;
  return { bench: 'epoch', model: 'mlp', backend: 'wasm', threads, examples, steps, wallMs: Math.round(wallMs), examplesPerSec: Math.round((examples * 1000) / wallMs) };
}

function stepLine(r: StepRow): string {
  const be = `${r.backend}${r.threads !== null ? `×${r.threads}` : ''}${r.parallel === 'ranks' ? ' ranks' : ''}`;
  const line =
    `${r.model.padEnd(6)} ${be.padEnd(10)} ${r.sgdMs.toFixed(1).padStart(7)}  ${r.samMs.toFixed(1).padStart(7)}  ${r.samOverSgd.toFixed(2).padStart(7)}  ${String(r.examplesPerSec).padStart(9)}  ${String(r.samExamplesPerSec).padStart(9)}   (${r.sgdCpuMs} / ${r.samCpuMs} = ${r.samOverSgdCpu})  load ${r.load1}` +
    (r.adapter ? `  [${r.adapter}${r.softwareAdapter ? ', software adapter' : ''}]` : '');
  // SAM does two forward-backward passes; more than 2.1× SGD means overhead beyond them.
  return r.samOverSgd > 2.1 ? `${line}\n  warning: SAM/SGD ${r.samOverSgd} exceeds 2.1 on ${r.backend}` : line;
}

export async function run(opts: { json: boolean; only?: string[] }): Promise<void> {
  const say = (line: string) => {
    if (!opts.json) console.log(line);
  };
  const data = await loadDataset(dataSchema.parse({ name: 'fashion-mnist' }), { seed: 0 });
  const probed = await probeBackends();
  const available = probed.filter((b) => b.available).map((b) => b.name);
  // Every available backend, best first; tensorflow(-gpu) and webgpu appear only where they exist.
  // SAM_BENCH_BACKENDS=wasm,cpu narrows the list (the cpu CNN alone takes several minutes).
  const wanted = process.env.SAM_BENCH_BACKENDS?.split(',').map((b) => b.trim());
  const backends = wanted ? available.filter((b) => wanted.includes(b)) : available;
  say(`Fashion-MNIST (${data.source}), batch ${BATCH}, SGD momentum 0.9 vs SAM ρ = 0.05; backends: ${backends.join(', ')}; wasm threads: ${benchThreadCounts().join(', ')}`);
  say('model  backend×threads SGD ms  SAM ms  SAM/SGD   SGD ex/s   SAM ex/s   (CPU ms SGD / SAM = ratio)');
  const software = backends.filter((b) => b === 'webgpu' && /software: true/.test(probed.find((p) => p.name === b)?.reason ?? ''));
  const { steps: rows } = await measureSteps({
    data,
    backends,
    software,
    emit: (r) => {
      if (opts.json) console.log(JSON.stringify(r));
      else if ('skipped' in r) say(`${r.model.padEnd(6)} ${r.backend.padEnd(10)} skipped: ${r.skipped}`);
      else if (r.bench === 'step') say(stepLine(r));
      else say(`speed-up wasm on ${r.threads} threads (${r.parallel === 'ranks' ? 'data-parallel ranks' : 'one pool'}) vs 1, ${r.model}: SGD ×${r.sgd}, SAM ×${r.sam} (${r.rounds} alternating rounds)`);
    },
  });
  const allThreads = (model: ModelName) =>
    rows.filter((r) => r.model === model && r.backend === 'wasm').sort((a, b) => (b.threads ?? 0) - (a.threads ?? 0))[0];
  for (const model of Object.keys(MODELS) as ModelName[]) {
    const w = allThreads(model);
    const c = rows.find((r) => r.model === model && r.backend === 'cpu');
    if (!w || !c) continue;
    // Wall-clock ratios, and CPU-time ratios (immune to other processes competing for the cores).
    const sp = {
      bench: 'speedup',
      model,
      fast: 'wasm',
      fastThreads: w.threads,
      slow: 'cpu',
      sgd: round(c.sgdMs / w.sgdMs, 1),
      sam: round(c.samMs / w.samMs, 1),
      sgdCpu: round(c.sgdCpuMs / w.sgdCpuMs, 1),
      samCpu: round(c.samCpuMs / w.samCpuMs, 1),
    };
    if (opts.json) console.log(JSON.stringify(sp));
    else say(`speed-up wasm (${w.threads} threads) vs cpu, ${model}: SGD ×${sp.sgd}, SAM ×${sp.sam} (CPU time: ×${sp.sgdCpu}, ×${sp.samCpu})`);
  }
  if (backends.includes('wasm')) {
    const e = await samEpoch(data);
    if (opts.json) console.log(JSON.stringify(e));
    else say(`one SAM epoch of the MLP on wasm (${e.threads} threads): ${(e.wallMs / 1000).toFixed(1)} s for ${e.examples} images in ${e.steps} steps (${e.examplesPerSec} ex/s)`);
  }
  await tf.setBackend('cpu');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  run({ json: process.argv.includes('--json') }).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
