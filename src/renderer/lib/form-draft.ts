// The New-run form's editable state and its two-way mapping to a RunConfigInput. Inputs hold
// what the user typed (numbers may be '' while editing); `draftToInput` turns it into the
// shape the shared schema validates, so every message comes from src/shared/config.ts.
import type { ActivationName, BackendName, DatasetName, InitScheme, ModelKind, RunConfig, RunConfigInput, WeightDecayParams } from '../../shared/config';
import { type NumIn, blank, num, numOrNull } from './draft-values';
import { parseNumberList } from './format';
import { type VariantDraft, draftToVariant, variantToDraft } from './sam-variant-draft';

export type { NumIn } from './draft-values';

export interface FormDraft {
  name: string;
  seed: NumIn;
  epochs: NumIn;
  batchSize: NumIn;
  backend: 'auto' | BackendName;
  /** wasm threads; '' = the machine's share (null in the config). */
  threads: NumIn;
  logEvery: NumIn;
  checkpointEvery: NumIn;
  data: {
    name: DatasetName;
    path: string;
    limit: NumIn;
    testLimit: NumIn;
    validationSplit: NumIn;
    labelNoise: NumIn;
    cropPadding: NumIn;
    flip: boolean;
    samples: NumIn;
    noise: NumIn;
    labelColumn: string;
    header: boolean;
  };
  model: {
    kind: ModelKind;
    hidden: string;
    activation: ActivationName;
    dropout: NumIn;
    filters: string;
    dense: NumIn;
    width: NumIn;
    depth: NumIn;
    widen: NumIn;
    path: string;
    init: InitScheme;
    /** An imported Layers model's batch norm and dropout layers. */
    batchNorm: 'train' | 'frozen';
    dropoutLayers: 'keep' | 'off';
  };
  optimizer: {
    kind: 'sgd' | 'adam' | 'adamw';
    lr: NumIn;
    momentum: NumIn;
    nesterov: boolean;
    beta1: NumIn;
    beta2: NumIn;
    weightDecay: NumIn;
    weightDecayMode: 'loss' | 'optimizer';
    weightDecayParams: WeightDecayParams;
    gradClip: NumIn;
  };
  schedule: { kind: 'constant' | 'step' | 'cosine'; warmupEpochs: NumIn; milestones: string; gamma: NumIn; minFactor: NumIn };
  samOn: boolean;
  sam: { rho: NumIn; m: string; p: '2' | 'inf'; adaptive: boolean; eta: NumIn; variant: VariantDraft };
  hessianOn: boolean;
  hessian: {
    everyEpochs: NumIn;
    atEnd: boolean;
    topK: NumIn;
    batchSize: NumIn;
    maxIterations: NumIn;
    trace: boolean;
    density: boolean;
    landscape: boolean;
    perLayer: boolean;
  };
  /**
   * Settings the form has no input for, kept as the config had them, so Duplicate never turns them
   * into defaults: a fine-tune's starting weights and class subset (the studies set them), the
   * m-sharpness measurement, a CSV's test split, the Lanczos tolerance.
   */
  carried: {
    startFrom: RunConfig['startFrom'];
    mSharpness: RunConfig['mSharpness'];
    classes: RunConfig['data']['classes'];
    testSplit: RunConfig['data']['testSplit'];
    hessianTolerance: number | undefined;
  };
}

const str = (v: string): string | undefined => (v.trim() === '' ? undefined : v.trim());

export function draftToInput(d: FormDraft): RunConfigInput {
  const m = d.model;
  const init = m.init;
  const model =
    m.kind === 'mlp'
      ? { kind: 'mlp' as const, hidden: parseNumberList(m.hidden), activation: m.activation, dropout: num(m.dropout), init }
      : m.kind === 'cnn'
        ? { kind: 'cnn' as const, filters: parseNumberList(m.filters), dense: num(m.dense), dropout: num(m.dropout), activation: m.activation, init }
        : m.kind === 'resnet20' || m.kind === 'resnet18'
          ? { kind: m.kind, width: num(m.width), activation: m.activation, init }
          : m.kind === 'wrn'
            ? { kind: 'wrn' as const, depth: num(m.depth), widen: num(m.widen), activation: m.activation, init }
            : { kind: 'layers' as const, path: m.path.trim(), batchNorm: m.batchNorm, dropout: m.dropoutLayers };
  const labelColumn = d.data.labelColumn.trim();
  return {
    name: str(d.name),
    seed: num(d.seed),
    epochs: num(d.epochs) as number,
    batchSize: num(d.batchSize) as number,
    backend: d.backend,
    threads: numOrNull(d.threads),
    logEvery: num(d.logEvery),
    checkpointEvery: num(d.checkpointEvery),
    data: {
      name: d.data.name,
      path: str(d.data.path),
      limit: numOrNull(d.data.limit),
      testLimit: numOrNull(d.data.testLimit),
      validationSplit: num(d.data.validationSplit),
      labelNoise: num(d.data.labelNoise),
      augment: { cropPadding: num(d.data.cropPadding), flip: d.data.flip },
      ...(d.data.name === 'csv'
        ? { labelColumn: labelColumn === '' ? undefined : /^\d+$/.test(labelColumn) ? Number(labelColumn) : labelColumn, header: d.data.header }
        : {}),
      ...(d.data.name.startsWith('synthetic') ? { samples: num(d.data.samples), noise: num(d.data.noise) } : {}),
      classes: d.carried.classes,
      ...(d.carried.testSplit !== undefined ? { testSplit: d.carried.testSplit } : {}),
    },
    model: model as RunConfigInput['model'],
    optimizer: {
      kind: d.optimizer.kind,
      lr: num(d.optimizer.lr) as number,
      momentum: num(d.optimizer.momentum),
      nesterov: d.optimizer.nesterov,
      beta1: num(d.optimizer.beta1),
      beta2: num(d.optimizer.beta2),
      weightDecay: num(d.optimizer.weightDecay),
      weightDecayMode: d.optimizer.weightDecayMode,
      weightDecayParams: d.optimizer.weightDecayParams,
      gradClip: numOrNull(d.optimizer.gradClip),
    },
    schedule: {
      kind: d.schedule.kind,
      warmupEpochs: num(d.schedule.warmupEpochs),
      milestones: parseNumberList(d.schedule.milestones),
      gamma: num(d.schedule.gamma),
      minFactor: num(d.schedule.minFactor),
    },
    sam: d.samOn
      ? {
          rho: num(d.sam.rho) as number,
          m: d.sam.m === '' ? null : Number(d.sam.m),
          p: d.sam.p === 'inf' ? 'inf' : 2,
          adaptive: d.sam.adaptive,
          eta: num(d.sam.eta),
          variant: draftToVariant(d.sam.variant),
        }
      : null,
    hessian: d.hessianOn
      ? {
          everyEpochs: numOrNull(d.hessian.everyEpochs),
          atEnd: d.hessian.atEnd,
          topK: num(d.hessian.topK),
          batchSize: num(d.hessian.batchSize),
          maxIterations: num(d.hessian.maxIterations),
          trace: d.hessian.trace,
          density: d.hessian.density,
          landscape: d.hessian.landscape,
          perLayer: d.hessian.perLayer,
          ...(d.carried.hessianTolerance !== undefined ? { tolerance: d.carried.hessianTolerance } : {}),
        }
      : null,
    startFrom: d.carried.startFrom,
    mSharpness: d.carried.mSharpness,
  };
}

/** A full draft from a validated config (presets, "duplicate", defaults). */
export function configToDraft(c: RunConfig): FormDraft {
  const m = c.model;
  return {
    name: c.name ?? '',
    seed: c.seed,
    epochs: c.epochs,
    batchSize: c.batchSize,
    backend: c.backend,
    threads: blank(c.threads),
    logEvery: c.logEvery,
    checkpointEvery: c.checkpointEvery,
    data: {
      name: c.data.name,
      path: c.data.path ?? '',
      limit: blank(c.data.limit),
      testLimit: blank(c.data.testLimit),
      validationSplit: c.data.validationSplit,
      labelNoise: c.data.labelNoise,
      cropPadding: c.data.augment.cropPadding,
      flip: c.data.augment.flip,
      samples: blank(c.data.samples ?? 1000),
      noise: blank(c.data.noise ?? 0.2),
      labelColumn: c.data.labelColumn === undefined ? '' : String(c.data.labelColumn),
      header: c.data.header ?? true,
    },
    model: {
      kind: m.kind,
      hidden: m.kind === 'mlp' ? m.hidden.join(', ') : '512, 512',
      activation: m.kind === 'layers' ? 'relu' : m.activation,
      dropout: m.kind === 'mlp' || m.kind === 'cnn' ? m.dropout : 0,
      filters: m.kind === 'cnn' ? m.filters.join(', ') : '32, 64',
      dense: m.kind === 'cnn' ? m.dense : 128,
      width: m.kind === 'resnet20' || m.kind === 'resnet18' ? m.width : 16,
      depth: m.kind === 'wrn' ? m.depth : 16,
      widen: m.kind === 'wrn' ? m.widen : 4,
      path: m.kind === 'layers' ? m.path : '',
      init: m.kind === 'layers' ? 'pytorch' : m.init,
      batchNorm: m.kind === 'layers' ? m.batchNorm : 'train',
      dropoutLayers: m.kind === 'layers' ? m.dropout : 'keep',
    },
    optimizer: {
      kind: c.optimizer.kind,
      lr: c.optimizer.lr,
      momentum: c.optimizer.momentum,
      nesterov: c.optimizer.nesterov,
      beta1: c.optimizer.beta1,
      beta2: c.optimizer.beta2,
      weightDecay: c.optimizer.weightDecay,
      weightDecayMode: c.optimizer.weightDecayMode,
      weightDecayParams: c.optimizer.weightDecayParams,
      gradClip: blank(c.optimizer.gradClip),
    },
    schedule: {
      kind: c.schedule.kind,
      warmupEpochs: c.schedule.warmupEpochs,
      milestones: c.schedule.milestones.join(', '),
      gamma: c.schedule.gamma,
      minFactor: c.schedule.minFactor,
    },
    samOn: c.sam !== null,
    sam: {
      rho: c.sam?.rho ?? 0.05,
      m: c.sam?.m == null ? '' : String(c.sam.m),
      p: c.sam?.p === 'inf' ? 'inf' : '2',
      adaptive: c.sam?.adaptive ?? false,
      eta: c.sam?.eta ?? 0.01,
      variant: variantToDraft(c.sam?.variant),
    },
    hessianOn: c.hessian !== null,
    hessian: {
      everyEpochs: blank(c.hessian?.everyEpochs ?? null),
      atEnd: c.hessian?.atEnd ?? true,
      topK: c.hessian?.topK ?? 5,
      batchSize: c.hessian?.batchSize ?? 512,
      maxIterations: c.hessian?.maxIterations ?? 100,
      trace: c.hessian?.trace ?? true,
      density: c.hessian?.density ?? true,
      landscape: c.hessian?.landscape ?? false,
      perLayer: c.hessian?.perLayer ?? false,
    },
    carried: {
      startFrom: c.startFrom,
      mSharpness: c.mSharpness,
      classes: c.data.classes,
      testSplit: c.data.testSplit,
      hessianTolerance: c.hessian?.tolerance,
    },
  };
}

/** "model.hidden[1]" → "model.hidden": errors attach to the input that holds the list. */
export function fieldKey(path: string): string {
  return path.replace(/\[\d+\]/g, '');
}
