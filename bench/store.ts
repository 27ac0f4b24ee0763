// Store bench: ingest 200 runs × 10,000 points per series (4 series per run = 8 M points) through
// the same path trainers use (metrics events, one transaction per 500-event batch), then time the
// run list and a 5-run comparison downsampled to 1,000 points per series.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openStore, type StoredEvent } from '../src/main/services/store/index';
import type { RunConfigInput } from '../src/shared/config';

const RUNS = Number(process.env.SAM_BENCH_STORE_RUNS ?? 200);
const POINTS = 10_000;
const SERIES = ['trainLoss', 'trainAccuracy', 'lr', 'gradNorm'] as const;
const BATCH = 500;

const config: RunConfigInput = {
  epochs: 100,
  batchSize: 128,
  data: { name: 'fashion-mnist' },
  model: { kind: 'mlp', hidden: [512, 512] },
  optimizer: { kind: 'sgd', lr: 0.05 },
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function timeMs(fn: () => unknown, repeats = 7): number {
  fn(); // warm the page cache and prepared statements
  const t: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  return median(t);
}

export async function run(opts: { json: boolean }): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sam-bench-store-'));
  const path = join(dir, 'bench.db');
  const store = openStore(path);
  try {
    const ids: number[] = [];
    let ingestMs = 0;
    let points = 0;
    for (let r = 0; r < RUNS; r++) {
      const run = store.createRun({ name: `bench run ${r} ${r % 2 ? 'SAM' : 'SGD'}`, config: { ...config, seed: r }, tags: [r % 2 ? 'sam' : 'sgd'] });
      ids.push(run.id);
      let batch: StoredEvent[] = [];
      const t0 = performance.now();
      for (let step = 1; step <= POINTS; step++) {
        const decay = Math.exp(-step / 3000);
        batch.push({
          runId: run.id,
          event: {
            event: 'metrics',
            runId: run.id,
            scope: 'step',
            step,
            epoch: step / 100,
            timeMs: step * 12,
            values: { trainLoss: 2 * decay + 0.05 * Math.sin(step + r), trainAccuracy: 1 - 0.9 * decay, lr: 0.05, gradNorm: decay + 0.01 * Math.cos(step) },
          },
        });
        if (batch.length === BATCH) {
          store.ingest(batch);
          batch = [];
        }
      }
      store.ingest(batch);
      ingestMs += performance.now() - t0;
      points += POINTS * SERIES.length;
      store.setRunState(run.id, { status: 'done', finalMetrics: { testAccuracy: 0.8 + (r % 17) / 200, testLoss: 0.5, trainLoss: 0.3, trainAccuracy: 0.9 } });
    }
    const pointsPerSec = points / (ingestMs / 1000);
    const listMs = timeMs(() => store.listRuns({ limit: 1000 }));
    const listSortedMs = timeMs(() => store.listRuns({ sort: 'testAccuracy', order: 'desc', search: 'SAM' }));
    const five = ids.filter((_, i) => i % 40 === 0).slice(0, 5);
    // Cold: the downsampling runs in SQL every time. Cached: finished runs reuse their result.
    const cold = (q: Parameters<typeof store.getSeries>[0]) => () => {
      store.series.clearCache();
      return store.getSeries(q);
    };
    const compareMs = timeMs(cold({ runIds: five, names: ['trainLoss', 'trainAccuracy'], maxPoints: 1000 }));
    const compareAllMs = timeMs(cold({ runIds: five, maxPoints: 1000 }));
    const compareCachedMs = timeMs(() => store.getSeries({ runIds: five, names: ['trainLoss', 'trainAccuracy'], maxPoints: 1000 }));
    const sample = store.getSeries({ runIds: five, names: ['trainLoss'], maxPoints: 1000 });
    const results = [
      { metric: 'ingest', value: Math.round(pointsPerSec), unit: 'points/s', detail: `${RUNS} runs × ${POINTS} points × ${SERIES.length} series = ${points} points in ${(ingestMs / 1000).toFixed(1)} s` },
      { metric: 'run-list', value: round(listMs), unit: 'ms', detail: `${RUNS} runs, newest first (each config validated on its first read in a process)` },
      { metric: 'run-list-search-sorted', value: round(listSortedMs), unit: 'ms', detail: 'search "SAM", sorted by final test accuracy' },
      { metric: 'compare-5-runs', value: round(compareMs), unit: 'ms', detail: `5 runs × 2 series, ${POINTS} → ≤1000 points each (got ${sample[0].x.length})` },
      { metric: 'compare-5-runs-cached', value: round(compareCachedMs), unit: 'ms', detail: 'the same query again (finished runs reuse their downsampled series)' },
      { metric: 'compare-5-runs-all-series', value: round(compareAllMs), unit: 'ms', detail: `5 runs × ${SERIES.length} series → ≤1000 points each` },
      { metric: 'db-size', value: Math.round(statSync(path).size / 1e6), unit: 'MB', detail: 'file size after ingest (WAL checkpointed on close)' },
    ];
    for (const r of results) {
      if (opts.json) console.log(JSON.stringify({ bench: 'store', ...r }));
      else console.log(`${r.metric.padEnd(26)} ${String(r.value).padStart(10)} ${r.unit.padEnd(9)} ${r.detail}`);
    }
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
