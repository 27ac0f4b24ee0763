// Fine-tuning with and without SAM (Foret et al. 2021, §3.2 fine-tunes pre-trained models with
// SAM): one pre-trained model — trained here on some classes first, a finished run of this app,
// or an imported Layers model — fine-tuned with the base optimizer and with SAM, side by side on
// the same seeds. On Fashion-MNIST offline: pre-train on classes 0–4, fine-tune on 5–9 with a
// new head.
import type { RunConfig, RunConfigInput } from '../config';
import { parseRunConfig } from '../config';
import { expandSweep, type SweepSpec } from '../sweep';
import type { FineTuneDecision, NextStep, PhasePlan, PlanContext, StudyRun, SweepState } from './phases';
import { phaseRuns } from './phases';
import type { FineTuningStudy } from './schema';

import { classesText } from '../run-name';

export class StudyPlanError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'StudyPlanError';
  }
}

export function fineTuningFirst(spec: SweepSpec, study: FineTuningStudy, ctx: PlanContext): PhasePlan {
  const src = study.source;
  if (src.kind === 'pretrain') {
    const label = `${spec.name} · pre-train on classes ${classesText(src.classes)}`;
    const input: RunConfigInput = { ...spec.base, name: label, seed: spec.seeds[0], sam: null, epochs: src.epochs ?? spec.base.epochs, data: { ...spec.base.data, classes: src.classes } };
    return { phase: 'pretrain', plans: [{ name: label, baseline: false, phase: 'pretrain', config: parseRunConfig(input) }] };
  }
  if (src.kind === 'layers') return fineTunePhase(spec, study, spec.base.model, null, null, 'the imported Layers model\'s saved weights');
  const run = ctx.run(src.runId);
  if (!run) throw new StudyPlanError('study.source.runId', `study.source.runId: run ${src.runId} is not in this database; pick a finished run`);
  if (run.status !== 'done' || !run.checkpoint) {
    throw new StudyPlanError('study.source.runId', `study.source.runId: run ${src.runId} is ${run.status}${run.checkpoint ? '' : ' and has no checkpoint'}; fine-tune from a finished run`);
  }
  return fineTunePhase(spec, study, run.config.model, src.runId, run.checkpoint, `run #${src.runId}'s last checkpoint`);
}

/** After pre-training: fine-tune from its last checkpoint (or fail, saying why). */
export function fineTuningNext(spec: SweepSpec, study: FineTuningStudy, state: SweepState, runs: readonly StudyRun[], ctx: PlanContext): NextStep {
  const last = state.phases[state.phases.length - 1];
  if (last?.name !== 'pretrain') return { kind: 'done' };
  const [pre] = phaseRuns(state, 'pretrain', runs);
  const info = pre ? ctx.run(pre.id) : null;
  if (!pre || !info || pre.status !== 'done' || !info.checkpoint) {
    const why = !pre ? 'was deleted' : `ended ${pre.status}${info?.checkpoint ? '' : ' without a checkpoint'}`;
    return { kind: 'fail', reason: `the pre-training run ${pre ? `#${pre.id} ` : ''}${why}, so there is no model to fine-tune; re-run it and create the study again` };
  }
  return { kind: 'phase', plan: fineTunePhase(spec, study, pre.config.model, pre.id, info.checkpoint, `the pre-trained run #${pre.id}`) };
}

function fineTunePhase(spec: SweepSpec, study: FineTuningStudy, model: RunConfig['model'], sourceRunId: number | null, checkpoint: string | null, from: string): PhasePlan {
  const base: RunConfig = { ...spec.base, model, data: { ...spec.base.data, classes: study.classes }, startFrom: { checkpoint, sourceRunId, head: study.head } };
  const classes = study.classes ? ` on classes ${classesText(study.classes)}` : '';
  const plans = expandSweep({ ...spec, name: `${spec.name} · fine-tune${classes}`, base, study: null });
  const decision: FineTuneDecision = {
    kind: 'fine-tuning',
    sourceRunId,
    checkpoint,
    sentences: [`Fine-tuned from ${from}${classes}, with ${study.head === 'new' ? 'a new classifier head' : 'its own classifier head'}: the base optimizer alone and with SAM, on the same seeds.`],
  };
  return { phase: 'fine-tune', plans: plans.map((p) => ({ ...p, phase: 'fine-tune' })), decision };
}
