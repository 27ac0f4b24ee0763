// SAM variants benchmark (issue 13): per variant, what a step costs — forward-backward passes per
// step (and ESAM's forward-only ones), and step ms — against SGD and SAM on the same model and
// the same real Fashion-MNIST batches of 128, interleaved so load from other processes hits all
// alike. MLP 784-512-512-10 for every variant but SAM-ON, which needs normalisation layers: it is
// timed on a ResNet-20 (width 8) beside SGD and SAM. LookSAM's steps differ (a SAM step every
// k = 5), so the table gives mean ms over whole cycles. Table, or JSON lines {"bench":"variant",…}.
import * as tf from '@tensorflow/tfjs-core';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { initBackend, probeBackends } from '../src/engine/backend';
import { loadDataset } from '../src/engine/data/index';
import { buildModel } from '../src/engine/models/index';
import { createStepper, type Stepper } from '../src/engine/optim';
import type { Dataset } from '../src/engine/data/types';
import { type BackendName, SAM_VARIANT_LABELS, type SamVariantKind, dataSchema, modelSchema, optimizerSchema, samSchema } from '../src/shared/config';
import { BATCH, batchStream, round } from './step';
import { timeInterleaved } from './step-measure';

const LR = 0.05;
const optimizer = optimizerSchema.parse({ kind: 'sgd', lr: LR, momentum: 0.9 });

const SETUPS = [
  {
    model: 'mlp',
    cfg: modelSchema.parse({ kind: 'mlp', hidden: [512, 512] }),
    variants: ['sam', 'gsam', 'esam', 'looksam', 'friendly-sam'] as SamVariantKind[],
    // 20 timed steps = 4 LookSAM cycles of k = 5
    plan: { warmup: 2, repeats: 20 },
  },
  {
    model: 'resnet20',
    cfg: modelSchema.parse({ kind: 'resnet20', width: 8 }),
    variants: ['sam', 'sam-on'] as SamVariantKind[],
    plan: { warmup: 1, repeats: 4 },
  },
] as const;

interface VariantRow {
  bench: 'variant';
  model: string;
  backend: BackendName;
  batchSize: number;
  /** 'SGD', 'SAM', 'GSAM', …, 'Friendly-SAM', 'SAM-ON'. */
  variant: string;
  passesPerStep: number;
  forwardPassesPerStep: number;
  /** Mean wall ms per step, and its ratio to SGD's in the same run. */
  stepMs: number;
  overSgd: number;
  /** The same ratio in process CPU time (immune to other processes competing for the cores). */
  overSgdCpu: number;
  cpuMs: number;
  load1: number;
}

async function measure(backend: BackendName, setup: (typeof SETUPS)[number], data: Dataset): Promise<VariantRow[]> {
  await initBackend(backend);
  const m = await buildModel(setup.cfg, data.inputShape, data.numClasses, 0);
  const steppers: Record<string, Stepper> = { SGD: createStepper(m, { optimizer, sam: null }) };
  for (const v of setup.variants) {
    steppers[SAM_VARIANT_LABELS[v]] = createStepper(m, { optimizer, sam: samSchema.parse({ rho: 0.05, variant: { kind: v } }), seed: 1 });
  }
  const plan = backend === 'cpu' ? { warmup: 1, repeats: setup.model === 'mlp' ? 5 : 2 } : setup.plan;
  const t = await timeInterleaved(steppers, batchStream(data, 1), data.inputShape, { ...plan, lr: LR });
  Object.values(steppers).forEach((s) => s.dispose());
  m.dispose();
  return Object.entries(t).map(([variant, r]) => ({
    bench: 'variant',
    model: setup.model,
    backend,
    batchSize: BATCH,
    variant,
    passesPerStep: round(r.passes.forwardBackward, 2),
    forwardPassesPerStep: round(r.passes.forward, 2),
    stepMs: round(r.meanWallMs),
    overSgd: round(r.meanWallMs / t.SGD.meanWallMs, 2),
    overSgdCpu: round(r.cpuMs / t.SGD.cpuMs, 2),
    cpuMs: round(r.cpuMs),
    load1: round(loadavg()[0], 2),
  }));
}

export async function run(opts: { json: boolean }): Promise<void> {
  const say = (line: string) => {
    if (!opts.json) console.log(line);
  };
  const data = await loadDataset(dataSchema.parse({ name: 'fashion-mnist' }), { seed: 0 });
  const available = (await probeBackends()).filter((b) => b.available).map((b) => b.name);
  // The cpu rows take minutes (ResNet steps on tfjs-cpu): only when asked for.
  const wanted = process.env.SAM_BENCH_BACKENDS?.split(',').map((b) => b.trim()) ?? available.filter((b) => b !== 'cpu');
  const backends = available.filter((b) => wanted.includes(b));
  say(`Fashion-MNIST (${data.source}), batch ${BATCH}, SGD momentum 0.9, ρ = 0.05, each variant at its paper's defaults; backends: ${backends.join(', ')}`);
  say('model     backend  variant        passes/step   step ms  ×SGD   (CPU ms, ×SGD)');
  for (const backend of backends) {
    for (const setup of SETUPS) {
      for (const r of await measure(backend, setup, data)) {
        if (opts.json) console.log(JSON.stringify(r));
        else {
          const passes = `${r.passesPerStep}${r.forwardPassesPerStep ? ` + ${r.forwardPassesPerStep} fwd` : ''}`;
          say(`${r.model.padEnd(9)} ${backend.padEnd(8)} ${r.variant.padEnd(14)} ${passes.padEnd(13)} ${r.stepMs.toFixed(1).padStart(7)}  ${r.overSgd.toFixed(2).padStart(4)}   (${r.cpuMs}, ${r.overSgdCpu})`);
        }
      }
    }
  }
  await tf.setBackend('cpu');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  run({ json: process.argv.includes('--json') }).catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
