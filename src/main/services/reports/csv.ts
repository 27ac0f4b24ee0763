// CSV of every stored metric point (long format, one row per point). Numbers are written with
// JavaScript's shortest round-trip representation (String(x)), so parsing a cell with Number()
// gives back the exact stored double. A value the store holds as "not a number" is an empty cell.
// Text cells (run and metric names) that a spreadsheet would run as a formula (=HYPERLINK(…),
// +cmd, -…, @…) are prefixed with an apostrophe (OWASP's advice on CSV injection); parseCsv
// removes it, so names still round-trip.
import type { ReportData } from './types';

export const CSV_COLUMNS = ['run_id', 'run_name', 'scope', 'step', 'epoch', 'time_ms', 'metric', 'value'] as const;

/** A text cell starting like a formula, after any apostrophes this module added before it. */
const FORMULA_START = /^'*[=+\-@\t\r]/;

/** RFC 4180 quoting (only when the cell holds a comma, quote or line break), formulas defused. */
export function csvCell(s: string): string {
  const text = FORMULA_START.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Undo csvCell's apostrophe (only ever added before a formula start, so a number never has one). */
function uncell(s: string): string {
  return s.startsWith("'") && FORMULA_START.test(s) ? s.slice(1) : s;
}

const num = (v: number) => (Number.isFinite(v) ? String(v) : '');

export function toCsv(data: ReportData): string {
  const lines: string[] = [CSV_COLUMNS.join(',')];
  for (const r of data.runs) {
    const name = csvCell(r.run.name);
    for (const s of r.series) {
      for (let i = 0; i < s.value.length; i++) {
        lines.push([r.run.id, name, s.scope, num(s.step[i]), num(s.epoch[i]), num(s.timeMs[i]), csvCell(s.name), num(s.value[i])].join(','));
      }
    }
  }
  return lines.join('\r\n') + '\r\n';
}

/** Parse the CSV this module writes (quoted cells included); used by tests and importers. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"', i++);
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') (row.push(uncell(cell)), (cell = ''));
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(uncell(cell));
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length) (row.push(uncell(cell)), rows.push(row));
  return rows;
}
