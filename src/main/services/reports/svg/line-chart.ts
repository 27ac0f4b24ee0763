// Line / scatter chart as a standalone SVG string (the report embeds it inline: no scripts,
// no fonts or images to fetch). Non-finite points break the line instead of dropping to zero.
import { esc, px, textWidth, openSvg, emptyMessage, type Box } from './common';
import { decimate } from './decimate';
import { extent, linearScale, logScale, type Scale } from './scale';

/** More points than a ~700 px wide chart can show only bloat the file. */
const MAX_POINTS = 900;

export interface LineSeries {
  label: string;
  x: readonly number[];
  y: readonly number[];
  color: string;
  /** SVG stroke-dasharray, e.g. "6 3"; solid when absent. */
  dash?: string;
  /** Draw a dot at each point (default: when the series has ≤ 40 points). */
  markers?: boolean;
  /** Connect the points (default true); false makes a scatter series. */
  line?: boolean;
  strokeWidth?: number;
  /** false hides the series from the legend (e.g. λ3…λk drawn like λ2). */
  legend?: boolean;
}

export interface LineChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  logY?: boolean;
  /** Base-10 x axis (a ρ grid 0.01…0.5); points with x ≤ 0 are left out. */
  logX?: boolean;
  /** Log axis only: show at most this many decades below the maximum (lower values run off the bottom, clipped). */
  logDecades?: number;
  /** Draw y = 0 as a reference line when it is inside the range (e.g. for a gap). */
  zeroLine?: boolean;
  width?: number;
  height?: number;
  id?: string;
  /** Shown instead of the plot when no series has a finite point. */
  emptyText?: string;
}

const LEGEND_FONT = 11;

/** Lay legend items left to right, wrapping; returns the SVG and the height it used. */
function legend(series: LineSeries[], width: number, top: number): { svg: string; height: number } {
  series = series.filter((s) => s.legend !== false);
  if (series.length === 0) return { svg: '', height: 0 };
  const rowH = 15;
  let x = 50;
  let y = top + 10;
  let out = '';
  for (const s of series) {
    const w = 26 + textWidth(s.label, LEGEND_FONT) + 14;
    if (x + w > width - 10 && x > 50) {
      x = 50;
      y += rowH;
    }
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    if (s.line !== false) out += `<line x1="${px(x)}" y1="${px(y - 4)}" x2="${px(x + 20)}" y2="${px(y - 4)}" stroke="${s.color}" stroke-width="2"${dash}/>`;
    if (s.markers || s.line === false) out += `<circle cx="${px(x + 10)}" cy="${px(y - 4)}" r="2.6" fill="${s.color}"/>`;
    out += `<text x="${px(x + 25)}" y="${px(y)}" font-size="${LEGEND_FONT}" fill="#333">${esc(s.label)}</text>`;
    x += w;
  }
  return { svg: out, height: y - top + 6 };
}

function axes(box: Box, xs: Scale, ys: Scale, spec: LineChartSpec): string {
  let out = '';
  for (const t of ys.ticks) {
    const y = ys.map(t);
    out += `<line x1="${px(box.left)}" y1="${px(y)}" x2="${px(box.right)}" y2="${px(y)}" stroke="#e6e6e6"/>`;
    out += `<text x="${px(box.left - 5)}" y="${px(y + 3.5)}" text-anchor="end" font-size="10" fill="#555">${esc(ys.format(t))}</text>`;
  }
  for (const t of xs.ticks) {
    const x = xs.map(t);
    out += `<line x1="${px(x)}" y1="${px(box.top)}" x2="${px(x)}" y2="${px(box.bottom)}" stroke="#f0f0f0"/>`;
    out += `<text x="${px(x)}" y="${px(box.bottom + 15)}" text-anchor="middle" font-size="10" fill="#555">${esc(xs.format(t))}</text>`;
  }
  if (spec.zeroLine && !ys.log && ys.domain[0] < 0 && ys.domain[1] > 0) {
    out += `<line x1="${px(box.left)}" y1="${px(ys.map(0))}" x2="${px(box.right)}" y2="${px(ys.map(0))}" stroke="#888" stroke-dasharray="2 2"/>`;
  }
  out += `<rect x="${px(box.left)}" y="${px(box.top)}" width="${px(box.right - box.left)}" height="${px(box.bottom - box.top)}" fill="none" stroke="#999"/>`;
  out += `<text x="${px((box.left + box.right) / 2)}" y="${px(box.bottom + 30)}" text-anchor="middle" font-size="11" fill="#333">${esc(spec.xLabel)}</text>`;
  const cy = (box.top + box.bottom) / 2;
  out += `<text x="12" y="${px(cy)}" transform="rotate(-90 12 ${px(cy)})" text-anchor="middle" font-size="11" fill="#333">${esc(spec.yLabel)}${ys.log ? ' (log)' : ''}</text>`;
  return out;
}

function seriesPath(s: LineSeries, xs: Scale, ys: Scale): string {
  const n = Math.min(s.x.length, s.y.length);
  const ok = (i: number) => Number.isFinite(s.x[i]) && Number.isFinite(s.y[i]) && (!ys.log || s.y[i] > 0) && (!xs.log || s.x[i] > 0);
  let out = '';
  if (s.line !== false) {
    let d = '';
    let pen = false;
    for (let i = 0; i < n; i++) {
      if (!ok(i)) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${px(xs.map(s.x[i]))} ${px(ys.map(s.y[i]))}`;
      pen = true;
    }
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    if (d) out += `<path class="series" d="${d}" fill="none" stroke="${s.color}" stroke-width="${s.strokeWidth ?? 1.6}" stroke-linejoin="round"${dash}/>`;
  }
  const markers = s.markers ?? (s.line === false || n <= 40);
  if (markers) {
    for (let i = 0; i < n; i++) {
      if (!ok(i)) continue;
      out += `<circle class="point" cx="${px(xs.map(s.x[i]))}" cy="${px(ys.map(s.y[i]))}" r="2.4" fill="${s.color}"/>`;
    }
  }
  return out;
}

let clipCounter = 0;

export function lineChart(input: LineChartSpec): string {
  const spec = { ...input, series: input.series.map((s) => ({ ...s, ...decimate(s.x, s.y, MAX_POINTS) })) };
  const width = spec.width ?? 340;
  const height = spec.height ?? 230;
  const lg = legend(spec.series, width, 22);
  const box: Box = { left: 56, top: 28 + lg.height, right: width - 12, bottom: height - 36 };
  let out = openSvg(width, height, spec.title, 'line', spec.id) + lg.svg;
  const logY = spec.logY === true;
  const logX = spec.logX === true;
  const xe = extent(spec.series.flatMap((s) => s.x.filter((_, i) => Number.isFinite(s.y[i]) && (!logY || s.y[i] > 0))), logX);
  const ye = extent(spec.series.flatMap((s) => s.y as number[]), logY);
  if (ye && logY && spec.logDecades) ye[0] = Math.max(ye[0], ye[1] / 10 ** spec.logDecades);
  if (!xe || !ye) return out + emptyMessage(box, spec.emptyText ?? 'no data recorded') + '</svg>';
  const xs = logX ? logScale(xe, [box.left, box.right]) : linearScale(xe, [box.left, box.right], Math.max(3, Math.floor((box.right - box.left) / 60)));
  // About one y label per 28 px, so labels never collide however much room the legend took.
  const ys = logY ? logScale(ye, [box.bottom, box.top]) : linearScale(ye, [box.bottom, box.top], Math.max(2, Math.min(6, Math.floor((box.bottom - box.top) / 28))));
  // Ids share one namespace across all inline SVGs of the HTML page, so each clip gets its own.
  const clip = `clip-${spec.id ?? 'c'}-${++clipCounter}`;
  out += `<defs><clipPath id="${clip}"><rect x="${px(box.left - 3)}" y="${px(box.top - 3)}" width="${px(box.right - box.left + 6)}" height="${px(box.bottom - box.top + 6)}"/></clipPath></defs>`;
  out += axes(box, xs, ys, spec);
  // Clip to the plot box so a log axis or padded domain never draws outside the frame.
  out += `<g clip-path="url(#${clip})">${spec.series.map((s) => seriesPath(s, xs, ys)).join('')}</g>`;
  return out + '</svg>';
}
