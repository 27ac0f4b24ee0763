// Stored runs as the CLI lists them: one JSON object per run (`runs --json`, the end of `sweep
// --json`) or a table (`runs`, the end of `sweep`).
import type { RunSummary } from '../shared/api';
import { textTable } from './table';

export function runLine(r: RunSummary): { id: number; name: string; status: string; backend: string | null; sweepId: number | null; finalMetrics: RunSummary['finalMetrics']; failureReason: string | null } {
  return { id: r.id, name: r.name, status: r.status, backend: r.backend, sweepId: r.sweepId, finalMetrics: r.finalMetrics, failureReason: r.failureReason };
}

/** The run list as a table: id, status, backend, final test accuracy and loss, name (and why it did not finish). */
export function runsTable(runs: readonly RunSummary[]): string {
  const rows = runs.map((r) => [
    String(r.id),
    r.status === 'running' ? `running ${Math.round(r.progress * 100)}%` : r.status,
    r.backend ?? '-',
    r.finalMetrics?.testAccuracy !== undefined ? (r.finalMetrics.testAccuracy * 100).toFixed(2) + '%' : '-',
    r.finalMetrics?.testLoss !== undefined ? r.finalMetrics.testLoss.toFixed(4) : '-',
    r.name + (r.failureReason && r.status !== 'done' ? `  (${r.failureReason})` : ''),
  ]);
  return textTable(['id', 'status', 'backend', 'test acc', 'test loss', 'name'], rows);
}
