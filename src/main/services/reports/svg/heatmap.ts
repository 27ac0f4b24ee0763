// Heatmap of a 2-D grid (the loss over a plane of two random directions, Li et al. 2018) as an
// SVG string: one rect per cell, a colour bar, and a cross at the trained weights (α = β = 0).
import { esc, px, openSvg, emptyMessage, type Box } from './common';
import { extent, linearScale, logScale, type Scale } from './scale';

export interface HeatmapSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  xs: readonly number[];
  ys: readonly number[];
  /** values[i * ys.length + j] is the value at (xs[i], ys[j]). */
  values: readonly number[];
  /** Colour on a log scale (default: when all values are > 0 and span more than 100×). */
  logColor?: boolean;
  /** Fixed colour range, so several heatmaps of one report share a scale; default: this grid's extent. */
  colorDomain?: [number, number];
  width?: number;
  height?: number;
  id?: string;
}

// Viridis control points (perceptually uniform, reads in greyscale print too).
const VIRIDIS: [number, number, number][] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

export function viridis(t: number): string {
  const u = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const k = Math.min(VIRIDIS.length - 2, Math.floor(u));
  const f = u - k;
  const c = VIRIDIS[k].map((a, i) => Math.round(a + (VIRIDIS[k + 1][i] - a) * f));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

export function heatmap(spec: HeatmapSpec): string {
  const width = spec.width ?? 340;
  const height = spec.height ?? 260;
  const box: Box = { left: 52, top: 34, right: width - 70, bottom: height - 36 };
  let out = openSvg(width, height, spec.title, 'heatmap', spec.id);
  const nx = spec.xs.length;
  const ny = spec.ys.length;
  const own = extent(spec.values, false);
  const ve = own && spec.colorDomain ? spec.colorDomain : own;
  if (nx === 0 || ny === 0 || spec.values.length !== nx * ny || !ve) {
    return out + emptyMessage(box, 'no landscape grid recorded') + '</svg>';
  }
  const log = spec.logColor ?? (ve[0] > 0 && ve[1] / ve[0] > 100);
  // Colours span exactly the data range (the full palette is used); the scale only picks ticks.
  const cs = log ? logScale(ve, [0, 1]) : linearScale(ve, [0, 1], 4);
  const f = (v: number) => (log ? Math.log10(v) : v);
  const unit = (v: number) => (ve[1] > ve[0] ? (f(v) - f(ve[0])) / (f(ve[1]) - f(ve[0])) : 0.5);
  const color = (v: number) => (Number.isFinite(v) && (!log || v > 0) ? viridis(unit(v)) : '#ddd');
  const cw = (box.right - box.left) / nx;
  const ch = (box.bottom - box.top) / ny;
  for (let i = 0; i < nx; i++) {
    for (let j = 0; j < ny; j++) {
      // β grows upwards, as in a plot; the overlap of 0.5 px hides anti-aliasing seams.
      const x = box.left + i * cw;
      const y = box.bottom - (j + 1) * ch;
      out += `<rect class="cell" x="${px(x)}" y="${px(y)}" width="${px(cw + 0.5)}" height="${px(ch + 0.5)}" fill="${color(spec.values[i * ny + j])}"/>`;
    }
  }
  out += `<rect x="${px(box.left)}" y="${px(box.top)}" width="${px(box.right - box.left)}" height="${px(box.bottom - box.top)}" fill="none" stroke="#666"/>`;
  // Axis ticks: first, middle and last grid coordinate.
  const xPos = (i: number) => box.left + (i + 0.5) * cw;
  const yPos = (j: number) => box.bottom - (j + 0.5) * ch;
  for (const i of [0, Math.floor(nx / 2), nx - 1]) {
    out += `<text x="${px(xPos(i))}" y="${px(box.bottom + 15)}" text-anchor="middle" font-size="10" fill="#555">${esc(fmt(spec.xs[i]))}</text>`;
  }
  for (const j of [0, Math.floor(ny / 2), ny - 1]) {
    out += `<text x="${px(box.left - 5)}" y="${px(yPos(j) + 3.5)}" text-anchor="end" font-size="10" fill="#555">${esc(fmt(spec.ys[j]))}</text>`;
  }
  const i0 = nearestIndex(spec.xs, 0);
  const j0 = nearestIndex(spec.ys, 0);
  const cx = xPos(i0);
  const cy = yPos(j0);
  out += `<path d="M${px(cx - 5)} ${px(cy)}H${px(cx + 5)}M${px(cx)} ${px(cy - 5)}V${px(cy + 5)}" stroke="#fff" stroke-width="1.5"/>`;
  out += `<text x="${px((box.left + box.right) / 2)}" y="${px(box.bottom + 30)}" text-anchor="middle" font-size="11" fill="#333">${esc(spec.xLabel)}</text>`;
  const my = (box.top + box.bottom) / 2;
  out += `<text x="12" y="${px(my)}" transform="rotate(-90 12 ${px(my)})" text-anchor="middle" font-size="11" fill="#333">${esc(spec.yLabel)}</text>`;
  return out + colorBar(box, cs, unit, ve, log) + '</svg>';
}

function colorBar(box: Box, cs: Scale, unit: (v: number) => number, ve: [number, number], log: boolean): string {
  const x = box.right + 10;
  const w = 12;
  const steps = 24;
  const h = (box.bottom - box.top) / steps;
  let out = '';
  for (let k = 0; k < steps; k++) {
    out += `<rect x="${px(x)}" y="${px(box.bottom - (k + 1) * h)}" width="${w}" height="${px(h + 0.5)}" fill="${viridis((k + 0.5) / steps)}"/>`;
  }
  out += `<rect x="${px(x)}" y="${px(box.top)}" width="${w}" height="${px(box.bottom - box.top)}" fill="none" stroke="#666"/>`;
  for (const t of cs.ticks) {
    if (t < ve[0] - 1e-12 * Math.abs(ve[0]) || t > ve[1] + 1e-12 * Math.abs(ve[1])) continue;
    const y = box.bottom - unit(t) * (box.bottom - box.top);
    out += `<text x="${px(x + w + 3)}" y="${px(y + 3.5)}" font-size="9" fill="#555">${esc(cs.format(t))}</text>`;
  }
  return out + `<text x="${px(x)}" y="${px(box.top - 6)}" font-size="9" fill="#555">loss${log ? ' (log)' : ''}</text>`;
}

function nearestIndex(a: readonly number[], v: number): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (Math.abs(a[i] - v) < Math.abs(a[best] - v)) best = i;
  return best;
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(3)));
}
