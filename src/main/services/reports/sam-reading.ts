// "Did SAM help?": a short reading computed from the stored numbers, by seed group. It states
// what the numbers show (test accuracy, generalisation gap, λ_max — the quantities Foret et al.
// 2021 relate to sharpness) and how sure it can be: with one seed per side it names the
// difference and refuses to conclude; with two or more it gives Welch's 95 % interval of the
// difference of means and concludes only when the interval leaves out zero.
import { configDistance } from '../../../shared/config-diff';
import { groupLabels, seedGroups, type SeedGroup } from '../../../shared/seed-groups';
import { summarize, welchDifference, type Summary } from '../../../shared/stats';
import { accuracyGap, finalValue, isSam, lambdaMax } from './final-metrics';
import type { ReportRun } from './types';

export interface SamPairReading {
  /** First run of the SAM group and of its baseline group. */
  samRunId: number;
  baseRunId: number;
  samRunIds: number[];
  baseRunIds: number[];
  /** Test accuracy difference of the group means, SAM − base, in percentage points. */
  testAccuracyDiffPp: number | null;
  /** Welch 95 % interval of that difference (pp); null with fewer than two seeds on a side. */
  testAccuracyCiPp: [number, number] | null;
  gapSamPp: number | null;
  gapBasePp: number | null;
  lambdaMaxSam: number | null;
  lambdaMaxBase: number | null;
  /** Whether the reading may conclude: at least two seeds on both sides. */
  enoughSeeds: boolean;
  sentences: string[];
}

export interface SamReading {
  pairs: SamPairReading[];
  /** Plain sentences for the report; always at least one. */
  text: string[];
}

const pp = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(2)} pp`;
const pct = (v: number) => `${(v * 100).toFixed(2)} %`;
const g = (v: number) => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toExponential(2) : v.toFixed(3));
const seeds = (n: number) => `${n} seed${n === 1 ? '' : 's'}`;

/** Below this a test-accuracy difference is within typical seed-to-seed noise of small runs. */
const NOISE_PP = 0.3;

interface Side {
  label: string;
  runs: ReportRun[];
  acc: Summary | null;
  gap: Summary | null;
  lam: Summary | null;
}

function side(label: string, runs: ReportRun[]): Side {
  return {
    label,
    runs,
    acc: summarize(runs.map((r) => finalValue(r, 'testAccuracy'))),
    gap: summarize(runs.map(accuracyGap)),
    lam: summarize(runs.map(lambdaMax)),
  };
}

/** "70.00 % (1 seed)" or "70.50 % ± 0.40 pp (3 seeds)". */
function showAcc(s: Summary): string {
  return s.n === 1 ? `${pct(s.mean)} (1 seed)` : `${pct(s.mean)} ± ${(s.sd * 100).toFixed(2)} pp (${seeds(s.n)})`;
}

function readPair(sam: Side, base: Side): SamPairReading {
  const s: string[] = [];
  const n = Math.min(sam.acc?.n ?? 0, base.acc?.n ?? 0);
  const enough = n >= 2;
  let diff: number | null = null;
  let ci: [number, number] | null = null;
  if (sam.acc && base.acc) {
    const d = welchDifference(sam.acc, base.acc);
    diff = d.diff * 100;
    ci = d.ci95 ? [d.ci95[0] * 100, d.ci95[1] * 100] : null;
    let verdict: string;
    if (!ci) {
      const tiny = Math.abs(diff) < NOISE_PP ? ` — smaller than the ~${NOISE_PP} pp a different seed often moves it` : '';
      verdict = `${pp(diff)} for SAM${tiny}. With one seed on a side this cannot be told from seed-to-seed noise, so no conclusion: train two or more seeds of each (three give a 95 % interval per group).`;
    } else if (ci[0] > 0 || ci[1] < 0) {
      verdict = `${pp(diff)} for SAM, 95 % CI ${pp(ci[0])} to ${pp(ci[1])} (Welch): SAM was ${diff > 0 ? 'better' : 'worse'} on these seeds with 95 % confidence.`;
    } else {
      verdict = `${pp(diff)} for SAM, 95 % CI ${pp(ci[0])} to ${pp(ci[1])} (Welch): the interval includes 0, so the seeds do not show a difference.`;
    }
    s.push(`Test accuracy: ${sam.label} reached ${showAcc(sam.acc)} and ${base.label} ${showAcc(base.acc)}: ${verdict}`);
  } else s.push(`Test accuracy is missing for ${sam.acc ? base.label : sam.label}, so the runs cannot be compared on it.`);

  if (sam.gap && base.gap) {
    // Compared by size: a negative gap (test above train) is as far from "fits = generalises" as a positive one.
    const [a, b] = [Math.abs(sam.gap.mean), Math.abs(base.gap.mean)];
    const cmp = a < b ? 'smaller in size for SAM' : a > b ? 'larger in size for SAM' : 'the same size';
    const show = (v: number) => `${(v * 100).toFixed(2).replace('-', '−')} pp${v < 0 ? ' (test above train)' : ''}`;
    s.push(`Generalisation gap (train − test accuracy${enough ? ', means' : ''}): ${show(sam.gap.mean)} with SAM vs ${show(base.gap.mean)} without — ${cmp}${enough ? '' : ' (one seed: not a finding)'}.`);
  }

  if (sam.lam && base.lam && base.lam.mean !== 0) {
    const ratio = sam.lam.mean / base.lam.mean;
    const head = `Largest Hessian eigenvalue λ_max at the end: ${g(sam.lam.mean)} with SAM vs ${g(base.lam.mean)} without (${ratio.toFixed(2)}×)`;
    const d = welchDifference(sam.lam, base.lam);
    if (!d.ci95) {
      s.push(`${head}, from ${sam.lam.n === 1 || base.lam.n === 1 ? 'single seeds' : 'too few seeds'}: not enough to call either minimum flatter.`);
    } else if (d.ci95[1] < 0) {
      s.push(`${head}; 95 % CI of the difference ${g(d.ci95[0])} to ${g(d.ci95[1])}: SAM ended in a flatter minimum by this measure.`);
    } else if (d.ci95[0] > 0) {
      s.push(`${head}; 95 % CI of the difference ${g(d.ci95[0])} to ${g(d.ci95[1])}: SAM ended in a sharper minimum by this measure.`);
    } else {
      s.push(`${head}; 95 % CI of the difference ${g(d.ci95[0])} to ${g(d.ci95[1])} includes 0: no difference in flatness shown.`);
    }
  } else {
    s.push('λ_max is not known for both sides (analyse their Hessians), so sharpness is not compared.');
  }
  return {
    samRunId: sam.runs[0].run.id,
    baseRunId: base.runs[0].run.id,
    samRunIds: sam.runs.map((r) => r.run.id),
    baseRunIds: base.runs.map((r) => r.run.id),
    testAccuracyDiffPp: diff,
    testAccuracyCiPp: ci,
    gapSamPp: sam.gap ? sam.gap.mean * 100 : null,
    gapBasePp: base.gap ? base.gap.mean * 100 : null,
    lambdaMaxSam: sam.lam?.mean ?? null,
    lambdaMaxBase: base.lam?.mean ?? null,
    enoughSeeds: enough,
    sentences: s,
  };
}

export function readSamEffect(runs: ReportRun[]): SamReading {
  if (runs.length === 1) {
    const r = runs[0];
    const acc = finalValue(r, 'testAccuracy');
    const lam = lambdaMax(r);
    const text = [
      `A single run${isSam(r) ? ' with SAM' : ' without SAM'}: there is no baseline in this report, so it cannot say whether SAM helped. ` +
        `Compare it with a run that differs only in the optimizer to find out.`,
    ];
    if (acc !== null) text.push(`Final test accuracy ${pct(acc)}${lam !== null ? `, final λ_max ${g(lam)}` : ''}.`);
    return { pairs: [], text };
  }
  const byId = new Map(runs.map((r) => [r.run.id, r]));
  const groups = seedGroups(runs.map((r) => ({ id: r.run.id, config: r.run.config })));
  const labels = groupLabels(groups);
  const members = (gr: SeedGroup) => gr.ids.map((id) => byId.get(id)!);
  const sams = groups.filter((gr) => isSam(members(gr)[0]));
  const bases = groups.filter((gr) => !isSam(members(gr)[0]));
  if (sams.length === 0) return { pairs: [], text: ['None of these runs uses SAM (ρ > 0), so the report makes no SAM-versus-baseline reading.'] };
  if (bases.length === 0) return { pairs: [], text: ['Every run here uses SAM; add a run without SAM (same model and data) to see what SAM changes.'] };
  const ignore = ['sam', 'name', 'seed'];
  // Pair each SAM group with the baseline group whose config differs least apart from SAM and seed.
  const pairs = sams.map((sg) => {
    const bg = bases.reduce((a, b) => (configDistance(sg.config, b.config, ignore) < configDistance(sg.config, a.config, ignore) ? b : a));
    const name = (gr: SeedGroup) => `${labels[groups.indexOf(gr)]} (${gr.ids.map((id) => `#${id}`).join(', ')})`;
    return readPair(side(name(sg), members(sg)), side(name(bg), members(bg)));
  });
  const text = pairs.flatMap((p) => p.sentences);
  if (pairs.every((p) => !p.enoughSeeds)) text.push('Every comparison here rests on single seeds: read the differences as what these runs did, not as what SAM does.');
  return { pairs, text };
}
