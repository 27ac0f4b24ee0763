// What a multi-phase sweep records and reads: its phases (which runs each created), the decision
// taken between phases, and whether the next phase may start. The services store `SweepState`
// with the sweep; the planners in this folder are pure functions of the spec, that state and
// the runs, so the same code decides in the services, previews in the form and reads in reports.
import type { RunStatus } from '../api';
import type { RunConfig } from '../config';
import type { FinalMetrics } from '../events';
import type { Summary } from '../stats';
import type { SweepRunPlan } from '../sweep';

export type { StudyKind } from './schema';

export const PHASE_NAMES = ['grid', 'final', 'pretrain', 'fine-tune'] as const;
export type PhaseName = (typeof PHASE_NAMES)[number];

export const PHASE_LABELS: Record<PhaseName, string> = {
  grid: 'grid',
  final: 'retrained at the chosen ρ',
  pretrain: 'pre-training',
  'fine-tune': 'fine-tuning',
};

/** What the analyses need of a run (RunSummary has it all). */
export interface StudyRun {
  id: number;
  status: RunStatus;
  config: RunConfig;
  finalMetrics: Partial<FinalMetrics> | null;
}

export interface SweepPhaseRecord {
  name: PhaseName;
  runIds: number[];
  startedAt: number;
}

/** One grid point of the tuning protocol as the selection saw it. */
export interface CandidateSummary {
  key: string;
  label: string;
  rho: number;
  runIds: number[];
  /** Runs that ended without a result (diverged, failed, cancelled). */
  missing: number;
  summary: Summary | null;
}

/** Why the tuning protocol retrained what it retrained. */
export interface TuningDecision {
  kind: 'tuning';
  selectBy: 'valAccuracy' | 'valLoss';
  chosen: { key: string; label: string; rho: number; runIds: number[] };
  candidates: CandidateSummary[];
  /** Labels of candidates not told apart from the winner on these seeds (overlapping 95 % CIs). */
  close: string[];
  /** The reading in plain sentences: what won, by how much, and how sure. */
  sentences: string[];
}

/** Which trained model a fine-tuning phase started from. */
export interface FineTuneDecision {
  kind: 'fine-tuning';
  sourceRunId: number | null;
  checkpoint: string | null;
  sentences: string[];
}

export type StudyDecision = TuningDecision | FineTuneDecision;

export interface SweepState {
  phases: SweepPhaseRecord[];
  decision: StudyDecision | null;
  /** Why the next phase could not start (e.g. every grid run failed). */
  error: string | null;
  /** No phase follows the last one. */
  complete: boolean;
}

/** A stored run as the planners may look it up (fine-tuning starts from one). */
export interface StoredRunInfo {
  config: RunConfig;
  status: RunStatus;
  /** Its last checkpoint file; null when it wrote none. */
  checkpoint: string | null;
}

export interface PlanContext {
  run(id: number): StoredRunInfo | null;
}

export interface PhasePlan {
  phase: PhaseName;
  plans: SweepRunPlan[];
  decision?: StudyDecision;
}

export type NextStep =
  | { kind: 'phase'; plan: PhasePlan }
  | { kind: 'wait'; reason: string }
  | { kind: 'done' }
  | { kind: 'fail'; reason: string };

/** Statuses after which a run will not change by itself. Interrupted runs may still be resumed. */
export const SETTLED: readonly RunStatus[] = ['done', 'failed', 'cancelled'];

/**
 * Whether the runs of the last phase are all settled: a phase's results are read only once. A
 * deleted run counts as settled (it will never report); an interrupted one makes the sweep wait
 * until it is resumed or cancelled.
 */
export function phaseWait(state: SweepState, runs: readonly StudyRun[]): string | null {
  const last = state.phases[state.phases.length - 1];
  if (!last) return null;
  const byId = new Map(runs.map((r) => [r.id, r]));
  const open = last.runIds.map((id) => byId.get(id)).filter((r): r is StudyRun => r !== undefined && !SETTLED.includes(r.status));
  if (!open.length) return null;
  const stuck = open.filter((r) => r.status === 'interrupted');
  if (stuck.length) return `waiting for interrupted run${stuck.length > 1 ? 's' : ''} ${stuck.map((r) => `#${r.id}`).join(', ')}: resume or cancel ${stuck.length > 1 ? 'them' : 'it'} to go on`;
  return `${PHASE_LABELS[last.name]}: ${open.length} of ${last.runIds.length} run${last.runIds.length > 1 ? 's' : ''} still to finish`;
}

/** Runs of one phase, in the order they were created (deleted ones left out). */
export function phaseRuns<R extends StudyRun>(state: SweepState, name: PhaseName, runs: readonly R[]): R[] {
  const ids = state.phases.find((p) => p.name === name)?.runIds ?? [];
  const byId = new Map(runs.map((r) => [r.id, r]));
  return ids.map((id) => byId.get(id)).filter((r): r is R => r !== undefined);
}

export function emptyState(): SweepState {
  return { phases: [], decision: null, error: null, complete: false };
}
