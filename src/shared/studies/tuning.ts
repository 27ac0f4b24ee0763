// The SAM paper's tuning protocol (Foret et al. 2021, §3.1) as a two-phase sweep:
//   grid  — SAM at every ρ of the grid, several seeds, with a share of the training set held out
//           for validation; nothing is read from the test set to choose;
//   final — the ρ with the best mean validation score, and the baseline at twice the epochs
//           (the paper gives SGD SAM's compute: two passes per step), retrained on fresh seeds;
//           compared on the test set with means and 95 % confidence intervals.
import { parseRunConfig, type RunConfig, type RunConfigInput } from '../config';
import { methodLabel } from '../run-name';
import { seedGroupKey, seedGroups } from '../seed-groups';
import { summarize, welchDifference, type Difference, type Summary } from '../stats';
import { expandSweep, type SweepRunPlan, type SweepSpec } from '../sweep';
import type { CandidateSummary, PhasePlan, StudyRun, SweepState, TuningDecision } from './phases';
import { phaseRuns } from './phases';
import type { TuningStudy } from './schema';

/** The grid's runs: SAM only (the baseline has nothing to choose), validated on the held-out split. */
export function tuningGrid(spec: SweepSpec, study: TuningStudy): PhasePlan {
  const base = { ...spec.base, data: { ...spec.base.data, validationSplit: study.validationSplit } };
  const plans = expandSweep({ ...spec, name: `${spec.name} · ρ grid`, base, baseline: false, study: null });
  return { phase: 'grid', plans: plans.map((p) => ({ ...p, phase: 'grid' })) };
}

/** Fresh seeds for the retrained runs: the study's, else as many as the grid has, after its largest. */
export function finalSeeds(spec: SweepSpec, study: TuningStudy): number[] {
  if (study.finalSeeds.length) return [...new Set(study.finalSeeds)];
  const top = Math.max(...spec.seeds);
  return spec.seeds.map((_, i) => top + 1 + i);
}

const better = (selectBy: TuningDecision['selectBy']) => (a: number, b: number) => (selectBy === 'valAccuracy' ? a > b : a < b);
const metricWords = (selectBy: TuningDecision['selectBy']) => (selectBy === 'valAccuracy' ? 'validation accuracy' : 'validation loss');
const fmt = (selectBy: TuningDecision['selectBy'], v: number) => (selectBy === 'valAccuracy' ? `${(v * 100).toFixed(2)} %` : v.toPrecision(4));

function describe(selectBy: TuningDecision['selectBy'], s: Summary): string {
  const ci = s.ci95 ? `, 95 % CI ${fmt(selectBy, s.ci95[0])}–${fmt(selectBy, s.ci95[1])}` : '';
  return `${fmt(selectBy, s.mean)} (${s.n} seed${s.n > 1 ? 's' : ''}${ci})`;
}

const overlaps = (a: [number, number], b: [number, number]) => a[0] <= b[1] && b[0] <= a[1];

/**
 * The selection rule: the candidate with the best mean of the chosen validation metric over its
 * finished seeds (highest accuracy, or lowest loss); a tie goes to the smaller ρ (the smaller
 * departure from the base optimizer). Candidates without a single result are left out and named.
 * null when no candidate has a result.
 */
export function chooseCandidate(candidates: readonly CandidateSummary[], selectBy: TuningDecision['selectBy']): TuningDecision | null {
  const scored = candidates.filter((c) => c.summary !== null);
  if (!scored.length) return null;
  const isBetter = better(selectBy);
  const winner = scored.reduce((best, c) => {
    const [a, b] = [c.summary!.mean, best.summary!.mean];
    if (isBetter(a, b)) return c;
    return a === b && c.rho < best.rho ? c : best;
  });
  const w = winner.summary!;
  const others = scored.filter((c) => c !== winner);
  const close = others.filter((c) => w.ci95 && c.summary!.ci95 && overlaps(w.ci95, c.summary!.ci95)).map((c) => c.label);
  const words = metricWords(selectBy);
  const sentences = [`${winner.label} chosen: the ${selectBy === 'valAccuracy' ? 'highest' : 'lowest'} mean ${words}, ${describe(selectBy, w)}, on the held-out validation split (the test set was not used to choose).`];
  const runnerUp = others.reduce<CandidateSummary | null>((a, c) => (a === null || isBetter(c.summary!.mean, a.summary!.mean) ? c : a), null);
  if (runnerUp) sentences.push(`Next best: ${runnerUp.label} at ${describe(selectBy, runnerUp.summary!)}.`);
  if (!w.ci95) sentences.push(`With ${w.n} seed${w.n > 1 ? 's' : ''} per ρ there is no 95 % interval: the choice rests on the means alone; three or more seeds say how sure it is.`);
  else if (close.length) sentences.push(`Its 95 % interval overlaps those of ${close.join(', ')}: on these seeds the choice among them is within seed-to-seed noise, and the rule takes the best mean.`);
  else if (others.length) sentences.push(`Its 95 % interval overlaps no other ρ's: the choice is clear on these seeds.`);
  const missing = candidates.filter((c) => c.missing > 0);
  for (const c of missing) sentences.push(`${c.label}: ${c.missing} of ${c.runIds.length} run${c.runIds.length > 1 ? 's' : ''} ended without a result (diverged or stopped) and ${c.summary ? 'were left out of its mean' : 'so it could not be chosen'}.`);
  return { kind: 'tuning', selectBy, chosen: { key: winner.key, label: winner.label, rho: winner.rho, runIds: winner.runIds }, candidates: [...candidates], close, sentences };
}

function metricOf(r: StudyRun, name: string): number | null {
  const v = r.finalMetrics?.[name];
  return r.status === 'done' && typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** The grid's seed groups as candidates, in ρ order, with their validation summaries. */
export function tuningCandidates(gridRuns: readonly StudyRun[], selectBy: TuningDecision['selectBy']): CandidateSummary[] {
  const byId = new Map(gridRuns.map((r) => [r.id, r]));
  const groups = seedGroups(gridRuns.filter((r) => r.config.sam !== null));
  const multiLine = new Set(groups.map((g) => lineKey(g.config))).size > 1;
  return groups
    .map((g) => {
      const values = g.ids.map((id) => metricOf(byId.get(id)!, selectBy));
      return {
        key: g.key,
        label: multiLine ? methodLabel(g.config) : `ρ = ${g.config.sam!.rho}`,
        rho: g.config.sam!.rho,
        runIds: g.ids,
        missing: g.ids.filter((id) => SETTLED_WITHOUT_RESULT.has(byId.get(id)!.status)).length,
        summary: summarize(values),
      };
    })
    .sort((a, b) => a.rho - b.rho);
}

const SETTLED_WITHOUT_RESULT = new Set(['failed', 'cancelled']);

/** What a validation curve is drawn over ρ for: everything of a grid point but ρ and the seed. */
function lineKey(c: RunConfig): string {
  return seedGroupKey({ ...c, sam: c.sam ? { ...c.sam, rho: 0 } : null });
}

export interface CurvePoint {
  rho: number;
  runIds: number[];
  summary: Summary | null;
}

export interface ValidationCurve {
  key: string;
  label: string;
  points: CurvePoint[];
}

/**
 * The validation curve over ρ (mean ± 95 % CI per ρ, or ± sd with fewer than three seeds): one
 * line per setting other than ρ (one line in the paper's protocol). Live: unfinished seeds are
 * simply not in the means yet.
 */
export function validationCurves(gridRuns: readonly StudyRun[], selectBy: TuningDecision['selectBy']): ValidationCurve[] {
  const byId = new Map(gridRuns.map((r) => [r.id, r]));
  const lines = new Map<string, ValidationCurve>();
  for (const g of seedGroups(gridRuns.filter((r) => r.config.sam !== null))) {
    const key = lineKey(g.config);
    const line = lines.get(key) ?? { key, label: methodLabel(g.config).replace(/ρ=\S+ ?/, '').trim(), points: [] };
    line.points.push({ rho: g.config.sam!.rho, runIds: g.ids, summary: summarize(g.ids.map((id) => metricOf(byId.get(id)!, selectBy))) });
    lines.set(key, line);
  }
  for (const l of lines.values()) l.points.sort((a, b) => a.rho - b.rho);
  return [...lines.values()];
}

/** Read the grid and plan the final phase (null when no grid run has a result). */
export function tuningFinal(spec: SweepSpec, study: TuningStudy, state: SweepState, runs: readonly StudyRun[]): PhasePlan | null {
  const grid = phaseRuns(state, 'grid', runs);
  const decision = chooseCandidate(tuningCandidates(grid, study.selectBy), study.selectBy);
  if (!decision) return null;
  const chosen = grid.find((r) => r.id === decision.chosen.runIds[0])!.config;
  const data = retrainData(chosen.data, study);
  const seeds = finalSeeds(spec, study);
  const name = `${spec.name} · final`;
  const plans: SweepRunPlan[] = [];
  for (const seed of seeds) {
    if (spec.baseline) plans.push(baselinePlan(name, { ...chosen, data, seed }, study.baselineEpochFactor));
    const sam = { ...chosen, data, seed, name: `${name} · ${methodLabel(chosen)}${seeds.length > 1 ? ` seed=${seed}` : ''}` };
    plans.push({ name: sam.name, baseline: false, phase: 'final', config: parseRunConfig(sam) });
  }
  return { phase: 'final', plans, decision };
}

/** The data of a retrained run: the validation examples go back into training (or stay held out). */
function retrainData(data: RunConfig['data'], study: TuningStudy): RunConfig['data'] {
  if (study.retrainOn === 'train') return data;
  // data.limit counted the training split only; the grid's pool held limit / (1 − split) examples.
  const limit = data.limit === null ? null : Math.ceil(data.limit / (1 - data.validationSplit));
  return { ...data, validationSplit: 0, limit };
}

/** The baseline: no SAM, the epochs (and the schedule's epoch marks) stretched by `factor`. */
function baselinePlan(name: string, c: RunConfig, factor: number): SweepRunPlan {
  const schedule = { ...c.schedule, warmupEpochs: c.schedule.warmupEpochs * factor, milestones: c.schedule.milestones.map((m) => m * factor) };
  const label = `${name} · ${c.optimizer.kind.toUpperCase()} baseline ${factor}× epochs seed=${c.seed}`;
  const input: RunConfigInput = { ...c, name: label, sam: null, epochs: c.epochs * factor, schedule };
  return { name: label, baseline: true, phase: 'final', config: parseRunConfig(input) };
}

export interface ComparisonRow {
  label: string;
  runIds: number[];
  baseline: boolean;
  testAccuracy: Summary | null;
  testLoss: Summary | null;
}

export interface FinalComparison {
  rows: ComparisonRow[];
  /** SAM − baseline test accuracy, Welch's 95 % interval (null without both sides). */
  difference: Difference | null;
}

/** The tuning protocol's row labels: the SAM settings, or the baseline with its (doubled) epochs. */
const tuningLabel = (c: RunConfig) => (c.sam ? methodLabel(c) : `${methodLabel(c)} baseline (${c.epochs} epochs)`);

/** A phase read on the test set: each seed group's means with 95 % CIs, and SAM − baseline. */
export function finalComparison(finalRuns: readonly StudyRun[], label: (c: RunConfig) => string = tuningLabel): FinalComparison {
  const byId = new Map(finalRuns.map((r) => [r.id, r]));
  const rows = seedGroups(finalRuns).map((g) => {
    const rs = g.ids.map((id) => byId.get(id)!);
    return {
      label: label(g.config),
      runIds: g.ids,
      baseline: g.config.sam === null,
      testAccuracy: summarize(rs.map((r) => metricOf(r, 'testAccuracy'))),
      testLoss: summarize(rs.map((r) => metricOf(r, 'testLoss'))),
    };
  });
  const sam = rows.find((r) => !r.baseline)?.testAccuracy;
  const base = rows.find((r) => r.baseline)?.testAccuracy;
  return { rows, difference: sam && base ? welchDifference(sam, base) : null };
}
