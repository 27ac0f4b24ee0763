// The studies as sweep presets: the paper's grids and seeds around any base config (the Sweep
// form fills its fields from these; tests and scripts build specs with studySweep).
import { divisorsOf, type RunConfig } from '../config';
import { lcmOf } from '../config-studies';
import type { SweepSpecInput } from '../sweep';
import type { StudyKind } from './schema';

export interface StudyPreset {
  rho: number[];
  /** null = the whole batch. */
  m: (number | null)[];
  seeds: number[];
  baseline: boolean;
}

/** Foret et al. 2021: ρ ∈ {0.01, 0.02, 0.05, 0.1, 0.2, 0.5} (§3.1); m = 4, 16, 64 and the whole batch (Fig. 3). */
export function studyPreset(kind: StudyKind, base: RunConfig): StudyPreset {
  const m = base.sam?.m ?? null;
  switch (kind) {
    case 'tuning':
      return { rho: [0.01, 0.02, 0.05, 0.1, 0.2, 0.5], m: [m], seeds: [0, 1, 2], baseline: true };
    case 'm-sharpness': {
      // The paper's m values that divide this batch, then the whole batch.
      const ms = [4, 16, 64].filter((x) => x < base.batchSize && divisorsOf(base.batchSize).includes(x));
      return { rho: [0.01, 0.05, 0.1], m: [...ms, null], seeds: [0], baseline: true };
    }
    case 'fine-tuning':
      return { rho: [0.05], m: [m], seeds: [0, 1, 2], baseline: true };
  }
}

/**
 * A sample size near `target` that every chunk size divides (the m-sharpness study's `samples`),
 * at most `max` (the training examples data.limit keeps) when that leaves room for one chunk each.
 */
export function samplesFor(chunks: readonly number[], target = 1024, max: number | null = null): number {
  const lcm = lcmOf(chunks);
  const n = Math.max(lcm, Math.round(target / lcm) * lcm);
  return max !== null && n > max && max >= lcm ? Math.floor(max / lcm) * lcm : n;
}

/** A whole study sweep spec from a base config, with the paper's defaults. */
export function studySweep(kind: StudyKind, base: RunConfig, name = `${kind} study`): SweepSpecInput {
  const p = studyPreset(kind, base);
  const study = kind === 'm-sharpness' ? { kind, samples: samplesFor(p.m.map((m) => m ?? base.batchSize), 1024, base.data.limit) } : { kind };
  return { name, base, rho: p.rho, m: p.m, seeds: p.seeds, baseline: p.baseline, study };
}
