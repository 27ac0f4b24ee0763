// sam-studio hessian --db FILE --run ID[,ID…] [--checkpoint EPOCH] [--top-k 5] [--density] [--trace]
//                    [--landscape] [--batch-size N] [--max-iterations N] [--hvp auto|exact|finite-difference]
//                    [--backend NAME] [--json]
// Hessian spectrum of stored runs at a checkpoint (default: the last one; --checkpoint 0 = the
// initial weights), stored back into the run database. With several runs (an SGD and a SAM run)
// the human output puts their spectra side by side and says how the Hessian-vector products were
// computed (exact double backprop, or finite differences with a warning that their eigenvalues are
// approximate). --json: one object per analysis per line (fields hvp, fdStep, hvpReason).
import { resolve } from 'node:path';
import { describeOptimizer, hessianSchema, type HessianConfig, type RunConfig } from '../../shared/config';
import type { SpectrumEvent } from '../../shared/events';
import { finiteDifferenceWarning, hvpMethodLabel } from '../../shared/hvp-method';
import { intValue, parseArgs, type ParsedArgs } from '../args';

const USAGE =
  'usage: sam-studio hessian --db FILE --run ID[,ID…] [--checkpoint EPOCH] [--top-k 5] [--density] [--trace] [--landscape]\n' +
  '                          [--batch-size N] [--max-iterations N] [--hvp auto|exact|finite-difference] [--backend NAME] [--json]';
const VALUED = ['db', 'run', 'checkpoint', 'top-k', 'batch-size', 'max-iterations', 'hvp', 'backend'] as const;
const HVP_METHODS = ['auto', 'exact', 'finite-difference'] as const;

class UsageError extends Error {}

interface Plan {
  dbPath: string;
  runIds: number[];
  checkpointEpoch: number | null;
  hessian: Partial<HessianConfig>;
  hvp: (typeof HVP_METHODS)[number];
  backend: string | null;
  json: boolean;
}

export async function run(argv: string[]): Promise<number> {
  let plan: Plan;
  try {
    plan = parsePlan(parseArgs(argv, VALUED));
  } catch (e) {
    console.error(`sam-studio hessian: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const { openStore } = await import('../../main/services/store/index');
  const { analyzeCheckpoint } = await import('../../engine/hessian/stored');
  const store = openStore(plan.dbPath);
  const columns: { label: string; spectrum: SpectrumEvent; paramCount: number }[] = [];
  try {
    for (const runId of plan.runIds) {
      const detail = store.getRun(runId);
      if (!detail) throw new UsageError(`run ${runId} is not in ${plan.dbPath}; list runs with: sam-studio runs --db ${plan.dbPath}`);
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
      columns.push({ label: `run ${runId} ${detail.name}\n${describeOptimizer(config)}`, spectrum: result.spectrum, paramCount: result.paramCount });
    }
  } catch (e) {
    console.error(`sam-studio hessian: ${(e as Error).message}`);
    return e instanceof UsageError ? 2 : 1;
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

function parsePlan(args: ParsedArgs): Plan {
  const dbPath = args.values.get('db');
  if (!dbPath) throw new UsageError('--db FILE is required (the run database)');
  const runText = args.values.get('run');
  if (!runText) throw new UsageError('--run ID is required (several: --run 1,2)');
  const runIds = runText.split(',').map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--run must be run ids separated by commas, got "${runText}"`);
    return n;
  });
  const hvp = (args.values.get('hvp') ?? 'auto') as Plan['hvp'];
  if (!HVP_METHODS.includes(hvp)) throw new UsageError(`--hvp must be one of ${HVP_METHODS.join(', ')}, got "${hvp}"`);
  const hessian: Partial<HessianConfig> = {
    topK: intValue(args, 'top-k', 5),
    trace: args.flags.has('trace'),
    density: args.flags.has('density'),
    landscape: args.flags.has('landscape'),
  };
  if (args.values.has('batch-size')) hessian.batchSize = intValue(args, 'batch-size', 1024);
  if (args.values.has('max-iterations')) hessian.maxIterations = intValue(args, 'max-iterations', 100);
  const checked = hessianSchema.safeParse(hessian);
  if (!checked.success) throw new UsageError(checked.error.issues.map((i) => i.message).join('; '));
  const checkpointEpoch = args.values.has('checkpoint') ? intValue(args, 'checkpoint', 0) : null;
  if (checkpointEpoch !== null && checkpointEpoch < 0) throw new UsageError('--checkpoint must be an epoch ≥ 0 (0 = initial weights)');
  return { dbPath: resolve(dbPath), runIds, checkpointEpoch, hessian, hvp, backend: args.values.get('backend') ?? null, json: args.flags.has('json') };
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
export function formatTable(columns: { label: string; spectrum: SpectrumEvent; paramCount: number }[]): string {
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
  const widths = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
  return rows.map((r) => r.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]) : cell.padStart(widths[j]))).join('   ')).join('\n');
}
