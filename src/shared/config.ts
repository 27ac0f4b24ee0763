// The one run-config schema: used by the renderer form, the IPC/WebSocket boundary, the CLI,
// the trainer process and the store. Everything here must stay free of Node, Electron and Vue.
import { z } from 'zod';
import { issuesToFieldErrors, type FieldError } from './unknown-keys';

export { fieldPath, type FieldError } from './unknown-keys';

export const DATASET_NAMES = [
  'fashion-mnist',
  'mnist',
  'kmnist',
  'cifar10',
  'cifar100',
  'csv',
  'images',
  'synthetic-moons',
  'synthetic-spirals',
  'synthetic-blobs',
] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

/** Sets that need a user-supplied `data.path`. */
export const DATASETS_NEEDING_PATH: readonly DatasetName[] = ['csv', 'images'];
export const SYNTHETIC_DATASETS: readonly DatasetName[] = ['synthetic-moons', 'synthetic-spirals', 'synthetic-blobs'];

export const BACKEND_NAMES = ['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

const positiveInt = (what: string) =>
  z.number({ error: `${what} must be a number` }).int(`${what} must be a whole number`).positive(`${what} must be at least 1`);

export const dataSchema = z
  .strictObject({
    name: z.enum(DATASET_NAMES, {
      error: () => `unknown data set; choose one of: ${DATASET_NAMES.join(', ')}`,
    }),
    /** File or folder; required for csv and images, optional override for named sets. */
    path: z.string().min(1, 'data.path must not be empty').optional(),
    /** Cap on training examples (after the validation split); null = all. */
    limit: positiveInt('data.limit').nullable().default(null),
    /** Cap on test examples; null = all. */
    testLimit: positiveInt('data.testLimit').nullable().default(null),
    /** Fraction of the training set held out for validation. */
    validationSplit: z.number().min(0, 'data.validationSplit must be ≥ 0').max(0.5, 'data.validationSplit must be ≤ 0.5').default(0),
    /** Fraction of training labels replaced at random (seeded); SAM's label-noise robustness result. */
    labelNoise: z.number().min(0, 'data.labelNoise must be between 0 and 1').max(1, 'data.labelNoise must be between 0 and 1').default(0),
    augment: z
      .strictObject({
        /** Random crop after zero-padding by this many pixels; 0 = off. */
        cropPadding: z.number().int().min(0).max(16).default(0),
        flip: z.boolean().default(false),
      })
      .default({ cropPadding: 0, flip: false }),
    /** CSV only: which column holds the label (name or 0-based index) and whether row 1 is a header. */
    labelColumn: z.union([z.string().min(1), z.number().int().min(0)]).optional(),
    header: z.boolean().optional(),
    /** csv and images only, when there is no separate test file/folder: fraction held out as the test set (default 0.2). */
    testSplit: z.number().gt(0, 'data.testSplit must be > 0').max(0.5, 'data.testSplit must be ≤ 0.5').optional(),
    /** Synthetic sets only. */
    samples: positiveInt('data.samples').optional(),
    noise: z.number().min(0).max(5).optional(),
  })
  .superRefine((d, ctx) => {
    const flat = d.name === 'csv' || SYNTHETIC_DATASETS.includes(d.name);
    if (flat && (d.augment.cropPadding > 0 || d.augment.flip)) {
      ctx.addIssue({
        code: 'custom',
        path: ['augment'],
        message: `data.augment (crop/flip) applies to images only; turn it off for data set "${d.name}"`,
      });
    }
    if (DATASETS_NEEDING_PATH.includes(d.name) && !d.path) {
      ctx.addIssue({
        code: 'custom',
        path: ['path'],
        message: `data.path is required for data set "${d.name}": give the ${d.name === 'csv' ? 'CSV file' : 'folder with one sub-folder per class'}`,
      });
    }
  });
export type DataConfig = z.output<typeof dataSchema>;

export const ACTIVATIONS = ['relu', 'tanh', 'gelu', 'sigmoid', 'elu'] as const;

/**
 * How a built model's weights are drawn (src/engine/models/init.ts has the exact scheme per layer):
 * - 'pytorch': what torch.nn's Linear and Conv2d do on construction — weights and biases
 *   U(±1/√fan_in) (kaiming_uniform with a = √5) — and BatchNorm2d's γ = 1, β = 0. The default,
 *   so recipes and results carry over to and from PyTorch.
 * - 'he-normal': N(0, 2/fan_in) kernels where a ReLU-type activation follows (every conv), Glorot
 *   uniform for the rest (the linear head, tanh, sigmoid), zero biases — this engine's scheme
 *   before 'pytorch' (stored runs keep it).
 * - 'glorot-uniform': U(±√(6/(fan_in + fan_out))) kernels everywhere, zero biases (Keras' default).
 */
export const INIT_SCHEMES = ['pytorch', 'he-normal', 'glorot-uniform'] as const;
export type InitScheme = (typeof INIT_SCHEMES)[number];
const initField = z.enum(INIT_SCHEMES, { error: () => `unknown model.init; choose one of: ${INIT_SCHEMES.join(', ')}` }).default('pytorch');

export const modelSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({
      kind: z.literal('mlp'),
      hidden: z.array(positiveInt('model.hidden[i]')).max(16).default([512, 512]),
      activation: z.enum(ACTIVATIONS).default('relu'),
      dropout: z.number().min(0).max(0.9, 'model.dropout must be < 0.9').default(0),
      init: initField,
    }),
    z.strictObject({
      kind: z.literal('cnn'),
      filters: z.array(positiveInt('model.filters[i]')).min(1).max(6).default([32, 64]),
      dense: positiveInt('model.dense').default(128),
      dropout: z.number().min(0).max(0.9).default(0),
      init: initField,
    }),
    z.strictObject({ kind: z.literal('resnet20'), width: positiveInt('model.width').default(16), init: initField }),
    z.strictObject({ kind: z.literal('resnet18'), width: positiveInt('model.width').default(64), init: initField }),
    z.strictObject({
      kind: z.literal('wrn'),
      depth: z
        .number()
        .int()
        .refine((d) => d >= 10 && (d - 4) % 6 === 0, 'model.depth must be 6n+4 (10, 16, 22, 28, …)')
        .default(16),
      widen: positiveInt('model.widen').default(4),
      init: initField,
    }),
    z.strictObject({
      kind: z.literal('layers'),
      /** model.json of a tfjs Layers model (weights beside it), fine-tuned. */
      path: z.string().min(1, 'model.path must name a model.json'),
    }),
  ],
  { error: () => 'unknown model.kind; choose one of: mlp, cnn, resnet20, resnet18, wrn, layers' },
);
export type ModelConfig = z.output<typeof modelSchema>;
export type ModelKind = ModelConfig['kind'];

export const optimizerSchema = z.strictObject({
  kind: z.enum(['sgd', 'adam', 'adamw'], { error: () => 'unknown optimizer.kind; choose sgd, adam or adamw' }),
  lr: z.number({ error: 'optimizer.lr must be a number' }).positive('optimizer.lr must be > 0').max(10, 'optimizer.lr must be ≤ 10'),
  momentum: z.number().min(0, 'optimizer.momentum must be in [0, 1)').lt(1, 'optimizer.momentum must be in [0, 1)').default(0.9),
  nesterov: z.boolean().default(false),
  beta1: z.number().min(0).lt(1, 'optimizer.beta1 must be in [0, 1)').default(0.9),
  beta2: z.number().min(0).lt(1, 'optimizer.beta2 must be in [0, 1)').default(0.999),
  epsilon: z.number().positive().default(1e-8),
  weightDecay: z.number().min(0, 'optimizer.weightDecay must be ≥ 0').default(0),
  /**
   * Where the decay enters. 'loss': an L2 term wd/2·‖w‖² in the loss, so its gradient enters both
   * SAM passes and ε̂ — as the SAM paper's JAX code (google-research/sam, flax_training.py adds
   * the weight penalty inside the loss it differentiates). 'optimizer': the base optimizer adds
   * wd·w to the SAM gradient, ε̂ never sees it — as davda54/sam, whose SAM passes weight_decay to
   * torch.optim.SGD. adamw always decouples (Loshchilov & Hutter 2019).
   */
  weightDecayMode: z.enum(['loss', 'optimizer']).default('loss'),
  /**
   * Which parameters are decayed. 'all': every trainable one, biases and batch-norm γ, β included
   * — what both SAM reference codes do by default (the JAX code's L2 term sums over all params;
   * davda54/sam hands model.parameters() to SGD), and torch.optim and optax without a mask.
   * 'weights-only': kernels (rank > 1) only — the JAX code's --no_weight_decay_on_bn
   * (`x.ndim > 1`), and common practice elsewhere (timm's param_groups_weight_decay skips
   * rank ≤ 1 tensors and biases; optax's adamw takes a mask for it). Stored runs from before this
   * setting existed were trained with 'weights-only' and keep it (store migration 3).
   */
  weightDecayParams: z
    .enum(['all', 'weights-only'], { error: () => 'unknown optimizer.weightDecayParams; choose all or weights-only' })
    .default('all'),
  /** Global-norm clip of the gradient the base optimizer steps with (SAM: the second-pass gradient). */
  gradClip: z.number().positive('optimizer.gradClip must be > 0').nullable().default(null),
});
export type OptimizerConfig = z.output<typeof optimizerSchema>;
export type WeightDecayParams = OptimizerConfig['weightDecayParams'];

export const scheduleSchema = z.strictObject({
  kind: z.enum(['constant', 'step', 'cosine']).default('constant'),
  warmupEpochs: z.number().min(0).default(0),
  /** step schedule: multiply by gamma at each of these epochs. */
  milestones: z.array(z.number().int().positive()).default([]),
  gamma: z.number().positive().max(1).default(0.1),
  /** cosine: final lr as a fraction of the initial one. */
  minFactor: z.number().min(0).max(1).default(0),
});
export type ScheduleConfig = z.output<typeof scheduleSchema>;

export const samSchema = z.strictObject({
  rho: z.number({ error: 'sam.rho must be a number' }).min(0, 'sam.rho must be ≥ 0 (ρ = 0 is plain base optimizer)').max(10, 'sam.rho must be ≤ 10'),
  /** m-sharpness chunk size; null = the whole batch (plain SAM). Must divide batchSize. */
  m: positiveInt('sam.m').nullable().default(null),
  p: z.union([z.literal(2), z.literal('inf')], { error: () => 'sam.p must be 2 or "inf"' }).default(2),
  /** ASAM (Kwon et al. 2021): perturbation scaled by |w| + eta. */
  adaptive: z.boolean().default(false),
  eta: z.number().min(0).default(0.01),
});
export type SamConfig = z.output<typeof samSchema>;

export const hessianSchema = z.strictObject({
  /** Analyse every N epochs; null = only at the end. */
  everyEpochs: positiveInt('hessian.everyEpochs').nullable().default(null),
  atEnd: z.boolean().default(true),
  topK: z.number().int().min(1, 'hessian.topK must be 1–20').max(20, 'hessian.topK must be 1–20').default(5),
  /** Size of the fixed, seeded batch the Hessian is taken on. */
  batchSize: positiveInt('hessian.batchSize').default(1024),
  maxIterations: positiveInt('hessian.maxIterations').default(100),
  tolerance: z.number().positive().default(1e-3),
  trace: z.boolean().default(true),
  density: z.boolean().default(false),
  landscape: z.boolean().default(false),
});
export type HessianConfig = z.output<typeof hessianSchema>;

export const runConfigSchema = z
  .strictObject({
    name: z.string().max(200).optional(),
    seed: z.number().int('seed must be a whole number').min(0, 'seed must be ≥ 0').default(0),
    epochs: positiveInt('epochs').max(10000, 'epochs must be ≤ 10000'),
    batchSize: positiveInt('batchSize').max(65536, 'batchSize must be ≤ 65536'),
    backend: z.enum(['auto', ...BACKEND_NAMES], { error: () => `backend must be auto or one of ${BACKEND_NAMES.join(', ')}` }).default('auto'),
    data: dataSchema,
    model: modelSchema,
    optimizer: optimizerSchema,
    schedule: scheduleSchema.default(scheduleSchema.parse({})),
    sam: samSchema.nullable().default(null),
    hessian: hessianSchema.nullable().default(null),
    /** Checkpoint every N epochs (and always at the end). */
    checkpointEvery: positiveInt('checkpointEvery').default(1),
    /** Emit a step metrics event every N steps. */
    logEvery: positiveInt('logEvery').default(10),
  })
  .superRefine((c, ctx) => {
    if (c.sam && c.sam.m !== null && c.batchSize % c.sam.m !== 0) {
      const divisors = divisorsOf(c.batchSize);
      ctx.addIssue({
        code: 'custom',
        path: ['sam', 'm'],
        message: `sam.m = ${c.sam.m} does not divide batchSize = ${c.batchSize}; choose one of ${divisors.join(', ')}`,
      });
    }
    if (c.optimizer.weightDecayMode === 'loss' && c.optimizer.kind === 'adamw' && c.optimizer.weightDecay > 0) {
      // Not an error: adamw decouples by definition; the engine ignores weightDecayMode for it.
    }
  });

/** What a caller writes (defaults optional). */
export type RunConfigInput = z.input<typeof runConfigSchema>;
/** What the engine gets (defaults filled in). */
export type RunConfig = z.output<typeof runConfigSchema>;

export function divisorsOf(n: number): number[] {
  const out: number[] = [];
  for (let d = 1; d <= n; d++) if (n % d === 0) out.push(d);
  return out;
}

export type ValidationResult =
  | { ok: true; config: RunConfig }
  | { ok: false; errors: FieldError[] };

/** Validate anything (form state, IPC payload, JSON file) as a RunConfig. Unknown keys are errors. */
export function validateRunConfig(input: unknown): ValidationResult {
  const r = runConfigSchema.safeParse(input);
  if (r.success) return { ok: true, config: r.data };
  return { ok: false, errors: issuesToFieldErrors(runConfigSchema, r.error.issues) };
}

export class ConfigError extends Error {
  constructor(public readonly errors: FieldError[]) {
    super(`Invalid run config:\n${errors.map((e) => `  - ${e.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Validate or throw a ConfigError whose message lists every bad field. */
export function parseRunConfig(input: unknown): RunConfig {
  const r = validateRunConfig(input);
  if (!r.ok) throw new ConfigError(r.errors);
  return r.config;
}

/** A short human label of what differs between SAM variants, used in lists and legends. */
export function describeOptimizer(c: RunConfig): string {
  const base = `${c.optimizer.kind} lr=${c.optimizer.lr}`;
  if (!c.sam) return base;
  const parts = [`ρ=${c.sam.rho}`];
  if (c.sam.m !== null) parts.push(`m=${c.sam.m}`);
  if (c.sam.p !== 2) parts.push('p=∞');
  if (c.sam.adaptive) parts.push('ASAM');
  return `SAM(${parts.join(' ')}) + ${base}`;
}
