// The report's per-layer sharpness (issue 13, item 3): the chart the app shows (one layout,
// src/shared/layer-chart.ts), each run's per-layer λ_max over epochs when it was analysed more
// than once, and the numbers as a table. Present only when some run has per-layer results.
import { compareLayers, layerColumnsOf, wantsLogScale, type LayerComparison } from '../../../shared/layer-compare';
import { fmtValue, layerChart } from '../../../shared/layer-chart';
import { layersOf } from '../../../shared/layer-sharpness';
import { RUN_PALETTE } from '../../../shared/colors';
import { groupLabels, runDiffLabel, seedGroups } from '../../../shared/seed-groups';
import { colorOf, type Figure } from './figures';
import { esc } from './svg/common';
import { lineChart } from './svg/line-chart';
import { shapesSvg } from './svg/shapes';
import type { ReportRun } from './types';

export function hasLayers(runs: readonly ReportRun[]): boolean {
  return runs.some((r) => r.spectra.some((s) => layersOf(s)));
}

/** Seed groups when some group has two or more analysed runs (means ± std), else one column per run. */
export function reportLayerComparison(runs: readonly ReportRun[]): LayerComparison {
  const inputs = runs.map((r) => ({ id: r.run.id, config: r.run.config, spectra: r.spectra }));
  const groups = seedGroups(inputs);
  const analysed = (ids: number[]) => ids.filter((id) => hasLayers(runs.filter((r) => r.run.id === id))).length;
  const grouped = groups.some((g) => analysed(g.ids) > 1);
  const labels = groupLabels(groups);
  const configs = runs.map((r) => r.run.config);
  const label = (ids: number[]) => {
    if (grouped) return labels[groups.findIndex((g) => g.ids[0] === ids[0])];
    const i = runs.findIndex((r) => r.run.id === ids[0]);
    return runs.length > 1 ? `#${ids[0]} ${runDiffLabel(configs, i)}` : `#${ids[0]} ${runs[i].run.name}`;
  };
  const color = (id: number) => colorOf(runs.find((r) => r.run.id === id)!);
  return compareLayers(layerColumnsOf(inputs, { grouped, label, color }));
}

function overEpochs(r: ReportRun): Figure | null {
  const sp = r.spectra.filter((s) => layersOf(s)).sort((a, b) => a.step - b.step);
  if (sp.length < 2) return null;
  const names = [...new Set(sp.flatMap((s) => s.perLayer!.layers.map((l) => l.name)))];
  const series = names.map((name, i) => ({
    label: name,
    x: sp.map((s) => s.epoch),
    y: sp.map((s) => s.perLayer!.layers.find((l) => l.name === name)?.lambdaMax ?? NaN),
    color: RUN_PALETTE[i % RUN_PALETTE.length],
    markers: true,
    legend: names.length <= 12,
  }));
  const id = `fig-layers-epochs-${r.run.id}`;
  const title = `Per-layer λ_max over epochs · #${r.run.id}`;
  const logY = wantsLogScale(series.flatMap((s) => s.y));
  return {
    id,
    title,
    caption: `Top eigenvalue of each layer’s Hessian block at each per-layer analysis of run #${r.run.id}${names.length > 12 ? ` (${names.length} layers; legend left out)` : ''}.`,
    svg: lineChart({ id, title, xLabel: 'epoch', yLabel: 'block λ_max', series, logY }),
  };
}

export function layerFigures(runs: readonly ReportRun[]): Figure[] {
  if (!hasLayers(runs)) return [];
  const cmp = reportLayerComparison(runs);
  const title = cmp.ratios.length ? 'Per-layer sharpness: which layers SAM flattened' : 'Per-layer sharpness';
  const epochs = cmp.columns.map((c) => `${c.label}: epoch ${[...new Set(c.epochs)].join(', ')}`).join('; ');
  const eps = [...new Set(cmp.columns.map((c) => c.eps?.source))].includes('sam-p2')
    ? ' For a run without SAM the share is that of SAM’s p = 2 step ρ·∇L/‖∇L‖ (the layers’ shares of ‖∇L‖²).'
    : '';
  const figs: Figure[] = [
    {
      id: 'fig-layers',
      title,
      wide: true,
      caption:
        `Left: the top eigenvalue of each layer’s diagonal Hessian block (its weight and bias together; Lanczos on block Hessian-vector products, ` +
        `never above the full λ_max)${cmp.logScale ? ', log axis' : ''}. ` +
        (cmp.ratios.length ? 'Middle: λ_max with SAM ÷ λ_max of the baseline it is paired with, per layer; left of 1, SAM flattened that layer. ' : '') +
        `Right: the layer’s share ‖ε̂_l‖²/‖ε̂‖² of SAM’s ascent step, with each run’s own SAM settings, on the Hessian batch.${eps} ` +
        `Each run’s latest per-layer analysis (${epochs}).`,
      svg: shapesSvg(layerChart(cmp, { width: 720, title }), title, 'fig-layers'),
    },
  ];
  for (const r of runs) {
    const f = overEpochs(r);
    if (f) figs.push(f);
  }
  return figs;
}

export function layerTable(runs: readonly ReportRun[]): string {
  if (!hasLayers(runs)) return '';
  const cmp = reportLayerComparison(runs);
  const sw = (color: string) => `<span class="swatch" style="background:${color}"></span>`;
  // Headers wrap (plain th): a run's full label can be long, and the page is only so wide.
  const th = (color: string, what: string, who: string) => `<th>${sw(color)}${what}<br><span class="note">${esc(who)}</span></th>`;
  /** "#3" for a run's label "#3 SAM ρ=0.05", the whole label for a seed group. */
  const short = (label: string) => (label.startsWith('#') ? label.split(' ')[0] : label);
  const dash = '<span class="missing">—</span>';
  const layerCells = (i: number) => {
    const row = cmp.rows[i];
    return `<td>${esc(row.name)} <span class="note">${esc(row.tensors.join('+'))}</span></td><td class="num">${row.paramCount.toLocaleString('en-US')}</td>`;
  };
  const lamHead = [
    ...cmp.columns.map((c) => th(c.color, 'λ_max', c.label)),
    ...cmp.ratios.map((r) => {
      const base = cmp.columns.find((c) => c.key === r.reference)!;
      return th(r.color, 'ratio', `${short(r.label.split(' / ')[0])} ÷ ${short(base.label)}`);
    }),
  ];
  const lamBody = cmp.rows.map((_, i) => {
    const lam = cmp.columns.map((c) => {
      const x = c.cells[i];
      return `<td class="num">${x.lambdaMax === null ? dash : esc(fmtValue(x.lambdaMax)) + (x.sd !== null ? ` ± ${esc(fmtValue(x.sd))}` : '')}</td>`;
    });
    const ratio = cmp.ratios.map((r) => {
      const v = r.values[i];
      return `<td class="num${v !== null && v < 1 ? ' best' : ''}">${v === null ? dash : `×${esc(v.toFixed(2))}`}</td>`;
    });
    return `<tr>${layerCells(i)}${[...lam, ...ratio].join('')}</tr>`;
  });
  const shareBody = cmp.rows.map((_, i) => {
    const share = cmp.columns.map((c) => {
      const v = c.cells[i].epsShare;
      return `<td class="num">${v === null ? dash : `${(v * 100).toFixed(1)} %`}</td>`;
    });
    return `<tr>${layerCells(i)}${share.join('')}</tr>`;
  });
  const sources = cmp.columns
    .filter((c) => c.eps)
    .map((c) => `${sw(c.color)}${esc(c.label)}: ${esc(c.eps!.description)}; ${c.hvp === 'exact' ? 'exact' : 'finite-difference (approximate)'} Hessian-vector products`)
    .join('<br>');
  const head = (cells: string[]) => `<thead><tr><th>Layer</th><th class="num">Parameters</th>${cells.join('')}</tr></thead>`;
  return (
    `<h3>Top eigenvalue of each layer’s Hessian block</h3><table class="layers">${head(lamHead)}<tbody>${lamBody.join('')}</tbody></table>` +
    `<h3>Each layer’s share of ‖ε̂‖²</h3><table class="layers">${head(cmp.columns.map((c) => th(c.color, 'ε̂ share', c.label)))}<tbody>${shareBody.join('')}</tbody></table>` +
    `<p class="note">ε̂ behind the shares, and how the blocks were computed — ${sources}</p>`
  );
}
