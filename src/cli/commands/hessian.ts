// sam-studio hessian --run ID[,ID…] [--db FILE] [--checkpoint EPOCH] [--top-k 5] [--density] [--trace]
//                    [--landscape] [--batch-size N] [--max-iterations N] [--hvp auto|exact|finite-difference]
//                    [--backend NAME] [--json]
// Hessian spectrum of stored runs at a checkpoint (default: the last one; --checkpoint 0 = the
// initial weights), stored back into the run database. With several runs (an SGD and a SAM run)
// the human output puts their spectra side by side and says how the Hessian-vector products were
// computed (exact double backprop, or finite differences with a warning that their eigenvalues are
// approximate). --json: one object per analysis per line (fields hvp, fdStep, hvpReason).
import { describeOptimizer, hessianSchema, type HessianConfig, type RunConfig } from '../../shared/config';
import type { SpectrumEvent } from '../../shared/events';
import { finiteDifferenceWarning, hvpMethodLabel } from '../../shared/hvp-method';
import { runIdList, UsageError, type CommandSpec, type ParsedOptions, DB_OPTION } from '../args';
import { dbPath } from '../paths';
import { requireDatabase } from '../services';
import { layerRows } from '../layer-rows';

const HVP_METHODS = ['auto', 'exact', 'finite-difference'] as const;

export const spec: CommandSpec = {
  name: 'hessian',
  summary: 'Hessian spectrum of stored runs at a checkpoint (--run ID[,ID…] --top-k 5)',
  description: [
    'Top eigenvalues (Lanczos on Hessian-vector products), optionally the trace (Hutchinson), the',
    'eigenvalue density and 1-D loss-landscape slices, of each run at a checkpoint (default: its',
    'last; --checkpoint 0 = the initial weights). Results are stored back on the run, where the app',
    'shows them. Several runs (an SGD and a SAM run) print side by side.',
  ].join('\n'),
  options: {
    run: { type: 'string', value: 'ID', help: 'the run id, or several: 1,2', required: true },
    db: DB_OPTION,
    checkpoint: { type: 'string', value: 'EPOCH', help: 'the checkpoint of this epoch (default the last; 0 = initial weights)' },
    'top-k': { type: 'string', value: 'K', help: 'number of top eigenvalues (default 5)' },
    density: { type: 'boolean', help: 'also the eigenvalue density (stochastic Lanczos quadrature)' },
    trace: { type: 'boolean', help: 'also the trace (Hutchinson)' },
    landscape: { type: 'boolean', help: 'also 1-D loss-landscape slices' },
    'per-layer': { type: 'boolean', help: 'also each layer’s Hessian-block λ_max and share of ‖ε̂‖' },
    'batch-size': { type: 'string', value: 'N', help: 'examples per Hessian-vector product' },
    'max-iterations': { type: 'string', value: 'N', help: 'Lanczos steps at most' },
    hvp: { type: 'string', value: 'METHOD', help: 'auto (exact, checked against finite differences), exact or finite-difference (default auto)' },
    backend: { type: 'string', value: 'NAME', help: 'pin a backend instead of the run’s' },
    json: { type: 'boolean', help: 'one JSON object per analysis per line' },
  },
  exitCodes: '0 done, 1 the analysis failed, 2 bad input (an unknown run or checkpoint, a bad option)',
};

interface Plan {
  runIds: number[];
  checkpointEpoch: number | null;
  hessian: Partial<HessianConfig>;
  hvp: (typeof HVP_METHODS)[number];
  backend: string | null;
  json: boolean;
}

export async function run(opts: ParsedOptions): Promise<number> {
  const plan = parsePlan(opts);
  const db = dbPath(opts.string('db'));
  requireDatabase(db);
  const { openStore } = await import('../../main/services/store/index');
  const { analyzeCheckpoint } = await import('../../engine/hessian/stored');
  const store = openStore(db.path);
  const columns: { label: string; spectrum: SpectrumEvent; paramCount: number; config: RunConfig }[] = [];
  try {
    for (const runId of plan.runIds) {
      const detail = store.getRun(runId);
      if (!detail) throw new UsageError(`run ${runId} is not in ${db.path}; list the runs with: sam-studio runs --db ${db.path}`);
      const config: RunConfig = plan.backend ? { ...detail.config, backend: plan.backend as RunConfig['backend'] } : detail.config;
      const checkpoint = pickCheckpoint(runId, detail.checkpoints, plan.checkpointEpoch);
      const hessian = hessianSchema.parse({ ...(config.hessian ?? {}), ...plan.hessian });
      const progress = plan.json || !process.stderr.isTTY ? undefined : progressLine(runId);
      const result = await analyzeCheckpoint(runId, config, checkpoint, hessian, { hvpMethod: plan.hvp, onProgress: progress });
      if (progress) process.stderr.write('\r\x1b[K');
      store.addSpectrum(runId, result.spectrum);
      for (const l of result.landscapes) store.addLandscape(runId, l);
      if (plan.json) {
        process.stdout.write(`${JSON.stringify(result.spectrum)}\n`);
        for (const l of result.landscapes) process.stdout.write(`${JSON.stringify(l)}\n`);
        // stdout stays one JSON object per line; the warning goes to stderr.
        const warning = finiteDifferenceWarning(result.spectrum);
        if (warning) console.error(`sam-studio hessian: warning: run ${runId}: ${warning}`);
      }
      columns.push({ label: `run ${runId} ${detail.name}\n${describeOptimizer(config)}`, spectrum: result.spectrum, paramCount: result.paramCount, config });
    }
  } finally {
    store.close();
  }
  if (!plan.json) {
    console.log(formatTable(columns));
    for (const c of columns) {
      const warning = finiteDifferenceWarning(c.spectrum);
      if (warning) console.log(`\nwarning: run ${c.spectrum.runId}: ${warning}`);
    }
  }
  return 0;
}

function parsePlan(opts: ParsedOptions): Plan {
  const runIds = runIdList('run', opts.required('run'));
  const hvp = (opts.string('hvp') ?? 'auto') as Plan['hvp'];
  if (!HVP_METHODS.includes(hvp)) throw new UsageError(`--hvp must be one of ${HVP_METHODS.join(', ')}, got "${hvp}"`);
  const hessian: Partial<HessianConfig> = {
    topK: opts.int('top-k', 5),
    trace: opts.flag('trace'),
    density: opts.flag('density'),
    landscape: opts.flag('landscape'),
    perLayer: opts.flag('per-layer'),
  };
  if (opts.has('batch-size')) hessian.batchSize = opts.int('batch-size', 1024);
  if (opts.has('max-iterations')) hessian.maxIterations = opts.int('max-iterations', 100);
  const checked = hessianSchema.safeParse(hessian);
  if (!checked.success) throw new UsageError(checked.error.issues.map((i) => i.message).join('; '));
  const checkpointEpoch = opts.has('checkpoint') ? opts.int('checkpoint', 0, 0) : null;
  return { runIds, checkpointEpoch, hessian, hvp, backend: opts.string('backend') ?? null, json: opts.flag('json') };
}

/** The checkpoint file of `epoch` (null epoch: the last one; 0: none, the seeded initial weights). */
function pickCheckpoint(runId: number, checkpoints: { epoch: number; step: number; path: string }[], epoch: number | null): string | null {
  if (epoch === 0) return null;
  if (checkpoints.length === 0) {
    throw new UsageError(`run ${runId} has no checkpoints yet; train it first, or pass --checkpoint 0 for its initial weights`);
  }
  if (epoch === null) return [...checkpoints].sort((a, b) => a.step - b.step).at(-1)!.path;
  const match = checkpoints.filter((c) => c.epoch === epoch).sort((a, b) => a.step - b.step).at(-1);
  if (!match) {
    const have = [...new Set(checkpoints.map((c) => c.epoch))].sort((a, b) => a - b).join(', ');
    throw new UsageError(`run ${runId} has no checkpoint at epoch ${epoch}; it has epochs ${have} (or 0 = initial weights)`);
  }
  return match.path;
}

function progressLine(runId: number): (phase: string, done: number, total: number) => void {
  let last = 0;
  return (phase, done, total) => {
    const now = Date.now();
    if (now - last < 200 && done < total) return;
    last = now;
    process.stderr.write(`\r\x1b[Krun ${runId}: ${phase} ${done}/${total}`);
  };
}

function fmt(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  const a = Math.abs(x);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? x.toExponential(digits - 1) : x.toPrecision(digits);
}

/** Runs as columns, one row per quantity, so an SGD and a SAM run read side by side. */
export function formatTable(columns: { label: string; spectrum: SpectrumEvent; paramCount: number; config?: RunConfig }[]): string {
  const k = Math.max(0, ...columns.map((c) => c.spectrum.topEigenvalues.length));
  const rows: [string, ...string[]][] = [];
  const labelLines = Math.max(...columns.map((c) => c.label.split('\n').length));
  for (let l = 0; l < labelLines; l++) rows.push(['', ...columns.map((c) => c.label.split('\n')[l] ?? '')]);
  rows.push(['epoch (step)', ...columns.map((c) => `${c.spectrum.epoch} (${c.spectrum.step})`)]);
  rows.push(['parameters', ...columns.map((c) => String(c.paramCount))]);
  for (let i = 0; i < k; i++) rows.push([`λ${i + 1}`, ...columns.map((c) => fmt(c.spectrum.topEigenvalues[i]))]);
  rows.push(['λ_max/λ_5', ...columns.map((c) => fmt(c.spectrum.lambdaMaxOverLambda5))]);
  rows.push(['trace ± s.e.', ...columns.map((c) => (c.spectrum.trace === null ? '—' : `${fmt(c.spectrum.trace)} ± ${fmt(c.spectrum.traceStdErr, 2)}`))]);
  rows.push(['density', ...columns.map((c) => (c.spectrum.density ? `${c.spectrum.density.grid.length} points (--json)` : '—'))]);
  rows.push(['Hessian-vector products', ...columns.map((c) => hvpMethodLabel(c.spectrum))]);
  rows.push(['batch / Lanczos steps', ...columns.map((c) => `${c.spectrum.hessianBatchSize} / ${c.spectrum.iterations}`)]);
  rows.push(['time', ...columns.map((c) => `${(c.spectrum.elapsedMs / 1000).toFixed(1)} s`)]);
  if (columns.every((c) => c.config)) rows.push(...layerRows(columns as { config: RunConfig; spectrum: SpectrumEvent }[]));
  const widths = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
  return rows.map((r) => r.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]) : cell.padStart(widths[j]))).join('   ')).join('\n');
}
