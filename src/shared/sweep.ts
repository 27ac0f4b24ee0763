// A sweep is a grid over SAM and optimizer settings, always with a plain base-optimizer baseline.
import { z } from 'zod';
import {
  SAM_VARIANT_LABELS,
  UNCHUNKABLE_SAM_VARIANTS,
  parseRunConfig,
  runConfigSchema,
  samVariantSchema,
  variantSettings,
  type RunConfig,
  type RunConfigInput,
} from './config';
import { studySchema, studySpecIssues } from './studies/schema';
import type { PhaseName } from './studies/phases';

/** A grid bigger than this is a typo (or an attack), not a study: each run is a process and a row. */
export const MAX_SWEEP_RUNS = 1000;

export const sweepSpecSchema = z
  .strictObject({
    name: z.string().min(1, 'sweep name must not be empty').max(200),
    /** The config every run starts from; its `sam` block is replaced per grid point. */
    base: runConfigSchema,
    rho: z.array(z.number().min(0, 'sweep rho values must be ≥ 0')).min(1, 'pick at least one ρ'),
    /** null = whole batch. */
    m: z.array(z.number().int().positive().nullable()).default([null]),
    p: z.array(z.union([z.literal(2), z.literal('inf')])).default([2]),
    /** SAM variants to run side by side (each at every grid point); empty = the base config's (or SAM). */
    variants: z.array(samVariantSchema).default([]),
    lr: z.array(z.number().positive('sweep lr values must be > 0')).default([]),
    seeds: z.array(z.number().int().min(0)).min(1, 'pick at least one seed').default([0]),
    /** Add one SGD (no-SAM) run per lr × seed. Practitioners compare against it, so on by default. */
    baseline: z.boolean().default(true),
    /** One of the SAM paper's studies (src/shared/studies/), run as phases of this sweep; null = a plain grid. */
    study: studySchema.nullable().default(null),
  })
  .superRefine((s, ctx) => {
    // At most this many (variants that cannot chunk take only the whole-batch m). A study's later
    // phase adds at most as many runs again (the tuning protocol's retraining).
    const grid = Math.max(1, s.variants.length) * s.rho.length * s.m.length * s.p.length;
    const runs = s.seeds.length * Math.max(1, s.lr.length) * ((s.baseline ? 1 : 0) + grid);
    if (runs > MAX_SWEEP_RUNS) {
      ctx.addIssue({ code: 'custom', path: ['rho'], message: `this sweep would create up to ${runs.toLocaleString('en-US')} runs; at most ${MAX_SWEEP_RUNS.toLocaleString('en-US')} (use fewer ρ, m, p, variant, lr or seed values)` });
    }
    for (const issue of studySpecIssues(s)) ctx.addIssue({ code: 'custom', ...issue });
  });
export type SweepSpec = z.output<typeof sweepSpecSchema>;
export type SweepSpecInput = z.input<typeof sweepSpecSchema>;

export interface SweepRunPlan {
  name: string;
  config: RunConfig;
  baseline: boolean;
  /** The study phase the run belongs to (absent in a plain grid). */
  phase?: PhaseName;
}

/** The runs a sweep creates, baselines first. Every config is validated (m must divide the batch). */
export function expandSweep(input: SweepSpecInput): SweepRunPlan[] {
  const spec = sweepSpecSchema.parse(input);
  const lrs = spec.lr.length ? spec.lr : [spec.base.optimizer.lr];
  const variants = spec.variants.length ? spec.variants : [spec.base.sam?.variant ?? samVariantSchema.parse({ kind: 'sam' })];
  for (const v of variants) {
    if (UNCHUNKABLE_SAM_VARIANTS.includes(v.kind) && !spec.m.includes(null)) {
      throw new Error(`sweep: ${SAM_VARIANT_LABELS[v.kind]} does not combine with m-sharpness; add “whole” to the m values or leave ${SAM_VARIANT_LABELS[v.kind]} out`);
    }
  }
  const plans: SweepRunPlan[] = [];
  for (const seed of spec.seeds) {
    for (const lr of lrs) {
      const common = { ...spec.base, seed, optimizer: { ...spec.base.optimizer, lr } };
      const tag = `${lrs.length > 1 ? ` lr=${lr}` : ''}${spec.seeds.length > 1 ? ` seed=${seed}` : ''}`;
      if (spec.baseline) {
        const name = `${spec.name} · ${spec.base.optimizer.kind.toUpperCase()} baseline${tag}`;
        plans.push({ name, baseline: true, config: parseRunConfig({ ...common, name, sam: null } satisfies RunConfigInput) });
      }
      for (const variant of variants)
        for (const rho of spec.rho)
          // LookSAM and Friendly-SAM keep whole-batch state: they take the grid's whole-batch points only.
          for (const m of UNCHUNKABLE_SAM_VARIANTS.includes(variant.kind) ? [null] : spec.m)
            for (const p of spec.p) {
              const sam = { ...(spec.base.sam ?? { adaptive: false, eta: 0.01 }), rho, m, p, variant };
              const settings = variantSettings(variant).map((s) => ` ${s}`).join('');
              const name = `${spec.name} · ${SAM_VARIANT_LABELS[variant.kind]} ρ=${rho}${m === null ? '' : ` m=${m}`}${p === 'inf' ? ' p=∞' : ''}${settings}${tag}`;
              plans.push({ name, baseline: false, config: parseRunConfig({ ...common, name, sam }) });
            }
    }
  }
  return plans;
}
