// The one run-config schema: used by the renderer form, the IPC/WebSocket boundary, the CLI,
// the trainer process and the store. Everything here must stay free of Node, Electron and Vue.
import { z } from 'zod';
import { issuesToFieldErrors, type FieldError } from './unknown-keys';
import { startFromSchema, mSharpnessSchema, studyConfigIssues } from './config-studies';

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

/**
 * Upper bounds on sizes: a layer of 1e8 units fails deep in tfjs ("Invalid typed array length")
 * or exhausts memory; these fail here, naming the field. Far above any model this app trains.
 */
export const SIZE_LIMITS = {
  width: 16_384,
  filters: 4_096,
  resnetWidth: 1_024,
  widen: 32,
  depth: 202,
  samples: 1_000_000,
  iterations: 10_000,
  /** Weights between an MLP's hidden layers (2^27 floats = 512 MiB, before optimizer state). */
  mlpWeights: 2 ** 27,
} as const;
const bounded = (what: string, max: number) => positiveInt(what).max(max, `${what} must be ≤ ${max.toLocaleString('en-US')}`);

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
    /**
     * Keep only these classes (the data set's own label indices), relabelled 0…k−1 in this order;
     * null = all. Applied before every split and limit. The fine-tuning study pre-trains on some
     * classes and fine-tunes on the others.
     */
    classes: z
      .array(z.number({ error: 'data.classes[i] must be a class index' }).int('data.classes[i] must be a whole number').min(0, 'data.classes[i] must be ≥ 0'))
      .min(2, 'data.classes needs at least 2 classes (a classifier needs two)')
      .max(1000)
      .nullable()
      .default(null),
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
    samples: bounded('data.samples', SIZE_LIMITS.samples).optional(),
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

export const ACTIVATIONS = ['relu', 'tanh', 'gelu', 'sigmoid', 'elu', 'softplus'] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];
/**
 * Hidden-layer activation of every model kind the engine builds. ReLU by default (stored runs
 * without the field keep it); a smooth one (tanh, softplus, gelu, sigmoid) gives a twice
 * differentiable loss, on which finite-difference Hessians can be checked against exact ones.
 */
const activationField = z.enum(ACTIVATIONS, { error: () => `model.activation must be one of ${ACTIVATIONS.join(', ')}` }).default('relu');

/**
 * How a built model's weights are drawn (src/engine/models/init.ts has the exact scheme per layer):
 * - 'pytorch': what torch.nn's Linear and Conv2d do on construction — weights and biases
 *   U(±1/√fan_in) (kaiming_uniform with a = √5) — and BatchNorm2d's γ = 1, β = 0. The default,
 *   so recipes and results carry over to and from PyTorch.
 * - 'he-normal': N(0, 2/fan_in) kernels for every conv and for dense layers followed by ReLU, ELU
 *   or GELU, Glorot uniform for the other dense layers (the linear head; tanh, sigmoid, softplus),
 *   zero biases — this engine's scheme before 'pytorch' (stored runs keep it).
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
      hidden: z
        .array(bounded('model.hidden[i]', SIZE_LIMITS.width))
        .max(16)
        .default([512, 512])
        .refine((h) => h.slice(1).reduce((n, w, i) => n + w * h[i], 0) <= SIZE_LIMITS.mlpWeights, {
          message: `model.hidden: the hidden layers would hold more than ${SIZE_LIMITS.mlpWeights.toLocaleString('en-US')} weights between them; use fewer or narrower layers`,
        }),
      activation: activationField,
      dropout: z.number().min(0).max(0.9, 'model.dropout must be < 0.9').default(0),
      init: initField,
    }),
    z.strictObject({
      kind: z.literal('cnn'),
      filters: z.array(bounded('model.filters[i]', SIZE_LIMITS.filters)).min(1).max(6).default([32, 64]),
      dense: bounded('model.dense', SIZE_LIMITS.width).default(128),
      dropout: z.number().min(0).max(0.9).default(0),
      activation: activationField,
      init: initField,
    }),
    z.strictObject({ kind: z.literal('resnet20'), width: bounded('model.width', SIZE_LIMITS.resnetWidth).default(16), activation: activationField, init: initField }),
    z.strictObject({ kind: z.literal('resnet18'), width: bounded('model.width', SIZE_LIMITS.resnetWidth).default(64), activation: activationField, init: initField }),
    z.strictObject({
      kind: z.literal('wrn'),
      depth: z
        .number()
        .int()
        .refine((d) => d >= 10 && (d - 4) % 6 === 0, 'model.depth must be 6n+4 (10, 16, 22, 28, …)')
        .refine((d) => d <= SIZE_LIMITS.depth, `model.depth must be ≤ ${SIZE_LIMITS.depth}`)
        .default(16),
      widen: bounded('model.widen', SIZE_LIMITS.widen).default(4),
      activation: activationField,
      init: initField,
    }),
    z.strictObject({
      kind: z.literal('layers'),
      /** model.json of a tfjs Layers model (weights beside it), fine-tuned. */
      path: z.string().min(1, 'model.path must name a model.json'),
      /**
       * Its batch-norm layers: 'train' (γ, β trained; batch statistics while training, running
       * averages moved in SAM's first pass only) or 'frozen' (inference mode throughout: running
       * statistics, γ and β fixed, as Keras fine-tuning advises).
       */
      batchNorm: z.enum(['train', 'frozen'], { error: () => 'model.batchNorm must be "train" or "frozen"' }).default('train'),
      /** Its dropout layers: 'keep' (their rates; masks keyed by the step, shared by SAM's passes) or 'off'. */
      dropout: z.enum(['keep', 'off'], { error: () => 'model.dropout must be "keep" or "off"' }).default('keep'),
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
   * setting existed were trained with 'weights-only' and keep it (store migration 4).
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

/**
 * SAM and its successors (issue 13). Each variant is one module in src/engine/optim/variants/
 * with the paper's equation in its comment; `sam` is the SAM of Foret et al. 2021 (with p, ASAM
 * and m below). Defaults are the papers' own, so `{ kind: 'gsam' }` alone is a valid choice.
 */
export const SAM_VARIANT_KINDS = ['sam', 'gsam', 'esam', 'looksam', 'friendly-sam', 'sam-on'] as const;
export type SamVariantKind = (typeof SAM_VARIANT_KINDS)[number];
/** How each variant is written in names, lists and legends ("FSAM" also means Fisher SAM: never used). */
export const SAM_VARIANT_LABELS: Record<SamVariantKind, string> = {
  sam: 'SAM',
  gsam: 'GSAM',
  esam: 'ESAM',
  looksam: 'LookSAM',
  'friendly-sam': 'Friendly-SAM',
  'sam-on': 'SAM-ON',
};
/** Variants whose state spans steps of the whole batch: m-sharpness cannot split their batch. */
export const UNCHUNKABLE_SAM_VARIANTS: readonly SamVariantKind[] = ['looksam', 'friendly-sam'];

const unit = (field: string) =>
  z.number({ error: `${field} must be a number` }).gt(0, `${field} must be in (0, 1]`).max(1, `${field} must be in (0, 1]`);

export const samVariantSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('sam') }),
    z.strictObject({
      kind: z.literal('gsam'),
      /** Zhuang et al. 2022: weight of the ascent along ∇f_⊥ (update ∇f_p − α·∇f_⊥). */
      alpha: z.number({ error: 'sam.variant.alpha must be a number' }).min(0, 'sam.variant.alpha must be ≥ 0').max(10, 'sam.variant.alpha must be ≤ 10').default(0.2),
      /** ρ at the schedule's lowest learning rate (ρ_t moves with the lr between it and sam.rho); null = sam.rho throughout. */
      rhoMin: z.number({ error: 'sam.variant.rhoMin must be a number' }).min(0, 'sam.variant.rhoMin must be ≥ 0').nullable().default(null),
    }),
    z.strictObject({
      kind: z.literal('esam'),
      /** Du et al. 2022: probability that a weight is perturbed (ε̂ scaled by 1/β). */
      beta: unit('sam.variant.beta').default(0.5),
      /** Fraction of the batch the second pass sees: the examples whose loss rose most under ε̂. */
      gamma: unit('sam.variant.gamma').default(0.5),
    }),
    z.strictObject({
      kind: z.literal('looksam'),
      /** Liu et al. 2022: a full SAM step every k steps, one pass in between. */
      k: positiveInt('sam.variant.k').max(10000, 'sam.variant.k must be ≤ 10000').default(5),
      /** Weight of the reused orthogonal direction g_v in between. */
      alpha: z.number({ error: 'sam.variant.alpha must be a number' }).min(0, 'sam.variant.alpha must be ≥ 0').max(10, 'sam.variant.alpha must be ≤ 10').default(0.7),
    }),
    z.strictObject({
      kind: z.literal('friendly-sam'),
      /** Li et al. 2024: how much of the gradients' moving average is taken out of the perturbation direction. */
      sigma: z.number({ error: 'sam.variant.sigma must be a number' }).min(0, 'sam.variant.sigma must be ≥ 0').max(10, 'sam.variant.sigma must be ≤ 10').default(1),
      /** Decay of that moving average. */
      lambda: z.number({ error: 'sam.variant.lambda must be a number' }).min(0, 'sam.variant.lambda must be in [0, 1)').lt(1, 'sam.variant.lambda must be in [0, 1)').default(0.9),
    }),
    /** Mueller et al. 2023: perturb only the normalisation layers' scales and offsets. */
    z.strictObject({ kind: z.literal('sam-on') }),
  ],
  { error: () => `unknown sam.variant.kind; choose one of: ${SAM_VARIANT_KINDS.join(', ')}` },
);
export type SamVariantConfig = z.output<typeof samVariantSchema>;

export const samSchema = z.strictObject({
  rho: z.number({ error: 'sam.rho must be a number' }).min(0, 'sam.rho must be ≥ 0 (ρ = 0 is plain base optimizer)').max(10, 'sam.rho must be ≤ 10'),
  /** m-sharpness chunk size; null = the whole batch (plain SAM). Must divide batchSize. */
  m: positiveInt('sam.m').nullable().default(null),
  p: z.union([z.literal(2), z.literal('inf')], { error: () => 'sam.p must be 2 or "inf"' }).default(2),
  /** ASAM (Kwon et al. 2021): perturbation scaled by |w| + eta. */
  adaptive: z.boolean().default(false),
  eta: z.number().min(0).default(0.01),
  /** Which SAM: SAM itself or one of its successors (ρ, m, p and ASAM apply to each's ε̂). */
  variant: samVariantSchema.default({ kind: 'sam' }),
});
export type SamConfig = z.output<typeof samSchema>;
export type SamConfigInput = z.input<typeof samSchema>;

/** Model kinds with normalisation layers (batch norm), the only parameters SAM-ON perturbs. */
export const MODELS_WITH_NORMALIZATION: readonly ModelKind[] = ['resnet20', 'resnet18', 'wrn', 'layers'];

/** Field errors of a SAM block that only the whole config can tell (m against the batch, the variant against the model). */
function samIssues(c: { batchSize: number; model: ModelConfig; sam: SamConfig }): { path: string[]; message: string }[] {
  const { sam } = c;
  const out: { path: string[]; message: string }[] = [];
  const label = SAM_VARIANT_LABELS[sam.variant.kind];
  if (sam.m !== null && c.batchSize % sam.m !== 0) {
    out.push({ path: ['sam', 'm'], message: `sam.m = ${sam.m} does not divide batchSize = ${c.batchSize}; choose one of ${divisorsOf(c.batchSize).join(', ')}` });
  }
  if (sam.m !== null && sam.m !== c.batchSize && UNCHUNKABLE_SAM_VARIANTS.includes(sam.variant.kind)) {
    out.push({ path: ['sam', 'm'], message: `sam.m (m-sharpness) does not combine with ${label}: its state spans steps of the whole batch; leave sam.m empty` });
  }
  if (sam.variant.kind === 'gsam' && sam.variant.rhoMin !== null && sam.variant.rhoMin > sam.rho) {
    out.push({ path: ['sam', 'variant', 'rhoMin'], message: `sam.variant.rhoMin = ${sam.variant.rhoMin} is above sam.rho = ${sam.rho}; ρ_t runs from rhoMin (lowest lr) up to rho (highest lr)` });
  }
  if (sam.variant.kind === 'sam-on' && !MODELS_WITH_NORMALIZATION.includes(c.model.kind)) {
    out.push({
      path: ['sam', 'variant', 'kind'],
      message: `SAM-ON perturbs only normalisation layers' parameters, and model.kind "${c.model.kind}" has none; choose ${MODELS_WITH_NORMALIZATION.join(', ')}, or another variant`,
    });
  }
  return out;
}

export const hessianSchema = z.strictObject({
  /** Analyse every N epochs; null = only at the end. */
  everyEpochs: positiveInt('hessian.everyEpochs').nullable().default(null),
  atEnd: z.boolean().default(true),
  topK: z.number().int().min(1, 'hessian.topK must be 1–20').max(20, 'hessian.topK must be 1–20').default(5),
  /** Size of the fixed, seeded batch the Hessian is taken on. */
  batchSize: bounded('hessian.batchSize', 65_536).default(1024),
  maxIterations: bounded('hessian.maxIterations', SIZE_LIMITS.iterations).default(100),
  tolerance: z.number().positive().default(1e-3),
  trace: z.boolean().default(true),
  density: z.boolean().default(false),
  landscape: z.boolean().default(false),
  /** Also each layer's block λ_max and share of ‖ε̂‖ (one Lanczos run per layer). */
  perLayer: z.boolean().default(false),
});
export type HessianConfig = z.output<typeof hessianSchema>;

export const runConfigSchema = z
  .strictObject({
    name: z.string().max(200).optional(),
    seed: z.number().int('seed must be a whole number').min(0, 'seed must be ≥ 0').default(0),
    epochs: positiveInt('epochs').max(10000, 'epochs must be ≤ 10000'),
    batchSize: positiveInt('batchSize').max(65536, 'batchSize must be ≤ 65536'),
    backend: z.enum(['auto', ...BACKEND_NAMES], { error: () => `backend must be auto or one of ${BACKEND_NAMES.join(', ')}` }).default('auto'),
    /**
     * CPU threads the wasm backend computes on; null = $SAM_WASM_THREADS if set, else every core
     * (the wasm build runs at most 8). A speed setting only: results do not depend on it.
     */
    threads: positiveInt('threads').max(256, 'threads must be ≤ 256 (the wasm build runs at most 8)').nullable().default(null),
    data: dataSchema,
    model: modelSchema,
    optimizer: optimizerSchema,
    schedule: scheduleSchema.default(scheduleSchema.parse({})),
    sam: samSchema.nullable().default(null),
    hessian: hessianSchema.nullable().default(null),
    /** Start from another run's weights (fine-tuning); null = the seeded initialisation. */
    startFrom: startFromSchema.nullable().default(null),
    /** m-sharpness and the eval-mode train accuracy measured at the end of training; null = not measured. */
    mSharpness: mSharpnessSchema.nullable().default(null),
    /** Checkpoint every N epochs (and always at the end). */
    checkpointEvery: positiveInt('checkpointEvery').default(1),
    /** Emit a step metrics event every N steps. */
    logEvery: positiveInt('logEvery').default(10),
  })
  .superRefine((c, ctx) => {
    if (c.sam) for (const issue of samIssues({ batchSize: c.batchSize, model: c.model, sam: c.sam })) ctx.addIssue({ code: 'custom', ...issue });
    for (const issue of studyConfigIssues(c)) ctx.addIssue({ code: 'custom', ...issue });
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

/**
 * A short human label of what differs between SAM variants, used in run names, lists, legends
 * and config diffs, e.g. "SAM(ρ=0.05 m=16) + sgd lr=0.1", "GSAM(ρ=0.02…0.05 α=0.2) + sgd lr=0.1".
 */
export function describeOptimizer(c: Pick<RunConfig, 'optimizer' | 'sam'>): string {
  const base = `${c.optimizer.kind} lr=${c.optimizer.lr}`;
  if (!c.sam) return base;
  return `${describeSam(c.sam)} + ${base}`;
}

/** "SAM(ρ=0.05)", "ESAM(ρ=0.05 β=0.5 γ=0.5)", "LookSAM(ρ=0.05 k=5 α=0.7)", … */
export function describeSam(sam: SamConfig): string {
  const v = sam.variant;
  const parts = [v.kind === 'gsam' && v.rhoMin !== null && v.rhoMin !== sam.rho ? `ρ=${v.rhoMin}…${sam.rho}` : `ρ=${sam.rho}`];
  if (sam.m !== null) parts.push(`m=${sam.m}`);
  if (sam.p !== 2) parts.push('p=∞');
  if (sam.adaptive) parts.push('ASAM');
  parts.push(...variantSettings(v));
  return `${SAM_VARIANT_LABELS[v.kind]}(${parts.join(' ')})`;
}

/** A variant's own settings as short labels: ["α=0.2"], ["k=5", "α=0.7"], [] for SAM and SAM-ON. */
export function variantSettings(v: SamVariantConfig): string[] {
  switch (v.kind) {
    case 'gsam':
      return [`α=${v.alpha}`];
    case 'esam':
      return [`β=${v.beta}`, `γ=${v.gamma}`];
    case 'looksam':
      return [`k=${v.k}`, `α=${v.alpha}`];
    case 'friendly-sam':
      return [`σ=${v.sigma}`, `λ=${v.lambda}`];
    default:
      return [];
  }
}
