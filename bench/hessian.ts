// Hessian cost with a 1,024-example Fashion-MNIST batch on the wasm backend, for the MLP
// 784-512-512-10 (669,706 parameters; issue 4 "Done when") and the small CNN 32-64-128 of the
// fashion-mnist-cnn-sam preset (421,642 parameters; issue 11: exact HVPs need the conv and
// max-pool second derivatives of src/engine/gradients): ms per gradient, per exact HVP (double
// backprop) and per finite-difference HVP (two gradients, at the model's step), what the
// exact-vs-FD check decides, and — for the MLP — the wall time of a top-5 Lanczos analysis (the
// CNN's would take ~100 of its HVPs). Printed as a table per model, or JSON lines
// {"bench":"hessian","model":…,…}.
import * as tf from '@tensorflow/tfjs-core';
import { fileURLToPath } from 'node:url';
import { dataSchema, hessianSchema, modelSchema, type ModelConfig } from '../src/shared/config';
import { initBackend } from '../src/engine/backend';
import { loadDataset } from '../src/engine/data/index';
import { createHvp, dot, fdStepFor, flatGradient, gaussian } from '../src/engine/hessian/index';
import { analyzeWithLayers } from '../src/engine/hessian/layer-analysis';
import { makeLossClosure } from '../src/engine/loss';
import { buildModel } from '../src/engine/models/index';
import { Rng } from '../src/engine/rng';
import { hessianBatch } from '../src/engine/train-analysis';
import type { Dataset } from '../src/engine/data/types';

const BATCH = 1024;
const REPEATS = Number(process.env.SAM_BENCH_HVP_REPEATS ?? 5);

const MODELS: { label: string; model: ModelConfig; analysis: boolean }[] = [
  { label: 'MLP 784-512-512-10', model: modelSchema.parse({ kind: 'mlp', hidden: [512, 512], activation: 'relu' }), analysis: true },
  { label: 'CNN 32-64-128', model: modelSchema.parse({ kind: 'cnn', filters: [32, 64], dense: 128 }), analysis: false },
];

interface Row {
  model: string;
  metric: string;
  value: number | string;
  unit: string;
  note?: string;
}

function relativeErrorOf(a: Float32Array, b: Float32Array): number {
  const d = Float32Array.from(a, (x, i) => x - b[i]);
  return Math.sqrt(dot(d, d) / dot(b, b));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timeIt(fn: () => Promise<unknown>, repeats: number): Promise<number> {
  await fn(); // warm-up: kernel compilation, first allocations
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** The rows of one model (untrained, seed 0) on the shared Hessian batch. */
async function measureModel(dataset: Dataset, m: (typeof MODELS)[number]): Promise<Row[]> {
  const model = await buildModel(m.model, dataset.inputShape, dataset.numClasses, 0);
  const { x, y } = hessianBatch(dataset.train, model.inputShape, BATCH, 0);
  const rows: Omit<Row, 'model'>[] = [];
  const tensorsBefore = tf.memory().numTensors;
  try {
    const closure = makeLossClosure(model, x, y);
    const fdStep = fdStepFor(m.model);
    rows.push({ metric: 'parameters', value: model.paramCount, unit: '' });
    rows.push({ metric: 'batch', value: x.shape[0], unit: 'examples' });
    rows.push({ metric: 'gradient', value: await timeIt(() => flatGradient(closure), REPEATS), unit: 'ms' });

    const v = gaussian(model.paramCount, new Rng(1));
    const exact = await createHvp(closure, { method: 'exact' });
    const fd = await createHvp(closure, { method: 'finite-difference', fdStep });
    rows.push({ metric: 'hvp-exact', value: await timeIt(() => exact.apply(v), REPEATS), unit: 'ms', note: 'double backprop' });
    rows.push({ metric: 'hvp-finite-difference', value: await timeIt(() => fd.apply(v), REPEATS), unit: 'ms', note: `two gradients, step ${fdStep.toExponential(0)}·‖w‖` });
    rows.push({
      metric: 'exact-vs-fd-relative-error',
      value: relativeErrorOf(await exact.apply(v), await fd.apply(v)),
      unit: '',
      note: 'random probe: float32 rounding and ReLU kinks swamp FD',
    });
    exact.dispose();
    fd.dispose();

    const auto = await createHvp(closure, { seed: 0, fdStep });
    rows.push({ metric: 'auto-hvp', value: auto.method, unit: '', note: auto.check?.summary });
    auto.dispose();

    if (m.analysis) {
      // With the per-layer blocks (issue 13): their time is reported on its own row.
      const cfg = hessianSchema.parse({ topK: 5, trace: false, density: false, maxIterations: 100, tolerance: 1e-3, perLayer: true });
      const config = { sam: null, optimizer: { lr: 0.1 }, seed: 0 } as Parameters<typeof analyzeWithLayers>[3]['config'];
      const res = await analyzeWithLayers(closure, cfg, { seed: 0, batchSize: x.shape[0], fdStep }, { model, x, y, weightDecay: 0, config });
      const layers = res.perLayer!;
      rows.push({ metric: 'top5-analysis', value: res.elapsedMs - layers.elapsedMs, unit: 'ms', note: `${res.iterations} Lanczos steps, ${res.hvp}` });
      rows.push({
        metric: 'per-layer-analysis',
        value: layers.elapsedMs,
        unit: 'ms',
        note: `${layers.layers.length} blocks, ${layers.layers.reduce((n, l) => n + l.iterations, 0)} block HVPs + ε̂ shares`,
      });
      rows.push({ metric: 'per-layer-lambda-max', value: layers.layers.map((l) => `${l.name} ${l.lambdaMax.toPrecision(4)}`).join(', '), unit: '' });
      rows.push({ metric: 'top5-eigenvalues', value: res.topEigenvalues.map((l) => l.toPrecision(4)).join(', '), unit: '' });
      rows.push({ metric: 'lambda-max-over-lambda5', value: res.lambdaMaxOverLambda5 ?? 'n/a', unit: '' });
    }
    rows.push({ metric: 'leaked-tensors', value: tf.memory().numTensors - tensorsBefore, unit: '' });
  } finally {
    x.dispose();
    y.dispose();
    model.dispose();
  }
  return rows.map((r) => ({ model: m.label, ...r }));
}

function formatValue(r: Row): string {
  if (typeof r.value !== 'number') return r.value;
  if (r.unit === 'ms') return r.value.toFixed(1);
  if (Number.isInteger(r.value)) return String(r.value);
  return r.value < 0.01 ? r.value.toExponential(2) : r.value.toPrecision(4);
}

export async function run(opts: { json: boolean }): Promise<void> {
  const backend = await initBackend(process.env.SAM_BENCH_BACKEND === 'cpu' ? 'cpu' : 'wasm');
  const dataset = await loadDataset(dataSchema.parse({ name: 'fashion-mnist', limit: 4096, testLimit: 100 }), { seed: 0 });
  for (const m of MODELS) {
    const rows = await measureModel(dataset, m);
    if (opts.json) {
      for (const r of rows) console.log(JSON.stringify({ bench: 'hessian', backend: backend.name, ...r }));
      continue;
    }
    console.log(`backend ${backend.name}, Fashion-MNIST ${m.label} (untrained, seed 0)`);
    const w = Math.max(...rows.map((r) => r.metric.length));
    for (const r of rows) console.log(`  ${r.metric.padEnd(w)}  ${formatValue(r)} ${r.unit}${r.note ? `  (${r.note})` : ''}`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  run({ json: process.argv.includes('--json') }).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
