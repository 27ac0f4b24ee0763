// The m-sharpness study (Foret et al. 2021, §4.1 and Fig. 3): train over a grid of m × ρ, measure
// every run's m-sharpness at each m of the grid at the end of training (same ρ, same seeded
// sample of training examples), and ask two things of the result:
//   1. per measurement m, how well the m-sharpness ranks the runs' generalisation gaps (Kendall τ;
//      the paper: smaller m correlates better);
//   2. per training m, how much test accuracy moves with ρ (the paper: smaller m reacts more).
import { mSharpnessChunks, mSharpnessKey } from '../config-studies';
import { methodLabel } from '../run-name';
import { summarize, type Summary } from '../stats';
import { expandSweep, type SweepSpec } from '../sweep';
import { kendallTau, type KendallResult } from './kendall';
import type { PhasePlan, StudyRun } from './phases';
import type { MSharpnessStudy } from './schema';

export function mSharpnessGrid(spec: SweepSpec, study: MSharpnessStudy): PhasePlan {
  const base = { ...spec.base, mSharpness: { m: spec.m, rho: study.rho, samples: study.samples, ascentSteps: study.ascentSteps } };
  const plans = expandSweep({ ...spec, base, study: null });
  return { phase: 'grid', plans: plans.map((p) => ({ ...p, phase: 'grid' })) };
}

export interface SharpnessPoint {
  runId: number;
  /** The m the run trained with (its batch size for the whole batch); null for the baseline. */
  trainM: number | null;
  rho: number;
  sharpness: number;
  /** Generalisation gap: train accuracy (eval mode, final weights) − test accuracy. */
  gap: number;
}

export interface MCorrelation {
  m: number;
  /** m is the training batch size (the paper's "whole batch", plain SAM). */
  wholeBatch: boolean;
  points: SharpnessPoint[];
  kendall: KendallResult | null;
}

export interface RhoReaction {
  /** Training m (null = baseline, no SAM). */
  trainM: number;
  label: string;
  points: { rho: number; testAccuracy: Summary | null }[];
  /** Largest minus smallest mean test accuracy over ρ (fractions). */
  range: number | null;
}

export interface MSharpnessAnalysis {
  correlations: MCorrelation[];
  reactions: RhoReaction[];
  sentences: string[];
}

const num = (r: StudyRun, k: string): number | null => {
  const v = r.finalMetrics?.[k];
  return r.status === 'done' && typeof v === 'number' && Number.isFinite(v) ? v : null;
};
const pp = (v: number) => `${(v * 100).toFixed(2)} pp`;
const mName = (c: { m: number; wholeBatch: boolean }) => `m = ${c.m}${c.wholeBatch ? ' (whole batch)' : ''}`;

export function analyseMSharpness(runs: readonly StudyRun[]): MSharpnessAnalysis {
  const measured = runs.filter((r) => r.config.mSharpness !== null);
  const batch = measured[0]?.config.batchSize ?? 0;
  const ms = [...new Set(measured.flatMap((r) => mSharpnessChunks(r.config.mSharpness!, r.config.batchSize)))].sort((a, b) => a - b);
  const correlations: MCorrelation[] = ms.map((m) => {
    const points: SharpnessPoint[] = [];
    for (const r of measured) {
      const sharpness = num(r, mSharpnessKey(m));
      const train = num(r, 'evalTrainAccuracy');
      const test = num(r, 'testAccuracy');
      if (sharpness === null || train === null || test === null) continue;
      points.push({ runId: r.id, trainM: r.config.sam ? (r.config.sam.m ?? r.config.batchSize) : null, rho: r.config.sam?.rho ?? 0, sharpness, gap: train - test });
    }
    return { m, wholeBatch: m === batch, points, kendall: kendallTau(points.map((p) => p.sharpness), points.map((p) => p.gap)) };
  });
  const reactions = rhoReactions(measured);
  return { correlations, reactions, sentences: reading(correlations, reactions) };
}

function rhoReactions(runs: readonly StudyRun[]): RhoReaction[] {
  const byM = new Map<number, StudyRun[]>();
  for (const r of runs) {
    if (!r.config.sam) continue;
    const m = r.config.sam.m ?? r.config.batchSize;
    byM.set(m, [...(byM.get(m) ?? []), r]);
  }
  return [...byM.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([m, rs]) => {
      const rhos = [...new Set(rs.map((r) => r.config.sam!.rho))].sort((a, b) => a - b);
      const points = rhos.map((rho) => ({ rho, testAccuracy: summarize(rs.filter((r) => r.config.sam!.rho === rho).map((r) => num(r, 'testAccuracy'))) }));
      const means = points.map((p) => p.testAccuracy?.mean).filter((v): v is number => v !== undefined);
      const label = methodLabel({ ...rs[0].config, sam: { ...rs[0].config.sam!, m } }).replace(/ρ=\S+ ?/, '').trim();
      return { trainM: m, label, points, range: means.length > 1 ? Math.max(...means) - Math.min(...means) : null };
    });
}

/** What the run shows, in sentences that say how sure it can be. */
function reading(correlations: MCorrelation[], reactions: RhoReaction[]): string[] {
  const out: string[] = [];
  const scored = correlations.filter((c) => c.kendall !== null);
  if (!scored.length) return ['No run has finished with its m-sharpness measured yet.'];
  out.push(`Kendall τ between m-sharpness and the generalisation gap: ${scored.map((c) => `${mName(c)}: ${c.kendall!.tau.toFixed(2)}`).join('; ')} (n = ${scored[0].kendall!.n} runs).`);
  const top = Math.max(...scored.map((c) => c.kendall!.tau));
  const best = scored.filter((c) => Math.abs(c.kendall!.tau - top) < 1e-9);
  if (scored.length > 1) {
    out.push(
      best.length > 1
        ? `${best.map(mName).join(' and ')} correlate equally well (τ = ${top.toFixed(2)}): this run does not separate the m values.`
        : best[0] === scored[0]
          ? `The smallest m correlates best, as the paper reports (Fig. 3).`
          : `Here ${mName(best[0])} correlates best, not the smallest m: this run does not reproduce the paper's ordering.`,
    );
  }
  const significant = scored.filter((c) => c.kendall!.p !== null && c.kendall!.p < 0.05);
  const n = scored[0].kendall!.n;
  out.push(
    significant.length === 0
      ? `With ${n} runs no τ here is told apart from 0 (every two-sided p ≥ 0.05, normal approximation): the run is too small to confirm or refute the claim; more seeds or ρ values would.`
      : significant.length === scored.length
        ? `τ is distinguishable from 0 (p < 0.05, normal approximation) at every m.`
        : `τ is distinguishable from 0 (p < 0.05, normal approximation) at ${significant.map(mName).join(', ')}; at the other m it is within noise.`,
  );
  if (scored.length > 1 && n > 2) {
    // Spread of τ under independence (no ties): √(2(2n+5) / (9n(n−1))) (Kendall 1970).
    const spread = Math.sqrt((2 * (2 * n + 5)) / (9 * n * (n - 1)));
    const taus = scored.map((c) => c.kendall!.tau);
    if (Math.max(...taus) - Math.min(...taus) < 2 * spread) {
      out.push(`The τ values differ by less than twice their sampling spread (about ±${spread.toFixed(2)} at n = ${n}), so their ordering over m is suggestive, not established.`);
    }
  }
  const withRange = reactions.filter((r) => r.range !== null);
  if (withRange.length > 1) {
    const most = withRange.reduce((a, r) => (r.range! > a.range! ? r : a));
    out.push(
      `Test accuracy over ρ moved by ${withRange.map((r) => `${pp(r.range!)} at m = ${r.trainM}`).join(', ')}: ${
        most === withRange[0] ? 'the smallest m reacted most to ρ, as the paper reports.' : `m = ${most.trainM} reacted most, not the smallest m.`
      } Differences of a few tenths of a point are within seed noise of a small run.`,
    );
  }
  return out;
}
