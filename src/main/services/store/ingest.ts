// Turning trainer events into rows. One call = one transaction, so a batch is all-or-nothing:
// a crash between batches loses at most the batch in flight (see IngestBuffer in ../ingest.ts).
// Run status is not decided here — the run controller owns status transitions.
import type Database from 'better-sqlite3';
import type { TrainerEvent } from '../../../shared/events';
import type { RunsRepo } from './runs';
import type { MetricPoint, SeriesRepo } from './series';
import type { ResultsRepo } from './results';
import type { ProgressBook } from './run-progress';

export interface StoredEvent {
  runId: number;
  event: TrainerEvent;
  /** When the event reached the services (ms since the epoch): progress and ETA are timed with it. */
  at?: number;
}

export function ingestEvents(
  db: Database.Database,
  repos: { runs: RunsRepo; series: SeriesRepo; results: ResultsRepo },
  batch: readonly StoredEvent[],
  progress: ProgressBook,
): void {
  if (batch.length === 0) return;
  db.transaction(() => {
    const offsets = new Map<number, number>();
    const offsetOf = (runId: number): number => {
      let o = offsets.get(runId);
      if (o === undefined) {
        o = (db.prepare('SELECT time_offset_ms AS o FROM runs WHERE id = ?').get(runId) as { o: number } | undefined)?.o ?? 0;
        offsets.set(runId, o);
      }
      return o;
    };
    const touched = new Map<number, number | null>();
    const points: MetricPoint[] = [];
    const flushPoints = () => {
      repos.series.insert(points);
      points.length = 0;
    };
    for (const { runId, event: e, at } of batch) {
      progress.observe(runId, () => repos.runs.get(runId)?.config ?? null, e, at);
      if (e.event === 'metrics' && e.scope === 'step') touched.set(runId, Math.max(e.step, touched.get(runId) ?? 0));
      else if (!touched.has(runId)) touched.set(runId, null);
      switch (e.event) {
        case 'started':
          flushPoints();
          repos.runs.setState(runId, {
            backend: e.backend.name,
            backendReport: e.backend,
            paramCount: e.paramCount,
            stepsPerEpoch: e.stepsPerEpoch,
          });
          // A resumed run replays everything after its checkpoint: drop the old timeline there,
          // and continue its wall-time axis from the last point kept.
          if (e.resumedFromStep !== null) {
            repos.series.truncateAfter(runId, e.resumedFromStep);
            repos.results.truncateAfter(runId, e.resumedFromStep);
          }
          offsets.set(runId, e.resumedFromStep !== null ? repos.series.lastTimeMs(runId) : 0);
          db.prepare('UPDATE runs SET time_offset_ms = ? WHERE id = ?').run(offsets.get(runId), runId);
          break;
        case 'metrics':
          for (const [name, value] of Object.entries(e.values)) {
            if (typeof value !== 'number') continue;
            points.push({ runId, scope: e.scope, name, step: e.step, epoch: e.epoch, timeMs: e.timeMs + offsetOf(runId), value });
          }
          break;
        case 'spectrum':
          repos.results.addSpectrum(runId, e);
          break;
        case 'landscape':
          repos.results.addLandscape(runId, e);
          break;
        case 'checkpoint':
          repos.results.addCheckpoint(runId, e);
          break;
        case 'log':
          repos.results.addLog(runId, e.level, e.message);
          break;
        case 'failed':
          repos.results.addLog(runId, 'error', e.reason);
          break;
        default:
          break;
      }
    }
    flushPoints();
    for (const [runId, lastStep] of touched) {
      const p = progress.state(runId);
      // No track: the run just ended; its final status, progress and ETA are the scheduler's.
      if (!p) repos.runs.setState(runId, { phase: null, ...(lastStep !== null ? { lastStep } : {}) });
      else repos.runs.setState(runId, { progress: p.progress, etaMs: p.etaMs, phase: p.phase, ...(lastStep !== null ? { lastStep } : {}) });
    }
  })();
}

