// Ready sweep specs (`sam-studio sweep --example NAME`), made of what the Sweep form starts from:
// the New-run form's default preset as the base, the form's own ρ grid with the baseline, or one
// of the paper's studies filled in as the form fills it when the study is picked (studies/presets.ts).
import { presetConfig } from './presets';
import { STUDY_KINDS, studySweep } from './studies/index';
import { sweepSpecSchema, type SweepSpec, type SweepSpecInput } from './sweep';

/** The Sweep form's plain grid before anything is typed: three ρ values and the base optimizer's baseline. */
export const DEFAULT_SWEEP_GRID = { name: 'rho sweep', rho: [0.01, 0.05, 0.1] } as const;

/** The base every example starts from: the New-run form's default preset. */
const BASE_PRESET = 'fashion-mnist-sam';

export const SWEEP_EXAMPLE_NAMES = ['rho-grid', ...STUDY_KINDS] as const;
export type SweepExampleName = (typeof SWEEP_EXAMPLE_NAMES)[number];

/** What each example is, for `--list`. */
export const SWEEP_EXAMPLE_SUMMARIES: Record<SweepExampleName, string> = {
  'rho-grid': 'SAM at ρ = 0.01, 0.05, 0.1 with the SGD baseline (the Sweep form’s grid)',
  tuning: 'the paper’s tuning protocol: ρ chosen on a validation split, then retrained on fresh seeds',
  'm-sharpness': 'the paper’s m-sharpness study: m × ρ, each run’s m-sharpness against its gap',
  'fine-tuning': 'pre-train on classes 0–4, then fine-tune on 5–9 with and without SAM',
};

/** The example as a whole spec, every default filled in (so each field can be edited in place). */
export function sweepExample(name: SweepExampleName): SweepSpec {
  const base = presetConfig(BASE_PRESET);
  const input: SweepSpecInput = name === 'rho-grid' ? { name: DEFAULT_SWEEP_GRID.name, base, rho: [...DEFAULT_SWEEP_GRID.rho], m: [null], seeds: [0], baseline: true } : studySweep(name, base);
  return sweepSpecSchema.parse(input);
}
