// Shared bits of the SVG chart renderers: escaping, number formatting for coordinates, frame.

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** Pixel coordinates: one decimal is finer than any printer dot at these sizes and keeps files small. */
export function px(v: number): string {
  return (Math.round(v * 10) / 10).toString();
}

/** Rough width of text in the chart font (sans-serif): good enough to lay out legends. */
export function textWidth(s: string, fontSize: number): number {
  return s.length * fontSize * 0.56;
}

export const FONT = 'font-family="DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif"';

export interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Title font size that fits the width (down to 9 px), and the title cut with … if even that is too long. */
export function fitTitle(title: string, width: number): { text: string; size: number } {
  const room = width - 16;
  const size = Math.max(9, Math.min(13, room / (title.length * 0.6)));
  const max = Math.floor(room / (size * 0.6));
  return { text: title.length > max ? `${title.slice(0, max - 1)}…` : title, size: Math.round(size * 10) / 10 };
}

export function openSvg(width: number, height: number, title: string, kind: string, id?: string): string {
  const t = fitTitle(title, width);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-${kind}"${id ? ` id="${esc(id)}"` : ''} ` +
    `viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(title)}" ${FONT}>` +
    `<title>${esc(title)}</title><rect x="0" y="0" width="${width}" height="${height}" fill="#fff"/>` +
    `<text x="${width / 2}" y="16" text-anchor="middle" font-size="${t.size}" font-weight="600" fill="#222">${esc(t.text)}</text>`
  );
}

/** A message in the middle of the plot area (for an empty chart) — never a silently blank frame. */
export function emptyMessage(box: Box, message: string): string {
  return (
    `<rect x="${px(box.left)}" y="${px(box.top)}" width="${px(box.right - box.left)}" height="${px(box.bottom - box.top)}" fill="#fafafa" stroke="#ccc"/>` +
    `<text x="${px((box.left + box.right) / 2)}" y="${px((box.top + box.bottom) / 2)}" text-anchor="middle" font-size="12" fill="#777">${esc(message)}</text>`
  );
}
