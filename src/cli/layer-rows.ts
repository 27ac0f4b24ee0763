// `sam-studio hessian --per-layer`: each layer's block λ_max and share of ‖ε̂‖ as rows of the
// side-by-side table (runs as columns), with each SAM run's ratio to its closest baseline —
// the same pairing the app and the reports use (src/shared/layer-compare.ts).
import type { RunConfig } from '../shared/config';
import type { SpectrumEvent } from '../shared/events';
import { compareLayers } from '../shared/layer-compare';
import { fmtValue } from '../shared/layer-chart';

export function layerRows(columns: readonly { config: RunConfig; spectrum: SpectrumEvent }[]): [string, ...string[]][] {
  const inputs = columns.map((c, i) => ({
    key: String(i),
    label: String(c.spectrum.runId),
    color: '',
    config: c.config,
    members: c.spectrum.perLayer ? [{ runId: c.spectrum.runId ?? 0, epoch: c.spectrum.epoch, perLayer: c.spectrum.perLayer }] : [],
  }));
  const cmp = compareLayers(inputs);
  if (!cmp.rows.length) return [];
  const rows: [string, ...string[]][] = [['per layer: λ_max (÷ baseline) / ε̂ share', ...columns.map(() => '')]];
  cmp.rows.forEach((row, i) => {
    const cells = columns.map((_, j) => {
      const col = cmp.columns.find((c) => c.key === String(j));
      const cell = col?.cells[i];
      if (!cell || cell.lambdaMax === null) return '—';
      const ratio = cmp.ratios.find((r) => r.key === String(j))?.values[i];
      const share = cell.epsShare === null ? '—' : `${(cell.epsShare * 100).toFixed(1)} %`;
      return `${fmtValue(cell.lambdaMax)}${ratio != null ? ` (×${ratio.toFixed(2)})` : ''} / ${share}`;
    });
    rows.push([`  ${row.name} (${row.paramCount})`, ...cells]);
  });
  return rows;
}
