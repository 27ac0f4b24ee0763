// Two stored runs (SGD and SAM) written through the store's real ingest path, as a trainer would
// emit them: step and epoch metrics with full-precision doubles, Hessian spectra with density,
// and loss-landscape slices. Seeded, so every test sees the same numbers; the values follow the
// usual shape (loss decays, SAM generalises a little better and ends flatter) without being
// hard-coded into any assertion — tests read the truth back from the store.
import { Rng } from '../../src/engine/rng';
import type { Store } from '../../src/main/services/store';
import type { RunConfigInput } from '../../src/shared/config';
import type { BackendReport, LandscapeEvent, SpectrumEvent, TrainerEvent } from '../../src/shared/events';

export const FIXTURE_EPOCHS = 6;
const STEPS_PER_EPOCH = 47;
const LOG_EVERY = 5;

export const sgdConfig: RunConfigInput = {
  name: 'MLP · SGD',
  seed: 1,
  epochs: FIXTURE_EPOCHS,
  batchSize: 128,
  data: { name: 'fashion-mnist', limit: 6000, testLimit: 1000 },
  model: { kind: 'mlp', hidden: [128, 64], activation: 'relu' },
  optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9 },
  hessian: { everyEpochs: 2, topK: 5, batchSize: 256, density: true, landscape: true },
  logEvery: LOG_EVERY,
};
export const samConfig: RunConfigInput = { ...sgdConfig, name: 'MLP · SAM ρ=0.05', sam: { rho: 0.05 } };

const backend: BackendReport = { name: 'wasm', skipped: [{ name: 'tensorflow', reason: '@tensorflow/tfjs-node is not installed' }], details: { simd: true, threads: 2 } };

function curves(rng: Rng, sam: boolean, runId: number): TrainerEvent[] {
  const ev: TrainerEvent[] = [];
  const total = FIXTURE_EPOCHS * STEPS_PER_EPOCH;
  const msPerStep = sam ? 61.37 : 33.91;
  const floor = sam ? 0.3 : 0.24; // SAM fits the training set a little less tightly
  for (let s = LOG_EVERY, step = LOG_EVERY; s < total + LOG_EVERY; s += LOG_EVERY, step = Math.min(s, total)) {
    const epoch = step / STEPS_PER_EPOCH;
    const trainLoss = floor + 1.9 * Math.exp(-epoch * 1.1) + 0.04 * rng.normal();
    const values: Record<string, number> = {
      trainLoss,
      trainAccuracy: Math.min(0.99, 1 - trainLoss / 2.4 + 0.01 * rng.normal()),
      lr: 0.05,
      gradNorm: 1.5 * Math.exp(-epoch * 0.4) + 0.1 * Math.abs(rng.normal()),
      examplesPerSec: 128 / (msPerStep / 1000) * (1 + 0.05 * rng.normal()),
    };
    if (sam) {
      values.epsNorm = 0.05 * (1 + 1e-7 * rng.normal());
      values.sharpness = 0.02 * Math.exp(-epoch * 0.5) + 0.004 * Math.abs(rng.normal());
    }
    // One diverged reading (stored as NULL) so exports must handle a missing value.
    if (!sam && step === 100) values.gradNorm = NaN;
    ev.push({ event: 'metrics', runId, scope: 'step', step, epoch, timeMs: step * msPerStep + rng.next(), values });
    // The trainer evaluates at each epoch's last step.
    const epochEnd = Math.floor(epoch) * STEPS_PER_EPOCH;
    if (epochEnd > step - LOG_EVERY && epochEnd >= STEPS_PER_EPOCH) {
      const e = Math.floor(epoch);
      const testLoss = (sam ? 0.36 : 0.4) + 1.7 * Math.exp(-e * 1.0) + (sam ? 0 : 0.012 * e) + 0.01 * rng.normal();
      ev.push({
        event: 'metrics',
        runId,
        scope: 'epoch',
        step: epochEnd,
        epoch: e,
        timeMs: epochEnd * msPerStep + 250.5,
        values: { trainLoss, trainAccuracy: values.trainAccuracy, testLoss, testAccuracy: 1 - testLoss / 2.9 + 0.003 * rng.normal() },
      });
    }
  }
  return ev;
}

function spectrum(rng: Rng, sam: boolean, runId: number, epoch: number): SpectrumEvent {
  const lmax = (sam ? 9 : 24) * (1 + 0.35 * epoch) * (1 + 0.05 * rng.normal());
  const top = [lmax, ...[0.55, 0.4, 0.31, 0.25].map((f) => lmax * f * (1 + 0.05 * rng.normal()))].sort((a, b) => b - a);
  const grid = Array.from({ length: 80 }, (_, i) => -2 + (i * (lmax * 1.1 + 2)) / 79);
  // Bulk near zero plus a few outliers: the shape SLQ densities of trained nets have.
  const values = grid.map((x) => Math.exp(-(x * x) / 0.3) / Math.sqrt(0.3 * Math.PI) + 1e-4 * Math.exp(-((x - lmax) ** 2) / 4) + 1e-7);
  return {
    event: 'spectrum',
    runId,
    epoch,
    step: epoch * STEPS_PER_EPOCH,
    topEigenvalues: top,
    lambdaMaxOverLambda5: top[0] / top[4],
    trace: lmax * 7.3 * (1 + 0.02 * rng.normal()),
    traceStdErr: lmax * 0.21,
    density: { grid, values },
    hvp: 'exact',
    hessianBatchSize: 256,
    iterations: 37,
    elapsedMs: 1834.2,
  };
}

function landscapes(rng: Rng, sam: boolean, runId: number): LandscapeEvent[] {
  const curv = sam ? 2.2 : 6.5;
  const alphas = Array.from({ length: 21 }, (_, i) => -1 + i / 10);
  const base = { event: 'landscape' as const, runId, epoch: FIXTURE_EPOCHS, step: FIXTURE_EPOCHS * STEPS_PER_EPOCH };
  const out: LandscapeEvent[] = [
    { ...base, kind: '1d-random', alphas, betas: null, losses: alphas.map((a) => 0.3 + curv * a * a + 0.01 * rng.normal()) },
  ];
  if (sam) out.push({ ...base, kind: '1d-eps', alphas, betas: null, losses: alphas.map((a) => 0.3 + 3.1 * a * a + 0.4 * a) });
  const g = Array.from({ length: 15 }, (_, i) => -1 + i / 7);
  const losses: number[] = [];
  for (const a of g) for (const b of g) losses.push(0.3 + curv * a * a + curv * 0.6 * b * b + 0.3 * a * b);
  out.push({ ...base, kind: '2d-random', alphas: g, betas: g, losses });
  return out;
}

/** Create the SGD and SAM runs in `store`; returns their ids [sgd, sam]. */
export function fillFixtureRuns(store: Store): [number, number] {
  const ids: number[] = [];
  for (const [cfg, sam] of [[sgdConfig, false], [samConfig, true]] as const) {
    const rng = new Rng(sam ? 7 : 3);
    const run = store.createRun({ name: cfg.name!, config: cfg, tags: ['fixture'], notes: sam ? 'SAM with the paper default ρ = 0.05.\nSame seed and data as the SGD run.' : '' });
    const id = run.id;
    const started = Date.UTC(2026, 10, 27, 20, 0, 0) + (sam ? 600_000 : 0);
    store.setRunState(id, { status: 'running', startedAt: started });
    const events: TrainerEvent[] = [
      { event: 'started', runId: id, backend, paramCount: 109_386, trainExamples: 6000, testExamples: 1000, stepsPerEpoch: STEPS_PER_EPOCH, resumedFromStep: null, config: run.config },
      ...curves(rng, sam, id),
      ...[2, 4, 6].map((e) => spectrum(rng, sam, id, e)),
      ...landscapes(rng, sam, id),
    ];
    store.ingest(events.map((event) => ({ runId: id, event })));
    const last = (name: string) => {
      const s = store.getRawSeries(id, 'epoch', name);
      return s[s.length - 1].value as number;
    };
    store.setRunState(id, {
      status: 'done',
      endedAt: started + (sam ? 17_310 : 9_560),
      progress: 1,
      finalMetrics: { testAccuracy: last('testAccuracy'), testLoss: last('testLoss'), trainLoss: last('trainLoss'), trainAccuracy: last('trainAccuracy') },
    });
    ids.push(id);
  }
  return ids as [number, number];
}
