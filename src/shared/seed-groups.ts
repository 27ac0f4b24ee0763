// Seed groups: runs whose configs are equal except for the seed (and name) are repeats of one
// experiment. The Compare page, its metrics table, the scatter and the reports all group with
// these functions, and label a group by what differs from the other groups
// ("SAM ρ=0.05 · 3 seeds"), never by run ids.
import type { RunConfig } from './config';
import { configRows } from './config-diff';
import { methodLabel } from './run-name';

/**
 * Key identifying runs that are repeats of one experiment: equal but for the seed, the name, and
 * settings that do not change what is trained (analysis schedule, the end-of-run m-sharpness
 * measure, logging, checkpoints, backend).
 */
export function seedGroupKey(c: RunConfig): string {
  return JSON.stringify(experimentOf(c));
}

function experimentOf(c: RunConfig): Omit<RunConfig, 'seed' | 'name' | 'hessian' | 'mSharpness' | 'logEvery' | 'checkpointEvery' | 'backend'> {
  const { seed: _s, name: _n, hessian: _h, mSharpness: _m, logEvery: _l, checkpointEvery: _c, backend: _b, ...rest } = c;
  return rest;
}

export interface SeedGroup {
  key: string;
  /** Member run ids, in the order given. */
  ids: number[];
  /** The config of the first member (all members share it apart from seed and name). */
  config: RunConfig;
  seeds: number[];
}

/** Groups in order of their first member. */
export function seedGroups(runs: readonly { id: number; config: RunConfig }[]): SeedGroup[] {
  const map = new Map<string, SeedGroup>();
  for (const r of runs) {
    const key = seedGroupKey(r.config);
    const g = map.get(key);
    if (g) {
      g.ids.push(r.id);
      g.seeds.push(r.config.seed);
    } else map.set(key, { key, ids: [r.id], config: r.config, seeds: [r.config.seed] });
  }
  return [...map.values()];
}

const SAM_OR_OPTIMIZER = /^(sam|optimizer)(\.|$)/;
const SHORT_PREFIX = /^(data|model|schedule|hessian)\./;

/**
 * What sets config `index` apart from the others: the optimizer as methodLabel says it when the
 * SAM or optimizer settings differ, then up to `maxOthers` other differing fields as key=value.
 * Seed and name are left out (a group's members differ in them by definition).
 */
export function differingParts(configs: readonly RunConfig[], index: number, maxOthers = 3): string[] {
  const rows = configRows(configs.map((c) => experimentOf(c) as RunConfig)).filter((r) => r.differs);
  const parts: string[] = [];
  if (rows.some((r) => SAM_OR_OPTIMIZER.test(r.field))) {
    parts.push(methodLabel(configs[index]));
    // A learning rate or other optimizer field that differs is not in methodLabel: add it.
    for (const r of rows.filter((x) => x.field.startsWith('optimizer.') && x.field !== 'optimizer.kind')) parts.push(`${r.field.slice(10)}=${r.values[index]}`);
  }
  for (const r of rows.filter((x) => !SAM_OR_OPTIMIZER.test(x.field)).slice(0, maxOthers)) parts.push(`${r.field.replace(SHORT_PREFIX, '')}=${r.values[index]}`);
  return parts;
}

/** "SAM ρ=0.05 · 3 seeds", "SGD · 1 seed"; with one group, its method. */
export function groupLabels(groups: readonly SeedGroup[]): string[] {
  const configs = groups.map((g) => g.config);
  return groups.map((g, i) => {
    const parts = groups.length > 1 ? differingParts(configs, i) : [];
    const what = parts.length ? parts.join(' · ') : methodLabel(g.config);
    return `${what} · ${g.ids.length} seed${g.ids.length === 1 ? '' : 's'}`;
  });
}

/**
 * A run's label among others: what differs (seed included), e.g. "SAM ρ=0.05 m=8 · seed=1", so
 * two seeds of one config read apart. Falls back to the method when nothing differs.
 */
export function runDiffLabel(configs: readonly RunConfig[], index: number): string {
  const parts = differingParts(configs, index);
  if (new Set(configs.map((c) => c.seed)).size > 1) parts.push(`seed=${configs[index].seed}`);
  return parts.length ? parts.join(' · ') : methodLabel(configs[index]);
}
