// The data layer's front door: a validated DataConfig in, a ready Dataset out (plain typed
// arrays, normalised, split, limited, label-noised — see pipeline.ts for the order).
import type { DataConfig } from '../../shared/config';
import { isNamedSet } from './catalog';
import { loadCsvDataset } from './csv';
import type { ProgressFn } from './download';
import { DataError } from './errors';
import { loadImageFolder } from './image-folder';
import { loadNamedSet } from './named';
import { finalizeDataset } from './pipeline';
import type { RawDataset } from './raw';
import { syntheticDataset, type SyntheticKind } from './synthetic';
import type { Dataset } from './types';

export type { Dataset, Split, Normalization } from './types';
export type { RawDataset } from './raw';
export { planDataset, type DatasetPlan } from './pipeline';
export { DataError } from './errors';
export { listDatasets } from './list';
export { iterateBatches } from './batches';

export interface LoadOptions {
  seed: number;
  onProgress?: ProgressFn;
  /** Allow fetching missing named sets (default: yes, except with SAM_STUDIO_OFFLINE=1 or under vitest). */
  download?: boolean;
  signal?: AbortSignal;
}

/** The source's examples before splitting and normalising (a PyTorch export plans its own rows from them). */
export async function loadRaw(cfg: DataConfig, opts: LoadOptions): Promise<RawDataset> {
  const name = cfg.name;
  if (isNamedSet(name)) return loadNamedSet(name, cfg.path, opts);
  if (name === 'csv' || name === 'images') {
    if (!cfg.path) throw new DataError(`data.path is required for data set "${name}"`);
    return name === 'csv' ? loadCsvDataset(cfg.path, { labelColumn: cfg.labelColumn, header: cfg.header }) : loadImageFolder(cfg.path);
  }
  const kind = name.replace('synthetic-', '') as SyntheticKind;
  return syntheticDataset(kind, { samples: cfg.samples, noise: cfg.noise, seed: opts.seed });
}

export async function loadDataset(cfg: DataConfig, opts: LoadOptions): Promise<Dataset> {
  const raw = await loadRaw(cfg, opts);
  opts.onProgress?.({ phase: 'prepare', done: 0, total: 1, message: 'splitting and normalising' });
  const ds = finalizeDataset(raw, cfg, opts.seed);
  opts.onProgress?.({ phase: 'prepare', done: 1, total: 1, message: `${ds.train.n} train / ${ds.validation?.n ?? 0} validation / ${ds.test.n} test` });
  return ds;
}
