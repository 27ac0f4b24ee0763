// Step benchmark (issue 3, "Benchmark"): per available backend, for the MLP 784-512-512-10 and
// the small CNN on real Fashion-MNIST batches of 128 — SGD step ms, SAM step ms, SAM/SGD,
// examples/s, the wasm/cpu speed-up — and the wall time of one SAM epoch of the MLP over all
// 60,000 training images on wasm. Table, or JSON lines {"bench":"step"|"speedup"|"epoch",…}.
import * as tf from '@tensorflow/tfjs-core';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { initBackend, probeBackends } from '../src/engine/backend';
import { loadDataset } from '../src/engine/data/index';
import { iterateBatches, type Batch } from '../src/engine/data/batches';
import { buildModel } from '../src/engine/models/index';
import { createStepper } from '../src/engine/optim';
import { Rng } from '../src/engine/rng';
import type { Dataset } from '../src/engine/data/types';
import { type BackendName, dataSchema, modelSchema, optimizerSchema, samSchema } from '../src/shared/config';
import { runStep, timeInterleaved, type StepTiming } from './step-measure';

export const BATCH = 128;
const LR = 0.05;
const MODELS = {
  mlp: { cfg: modelSchema.parse({ kind: 'mlp', hidden: [512, 512] }), label: 'MLP 784-512-512-10' },
  cnn: { cfg: modelSchema.parse({ kind: 'cnn', filters: [32, 64], dense: 128 }), label: 'CNN conv32-conv64-dense128' },
} as const;
type ModelName = keyof typeof MODELS;

/**
 * tfjs-cpu CNN steps take a minute or more each (its conv gradients are scalar loops), so there
 * the two timed pairs are all: JIT warm-up is negligible next to a step that long.
 */
function plan(backend: BackendName, model: ModelName): { warmup: number; repeats: number } {
  if (backend === 'cpu') return model === 'cnn' ? { warmup: 0, repeats: 2 } : { warmup: 1, repeats: 5 };
  // A software WebGPU adapter (SwiftShader) takes seconds per MLP step: a few pairs say enough.
  if (backend === 'webgpu') return { warmup: 1, repeats: 3 };
  return model === 'cnn' ? { warmup: 2, repeats: 8 } : { warmup: 3, repeats: 20 };
}

interface StepRow {
  bench: 'step';
  model: ModelName;
  backend: BackendName;
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

async function measure(backend: BackendName, model: ModelName, data: Dataset): Promise<StepRow> {
  const report = await initBackend(backend);
  const m = await buildModel(MODELS[model].cfg, data.inputShape, data.numClasses, 0);
  const steppers = { sgd: createStepper(m, { optimizer, sam: null }), sam: createStepper(m, { optimizer, sam }) };
  const t: { sgd: StepTiming; sam: StepTiming } = await timeInterleaved(steppers, batchStream(data, 1), data.inputShape, { ...plan(backend, model), lr: LR });
  steppers.sgd.dispose();
  steppers.sam.dispose();
  m.dispose();
  return {
    bench: 'step',
    model,
    backend,
    batchSize: BATCH,
    sgdMs: round(t.sgd.wallMs),
    samMs: round(t.sam.wallMs),
    samOverSgd: round(t.sam.wallMs / t.sgd.wallMs, 2),
    samOverSgdCpu: round(t.sam.cpuMs / t.sgd.cpuMs, 2),
    examplesPerSec: Math.round((BATCH * 1000) / t.sgd.wallMs),
    samExamplesPerSec: Math.round((BATCH * 1000) / t.sam.wallMs),
    sgdCpuMs: round(t.sgd.cpuMs),
    samCpuMs: round(t.sam.cpuMs),
    paramCount: m.paramCount,
    load1: round(loadavg()[0], 2),
    ...(backend === 'webgpu' ? { adapter: String(report.details.device), softwareAdapter: report.details.software === true } : {}),
  };
}

/** One SAM epoch of the MLP over every training image (the last batch is partial), on wasm. */
async function samEpoch(data: Dataset): Promise<{ bench: 'epoch'; model: ModelName; backend: BackendName; examples: number; steps: number; wallMs: number; examplesPerSec: number }> {
  await initBackend('wasm');
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
  return { bench: 'epoch', model: 'mlp', backend: 'wasm', examples, steps, wallMs: Math.round(wallMs), examplesPerSec: Math.round((examples * 1000) / wallMs) };
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
  const rows: StepRow[] = [];
  say(`Fashion-MNIST (${data.source}), batch ${BATCH}, SGD momentum 0.9 vs SAM ρ = 0.05; backends: ${backends.join(', ')}`);
  say('model  backend   SGD ms   SAM ms  SAM/SGD   SGD ex/s   SAM ex/s   (CPU ms SGD / SAM = ratio)');
  for (const backend of backends) {
    const software = backend === 'webgpu' && /software: true/.test(probed.find((b) => b.name === backend)?.reason ?? '');
    for (const model of Object.keys(MODELS) as ModelName[]) {
      if (software && model === 'cnn') {
        // SwiftShader needs ~9 s for a SAM step of a CNN 16× smaller than this one (batch 32, 8/16 filters).
        const skip = { bench: 'step', model, backend, skipped: 'software WebGPU adapter: minutes per step of this CNN', softwareAdapter: true };
        if (opts.json) console.log(JSON.stringify(skip));
        else say(`${model.padEnd(6)} ${backend.padEnd(8)} skipped: ${skip.skipped}`);
        continue;
      }
      const r = await measure(backend, model, data);
      rows.push(r);
      if (opts.json) console.log(JSON.stringify(r));
      else
        say(
          `${model.padEnd(6)} ${backend.padEnd(8)} ${r.sgdMs.toFixed(1).padStart(7)}  ${r.samMs.toFixed(1).padStart(7)}  ${r.samOverSgd.toFixed(2).padStart(7)}  ${String(r.examplesPerSec).padStart(9)}  ${String(r.samExamplesPerSec).padStart(9)}   (${r.sgdCpuMs} / ${r.samCpuMs} = ${r.samOverSgdCpu})` +
            (r.adapter ? `  [${r.adapter}${r.softwareAdapter ? ', software adapter' : ''}]` : ''),
        );
      // SAM does two forward-backward passes; more than 2.1× SGD means overhead beyond them.
      if (r.samOverSgd > 2.1) say(`  warning: SAM/SGD ${r.samOverSgd} exceeds 2.1 on ${backend}`);
    }
  }
  for (const model of Object.keys(MODELS) as ModelName[]) {
    const w = rows.find((r) => r.model === model && r.backend === 'wasm');
    const c = rows.find((r) => r.model === model && r.backend === 'cpu');
    if (!w || !c) continue;
    // Wall-clock ratios, and CPU-time ratios (immune to other processes competing for the cores).
    const sp = {
      bench: 'speedup',
      model,
      fast: 'wasm',
      slow: 'cpu',
      sgd: round(c.sgdMs / w.sgdMs, 1),
      sam: round(c.samMs / w.samMs, 1),
      sgdCpu: round(c.sgdCpuMs / w.sgdCpuMs, 1),
      samCpu: round(c.samCpuMs / w.samCpuMs, 1),
    };
    if (opts.json) console.log(JSON.stringify(sp));
    else say(`speed-up wasm vs cpu, ${model}: SGD ×${sp.sgd}, SAM ×${sp.sam} (CPU time: ×${sp.sgdCpu}, ×${sp.samCpu})`);
  }
  if (backends.includes('wasm')) {
    const e = await samEpoch(data);
    if (opts.json) console.log(JSON.stringify(e));
    else say(`one SAM epoch of the MLP on wasm: ${(e.wallMs / 1000).toFixed(1)} s for ${e.examples} images in ${e.steps} steps (${e.examplesPerSec} ex/s)`);
  }
  await tf.setBackend('cpu');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  run({ json: process.argv.includes('--json') }).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
