// CSV tables: numeric feature columns plus one label column (data.labelColumn: a header name or
// a 0-based index; default the last column). Labels may be numbers or strings; either way the
// sorted distinct values become classes 0..K-1. A separate test file is picked up when it sits
// beside the training file (train.csv → test.csv, x.csv → x.test.csv / x_test.csv / x-test.csv).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileError } from './errors';
import { parseCsv, parseNumber, type CsvRow } from './csv-parse';
import type { RawDataset } from './raw';

export interface CsvOptions {
  labelColumn?: string | number;
  header?: boolean;
}

interface CsvTable {
  x: Float32Array;
  labels: string[];
  n: number;
  featureNames: string[];
}

/** Header auto-detection: row 1 is a header if it has a non-number where row 2 has a number. */
function looksLikeHeader(rows: CsvRow[]): boolean {
  if (rows.length < 2) return false;
  const [a, b] = rows;
  return a.cells.some((c, i) => parseNumber(c) === null && i < b.cells.length && parseNumber(b.cells[i]) !== null);
}

function resolveLabelColumn(file: string, opts: CsvOptions, header: string[] | null, width: number): number {
  const lc = opts.labelColumn;
  if (lc === undefined) return width - 1;
  if (typeof lc === 'number') {
    if (lc >= width) throw fileError(file, `data.labelColumn = ${lc} but the file has ${width} columns (0–${width - 1})`);
    return lc;
  }
  if (!header) throw fileError(file, `data.labelColumn = "${lc}" names a column, but the file has no header row; give a 0-based index or set data.header = true`);
  const i = header.findIndex((h) => h.trim() === lc);
  if (i < 0) throw fileError(file, `no column named "${lc}" (data.labelColumn); the header has: ${header.map((h) => h.trim()).join(', ')}`);
  return i;
}

/** Features are stored as 32-bit floats: larger magnitudes would become ±Infinity. */
const FLOAT32_MAX = 3.4028234663852886e38;
/** Past this a CSV is not a table this app can hold in memory as text (V8's strings stop near 512 MiB). */
export const MAX_CSV_BYTES = 256 * 2 ** 20;

/** A cell as quoted in an error: short, one line. */
const shown = (cell: string) => JSON.stringify(cell.length > 40 ? `${cell.slice(0, 40)}…` : cell);

function readTable(file: string, opts: CsvOptions): CsvTable {
  let text: string;
  try {
    const size = statSync(file).size;
    if (size > MAX_CSV_BYTES) throw fileError(file, `is ${(size / 2 ** 20).toFixed(0)} MiB; a CSV data set may be at most ${MAX_CSV_BYTES / 2 ** 20} MiB`);
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof Error && e.name === 'DataError') throw e;
    throw fileError(file, `cannot read the CSV file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const rows = parseCsv(text);
  if (rows.length === 0) throw fileError(file, 'is empty; expected rows of numeric features and a label column');
  const hasHeader = opts.header ?? (typeof opts.labelColumn === 'string' ? true : looksLikeHeader(rows));
  const header = hasHeader ? rows[0].cells : null;
  const body = hasHeader ? rows.slice(1) : rows;
  if (body.length === 0) throw fileError(file, 'has a header but no data rows');
  const width = body[0].cells.length;
  if (width < 2) throw fileError(file, `line ${body[0].line} has ${width} column; expected at least one feature column and a label column`);
  const labelCol = resolveLabelColumn(file, opts, header, width);
  const d = width - 1;
  const x = new Float32Array(body.length * d);
  const labels: string[] = new Array(body.length);
  const colName = (c: number) => (header && header[c] !== undefined ? ` ("${header[c].trim()}")` : '');
  body.forEach((row, r) => {
    if (row.cells.length !== width) {
      throw fileError(file, `line ${row.line} has ${row.cells.length} columns, expected ${width} like line ${body[0].line}`);
    }
    let k = 0;
    for (let c = 0; c < width; c++) {
      const cell = row.cells[c];
      if (c === labelCol) {
        if (cell.trim() === '') throw fileError(file, `line ${row.line}, column ${c + 1}${colName(c)}: empty label`);
        labels[r] = cell.trim();
        continue;
      }
      const v = parseNumber(cell);
      if (v === null) throw fileError(file, `line ${row.line}, column ${c + 1}${colName(c)}: ${shown(cell)} is not a number; feature columns must be numeric`);
      // Checked here, or 1e400 becomes Infinity and the run fails later as "loss became NaN".
      if (!(Math.abs(v) <= FLOAT32_MAX)) {
        throw fileError(file, `line ${row.line}, column ${c + 1}${colName(c)}: ${shown(cell)} is out of range; features are 32-bit floats, at most ±3.4e38`);
      }
      x[r * d + k++] = v;
    }
  });
  const featureNames = header ? header.filter((_, c) => c !== labelCol).map((h) => h.trim()) : Array.from({ length: d }, (_, i) => `x${i}`);
  return { x, labels, n: body.length, featureNames };
}

/** The test file beside `path`, if one exists (see the header comment for the names tried). */
export function findCsvTestFile(path: string): string | null {
  const dir = dirname(path);
  const base = basename(path);
  const stem = base.replace(/\.csv$/i, '');
  const ext = base.slice(stem.length) || '.csv';
  const candidates: string[] = [];
  if (/train/i.test(stem)) candidates.push(join(dir, stem.replace(/train/i, (m) => (m === 'TRAIN' ? 'TEST' : m === 'Train' ? 'Test' : 'test')) + ext));
  candidates.push(...['.test', '_test', '-test'].map((s) => join(dir, stem + s + ext)));
  return candidates.find((c) => c !== path && existsSync(c)) ?? null;
}

/** Classes are the sorted distinct labels: numerically when every label is a number. */
function classesOf(labels: string[]): string[] {
  const distinct = [...new Set(labels)];
  const numeric = distinct.every((l) => parseNumber(l) !== null);
  return numeric ? distinct.sort((a, b) => Number(a) - Number(b)) : distinct.sort();
}

export function loadCsvDataset(path: string, opts: CsvOptions): RawDataset {
  const train = readTable(path, opts);
  const testPath = findCsvTestFile(path);
  const test = testPath ? readTable(testPath, opts) : null;
  if (test && test.featureNames.length !== train.featureNames.length) {
    throw fileError(testPath!, `has ${test.featureNames.length} feature columns but ${path} has ${train.featureNames.length}`);
  }
  const classNames = classesOf(train.labels);
  if (classNames.length < 2) throw fileError(path, `the label column has a single value ("${classNames[0]}"); a classifier needs at least 2 classes`);
  const index = new Map(classNames.map((c, i) => [c, i]));
  const toY = (t: CsvTable, file: string) =>
    Int32Array.from(t.labels, (l) => {
      const i = index.get(l);
      if (i === undefined) throw fileError(file, `label "${l}" does not occur in the training file ${path}`);
      return i;
    });
  return {
    name: 'csv',
    kind: 'table',
    inputShape: [train.featureNames.length],
    numClasses: classNames.length,
    classNames,
    train: { x: train.x, y: toY(train, path), n: train.n },
    test: test ? { x: test.x, y: toY(test, testPath!), n: test.n } : null,
    source: `CSV ${path}${testPath ? ` (test: ${testPath})` : ''}: ${train.featureNames.length} features, ${classNames.length} classes`,
  };
}
