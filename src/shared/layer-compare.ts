// Runs (or seed groups) side by side, layer by layer: which layers SAM flattened. One column per
// run or group, one row per layer; each SAM column is paired with the baseline column whose
// config differs least apart from SAM and the seed (as the reports' "Did SAM help?" pairs
// groups), and the ratio λ_max(SAM) / λ_max(baseline) per layer says where the curvature fell.
// The Run page, the Compare page and the reports all build their per-layer view with this.
import type { RunConfig } from './config';
import { configDistance } from './config-diff';
import { latestLayered, type EpsShareSource, type LayerSpectrum } from './layer-sharpness';
import { seedGroups } from './seed-groups';
import { summarize } from './stats';

export interface LayerColumnInput {
  key: string;
  label: string;
  color: string;
  config: RunConfig;
  /** Each member run's per-layer result (one for a run, one per seed for a group). */
  members: { runId: number; epoch: number; perLayer: LayerSpectrum }[];
}

export interface LayerRow {
  name: string;
  tensors: string[];
  paramCount: number;
}

export interface LayerCell {
  /** Mean over the column's members that have this layer; null when none has it. */
  lambdaMax: number | null;
  /** Sample standard deviation over members (null with one member). */
  sd: number | null;
  n: number;
  epsShare: number | null;
}

export interface LayerColumn {
  key: string;
  label: string;
  color: string;
  isSam: boolean;
  runIds: number[];
  /** Epochs analysed (the members' latest per-layer analyses). */
  epochs: number[];
  cells: LayerCell[];
  eps: EpsShareSource | null;
  hvp: LayerSpectrum['hvp'];
}

export interface LayerRatio {
  /** The SAM column and its baseline column. */
  key: string;
  reference: string;
  label: string;
  color: string;
  /** λ_max(SAM) / λ_max(baseline) per row; null where either is missing or not positive. */
  values: (number | null)[];
}

export interface LayerComparison {
  rows: LayerRow[];
  columns: LayerColumn[];
  ratios: LayerRatio[];
  /** λ_max spans more than a decade and is positive everywhere: draw it on a log axis. */
  logScale: boolean;
}

export interface LayerRunInput {
  id: number;
  config: RunConfig;
  spectra: readonly { step: number; epoch: number; perLayer?: LayerSpectrum | null }[];
}

/**
 * Columns from runs: one per run, or one per seed group (`grouped`, the members' latest per-layer
 * analyses averaged). `label` names a column from its run ids; `color` gives its first run's colour.
 */
export function layerColumnsOf(
  runs: readonly LayerRunInput[],
  opts: { grouped: boolean; label: (ids: number[]) => string; color: (id: number) => string },
): LayerColumnInput[] {
  const byId = new Map(runs.map((r) => [r.id, r]));
  const sets = opts.grouped ? seedGroups(runs).map((g) => g.ids) : runs.map((r) => [r.id]);
  return sets.map((ids) => ({
    key: `${opts.grouped ? 'g' : 'r'}${ids[0]}`,
    label: opts.label(ids),
    color: opts.color(ids[0]),
    config: byId.get(ids[0])!.config,
    members: ids.flatMap((id) => {
      const s = latestLayered(byId.get(id)!.spectra);
      return s?.perLayer ? [{ runId: id, epoch: s.epoch, perLayer: s.perLayer }] : [];
    }),
  }));
}

const isSamConfig = (c: RunConfig) => c.sam !== null && c.sam.rho > 0;

/** Log when every value is positive and the largest is at least 10× the smallest. */
export function wantsLogScale(values: readonly number[]): boolean {
  const finite = values.filter((v) => Number.isFinite(v));
  if (!finite.length || finite.some((v) => v <= 0)) return false;
  return Math.max(...finite) / Math.min(...finite) >= 10;
}

export function compareLayers(inputs: readonly LayerColumnInput[]): LayerComparison {
  const withData = inputs.filter((c) => c.members.length > 0);
  // Rows: every layer any column has, in the order they first appear (input to output).
  const rows: LayerRow[] = [];
  const rowOf = new Map<string, number>();
  for (const c of withData) {
    for (const m of c.members) {
      for (const l of m.perLayer.layers) {
        if (rowOf.has(l.name)) continue;
        rowOf.set(l.name, rows.length);
        rows.push({ name: l.name, tensors: l.tensors, paramCount: l.paramCount });
      }
    }
  }
  const columns: LayerColumn[] = withData.map((c) => ({
    key: c.key,
    label: c.label,
    color: c.color,
    isSam: isSamConfig(c.config),
    runIds: c.members.map((m) => m.runId),
    epochs: c.members.map((m) => m.epoch),
    eps: c.members[0].perLayer.eps,
    hvp: c.members[0].perLayer.hvp,
    cells: rows.map((r) => {
      const found = c.members.map((m) => m.perLayer.layers.find((l) => l.name === r.name)).filter((l) => l !== undefined);
      const lam = summarize(found.map((l) => l.lambdaMax));
      const share = summarize(found.map((l) => l.epsShare));
      return { lambdaMax: lam?.mean ?? null, sd: lam && lam.n > 1 ? lam.sd : null, n: lam?.n ?? 0, epsShare: share?.mean ?? null };
    }),
  }));
  const configOf = new Map(withData.map((c) => [c.key, c.config]));
  const bases = columns.filter((c) => !c.isSam);
  const ratios: LayerRatio[] = [];
  if (bases.length) {
    for (const s of columns.filter((c) => c.isSam)) {
      const cfg = configOf.get(s.key)!;
      const dist = (b: LayerColumn) => configDistance(cfg, configOf.get(b.key)!, ['sam', 'name', 'seed', 'hessian']);
      const base = bases.reduce((a, b) => (dist(b) < dist(a) ? b : a));
      ratios.push({
        key: s.key,
        reference: base.key,
        label: `${s.label} / ${base.label}`,
        color: s.color,
        values: rows.map((_, i) => {
          const [a, b] = [s.cells[i].lambdaMax, base.cells[i].lambdaMax];
          return a !== null && b !== null && a > 0 && b > 0 ? a / b : null;
        }),
      });
    }
  }
  const all = columns.flatMap((c) => c.cells.map((x) => x.lambdaMax).filter((v): v is number => v !== null));
  return { rows, columns, ratios, logScale: wantsLogScale(all) };
}
