// The run database. `openStore(path)` in plain Node; the Electron app passes the native binding
// it built against Electron's ABI.
import { Store, type OpenStoreOptions } from './store';

export function openStore(path: string, opts: OpenStoreOptions = {}): Store {
  return new Store(path, opts);
}

export { Store, RunNotFoundError, ArtifactNotFoundError, type OpenStoreOptions } from './store';
export { toSummary, type RunRecord, type RunStateChange, type NewRun } from './runs';
export type { MetricPoint, RawPoint, Scope } from './series';
export type { CheckpointInfo, LogLine } from './results';
export type { SweepRecord } from './sweeps';
export type { StoredEvent } from './ingest';
export { STALE_MS, HEARTBEAT_MS, TRAINER_SILENCE_MS, staleReason, pidAlive } from './liveness';
export { MIGRATIONS } from './migrations';
