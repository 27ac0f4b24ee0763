// The run list's columns: fixed ones and the hyper-parameter columns a user can add (ρ, m, lr,
// model, seed, …). Each knows how to read, sort and show its value; the parallel-coordinates
// view draws the same columns as axes.
import type { RunSummary } from '../../shared/api';
import { modelLabel } from '../../shared/run-name';
import { fmtNum, fmtPct } from './format';

export type CellValue = number | string | null;

export interface RunColumn {
  key: string;
  label: string;
  value: (r: RunSummary) => CellValue;
  format?: (v: CellValue) => string;
  numeric: boolean;
  /** For metrics: which end is better (the parallel-coordinates axes say so). */
  better?: 'high' | 'low';
}

const num = (v: CellValue) => (typeof v === 'number' ? fmtNum(v) : (v ?? '—'));
const metric = (r: RunSummary, name: string) => {
  const v = r.finalMetrics?.[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
};

/** Hyper-parameter columns the user may add; ρ is 0 without SAM (plain base optimizer). */
export const HP_COLUMNS: RunColumn[] = [
  { key: 'rho', label: 'ρ', value: (r) => r.config.sam?.rho ?? 0, numeric: true, format: num },
  { key: 'm', label: 'm', value: (r) => (r.config.sam ? (r.config.sam.m ?? r.config.batchSize) : null), numeric: true, format: num },
  { key: 'p', label: 'p', value: (r) => (r.config.sam ? (r.config.sam.p === 'inf' ? '∞' : '2') : null), numeric: false },
  { key: 'asam', label: 'ASAM', value: (r) => (r.config.sam ? (r.config.sam.adaptive ? 'yes' : 'no') : null), numeric: false },
  { key: 'lr', label: 'lr', value: (r) => r.config.optimizer.lr, numeric: true, format: num },
  { key: 'optimizer', label: 'optimizer', value: (r) => r.config.optimizer.kind, numeric: false },
  { key: 'wd', label: 'weight decay', value: (r) => r.config.optimizer.weightDecay, numeric: true, format: num },
  { key: 'model', label: 'model', value: (r) => modelLabel(r.config.model), numeric: false },
  { key: 'data', label: 'data', value: (r) => r.config.data.name, numeric: false },
  { key: 'limit', label: 'train examples', value: (r) => r.config.data.limit, numeric: true, format: num },
  { key: 'seed', label: 'seed', value: (r) => r.config.seed, numeric: true, format: num },
  { key: 'batch', label: 'batch', value: (r) => r.config.batchSize, numeric: true, format: num },
  { key: 'epochs', label: 'epochs', value: (r) => r.config.epochs, numeric: true, format: num },
  { key: 'backend', label: 'backend', value: (r) => r.backend, numeric: false },
];

export const METRIC_COLUMNS: RunColumn[] = [
  { key: 'testAccuracy', label: 'Test acc', value: (r) => metric(r, 'testAccuracy'), numeric: true, format: (v) => (typeof v === 'number' ? fmtPct(v) : '—'), better: 'high' },
  { key: 'testLoss', label: 'Test loss', value: (r) => metric(r, 'testLoss'), numeric: true, format: num, better: 'low' },
  { key: 'lambdaMax', label: 'λ_max', value: (r) => metric(r, 'lambdaMax'), numeric: true, format: num, better: 'low' },
];

export const DEFAULT_HP_COLUMNS = ['rho', 'm', 'lr', 'seed'];

/** Columns the list can sort by that are not hyper-parameters or metrics. */
export const BASE_SORT: Record<string, (r: RunSummary) => CellValue> = {
  id: (r) => r.id,
  name: (r) => r.name.toLowerCase(),
  status: (r) => r.status,
  createdAt: (r) => r.createdAt,
};

export function sortValue(key: string): (r: RunSummary) => CellValue {
  return BASE_SORT[key] ?? [...HP_COLUMNS, ...METRIC_COLUMNS].find((c) => c.key === key)?.value ?? BASE_SORT.id;
}

/** Sort with missing values last in either direction; ties by id (newest first). */
export function sortRuns(runs: readonly RunSummary[], key: string, dir: 'asc' | 'desc'): RunSummary[] {
  const get = sortValue(key);
  const sign = dir === 'asc' ? 1 : -1;
  return [...runs].sort((a, b) => {
    const va = get(a);
    const vb = get(b);
    if (va === null && vb === null) return b.id - a.id;
    if (va === null) return 1;
    if (vb === null) return -1;
    const c = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb));
    return c !== 0 ? sign * c : b.id - a.id;
  });
}
