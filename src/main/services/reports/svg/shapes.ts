// Shapes laid out by a shared chart layout (src/shared/layer-chart.ts) as a standalone SVG
// string: the report draws the same picture the app draws with Vue elements.
import type { LayerChart, Shape } from '../../../../shared/layer-chart';
import { FONT, esc, px } from './common';

function shape(s: Shape): string {
  const title = 'title' in s && s.title ? `<title>${esc(s.title)}</title>` : '';
  switch (s.kind) {
    case 'rect': {
      const data = Object.entries(s.data ?? {})
        .map(([k, v]) => ` data-${k}="${esc(v)}"`)
        .join('');
      const stroke = s.stroke ? ` stroke="${s.stroke}" stroke-width="1"` : '';
      return `<rect x="${px(s.x)}" y="${px(s.y)}" width="${px(s.w)}" height="${px(s.h)}" fill="${s.fill}"${stroke}${data}>${title}</rect>`;
    }
    case 'text': {
      const anchor = s.anchor && s.anchor !== 'start' ? ` text-anchor="${s.anchor}"` : '';
      const bold = s.bold ? ' font-weight="600"' : '';
      return `<text x="${px(s.x)}" y="${px(s.y)}" font-size="${s.size}" fill="${s.fill}"${anchor}${bold}>${title}${esc(s.text)}</text>`;
    }
    case 'line': {
      const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
      return `<line x1="${px(s.x1)}" y1="${px(s.y1)}" x2="${px(s.x2)}" y2="${px(s.y2)}" stroke="${s.stroke}" stroke-width="${s.width ?? 1}"${dash}/>`;
    }
  }
}

export function shapesSvg(chart: LayerChart, label: string, id?: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-layers"${id ? ` id="${esc(id)}"` : ''} viewBox="0 0 ${chart.width} ${chart.height}" ` +
    `width="${chart.width}" height="${chart.height}" role="img" aria-label="${esc(label)}" ${FONT}><title>${esc(label)}</title>` +
    `<rect x="0" y="0" width="${chart.width}" height="${chart.height}" fill="#fff"/>${chart.shapes.map(shape).join('')}</svg>`
  );
}
