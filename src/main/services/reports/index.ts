// exportReport: read the runs, render one format, write the file, record it as an artifact of
// every run it covers. Services (both doors) and the CLI call this.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { REPORT_FORMATS, reportRequestSchema, type ArtifactInfo, type ReportFormat, type ReportRequest } from '../../../shared/api';
import type { Store } from '../store';
import { toCsv } from './csv';
import { gatherReportData } from './gather';
import { renderReportHtml } from './html';
import { toReportJson } from './json';
import type { PdfRenderer, ReportData } from './types';

export type { PdfRenderer, ReportData } from './types';
export { ReportRunNotFoundError, gatherReportData } from './gather';
export { renderReportHtml } from './html';
export { toCsv, parseCsv, CSV_COLUMNS } from './csv';
export { toReportJson } from './json';
export { readSamEffect } from './sam-reading';

export interface ExportReportOptions {
  /** Folder for reports when no outPath is given (created if missing). */
  outDir: string;
  /** Exact file to write. */
  outPath?: string;
  /** PDF printer; defaults to headless Chromium (Electron passes printToPDF). */
  pdf?: PdfRenderer;
}

export const REPORT_MIME: Record<ReportFormat, string> = {
  html: 'text/html',
  pdf: 'application/pdf',
  csv: 'text/csv',
  json: 'application/json',
};

function validate(req: ReportRequest): { runIds: number[]; format: ReportFormat; title?: string } {
  const r = reportRequestSchema.safeParse(req);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue.path.map(String).join('.');
  if (field === 'format') throw new Error(`report: unknown format "${String((req as { format?: unknown }).format)}"; choose one of ${REPORT_FORMATS.join(', ')}`);
  throw new Error(`report: ${field ? `${field}: ` : ''}${issue.message}`);
}

export function defaultReportPath(outDir: string, runIds: number[], format: ReportFormat, now: number): string {
  const stamp = new Date(now).toISOString().replace(/[:.]/g, '-').slice(0, 19);
  return join(outDir, `report-run${runIds.length > 1 ? 's' : ''}-${runIds.join('-')}-${stamp}.${format}`);
}

/** The bytes of one format. PDF is printed from the HTML, so both always show the same thing. */
async function writeFormat(data: ReportData, format: ReportFormat, path: string, pdf: PdfRenderer | undefined): Promise<void> {
  switch (format) {
    case 'html':
      return writeFileSync(path, renderReportHtml(data));
    case 'csv':
      return writeFileSync(path, toCsv(data));
    case 'json':
      return writeFileSync(path, toReportJson(data));
    case 'pdf': {
      // Loaded on demand: the Electron app passes printToPDF and never needs playwright-core.
      const render = pdf ?? (await import('./chromium-pdf')).chromiumPdfRenderer();
      return render(renderReportHtml(data), path);
    }
  }
}

export async function exportReport(store: Store, req: ReportRequest, opts: ExportReportOptions): Promise<ArtifactInfo> {
  const { runIds, format, title } = validate(req);
  const now = Date.now();
  const data = gatherReportData(store, runIds, title, now);
  const ids = data.runs.map((r) => r.run.id);
  const path = resolve(opts.outPath ?? defaultReportPath(opts.outDir, ids, format, now));
  mkdirSync(dirname(path), { recursive: true });
  await writeFormat(data, format, path, opts.pdf);
  return store.addArtifact({ runIds: ids, format, path, kind: 'report' });
}
