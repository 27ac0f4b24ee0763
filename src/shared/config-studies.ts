// Run-config blocks the paper's studies need (issue 13): where a run's starting weights come from
// (`startFrom`: another run's checkpoint, with a new classifier head for fine-tuning) and the
// m-sharpness measured at the end of training (`mSharpness`). Both default to null, so every
// stored run still validates unchanged. Free of Node, Electron and Vue, like config.ts.
import { z } from 'zod';

const positiveInt = (what: string) =>
  z.number({ error: `${what} must be a number` }).int(`${what} must be a whole number`).positive(`${what} must be at least 1`);

/**
 * Start from trained weights instead of the seeded initialisation. The model config must be the
 * one the checkpoint was written for; with `head: 'new'` the classifier head (the last layer) is
 * left out of the copy and initialised afresh from the run seed, sized for this run's classes.
 */
export const startFromSchema = z.strictObject({
  /** A SAM Studio checkpoint (.ckpt). null = the model's own weights (a Layers model's saved ones). */
  checkpoint: z.string().min(1, 'startFrom.checkpoint must not be empty').nullable().default(null),
  /** The run that wrote the checkpoint (provenance for names and reports); null = a file from elsewhere. */
  sourceRunId: z.number().int().positive('startFrom.sourceRunId must be a run id').nullable().default(null),
  /** 'new': a fresh classifier head for this run's classes; 'keep': the source's head (same classes). */
  head: z.enum(['new', 'keep'], { error: () => 'startFrom.head must be "new" or "keep"' }).default('new'),
});
export type StartFromConfig = z.output<typeof startFromSchema>;

/**
 * m-sharpness at the end of training (Foret et al. 2021, §4.1): on a fixed, seeded sample of
 * training examples split into chunks of m, the mean over chunks of
 * max_{‖ε‖₂ ≤ ρ} L_chunk(w + ε) − L_chunk(w). Recorded as final metrics `mSharpness@<m>`, with the
 * model's train accuracy and loss in eval mode (`evalTrainAccuracy`, `evalTrainLoss`) so the
 * generalisation gap is taken on the final weights, not averaged over the last epoch.
 */
export const mSharpnessSchema = z.strictObject({
  /** Chunk sizes to measure at; null = the training batch size. */
  m: z.array(positiveInt('mSharpness.m[i]').nullable()).min(1, 'mSharpness.m needs at least one m').max(8, 'mSharpness.m takes at most 8 values').default([null]),
  /** Radius of the ball the inner max is taken over: the same for every run a study compares. */
  rho: z.number({ error: 'mSharpness.rho must be a number' }).gt(0, 'mSharpness.rho must be > 0').max(10, 'mSharpness.rho must be ≤ 10').default(0.05),
  /** Size of the fixed, seeded sample of training examples; a multiple of every m. */
  samples: positiveInt('mSharpness.samples').max(65536, 'mSharpness.samples must be ≤ 65536').default(1024),
  /** 1: the first-order ε̂ = ρ·g/‖g‖ (the paper's eq. 2); k > 1: k steps of projected gradient ascent. */
  ascentSteps: z.number().int('mSharpness.ascentSteps must be a whole number').min(1, 'mSharpness.ascentSteps must be 1–50').max(50, 'mSharpness.ascentSteps must be 1–50').default(1),
});
export type MSharpnessConfig = z.output<typeof mSharpnessSchema>;

/** The chunk sizes a run measures, with null (whole batch) resolved to the batch size. */
export function mSharpnessChunks(ms: MSharpnessConfig, batchSize: number): number[] {
  return [...new Set(ms.m.map((m) => m ?? batchSize))];
}

/** Final-metric name of the m-sharpness at chunk size m. */
export const mSharpnessKey = (m: number) => `mSharpness@${m}`;

interface Issue {
  path: (string | number)[];
  message: string;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** The smallest sample size every chunk size divides. */
export function lcmOf(chunks: readonly number[]): number {
  return chunks.reduce((a, b) => (a * b) / gcd(a, b), 1);
}

/** Why `samples` examples do not split into chunks of every m (null when they do); `field` names the setting. */
export function sampleSplitProblem(field: string, samples: number, chunks: readonly number[]): string | null {
  const bad = chunks.filter((m) => samples % m !== 0);
  if (!bad.length) return null;
  const lcm = lcmOf(chunks);
  return `${field} = ${samples} is not a multiple of m = ${bad.join(', ')}; every chunk needs m examples: choose a multiple of ${lcm}, e.g. ${Math.max(lcm, Math.round(samples / lcm) * lcm)}`;
}

/** Field errors of the study blocks that only the whole config can tell. */
export function studyConfigIssues(c: {
  batchSize: number;
  model: { kind: string };
  data: { limit: number | null; classes: number[] | null };
  startFrom: StartFromConfig | null;
  mSharpness: MSharpnessConfig | null;
}): Issue[] {
  const out: Issue[] = [];
  const classes = c.data.classes;
  if (classes) {
    const seen = new Set<number>();
    for (const k of classes) {
      if (seen.has(k)) out.push({ path: ['data', 'classes'], message: `data.classes lists class ${k} twice; name each class once` });
      seen.add(k);
    }
  }
  if (c.startFrom && c.startFrom.checkpoint === null && c.model.kind !== 'layers') {
    out.push({
      path: ['startFrom', 'checkpoint'],
      message: `startFrom.checkpoint is needed for model.kind "${c.model.kind}": only a Layers model brings its own weights; give a checkpoint or remove startFrom`,
    });
  }
  const ms = c.mSharpness;
  if (ms) {
    const split = sampleSplitProblem('mSharpness.samples', ms.samples, mSharpnessChunks(ms, c.batchSize));
    if (split) out.push({ path: ['mSharpness', 'samples'], message: split });
    if (c.data.limit !== null && ms.samples > c.data.limit) {
      out.push({ path: ['mSharpness', 'samples'], message: `mSharpness.samples = ${ms.samples} is more than the ${c.data.limit} training examples data.limit keeps; lower it` });
    }
  }
  return out;
}
