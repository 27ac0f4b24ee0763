// The Sweep form's study fields as typed (text while editing) and their mapping to the sweep
// spec's `study` block, so every message comes from the shared schema (src/shared/studies/).
import type { RunConfig } from '../../shared/config';
import { samplesFor, studyPreset, type StudyKind } from '../../shared/studies/index';
import { type NumIn, num } from './draft-values';
import { parseNumberList } from './format';

export type StudyChoice = 'none' | StudyKind;

export interface StudyDraft {
  validationSplit: NumIn;
  selectBy: 'valAccuracy' | 'valLoss';
  baselineEpochFactor: NumIn;
  finalSeeds: string;
  retrainOn: 'train+validation' | 'train';
  measureRho: NumIn;
  samples: NumIn;
  ascentSteps: NumIn;
  source: 'pretrain' | 'run' | 'layers';
  pretrainClasses: string;
  pretrainEpochs: NumIn;
  sourceRunId: NumIn;
  classes: string;
  head: 'new' | 'keep';
}

export function defaultStudyDraft(): StudyDraft {
  return {
    validationSplit: 0.1,
    selectBy: 'valAccuracy',
    baselineEpochFactor: 2,
    finalSeeds: '',
    retrainOn: 'train+validation',
    measureRho: 0.05,
    samples: 1024,
    ascentSteps: 1,
    source: 'pretrain',
    pretrainClasses: '0-4',
    pretrainEpochs: '',
    sourceRunId: '',
    classes: '5-9',
    head: 'new',
  };
}

/** "0-4" → 0…4, "5, 7 9" → [5, 7, 9]; a token that is neither becomes NaN (the schema names it). */
export function parseClassList(text: string): number[] {
  return text
    .split(/[\s,;]+/)
    .filter(Boolean)
    .flatMap((t) => {
      const range = /^(\d+)\s*[-–]\s*(\d+)$/.exec(t);
      if (!range) return [Number(t)];
      const [a, b] = [Number(range[1]), Number(range[2])];
      return b >= a ? Array.from({ length: b - a + 1 }, (_, i) => a + i) : [NaN];
    });
}

/** The spec's study block for the choice, from what the form holds. */
export function studyFromDraft(choice: StudyChoice, d: StudyDraft): Record<string, unknown> | null {
  switch (choice) {
    case 'none':
      return null;
    case 'tuning':
      return { kind: 'tuning', validationSplit: num(d.validationSplit), selectBy: d.selectBy, baselineEpochFactor: num(d.baselineEpochFactor), finalSeeds: parseNumberList(d.finalSeeds), retrainOn: d.retrainOn };
    case 'm-sharpness':
      return { kind: 'm-sharpness', rho: num(d.measureRho), samples: num(d.samples), ascentSteps: num(d.ascentSteps) };
    case 'fine-tuning': {
      const source =
        d.source === 'pretrain'
          ? { kind: 'pretrain', classes: parseClassList(d.pretrainClasses), epochs: d.pretrainEpochs === '' ? null : num(d.pretrainEpochs) }
          : d.source === 'run'
            ? { kind: 'run', runId: num(d.sourceRunId) }
            : { kind: 'layers' };
      return { kind: 'fine-tuning', source, classes: d.classes.trim() === '' ? null : parseClassList(d.classes), head: d.head };
    }
  }
}

/** The grid fields' text for a study, from its preset: what the form shows when the study is picked. */
export function presetTexts(kind: StudyKind, base: RunConfig): { rho: string; m: string; seeds: string; baseline: boolean; samples: number } {
  const p = studyPreset(kind, base);
  return {
    rho: p.rho.join(', '),
    m: p.m.map((m) => (m === null ? 'whole' : String(m))).join(', '),
    seeds: p.seeds.join(', '),
    baseline: p.baseline,
    samples: samplesFor(p.m.map((m) => m ?? base.batchSize), 1024, base.data.limit),
  };
}
