// The per-layer sharpness chart as plain shapes (rects, texts, lines in pixel coordinates), laid
// out once here and drawn twice: as Vue SVG elements in the app and as an SVG string in the
// HTML/PDF report — so the picture is the same everywhere. One row per layer (name, tensors,
// parameter count); three panels: each column's λ_max of the layer's Hessian block (log axis
// when it spans a decade or more), each SAM column's ratio to its baseline on a log₂ axis
// centred at 1 (left of 1: SAM flattened the layer), and each column's share of ‖ε̂‖.
import type { LayerComparison } from './layer-compare';

export type Shape =
  | { kind: 'rect'; x: number; y: number; w: number; h: number; fill: string; stroke?: string; title?: string; data?: Record<string, string> }
  | { kind: 'text'; x: number; y: number; text: string; size: number; fill: string; anchor?: 'start' | 'middle' | 'end'; bold?: boolean; title?: string }
  | { kind: 'line'; x1: number; y1: number; x2: number; y2: number; stroke: string; width?: number; dash?: string };

export interface LayerChart {
  width: number;
  height: number;
  shapes: Shape[];
}

const INK = '#222';
const MUTED = '#666';
const GRID = '#e4e4e4';
const STRIPE = '#f6f7f9';

/** Rough width of sans-serif text (the report's own estimate). */
const textWidth = (s: string, size: number) => s.length * size * 0.56;

/** 3 significant digits; exponent outside 1e-3…1e5. */
export function fmtValue(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(2).replace('e+', 'e');
  return String(Number(v.toPrecision(3)));
}

const fmtShare = (v: number) => (v >= 0.1 ? `${(v * 100).toFixed(0)} %` : v >= 0.001 ? `${(v * 100).toFixed(1)} %` : v > 0 ? '<0.1 %' : '0 %');
const fmtRatio = (r: number) => `×${r >= 10 || r < 0.1 ? fmtValue(r) : r.toFixed(2)}`;

function clip(s: string, size: number, width: number): string {
  if (textWidth(s, size) <= width) return s;
  const keep = Math.max(3, Math.floor(width / (size * 0.56)) - 1);
  return `…${s.slice(s.length - keep)}`;
}

interface Axis {
  map(v: number): number;
  ticks: { v: number; label: string }[];
}

/** λ_max axis from 0 (linear) or over whole decades (log), onto [x0, x1]. */
function valueAxis(values: number[], log: boolean, x0: number, x1: number): Axis {
  if (log) {
    let lo = Math.floor(Math.log10(Math.min(...values)));
    const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...values))));
    if (hi - lo > 8) lo = hi - 8;
    const step = Math.max(1, Math.ceil((hi - lo) / 5));
    const ticks = [];
    for (let k = lo; k <= hi; k += step) ticks.push({ v: 10 ** k, label: fmtValue(10 ** k) });
    // A bar never starts at 0 on a log axis: it starts at the axis' left end, 10^lo.
    return { map: (v) => x0 + ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * (x1 - x0), ticks };
  }
  const max = Math.max(...values, 0);
  const raw = (max || 1) / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * mag).find((s) => s >= raw)!;
  const top = Math.ceil(max / step) * step || step;
  const ticks = [];
  for (let t = 0; t <= top + step / 2; t += step) ticks.push({ v: t, label: fmtValue(Number(t.toPrecision(6))) });
  return { map: (v) => x0 + (Math.max(0, v) / top) * (x1 - x0), ticks };
}

/** log₂ axis symmetric around 1: ¼ ½ 1 2 4 … wide enough for every ratio. */
function ratioAxis(ratios: number[], x0: number, x1: number): Axis {
  const reach = Math.max(1, Math.ceil(Math.max(...ratios.map((r) => Math.abs(Math.log2(r))), 1)));
  // Three labels fit the narrow panel: the two ends and 1.
  const ticks = [-reach, 0, reach].map((k) => ({ v: 2 ** k, label: k < 0 ? `1/${2 ** -k}` : String(2 ** k) }));
  const mid = (x0 + x1) / 2;
  return { map: (v) => mid + (Math.max(-reach, Math.min(reach, Math.log2(v))) / reach) * ((x1 - x0) / 2), ticks };
}

export function layerChart(cmp: LayerComparison, opts: { width?: number; title?: string } = {}): LayerChart {
  const width = Math.max(420, opts.width ?? 760);
  const shapes: Shape[] = [];
  const cols = cmp.columns;
  let y = 0;
  if (opts.title) {
    shapes.push({ kind: 'text', x: width / 2, y: 16, text: opts.title, size: 13, fill: INK, anchor: 'middle', bold: true });
    y = 24;
  }
  // Legend: one swatch per column, wrapping.
  let lx = 8;
  y += 14;
  for (const c of cols) {
    const w = 16 + textWidth(c.label, 11) + 16;
    if (lx + w > width - 8 && lx > 8) {
      lx = 8;
      y += 16;
    }
    shapes.push({ kind: 'rect', x: lx, y: y - 9, w: 11, h: 11, fill: c.color });
    shapes.push({ kind: 'text', x: lx + 15, y, text: c.label, size: 11, fill: INK });
    lx += w;
  }
  y += 12;

  const shares = cols.some((c) => c.cells.some((x) => x.epsShare !== null));
  const ratioValues = cmp.ratios.flatMap((r) => r.values.filter((v): v is number => v !== null));
  const sub = (r: LayerComparison['rows'][number]) => `${r.tensors.join('+')} · ${r.paramCount.toLocaleString('en-US')}`;
  const labelW = Math.min(220, Math.max(110, ...cmp.rows.map((r) => Math.max(textWidth(r.name, 11), textWidth(sub(r), 9.5)) + 14)));
  const gap = 18;
  const ratioW = ratioValues.length ? 150 : 0;
  const shareW = shares ? 130 : 0;
  const p1 = { x0: labelW + 8, x1: width - 8 - (ratioW ? ratioW + gap : 0) - (shareW ? shareW + gap : 0) };
  const p2 = { x0: p1.x1 + gap, x1: p1.x1 + gap + ratioW };
  const p3 = { x0: (ratioW ? p2.x1 : p1.x1) + gap, x1: width - 8 };
  const valueRoom = 40;
  const lams = cols.flatMap((c) => c.cells.map((x) => x.lambdaMax).filter((v): v is number => v !== null));
  const ax1 = valueAxis(lams.length ? lams : [1], cmp.logScale, p1.x0, p1.x1 - valueRoom);
  const ax2 = ratioValues.length ? ratioAxis(ratioValues, p2.x0 + 28, p2.x1 - 28) : null;
  const maxShare = Math.max(0, ...cols.flatMap((c) => c.cells.map((x) => x.epsShare ?? 0)));
  const shareTop = [0.25, 0.5, 1].find((t) => maxShare <= t) ?? 1;
  const ax3: Axis = {
    map: (v) => p3.x0 + (v / shareTop) * (p3.x1 - 34 - p3.x0),
    ticks: [0, shareTop / 2, shareTop].map((v) => ({ v, label: `${Number((v * 100).toFixed(1))} %` })),
  };

  // Panel headers and top axes.
  const headY = y + 10;
  const tickY = headY + 14;
  const header = (x0: number, x1: number, ...texts: string[]) => {
    // The first wording that fits the panel (bold text runs a little wider than the estimate).
    const text = texts.find((t) => textWidth(t, 11) * 1.08 <= x1 - x0) ?? clip(texts[texts.length - 1], 11, x1 - x0);
    shapes.push({ kind: 'text', x: (x0 + x1) / 2, y: headY, text, size: 11, fill: INK, anchor: 'middle', bold: true });
  };
  const log = cmp.logScale ? ' (log)' : '';
  header(p1.x0, p1.x1, `λ_max of the layer’s Hessian block${log}`, `block λ_max${log}`);
  if (ax2) header(p2.x0, p2.x1, 'SAM ÷ baseline');
  if (shares) header(p3.x0, p3.x1, 'share of ‖ε̂‖');
  shapes.push({ kind: 'text', x: 8, y: tickY, text: 'layer · parameters', size: 9.5, fill: MUTED });
  const top = tickY + 6;
  const nBars = Math.max(1, cols.length);
  const barH = Math.max(4, Math.min(9, 20 / nBars));
  const rowH = Math.max(28, nBars * (barH + 2) + 10);
  const bottom = top + cmp.rows.length * rowH;
  const axis = (ax: Axis) => {
    for (const t of ax.ticks) {
      const x = ax.map(t.v);
      shapes.push({ kind: 'line', x1: x, y1: top, x2: x, y2: bottom, stroke: t.v === 1 && ax === ax2 ? '#888' : GRID, dash: t.v === 1 && ax === ax2 ? undefined : '2 2' });
      shapes.push({ kind: 'text', x, y: tickY, text: t.label, size: 9.5, fill: MUTED, anchor: 'middle' });
    }
  };

  cmp.rows.forEach((row, i) => {
    const ry = top + i * rowH;
    if (i % 2 === 0) shapes.push({ kind: 'rect', x: 0, y: ry, w: width, h: rowH, fill: STRIPE });
  });
  axis(ax1);
  if (ax2) axis(ax2);
  if (shares) axis(ax3);

  cmp.rows.forEach((row, i) => {
    const ry = top + i * rowH;
    shapes.push({ kind: 'text', x: 8, y: ry + 12, text: clip(row.name, 11, labelW - 8), size: 11, fill: INK, bold: true, title: row.name });
    // Too long (many tensors in one layer): the parameter count is what must stay.
    const count = `${row.paramCount.toLocaleString('en-US')} params`;
    shapes.push({ kind: 'text', x: 8, y: ry + 23, text: textWidth(sub(row), 9.5) <= labelW - 8 ? sub(row) : clip(count, 9.5, labelW - 8), size: 9.5, fill: MUTED, title: sub(row) });
    const barsTop = ry + (rowH - nBars * (barH + 2)) / 2;
    cols.forEach((c, j) => {
      const cell = c.cells[i];
      const by = barsTop + j * (barH + 2);
      if (cell.lambdaMax !== null) {
        // Bars grow from 0 (linear) or from the log axis' left end (map clamps there).
        const x0 = ax1.map(0);
        const x1 = ax1.map(cell.lambdaMax);
        const spread = cell.sd !== null ? ` ± ${fmtValue(cell.sd)} (${cell.n} seeds)` : '';
        shapes.push({
          kind: 'rect',
          x: Math.min(x0, x1),
          y: by,
          w: Math.max(1, Math.abs(x1 - x0)),
          h: barH,
          fill: c.color,
          title: `${row.name} · ${c.label}: λ_max ${fmtValue(cell.lambdaMax)}${spread}`,
          data: { layer: row.name, column: c.key, lambda: String(cell.lambdaMax) },
        });
        shapes.push({ kind: 'text', x: Math.max(x0, x1) + 3, y: by + barH - 1, text: fmtValue(cell.lambdaMax), size: 9, fill: INK });
      }
      if (shares && cell.epsShare !== null) {
        const w = ax3.map(cell.epsShare) - p3.x0;
        shapes.push({ kind: 'rect', x: p3.x0, y: by, w: Math.max(1, w), h: barH, fill: c.color, title: `${row.name} · ${c.label}: ${fmtShare(cell.epsShare)} of ‖ε̂‖²`, data: { layer: row.name, column: c.key, share: String(cell.epsShare) } });
        shapes.push({ kind: 'text', x: p3.x0 + w + 3, y: by + barH - 1, text: fmtShare(cell.epsShare), size: 9, fill: INK });
      }
    });
    if (ax2) {
      const rTop = ry + (rowH - cmp.ratios.length * (barH + 2)) / 2;
      cmp.ratios.forEach((r, j) => {
        const v = r.values[i];
        if (v === null) return;
        const [a, b] = [ax2.map(1), ax2.map(v)];
        const by = rTop + j * (barH + 2);
        shapes.push({ kind: 'rect', x: Math.min(a, b), y: by, w: Math.max(1, Math.abs(b - a)), h: barH, fill: r.color, stroke: v < 1 ? '#1a7f37' : '#b42318', title: `${row.name} · ${r.label}: λ_max ratio ${fmtRatio(v)}`, data: { layer: row.name, ratio: String(v), column: r.key } });
        shapes.push({ kind: 'text', x: v < 1 ? Math.min(a, b) - 3 : Math.max(a, b) + 3, y: by + barH - 1, text: fmtRatio(v), size: 9, fill: v < 1 ? '#1a7f37' : '#b42318', anchor: v < 1 ? 'end' : 'start' });
      });
    }
  });
  let height = bottom + 8;
  if (ax2) {
    shapes.push({ kind: 'text', x: (p2.x0 + p2.x1) / 2, y: bottom + 14, text: '← SAM flatter · sharper →', size: 9.5, fill: MUTED, anchor: 'middle' });
    height = bottom + 22;
  }
  return { width, height, shapes };
}
