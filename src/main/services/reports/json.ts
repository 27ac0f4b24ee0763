// JSON export: configs, final metrics, spectra, landscapes and the SAM reading of each run —
// the analysis results, not the metric points (those go to the CSV).
import { METRIC_COLUMNS } from './final-metrics';
import { readSamEffect } from './sam-reading';
import { readStudy } from '../../../shared/studies/index';
import type { ReportData } from './types';

export const REPORT_JSON_VERSION = 1;

export function toReportJson(data: ReportData): string {
  const doc = {
    format: 'sam-studio-report',
    version: REPORT_JSON_VERSION,
    title: data.title,
    createdAt: new Date(data.createdAt).toISOString(),
    runs: data.runs.map((r) => ({
      id: r.run.id,
      name: r.run.name,
      status: r.run.status,
      createdAt: r.run.createdAt,
      startedAt: r.run.startedAt,
      endedAt: r.run.endedAt,
      failureReason: r.run.failureReason,
      paramCount: r.run.paramCount,
      tags: r.run.tags,
      notes: r.run.notes,
      backend: r.run.backend,
      backendReport: r.run.backendReport,
      machine: r.machine,
      config: r.run.config,
      finalMetrics: Object.fromEntries(METRIC_COLUMNS.map((c) => [c.key, c.value(r)])),
      storedFinalMetrics: r.run.finalMetrics,
      // events carry runId/event tags already; keep them as stored so they re-import unchanged.
      spectra: r.spectra,
      landscapes: r.landscapes,
    })),
    samReading: readSamEffect(data.runs),
    // The study sweeps among the runs: their phases, the decision between them, and the reading.
    studies: (data.studies ?? []).map((s) => ({
      sweepId: s.sweepId,
      name: s.name,
      study: s.spec.study,
      phases: s.state.phases,
      decision: s.state.decision,
      error: s.state.error,
      reading: readStudy(s.spec, s.state, data.runs.filter((r) => s.runIds.includes(r.run.id)).map((r) => r.run)),
    })),
  };
  // JSON has no NaN: JSON.stringify writes null for it, which is what a missing value means here.
  return JSON.stringify(doc, null, 2) + '\n';
}
