// The ingest buffer: trainer events reach SQLite in whole batches (one transaction each), at
// once for started/terminal events, and every event pushed before a flush is stored by it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IngestBuffer } from '../../src/main/services/ingest-buffer';
import { openStore, type Store } from '../../src/main/services/store/index';
import type { TrainerEvent } from '../../src/shared/events';

let dir: string;
let store: Store;
let runId: number;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sam-ingest-'));
  store = openStore(join(dir, 'runs.db'));
  runId = store.createRun({
    name: 'r',
    config: { epochs: 1, batchSize: 8, data: { name: 'synthetic-blobs' }, model: { kind: 'mlp' }, optimizer: { kind: 'sgd', lr: 0.1 } },
  }).id;
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const metric = (step: number): TrainerEvent => ({ event: 'metrics', runId: null, scope: 'step', step, epoch: step / 10, timeMs: step, values: { trainLoss: 1 / step } });
const stored = () => store.getRawSeries(runId, 'step', 'trainLoss').length;

describe('IngestBuffer', () => {
  it('writes a full batch at once and holds a partial one until the timer', async () => {
    const flushed: number[] = [];
    const buf = new IngestBuffer(store, { maxEvents: 10, intervalMs: 20, onFlushed: (ids) => flushed.push(...ids) });
    for (let s = 1; s <= 9; s++) buf.push(runId, metric(s));
    expect(stored()).toBe(0);
    buf.push(runId, metric(10));
    expect(stored()).toBe(10);
    buf.push(runId, metric(11));
    expect(stored()).toBe(10);
    await new Promise((r) => setTimeout(r, 60));
    expect(stored()).toBe(11);
    expect(flushed).toEqual([runId, runId]);
  });

  it('flushes everything pending as soon as a terminal event arrives', () => {
    const buf = new IngestBuffer(store, { maxEvents: 1000, intervalMs: 60_000 });
    for (let s = 1; s <= 5; s++) buf.push(runId, metric(s));
    buf.push(runId, { event: 'failed', runId: null, reason: 'loss became NaN at step 6', step: 6 });
    expect(stored()).toBe(5);
    expect(store.logs(runId).map((l) => l.message)).toEqual(['loss became NaN at step 6']);
    buf.close();
  });

  it('a batch is one transaction: a failing batch stores none of its points', () => {
    const errors: string[] = [];
    const buf = new IngestBuffer(store, { maxEvents: 3, onError: (e) => errors.push(e.message) });
    buf.push(runId, metric(1));
    // A checkpoint for a run that does not exist violates the foreign key: the whole batch rolls back.
    buf.push(runId + 100, { event: 'checkpoint', runId: null, epoch: 1, step: 2, path: '/x' });
    buf.push(runId, metric(3));
    expect(errors[0]).toMatch(/FOREIGN KEY/);
    expect(stored()).toBe(0);
  });
});
