// A sweep's phases, whatever its study: the first phase's runs (also what Preview lists), what
// comes after a phase, and a one-line account of the phases to come. The services call
// planFirstPhase on createSweep and nextStep whenever a run of a study sweep settles.
import { expandSweep, sweepSpecSchema, type SweepSpec, type SweepSpecInput } from '../sweep';
import { fineTuningFirst, fineTuningNext } from './fine-tuning';
import { mSharpnessGrid } from './m-sharpness';
import { type NextStep, type PhasePlan, type PlanContext, type StudyRun, type SweepState, phaseWait } from './phases';
import { finalSeeds, tuningFinal, tuningGrid } from './tuning';

export { StudyPlanError } from './fine-tuning';
export { kendallTau, type KendallResult } from './kendall';
export { analyseMSharpness, type MSharpnessAnalysis, type MCorrelation, type RhoReaction, type SharpnessPoint } from './m-sharpness';
export * from './phases';
export * from './schema';
export { samplesFor, studyPreset, studySweep, type StudyPreset } from './presets';
export { differenceSentence, readStudy, type PretrainedRow, type StudyReading } from './reading';
export { chooseCandidate, finalComparison, tuningCandidates, validationCurves, type ComparisonRow, type FinalComparison, type ValidationCurve } from './tuning';

const noRuns: PlanContext = { run: () => null };

/** The runs a sweep creates first (all of them for a plain grid or the m-sharpness study). */
export function planFirstPhase(input: SweepSpecInput | SweepSpec, ctx: PlanContext = noRuns): PhasePlan {
  const spec = sweepSpecSchema.parse(input);
  const study = spec.study;
  if (!study) return { phase: 'grid', plans: expandSweep(spec) };
  switch (study.kind) {
    case 'tuning':
      return tuningGrid(spec, study);
    case 'm-sharpness':
      return mSharpnessGrid(spec, study);
    case 'fine-tuning':
      return fineTuningFirst(spec, study, ctx);
  }
}

/** What follows the sweep's last phase, read from its runs. */
export function nextStep(spec: SweepSpec, state: SweepState, runs: readonly StudyRun[], ctx: PlanContext): NextStep {
  if (state.complete) return { kind: 'done' };
  const wait = phaseWait(state, runs);
  if (wait) return { kind: 'wait', reason: wait };
  const last = state.phases[state.phases.length - 1]?.name;
  const study = spec.study;
  if (study?.kind === 'tuning' && last === 'grid') {
    const plan = tuningFinal(spec, study, state, runs);
    return plan ? { kind: 'phase', plan } : { kind: 'fail', reason: 'no run of the ρ grid finished with a validation result, so no ρ could be chosen; see the runs for why they failed' };
  }
  if (study?.kind === 'fine-tuning') return fineTuningNext(spec, study, state, runs, ctx);
  return { kind: 'done' };
}

/** The phases after the first, in words (the Sweep form shows it under Preview). */
export function laterPhases(spec: SweepSpec): string[] {
  const s = spec.study;
  if (s?.kind === 'tuning') {
    const seeds = finalSeeds(spec, s);
    const base = spec.base.optimizer.kind.toUpperCase();
    return [
      `Then, when every grid run has finished: the ρ with the ${s.selectBy === 'valAccuracy' ? 'highest mean validation accuracy' : 'lowest mean validation loss'} is retrained on seeds ${seeds.join(', ')} on ${s.retrainOn === 'train' ? 'the training split' : 'the training and validation examples together'}${spec.baseline ? `, with the ${base} baseline at ${s.baselineEpochFactor}× the epochs (${spec.base.epochs * s.baselineEpochFactor})` : ''}: ${seeds.length * (spec.baseline ? 2 : 1)} more runs, compared on the test set.`,
    ];
  }
  if (s?.kind === 'fine-tuning' && s.source.kind === 'pretrain') {
    const n = spec.seeds.length * (spec.rho.length + (spec.baseline ? 1 : 0));
    return [`Then, when pre-training has finished: ${n} fine-tuning run${n > 1 ? 's' : ''} from its last checkpoint (${spec.baseline ? 'the base optimizer and ' : ''}SAM at each ρ, on seeds ${spec.seeds.join(', ')}).`];
  }
  return [];
}
