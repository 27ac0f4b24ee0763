// Read everything a report needs from the store, once, at full resolution.
import type { Store } from '../store';
import { groupLabels, seedGroups } from '../../../shared/seed-groups';
import { machineOf, thisMachine } from './machine';
import { sweepSpecSchema } from '../../../shared/sweep';
import type { RawSeries, ReportData, ReportRun, ReportStudy } from './types';

export class ReportRunNotFoundError extends Error {
  constructor(readonly runId: number) {
    super(`report: run ${runId} does not exist in this database; list runs (sam-studio runs --db FILE) and pick existing ids`);
    this.name = 'ReportRunNotFoundError';
  }
}

function rawSeries(store: Store, runId: number): RawSeries[] {
  const out: RawSeries[] = [];
  for (const scope of ['step', 'epoch'] as const) {
    for (const name of store.seriesNames(runId, scope)) {
      const pts = store.getRawSeries(runId, scope, name);
      out.push({
        name,
        scope,
        step: pts.map((p) => p.step),
        epoch: pts.map((p) => p.epoch),
        timeMs: pts.map((p) => p.timeMs),
        // The store keeps NaN/±Infinity as NULL; NaN is the honest in-memory value for "not a number".
        value: pts.map((p) => (p.value === null ? NaN : p.value)),
      });
    }
  }
  return out;
}

/** A title that fits on a line: the runs' seed groups by what differs, or just their count. */
export function defaultTitle(runs: ReportRun[]): string {
  if (runs.length === 1) return `Run #${runs[0].run.id}: ${runs[0].run.name}`;
  const groups = seedGroups(runs.map((r) => ({ id: r.run.id, config: r.run.config })));
  const title = `Comparison of ${runs.length} runs: ${groupLabels(groups).join(' vs ')}`;
  return title.length <= 110 ? title : `Comparison of ${runs.length} runs in ${groups.length} configurations`;
}

export function gatherReportData(store: Store, runIds: number[], title?: string, now = Date.now()): ReportData {
  const me = thisMachine();
  const seen = new Set<number>();
  const runs: ReportRun[] = [];
  for (const id of runIds) {
    if (seen.has(id)) continue;
    seen.add(id);
    const run = store.getRun(id);
    if (!run) throw new ReportRunNotFoundError(id);
    runs.push({ run, machine: machineOf(run.backendReport, me), series: rawSeries(store, id), spectra: store.getSpectra(id), landscapes: store.getLandscapes(id) });
  }
  return { title: title?.trim() || defaultTitle(runs), createdAt: now, runs, studies: studiesOf(store, runs) };
}

/** The study sweeps the runs belong to, in order of first appearance. */
function studiesOf(store: Store, runs: ReportRun[]): ReportStudy[] {
  const out: ReportStudy[] = [];
  for (const sweepId of new Set(runs.map((r) => r.run.sweepId).filter((id): id is number => id !== null))) {
    const sweep = store.getSweep(sweepId);
    const spec = sweepSpecSchema.safeParse(sweep?.spec);
    // A spec this version cannot read leaves the runs in the report, without their study section.
    if (!sweep?.state || !spec.success) continue;
    out.push({ sweepId, name: sweep.name, spec: spec.data, state: sweep.state, runIds: runs.filter((r) => r.run.sweepId === sweepId).map((r) => r.run.id) });
  }
  return out;
}
