// Flatten run configs into dotted fields and find which ones differ between runs: the config
// table of a comparison report shows every field and highlights the differing ones.
import type { RunConfig } from './config';

export interface ConfigRow {
  field: string;
  /** One display value per run ('—' when the field is absent, e.g. sam.rho of an SGD run). */
  values: string[];
  differs: boolean;
}

function display(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return '—';
  if (Array.isArray(v)) return `[${v.map(display).join(', ')}]`;
  return typeof v === 'string' ? v : String(v);
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Union of the configs' object structure, keys in first-seen order (schema order). */
function mergedShape(values: readonly unknown[]): unknown {
  const objs = values.filter(isObject);
  if (!objs.length) return values.find((v) => v !== null && v !== undefined) ?? null;
  const keys: string[] = [];
  for (const o of objs) for (const k of Object.keys(o)) if (!keys.includes(k)) keys.push(k);
  return Object.fromEntries(keys.map((k) => [k, mergedShape(objs.map((o) => o[k]))]));
}

/** What a null leaf means, where the schema gives null a meaning. */
const NULL_MEANS: Record<string, string> = {
  'sam.m': 'whole batch',
  'data.limit': 'all',
  'data.testLimit': 'all',
  'hessian.everyEpochs': 'end only',
  'optimizer.gradClip': 'off',
};

/** Value at a dotted path; a null section on the way (sam: null) reads as "off". */
function lookup(config: unknown, path: string[]): string {
  let v: unknown = config;
  for (const k of path) {
    if (v === null) return 'off';
    if (!isObject(v) || !(k in v)) return '—';
    v = v[k];
  }
  return v === null ? (NULL_MEANS[path.join('.')] ?? 'none') : display(v);
}

function leafPaths(shape: unknown, prefix: string[] = []): string[][] {
  if (!isObject(shape) || Object.keys(shape).length === 0) return [prefix];
  return Object.entries(shape).flatMap(([k, v]) => leafPaths(v, [...prefix, k]));
}

export function configRows(configs: readonly RunConfig[]): ConfigRow[] {
  // Walk the merged shape so a section one run has and another lacks (sam) stays in place,
  // with "off" in the run without it, instead of its fields trailing at the end of the table.
  return leafPaths(mergedShape(configs)).map((path) => {
    const values = configs.map((c) => lookup(c, path));
    return { field: path.join('.'), values, differs: values.some((v) => v !== values[0]) };
  });
}

/** Number of differing fields, ignoring the given prefixes (used to pair a SAM run with its closest baseline). */
export function configDistance(a: RunConfig, b: RunConfig, ignorePrefixes: string[]): number {
  return configRows([a, b]).filter((r) => r.differs && !ignorePrefixes.some((p) => r.field === p || r.field.startsWith(`${p}.`))).length;
}
