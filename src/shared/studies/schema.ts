// The `study` block of a sweep spec: which of the SAM paper's studies a sweep runs (Foret et al.,
// ICLR 2021). A plain sweep has none. Each kind's fields have defaults, so `{ kind: 'tuning' }`
// alone is the paper's protocol.
import { z } from 'zod';
import { sampleSplitProblem } from '../config-studies';

const seedList = z.array(z.number().int('seeds are whole numbers').min(0, 'seeds must be ≥ 0'));
const classList = (field: string) =>
  z
    .array(z.number().int(`${field}[i] must be a whole number`).min(0, `${field}[i] must be ≥ 0`))
    .min(2, `${field} needs at least 2 classes`);

/**
 * The paper's tuning protocol (§3.1): ρ from a grid, chosen on a held-out share of the training
 * set (never on the test set); the baseline trains for twice SAM's epochs (SAM takes two passes
 * per step); the chosen ρ and the baseline are then retrained on fresh seeds and compared on the
 * test set with means and 95 % confidence intervals.
 */
export const tuningStudySchema = z.strictObject({
  kind: z.literal('tuning'),
  /** Share of the training set held out to choose ρ on (the paper: 10 %). */
  validationSplit: z.number().gt(0, 'study.validationSplit must be > 0').max(0.5, 'study.validationSplit must be ≤ 0.5').default(0.1),
  /** What picks ρ: the highest mean validation accuracy, or the lowest mean validation loss. */
  selectBy: z.enum(['valAccuracy', 'valLoss'], { error: () => 'study.selectBy must be valAccuracy or valLoss' }).default('valAccuracy'),
  /** The baseline trains this many times the SAM runs' epochs (the paper: 2). */
  baselineEpochFactor: z.number().int('study.baselineEpochFactor must be a whole number').min(1).max(10).default(2),
  /** Seeds of the retrained runs; empty = as many fresh seeds as the grid has, after its largest. */
  finalSeeds: seedList.default([]),
  /** Retrain on the training and validation examples together (the paper), or on the training split only. */
  retrainOn: z.enum(['train+validation', 'train'], { error: () => 'study.retrainOn must be "train+validation" or "train"' }).default('train+validation'),
});
export type TuningStudy = z.output<typeof tuningStudySchema>;

/**
 * m-sharpness (§4.1, Fig. 3): a grid over the training m × ρ; every run measures its m-sharpness
 * at each m of the grid (same ρ, same seeded sample) and its generalisation gap, and the study
 * correlates gap and sharpness per m (Kendall τ).
 */
export const mSharpnessStudySchema = z.strictObject({
  kind: z.literal('m-sharpness'),
  /** Radius of the measurement (fixed across runs, so their sharpness compares). */
  rho: z.number().gt(0, 'study.rho must be > 0').max(10).default(0.05),
  /** Training examples the measure is taken on (a multiple of every m). */
  samples: z.number().int().positive('study.samples must be at least 1').max(65536).default(1024),
  /** 1 = first-order ε̂ (the paper's eq. 2); more = projected gradient ascent steps. */
  ascentSteps: z.number().int().min(1).max(50).default(1),
});
export type MSharpnessStudy = z.output<typeof mSharpnessStudySchema>;

/** Where a fine-tuning study's pre-trained weights come from. */
export const fineTuneSourceSchema = z.discriminatedUnion(
  'kind',
  [
    /** Pre-train here first (base optimizer, no SAM) on these classes. */
    z.strictObject({
      kind: z.literal('pretrain'),
      classes: classList('study.source.classes').default([0, 1, 2, 3, 4]),
      /** Pre-training epochs; null = the base config's. */
      epochs: z.number().int().positive('study.source.epochs must be at least 1').nullable().default(null),
    }),
    /** A finished run of this app: its last checkpoint and its model config. */
    z.strictObject({ kind: z.literal('run'), runId: z.number().int().positive('study.source.runId must be a run id') }),
    /** The base config's imported tfjs Layers model (model.kind "layers") with its saved weights. */
    z.strictObject({ kind: z.literal('layers') }),
  ],
  { error: () => 'unknown study.source.kind; choose pretrain, run or layers' },
);
export type FineTuneSource = z.output<typeof fineTuneSourceSchema>;

/**
 * Fine-tuning with and without SAM (§3.2): from one pre-trained model, fine-tune with the base
 * optimizer and with SAM at each ρ, side by side, on the same seeds.
 */
export const fineTuningStudySchema = z.strictObject({
  kind: z.literal('fine-tuning'),
  source: fineTuneSourceSchema.default({ kind: 'pretrain', classes: [0, 1, 2, 3, 4], epochs: null }),
  /** The classes fine-tuned on (relabelled 0…k−1); null = all of the data set's. */
  classes: classList('study.classes').nullable().default([5, 6, 7, 8, 9]),
  /** 'new': a fresh classifier head for the fine-tuning classes; 'keep': the pre-trained head. */
  head: z.enum(['new', 'keep'], { error: () => 'study.head must be "new" or "keep"' }).default('new'),
});
export type FineTuningStudy = z.output<typeof fineTuningStudySchema>;

export const STUDY_KINDS = ['tuning', 'm-sharpness', 'fine-tuning'] as const;
export type StudyKind = (typeof STUDY_KINDS)[number];

export const studySchema = z.discriminatedUnion('kind', [tuningStudySchema, mSharpnessStudySchema, fineTuningStudySchema], {
  error: () => `unknown study.kind; choose one of: ${STUDY_KINDS.join(', ')}`,
});
export type StudySpec = z.output<typeof studySchema>;

export const STUDY_LABELS: Record<StudyKind, string> = {
  tuning: 'Tuning protocol',
  'm-sharpness': 'm-sharpness',
  'fine-tuning': 'Fine-tuning with and without SAM',
};

/** What a study's checks read of the sweep spec around it. */
interface SpecShape {
  rho: number[];
  m: (number | null)[];
  seeds: number[];
  base: { batchSize: number; model: { kind: string }; data: { limit: number | null } };
  study: StudySpec | null;
}

/** Field errors of a study that only the whole sweep spec can tell (paths from the spec's root). */
export function studySpecIssues(spec: SpecShape): { path: (string | number)[]; message: string }[] {
  const s = spec.study;
  if (!s) return [];
  const out: { path: (string | number)[]; message: string }[] = [];
  if (s.kind === 'tuning') {
    if (new Set(spec.rho).size < 2) out.push({ path: ['rho'], message: 'the tuning protocol chooses among ρ values: give at least two (the paper: 0.01, 0.02, 0.05, 0.1, 0.2, 0.5)' });
    if (spec.rho.some((r) => r === 0)) out.push({ path: ['rho'], message: 'ρ = 0 is the baseline, which the tuning protocol trains anyway: leave 0 out of the ρ values' });
  }
  if (s.kind === 'm-sharpness') {
    const chunks = [...new Set(spec.m.map((m) => m ?? spec.base.batchSize))];
    if (chunks.length < 2) out.push({ path: ['m'], message: 'the m-sharpness study compares m values: give at least two (e.g. 4, 16, 64, whole)' });
    const split = sampleSplitProblem('study.samples', s.samples, chunks);
    if (split) out.push({ path: ['study', 'samples'], message: split });
    if (spec.base.data.limit !== null && s.samples > spec.base.data.limit) {
      out.push({ path: ['study', 'samples'], message: `study.samples = ${s.samples} is more than the ${spec.base.data.limit} training examples data.limit keeps; lower it` });
    }
  }
  if (s.kind === 'fine-tuning') {
    if (s.source.kind === 'layers' && spec.base.model.kind !== 'layers') {
      out.push({ path: ['study', 'source', 'kind'], message: `study.source "layers" fine-tunes the base config's imported Layers model, but its model.kind is "${spec.base.model.kind}"; pick the Layers model in the form, or pre-train here` });
    }
    if (s.source.kind === 'pretrain' && s.head === 'keep' && s.classes && s.classes.length !== s.source.classes.length) {
      out.push({ path: ['study', 'head'], message: `study.head "keep" reuses the pre-trained head of ${s.source.classes.length} classes for ${s.classes.length} classes; choose "new"` });
    }
  }
  return out;
}
