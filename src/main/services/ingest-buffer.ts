// Trainer events reach SQLite in batches: one transaction per flush, every `maxEvents` events or
// `intervalMs` ms, and at once for `started` and terminal events (status must never run ahead
// of the data). A crash loses at most the batch not yet flushed.
import type { TrainerEvent } from '../../shared/events';
import { TERMINAL_EVENTS } from '../../shared/events';
import type { Store, StoredEvent } from './store/index';

export interface IngestBufferOptions {
  maxEvents?: number;
  intervalMs?: number;
  /** Called after each flush with the runs it touched (to push progress to subscribers). */
  onFlushed?: (runIds: Set<number>) => void;
  onError?: (err: Error, batch: readonly StoredEvent[]) => void;
}

export class IngestBuffer {
  private batch: StoredEvent[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly maxEvents: number;
  private readonly intervalMs: number;

  constructor(
    private readonly store: Store,
    private readonly opts: IngestBufferOptions = {},
  ) {
    this.maxEvents = opts.maxEvents ?? 500;
    this.intervalMs = opts.intervalMs ?? 250;
  }

  push(runId: number, event: TrainerEvent): void {
    this.batch.push({ runId, event, at: Date.now() });
    if (event.event === 'started' || TERMINAL_EVENTS.includes(event.event) || this.batch.length >= this.maxEvents) {
      this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.intervalMs);
    }
  }

  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.batch = [];
    try {
      this.store.ingest(batch);
    } catch (err) {
      if (this.opts.onError) this.opts.onError(err as Error, batch);
      else console.error(`sam-studio: could not store ${batch.length} trainer events: ${(err as Error).message}`);
      return;
    }
    this.opts.onFlushed?.(new Set(batch.map((b) => b.runId)));
  }

  close(): void {
    this.flush();
  }
}
