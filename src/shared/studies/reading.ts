// What a study sweep shows, read from its spec, its phase record and its runs: the same object
// feeds the sweep's page in the app and the study section of reports, so both say the same.
import { classesText, methodLabel } from '../run-name';
import type { SweepSpec } from '../sweep';
import { analyseMSharpness, type MSharpnessAnalysis } from './m-sharpness';
import { phaseRuns, type StudyRun, type SweepState, type TuningDecision } from './phases';
import { finalComparison, validationCurves, type FinalComparison, type ValidationCurve } from './tuning';

export interface PretrainedRow {
  runId: number;
  label: string;
  /** Its own test accuracy, on the classes it was trained on. */
  testAccuracy: number | null;
}

export type StudyReading =
  | {
      kind: 'tuning';
      selectBy: TuningDecision['selectBy'];
      validationSplit: number;
      /** The stored decision (null until the grid has settled). */
      decision: TuningDecision | null;
      curves: ValidationCurve[];
      /** The retrained runs on the test set (null until that phase exists). */
      comparison: FinalComparison | null;
      sentences: string[];
    }
  | { kind: 'm-sharpness'; analysis: MSharpnessAnalysis; sentences: string[] }
  | { kind: 'fine-tuning'; pretrained: PretrainedRow | null; comparison: FinalComparison | null; sentences: string[] };

const pp = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v * 100).toFixed(2)} pp`;

/** SAM − baseline on the test set, concluding only when Welch's 95 % interval leaves out 0. */
export function differenceSentence(c: FinalComparison): string | null {
  const sam = c.rows.find((r) => !r.baseline);
  const base = c.rows.find((r) => r.baseline);
  if (!sam || !base || !c.difference) return null;
  const d = c.difference;
  const head = `Test accuracy, ${sam.label} − ${base.label}: ${pp(d.diff)}`;
  if (!d.ci95) return `${head}; with fewer than two seeds on a side there is no interval, so no conclusion.`;
  const ci = `95 % CI ${pp(d.ci95[0])} to ${pp(d.ci95[1])} (Welch)`;
  if (d.ci95[0] > 0 || d.ci95[1] < 0) return `${head}, ${ci}: SAM was ${d.diff > 0 ? 'better' : 'worse'} on these seeds with 95 % confidence.`;
  return `${head}, ${ci}: the interval includes 0, so these seeds show no difference.`;
}

export function readStudy(spec: SweepSpec, state: SweepState | null, runs: readonly StudyRun[]): StudyReading | null {
  const study = spec.study;
  if (!study || !state) return null;
  if (study.kind === 'tuning') {
    const grid = phaseRuns(state, 'grid', runs);
    const final = phaseRuns(state, 'final', runs);
    const decision = state.decision?.kind === 'tuning' ? state.decision : null;
    const comparison = final.length ? finalComparison(final) : null;
    const sentences = [...(decision?.sentences ?? [`ρ is chosen when every grid run has finished (${grid.filter((r) => r.status === 'done').length} of ${grid.length} done).`])];
    const diff = comparison && differenceSentence(comparison);
    if (diff) sentences.push(diff);
    return { kind: 'tuning', selectBy: study.selectBy, validationSplit: study.validationSplit, decision, curves: validationCurves(grid, study.selectBy), comparison, sentences };
  }
  if (study.kind === 'm-sharpness') {
    const analysis = analyseMSharpness(phaseRuns(state, 'grid', runs));
    return { kind: 'm-sharpness', analysis, sentences: analysis.sentences };
  }
  const pre = phaseRuns(state, 'pretrain', runs)[0] ?? null;
  const tuned = phaseRuns(state, 'fine-tune', runs);
  const classes = study.source.kind === 'pretrain' ? study.source.classes : null;
  const pretrained: PretrainedRow | null = pre
    ? { runId: pre.id, label: `pre-trained${classes ? ` on classes ${classesText(classes)}` : ''} (${methodLabel(pre.config)})`, testAccuracy: pre.status === 'done' ? (pre.finalMetrics?.testAccuracy ?? null) : null }
    : null;
  const on = study.classes ? ` on classes ${classesText(study.classes)}` : '';
  const comparison = tuned.length ? finalComparison(tuned, (c) => `${methodLabel(c)} fine-tune${on}`) : null;
  const sentences = state.decision?.kind === 'fine-tuning' ? [...state.decision.sentences] : ['Fine-tuning starts when pre-training has finished.'];
  if (pretrained?.testAccuracy != null) sentences.push(`The pre-trained model reached ${(pretrained.testAccuracy * 100).toFixed(2)} % on its own classes' test set (a different task from the fine-tuning classes).`);
  const diff = comparison && differenceSentence(comparison);
  if (diff) sentences.push(diff);
  if (state.error) sentences.push(state.error);
  return { kind: 'fine-tuning', pretrained, comparison, sentences };
}
