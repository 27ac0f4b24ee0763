// Reading a PDF the way a person would check it: pdftoppm renders pages to PPM (trivial to parse),
// pdftotext -bbox says where each word sits. Used by the report tests.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Raster {
  width: number;
  height: number;
  /** RGB, 3 bytes per pixel. */
  data: Buffer;
}

/** Parse a binary PPM (P6, maxval 255) as pdftoppm writes it. */
export function parsePpm(buf: Buffer): Raster {
  let pos = 0;
  const token = (): string => {
    for (;;) {
      while (/\s/.test(String.fromCharCode(buf[pos]))) pos++;
      if (buf[pos] === 0x23) while (buf[pos] !== 0x0a) pos++; // comment line
      else break;
    }
    const start = pos;
    while (!/\s/.test(String.fromCharCode(buf[pos]))) pos++;
    return buf.toString('latin1', start, pos);
  };
  const magic = token();
  if (magic !== 'P6') throw new Error(`not a binary PPM (magic ${magic})`);
  const width = Number(token());
  const height = Number(token());
  const max = Number(token());
  if (max !== 255) throw new Error(`unsupported PPM maxval ${max}`);
  pos++; // the single whitespace byte after maxval
  return { width, height, data: buf.subarray(pos, pos + width * height * 3) };
}

/** Render every page at `dpi`; returns the rasters in page order. */
export function renderPages(pdf: string, outDir: string, dpi: number): Raster[] {
  execFileSync('pdftoppm', ['-r', String(dpi), pdf, join(outDir, 'page')]);
  const files = readdirSync(outDir)
    .filter((f) => /^page-\d+\.ppm$/.test(f))
    .sort((a, b) => Number(a.match(/\d+/)![0]) - Number(b.match(/\d+/)![0]));
  return files.map((f) => parsePpm(readFileSync(join(outDir, f))));
}

export interface Word {
  page: number;
  text: string;
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
}

/** Words with their boxes in PDF points (origin top-left), pages numbered from 1. */
export function pdfWords(pdf: string): { pages: { width: number; height: number }[]; words: Word[] } {
  const html = execFileSync('pdftotext', ['-bbox', pdf, '-'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const pages: { width: number; height: number }[] = [];
  const words: Word[] = [];
  const re = /<page width="([\d.]+)" height="([\d.]+)">|<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g;
  for (const m of html.matchAll(re)) {
    if (m[1]) pages.push({ width: Number(m[1]), height: Number(m[2]) });
    else words.push({ page: pages.length, xMin: Number(m[3]), yMin: Number(m[4]), xMax: Number(m[5]), yMax: Number(m[6]), text: decode(m[7]) });
  }
  return { pages, words };
}

function decode(s: string): string {
  return s.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'");
}

/** Pixels in a rectangle (PDF points → pixels at `dpi`) that are not white, and that are coloured. */
export function inkIn(r: Raster, dpi: number, box: { x0: number; y0: number; x1: number; y1: number }): { ink: number; colored: number; area: number } {
  const s = dpi / 72;
  const x0 = Math.max(0, Math.floor(box.x0 * s));
  const x1 = Math.min(r.width, Math.ceil(box.x1 * s));
  const y0 = Math.max(0, Math.floor(box.y0 * s));
  const y1 = Math.min(r.height, Math.ceil(box.y1 * s));
  let ink = 0;
  let colored = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = (y * r.width + x) * 3;
      const [R, G, B] = [r.data[i], r.data[i + 1], r.data[i + 2]];
      if (Math.min(R, G, B) < 235) ink++;
      // Axes, grid and text are grey; only data (series, heatmap cells) is saturated.
      if (Math.max(R, G, B) - Math.min(R, G, B) > 50) colored++;
    }
  }
  return { ink, colored, area: Math.max(0, x1 - x0) * Math.max(0, y1 - y0) };
}
