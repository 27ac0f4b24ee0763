// Automatic run names, from the config alone, so a name always says what the run is:
// "Fashion-MNIST MLP 512-512 · SAM ρ=0.05 m=8", "Two moons MLP 32 · SGD". A user-given name is
// kept as typed; a name that is one of these automatic ones follows the config when it changes.
import { SAM_VARIANT_LABELS, variantSettings, type DatasetName, type ModelConfig, type RunConfig } from './config';

const DATA_LABEL: Record<DatasetName, string> = {
  'fashion-mnist': 'Fashion-MNIST',
  mnist: 'MNIST',
  kmnist: 'KMNIST',
  cifar10: 'CIFAR-10',
  cifar100: 'CIFAR-100',
  csv: 'CSV',
  images: 'Images',
  'synthetic-moons': 'Two moons',
  'synthetic-spirals': 'Spirals',
  'synthetic-blobs': 'Blobs',
};

const BASE_LABEL = { sgd: 'SGD', adam: 'Adam', adamw: 'AdamW' } as const;

export function dataLabel(c: RunConfig): string {
  const classes = c.data.classes ? ` classes ${classesText(c.data.classes)}` : '';
  return `${DATA_LABEL[c.data.name]}${classes}${c.data.labelNoise > 0 ? ` ${Math.round(c.data.labelNoise * 100)}% noise` : ''}`;
}

/** "0–4" for a run of three or more consecutive classes, else "0, 2, 7". */
export function classesText(classes: readonly number[]): string {
  const consecutive = classes.every((c, i) => i === 0 || c === classes[i - 1] + 1);
  return consecutive && classes.length > 2 ? `${classes[0]}–${classes[classes.length - 1]}` : classes.join(', ');
}

export function modelLabel(m: ModelConfig): string {
  switch (m.kind) {
    case 'mlp':
      return `MLP ${m.hidden.join('-')}`;
    case 'cnn':
      return `CNN ${m.filters.join('-')}`;
    case 'resnet20':
      return 'ResNet-20';
    case 'resnet18':
      return 'ResNet-18';
    case 'wrn':
      return `WRN-${m.depth}-${m.widen}`;
    case 'layers':
      return 'imported model';
  }
}

/**
 * The optimizer as a practitioner names it: "SGD", "Adam", or the SAM settings that define the
 * run ("SAM ρ=0.05 m=8 p=∞", "ASAM ρ=0.5", "LookSAM ρ=0.05 k=5 α=0.7", "Friendly-SAM ASAM ρ=0.1 σ=1
 * λ=0.9"), with the base optimizer added when it is not SGD.
 */
export function methodLabel(c: RunConfig): string {
  const base = BASE_LABEL[c.optimizer.kind];
  if (!c.sam) return base;
  const v = c.sam.variant;
  const name = v.kind === 'sam' ? (c.sam.adaptive ? 'ASAM' : 'SAM') : `${SAM_VARIANT_LABELS[v.kind]}${c.sam.adaptive ? ' ASAM' : ''}`;
  const rho = v.kind === 'gsam' && v.rhoMin !== null && v.rhoMin !== c.sam.rho ? `ρ=${v.rhoMin}…${c.sam.rho}` : `ρ=${c.sam.rho}`;
  const parts = [`${name} ${rho}`];
  if (c.sam.m !== null) parts.push(`m=${c.sam.m}`);
  if (c.sam.p === 'inf') parts.push('p=∞');
  parts.push(...variantSettings(v));
  if (c.optimizer.kind !== 'sgd') parts.push(`+ ${base}`);
  return parts.join(' ');
}

export function autoRunName(c: RunConfig): string {
  return `${dataLabel(c)} ${modelLabel(c.model)} · ${methodLabel(c)}`;
}

/** Names earlier versions gave automatically (presets carried fixed names such as "… · SGD"). */
const LEGACY_AUTOMATIC = [/^Fashion-MNIST (MLP|CNN|40% label noise) · (SGD|SAM.*)$/, /^Two moons · SAM$/, /^[a-z0-9-]+ [a-z0-9]+ · (SAM\(.*\) \+ )?(sgd|adam|adamw) lr=[\d.e-]+$/];

/** Was `name` made by the app (so it should follow the config), rather than typed by the user? */
export function isAutomaticName(name: string, c: RunConfig): boolean {
  const n = name.trim();
  return n === '' || n === autoRunName(c) || LEGACY_AUTOMATIC.some((re) => re.test(n));
}
