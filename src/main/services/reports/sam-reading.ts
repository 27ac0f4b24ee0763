// "Did SAM help?": a short reading computed from the stored numbers. It states what the numbers
// show (test accuracy, generalisation gap, λ_max — the quantities Foret et al. 2021 relate to
// sharpness) and never more: one seed per run is not a significance test.
import { configDistance } from '../../../shared/config-diff';
import { accuracyGap, finalValue, isSam, lambdaMax } from './final-metrics';
import type { ReportRun } from './types';

export interface SamPairReading {
  samRunId: number;
  baseRunId: number;
  /** Test accuracy difference SAM − base, in percentage points. */
  testAccuracyDiffPp: number | null;
  gapSamPp: number | null;
  gapBasePp: number | null;
  lambdaMaxSam: number | null;
  lambdaMaxBase: number | null;
  sentences: string[];
}

export interface SamReading {
  pairs: SamPairReading[];
  /** Plain sentences for the report; always at least one. */
  text: string[];
}

const label = (r: ReportRun) => `#${r.run.id} “${r.run.name}”`;
const pp = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(2)} pp`;
const pct = (v: number) => `${(v * 100).toFixed(2)} %`;
const g = (v: number) => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toExponential(2) : v.toFixed(3));

/** Below this a test-accuracy difference is within typical seed-to-seed noise of small runs. */
const NOISE_PP = 0.3;

function readPair(sam: ReportRun, base: ReportRun): SamPairReading {
  const accS = finalValue(sam, 'testAccuracy');
  const accB = finalValue(base, 'testAccuracy');
  const diff = accS !== null && accB !== null ? (accS - accB) * 100 : null;
  const gapS = accuracyGap(sam);
  const gapB = accuracyGap(base);
  const lamS = lambdaMax(sam);
  const lamB = lambdaMax(base);
  const s: string[] = [];
  if (diff !== null) {
    const size = Math.abs(diff) < NOISE_PP ? ` — smaller than the ~${NOISE_PP} pp a different seed often moves it` : '';
    s.push(
      `Test accuracy: ${label(sam)} reached ${pct(accS!)} and ${label(base)} ${pct(accB!)} (${pp(diff)} for SAM${size}).`,
    );
  } else s.push(`Test accuracy is missing for ${accS === null ? label(sam) : label(base)}, so the runs cannot be compared on it.`);
  if (gapS !== null && gapB !== null) {
    // Compared by size: a negative gap (test above train) is as far from "fits = generalises" as a positive one.
    const [a, b] = [Math.abs(gapS), Math.abs(gapB)];
    const cmp = a < b ? 'smaller in size for SAM' : a > b ? 'larger in size for SAM' : 'the same size';
    const show = (g: number) => `${(g * 100).toFixed(2).replace('-', '−')} pp${g < 0 ? ' (test above train)' : ''}`;
    s.push(`Generalisation gap (train − test accuracy): ${show(gapS)} with SAM vs ${show(gapB)} without — ${cmp}.`);
  }
  if (lamS !== null && lamB !== null && lamB !== 0) {
    const ratio = lamS / lamB;
    const flatter = ratio < 1 ? 'a flatter minimum by this measure' : ratio > 1 ? 'a sharper minimum by this measure' : 'equal curvature';
    s.push(`Largest Hessian eigenvalue λ_max at the end: ${g(lamS)} with SAM vs ${g(lamB)} without (${ratio.toFixed(2)}×) — ${flatter}.`);
  } else if (lamS === null || lamB === null) {
    s.push('No Hessian spectrum was computed for both runs, so sharpness (λ_max) is not compared.');
  }
  return {
    samRunId: sam.run.id,
    baseRunId: base.run.id,
    testAccuracyDiffPp: diff,
    gapSamPp: gapS === null ? null : gapS * 100,
    gapBasePp: gapB === null ? null : gapB * 100,
    lambdaMaxSam: lamS,
    lambdaMaxBase: lamB,
    sentences: s,
  };
}

export function readSamEffect(runs: ReportRun[]): SamReading {
  const sams = runs.filter(isSam);
  const bases = runs.filter((r) => !isSam(r));
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
  if (sams.length === 0) return { pairs: [], text: ['None of these runs uses SAM (ρ > 0), so the report makes no SAM-versus-baseline reading.'] };
  if (bases.length === 0) return { pairs: [], text: ['Every run here uses SAM; add a run without SAM (same model and data) to see what SAM changes.'] };
  // Pair each SAM run with the baseline whose config differs least apart from the SAM settings.
  const pairs = sams.map((s) => {
    const base = bases.reduce((a, b) =>
      configDistance(s.run.config, b.run.config, ['sam', 'name']) < configDistance(s.run.config, a.run.config, ['sam', 'name']) ? b : a,
    );
    return readPair(s, base);
  });
  const text = pairs.flatMap((p) => p.sentences);
  text.push('These are single runs: treat differences as what these runs show, not as a general result, until repeated over seeds.');
  return { pairs, text };
}
