// Where a training step's time goes on wasm, kernel by kernel (docs/PERFORMANCE.md, "wasm on
// every core"). Every wasm kernel is wrapped twice: the stock one (label "stock:") before our
// training kernels replace some of them, and then whatever is registered — so a stock kernel our
// wrapper calls (BatchMatMul's XNNPACK product, the Transpose inside it) shows on its own line.
// Times are self times (a kernel's children subtracted), wall ms per step; "outside" is the rest
// of the step (tfjs engine, tape, optimizer bookkeeping). Kernels are synchronous on wasm, so the
// wall time around a call is its cost.
//
//   npx tsx bench/kernel-profile.ts [threads=1] [mlp|cnn] [sam|sgd] [steps=30] [--shapes] [--batch N]
//
// On a shared machine run it at real-time priority (`chrt -f 10 npx tsx …`) so other processes do
// not stretch the figures; compare 1 and 2 threads from runs taken back to back.
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/engine/backend';
import { iterateBatches } from '../src/engine/data/batches';
import { loadDataset } from '../src/engine/data/index';
import { buildModel } from '../src/engine/models/index';
import { createStepper } from '../src/engine/optim';
import { Rng } from '../src/engine/rng';
import { dataSchema, optimizerSchema, samSchema } from '../src/shared/config';
import { MODELS, type ModelName } from './step';
import { runStep } from './step-measure';

const flags = process.argv.slice(2);
const positional = flags.filter((a, i) => !a.startsWith('--') && flags[i - 1] !== '--batch');
const threads = Number(positional[0] ?? 1);
const model = (positional[1] ?? 'mlp') as ModelName;
const sam = (positional[2] ?? 'sam') === 'sam';
const steps = Number(positional[3] ?? 30);
const byShape = flags.includes('--shapes');
const batch = flags.includes('--batch') ? Number(flags[flags.indexOf('--batch') + 1]) : 128;
if (!MODELS[model]) throw new Error(`model must be one of ${Object.keys(MODELS).join(', ')}, got "${model}"`);

const selfMs = new Map<string, number>();
const calls = new Map<string, number>();
const open: number[] = []; // per open call: time spent in nested kernel calls

function label(prefix: string, kernel: string, a: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap }): string {
  if (!byShape) return prefix + kernel;
  const shapes = Object.values(a.inputs)
    .filter((t): t is tf.TensorInfo => Boolean(t))
    .map((t) => t.shape.join('×'))
    .join(', ');
  const at = (a.attrs ?? {}) as Record<string, unknown>;
  const extra = [at.transposeA ? 'transposeA' : '', at.transposeB ? 'transposeB' : '', at.perm ? `perm ${String(at.perm)}` : '', at.axis !== undefined ? `axis ${String(at.axis)}` : '']
    .filter(Boolean)
    .join(' ');
  return `${prefix}${kernel} ${shapes} ${extra}`.trim();
}

function wrapAll(prefix: string): void {
  for (const k of tf.getKernelsForBackend('wasm')) {
    const inner = k.kernelFunc;
    tf.unregisterKernel(k.kernelName, 'wasm');
    tf.registerKernel({
      ...k,
      kernelFunc: (a) => {
        const name = label(prefix, k.kernelName, a);
        const t0 = performance.now();
        open.push(0);
        try {
          return inner(a);
        } finally {
          const dt = performance.now() - t0;
          const nested = open.pop() ?? 0;
          if (open.length > 0) open[open.length - 1] += dt;
          selfMs.set(name, (selfMs.get(name) ?? 0) + dt - nested);
          calls.set(name, (calls.get(name) ?? 0) + 1);
        }
      },
    });
  }
}

await import('@tensorflow/tfjs-backend-wasm');
wrapAll('stock:');
await initBackend('wasm', { threads });
wrapAll('');
const data = await loadDataset(dataSchema.parse({ name: 'fashion-mnist', limit: 4096 }), { seed: 0 });
const m = await buildModel(MODELS[model].cfg, data.inputShape, data.numClasses, 0);
const stepper = createStepper(m, {
  optimizer: optimizerSchema.parse({ kind: 'sgd', lr: 0.05, momentum: 0.9 }),
  sam: sam ? samSchema.parse({ rho: 0.05 }) : null,
});
const rng = new Rng(1);
const epoch = () => iterateBatches(data.train, data.inputShape, { batchSize: batch, shuffle: true, rng, dropLast: true });
let it = epoch();
const nextBatch = () => {
  let n = it.next();
  if (n.done) {
    it = epoch();
    n = it.next();
  }
  return n.value as Exclude<typeof n.value, undefined | void>;
};
for (let i = 0; i < 5; i++) await runStep(stepper, nextBatch(), data.inputShape, 0.05);
selfMs.clear();
calls.clear();
const t0 = performance.now();
for (let i = 0; i < steps; i++) await runStep(stepper, nextBatch(), data.inputShape, 0.05);
const stepMs = (performance.now() - t0) / steps;
const rows = [...selfMs.entries()].sort((a, b) => b[1] - a[1]);
const kernelMs = rows.reduce((s, [, v]) => s + v, 0) / steps;
console.log(`${model} ${sam ? 'SAM' : 'SGD'} step, batch ${batch}, ${threads} thread(s): ${stepMs.toFixed(1)} ms — kernels ${kernelMs.toFixed(1)}, outside ${(stepMs - kernelMs).toFixed(1)}`);
for (const [name, ms] of rows) {
  if (ms / steps < 0.005) continue;
  console.log(`  ${name.padEnd(64)} ${(ms / steps).toFixed(2).padStart(8)} ms  ${Math.round((calls.get(name) ?? 0) / steps)} calls`);
}
process.exit(0);
