// A sweep is a grid over SAM and optimizer settings, always with a plain base-optimizer baseline.
import { z } from 'zod';
import { parseRunConfig, runConfigSchema, type RunConfig, type RunConfigInput } from './config';

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
    lr: z.array(z.number().positive('sweep lr values must be > 0')).default([]),
    seeds: z.array(z.number().int().min(0)).min(1, 'pick at least one seed').default([0]),
    /** Add one SGD (no-SAM) run per lr × seed. Practitioners compare against it, so on by default. */
    baseline: z.boolean().default(true),
  })
  .superRefine((s, ctx) => {
    const runs = s.seeds.length * Math.max(1, s.lr.length) * ((s.baseline ? 1 : 0) + s.rho.length * s.m.length * s.p.length);
    if (runs > MAX_SWEEP_RUNS) {
      ctx.addIssue({ code: 'custom', path: ['rho'], message: `this sweep would create ${runs.toLocaleString('en-US')} runs; at most ${MAX_SWEEP_RUNS.toLocaleString('en-US')} (use fewer ρ, m, p, lr or seed values)` });
    }
  });
export type SweepSpec = z.output<typeof sweepSpecSchema>;
export type SweepSpecInput = z.input<typeof sweepSpecSchema>;

export interface SweepRunPlan {
  name: string;
  config: RunConfig;
  baseline: boolean;
}

/** The runs a sweep creates, baselines first. Every config is validated (m must divide the batch). */
export function expandSweep(input: SweepSpecInput): SweepRunPlan[] {
  const spec = sweepSpecSchema.parse(input);
  const lrs = spec.lr.length ? spec.lr : [spec.base.optimizer.lr];
  const plans: SweepRunPlan[] = [];
  for (const seed of spec.seeds) {
    for (const lr of lrs) {
      const common = { ...spec.base, seed, optimizer: { ...spec.base.optimizer, lr } };
      const tag = `${lrs.length > 1 ? ` lr=${lr}` : ''}${spec.seeds.length > 1 ? ` seed=${seed}` : ''}`;
      if (spec.baseline) {
        const name = `${spec.name} · ${spec.base.optimizer.kind.toUpperCase()} baseline${tag}`;
        plans.push({ name, baseline: true, config: parseRunConfig({ ...common, name, sam: null } satisfies RunConfigInput) });
      }
      for (const rho of spec.rho)
        for (const m of spec.m)
          for (const p of spec.p) {
            const sam = { ...(spec.base.sam ?? { adaptive: false, eta: 0.01 }), rho, m, p };
            const name = `${spec.name} · SAM ρ=${rho}${m === null ? '' : ` m=${m}`}${p === 'inf' ? ' p=∞' : ''}${tag}`;
            plans.push({ name, baseline: false, config: parseRunConfig({ ...common, name, sam }) });
          }
    }
  }
  return plans;
}
