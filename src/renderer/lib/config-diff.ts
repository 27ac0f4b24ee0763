// Flatten run configs into dotted keys so a table can show them side by side and mark
// (or keep only) the rows whose values differ between runs.
import { describeOptimizer, type RunConfig } from '../../shared/config';

export function flattenConfig(value: unknown, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) flattenConfig(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    // A null block (sam: null, hessian: null) means the feature is off.
    out[prefix] = value === undefined ? '' : value === null ? (prefix === 'sam' || prefix === 'hessian' ? 'off' : 'none') : Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}

export interface ConfigRow {
  key: string;
  values: string[];
  differs: boolean;
}

/** One row per config key present in any run; `name` is left out (it always differs). */
export function configRows(configs: readonly RunConfig[]): ConfigRow[] {
  const flats = configs.map((c) => flattenConfig(c));
  const keys = [...new Set(flats.flatMap((f) => Object.keys(f)))].filter((k) => k !== 'name').sort();
  return keys.map((key) => {
    const values = flats.map((f) => f[key] ?? '—');
    return { key, values, differs: new Set(values).size > 1 };
  });
}

/**
 * What makes run `index` differ from the others, e.g. "SAM(ρ=0.05) + sgd lr=0.05 · seed=1":
 * optimizer and SAM differences read as describeOptimizer does; other keys as key=value.
 */
export function differingLabel(configs: readonly RunConfig[], index: number): string {
  const rows = configRows(configs).filter((r) => r.differs);
  const parts: string[] = [];
  if (rows.some((r) => /^(sam|optimizer)(\.|$)/.test(r.key))) parts.push(describeOptimizer(configs[index]));
  for (const r of rows.filter((x) => !/^(sam|optimizer)(\.|$)/.test(x.key)).slice(0, 3)) parts.push(`${r.key.replace(/^(data|model|schedule|hessian)\./, '')}=${r.values[index]}`);
  return parts.join(' · ');
}

/** Key identifying runs that differ only by seed (and name). */
export function seedGroupKey(c: RunConfig): string {
  const { seed: _seed, name: _name, ...rest } = c;
  return JSON.stringify(rest);
}
