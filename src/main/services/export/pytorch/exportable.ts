// What the PyTorch export can honour, field by field. EXPORT_FIELDS names every field of the run
// config (test/unit/pytorch-export-fields.test.ts walks the schema and fails on a field missing
// here, so a new field cannot be dropped by the export unnoticed) and says what the export does
// with it: the script reproduces it, the export refuses a run that sets it (REFUSALS, with the
// field and what to do), or it only concerns the app (where it runs, analyses of checkpoints).
import type { RunConfig } from '../../../../shared/config';
import { checkConfigPaths } from '../../../../engine/check-paths';

export class ExportError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'ExportError';
  }
}

interface Refusal {
  field: string;
  /** True when `config` uses the field in a way the export cannot honour. */
  applies: (config: RunConfig) => boolean;
  message: string;
}

/** Runs the export refuses, each naming the field and what to do instead. */
export const REFUSALS: readonly Refusal[] = [
  {
    // A fine-tuned tfjs Layers model: its graph is whatever the user's model.json holds, with no
    // PyTorch twin to build (model.path, model.batchNorm and model.dropout belong to it).
    field: 'model.kind',
    applies: (c) => c.model.kind === 'layers',
    message:
      'model.kind "layers" (a TensorFlow.js Layers model loaded from model.json) has no PyTorch port; the export supports mlp, cnn, resnet20, resnet18 and wrn',
  },
  {
    field: 'mSharpness',
    applies: (c) => c.mSharpness !== null,
    message:
      'mSharpness: the exported script does not measure m-sharpness at the end of training (it has no port of that measurement); export a copy of the run with mSharpness set to null',
  },
];

/** Throws an ExportError (the field, what to do) for a run the export cannot honour; cheap, before anything is written or started. */
export function checkExportable(config: RunConfig): void {
  const refusal = REFUSALS.find((r) => r.applies(config));
  if (refusal) throw new ExportError(refusal.field, refusal.message);
  // A fine-tuning run starts from its source checkpoint: the export reads it for initial.ckpt.
  const missing = checkConfigPaths(config).find((e) => e.field === 'startFrom.checkpoint');
  if (missing) throw new ExportError(missing.field, missing.message);
}

/**
 * What the export does with each run-config field (paths as in field errors; a model or SAM
 * variant field is listed once for every kind that has it):
 * - 'reproduced': the exported project does what the app does with it (the parity and template
 *   tests check it);
 * - 'refused': REFUSALS names it (or, for a Layers model's own fields, model.kind);
 * - 'app': it does not change what is trained: a display name, where the app computes, or an
 *   analysis the app runs on the checkpoints the script writes (the script says so in its log).
 */
export const EXPORT_FIELDS: Record<string, { how: 'reproduced' | 'refused' | 'app'; note: string }> = {
  name: { how: 'app', note: 'the run’s name, written in the README' },
  seed: { how: 'reproduced', note: 'the same random streams (rng.py) and initial weights (initial.ckpt)' },
  epochs: { how: 'reproduced', note: 'train.py --epochs overrides it' },
  batchSize: { how: 'reproduced', note: 'the global batch, split over the processes' },
  backend: { how: 'app', note: 'the app’s compute backend; the script runs on torch (backend pytorch-ddp×N)' },
  threads: { how: 'app', note: 'a speed setting of the wasm backend; the script takes --threads' },
  'data.name': { how: 'reproduced', note: 'the same source: a named set’s files, or the app’s decoded arrays in data/' },
  'data.path': { how: 'reproduced', note: 'where the source was read; --data-dir on another machine' },
  'data.limit': { how: 'reproduced', note: 'rows in data/, planned by the engine' },
  'data.testLimit': { how: 'reproduced', note: 'rows in data/' },
  'data.validationSplit': { how: 'reproduced', note: 'rows in data/' },
  'data.classes': { how: 'reproduced', note: 'rows in the source’s numbering, relabelled by data.py' },
  'data.labelNoise': { how: 'reproduced', note: 'the noisy training labels in data/' },
  'data.augment': { how: 'reproduced', note: 'crop and flip drawn from the app’s stream (data.py)' },
  'data.labelColumn': { how: 'reproduced', note: 'CSV decoding: the app’s arrays travel in data/' },
  'data.header': { how: 'reproduced', note: 'CSV decoding: the app’s arrays travel in data/' },
  'data.testSplit': { how: 'reproduced', note: 'rows in data/' },
  'data.samples': { how: 'reproduced', note: 'synthetic sets: the app’s arrays travel in data/' },
  'data.noise': { how: 'reproduced', note: 'synthetic sets: the app’s arrays travel in data/' },
  'model.kind': { how: 'reproduced', note: 'models.py; "layers" is refused' },
  'model.hidden': { how: 'reproduced', note: 'models.py' },
  'model.activation': { how: 'reproduced', note: 'models.py' },
  'model.dropout': { how: 'reproduced', note: 'models.py (a Layers model’s "keep"/"off" is refused with it)' },
  'model.init': { how: 'reproduced', note: 'the initial weights are the engine’s, in initial.ckpt' },
  'model.filters': { how: 'reproduced', note: 'models.py' },
  'model.dense': { how: 'reproduced', note: 'models.py' },
  'model.width': { how: 'reproduced', note: 'models.py' },
  'model.depth': { how: 'reproduced', note: 'models.py' },
  'model.widen': { how: 'reproduced', note: 'models.py' },
  'model.path': { how: 'refused', note: 'a Layers model (model.kind "layers")' },
  'model.batchNorm': { how: 'refused', note: 'a Layers model (model.kind "layers")' },
  'optimizer.kind': { how: 'reproduced', note: 'optim.py' },
  'optimizer.lr': { how: 'reproduced', note: 'optim.py, schedule.py' },
  'optimizer.momentum': { how: 'reproduced', note: 'optim.py' },
  'optimizer.nesterov': { how: 'reproduced', note: 'optim.py' },
  'optimizer.beta1': { how: 'reproduced', note: 'optim.py' },
  'optimizer.beta2': { how: 'reproduced', note: 'optim.py' },
  'optimizer.epsilon': { how: 'reproduced', note: 'optim.py' },
  'optimizer.weightDecay': { how: 'reproduced', note: 'optim.py, stepper.py' },
  'optimizer.weightDecayMode': { how: 'reproduced', note: 'stepper.py' },
  'optimizer.weightDecayParams': { how: 'reproduced', note: 'optim.py' },
  'optimizer.gradClip': { how: 'reproduced', note: 'stepper.py' },
  'schedule.kind': { how: 'reproduced', note: 'schedule.py' },
  'schedule.warmupEpochs': { how: 'reproduced', note: 'schedule.py' },
  'schedule.milestones': { how: 'reproduced', note: 'schedule.py' },
  'schedule.gamma': { how: 'reproduced', note: 'schedule.py' },
  'schedule.minFactor': { how: 'reproduced', note: 'schedule.py' },
  'sam.rho': { how: 'reproduced', note: 'sam.py' },
  'sam.m': { how: 'reproduced', note: 'each process’s ε̂ on its share (stepper.py)' },
  'sam.p': { how: 'reproduced', note: 'sam.py' },
  'sam.adaptive': { how: 'reproduced', note: 'sam.py' },
  'sam.eta': { how: 'reproduced', note: 'sam.py' },
  'sam.variant.kind': { how: 'reproduced', note: 'sam.py: every variant' },
  'sam.variant.alpha': { how: 'reproduced', note: 'sam.py (GSAM, LookSAM)' },
  'sam.variant.rhoMin': { how: 'reproduced', note: 'sam.py (GSAM)' },
  'sam.variant.beta': { how: 'reproduced', note: 'sam.py (ESAM)' },
  'sam.variant.gamma': { how: 'reproduced', note: 'sam.py (ESAM)' },
  'sam.variant.k': { how: 'reproduced', note: 'sam.py (LookSAM)' },
  'sam.variant.sigma': { how: 'reproduced', note: 'sam.py (Friendly-SAM)' },
  'sam.variant.lambda': { how: 'reproduced', note: 'sam.py (Friendly-SAM)' },
  hessian: { how: 'app', note: 'analyses of the checkpoints, in the app (sam-studio hessian); the script logs so' },
  'startFrom.checkpoint': { how: 'reproduced', note: 'the fine-tuning start (the source’s weights, a fresh head) is initial.ckpt' },
  'startFrom.sourceRunId': { how: 'app', note: 'provenance, kept in run.json' },
  'startFrom.head': { how: 'reproduced', note: 'in initial.ckpt' },
  mSharpness: { how: 'refused', note: 'REFUSALS' },
  checkpointEvery: { how: 'reproduced', note: 'train.py' },
  logEvery: { how: 'reproduced', note: 'train.py' },
};
