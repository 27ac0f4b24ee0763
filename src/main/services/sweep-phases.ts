// Sweeps with phases (the SAM paper's studies): creates a sweep's first phase, and whenever one of
// its runs settles, asks the study's planner (src/shared/studies/) what comes next — wait, start
// the next phase (recorded with the decision that chose it, in one transaction with its runs),
// finish, or stop with a reason. Idempotent and synchronous, so two runs settling together start
// a phase once, and a restart picks up a phase that never started (recover).
import type { RunSummary, SweepDetail, SweepSummary } from '../../shared/api';
import { ApiValidationError } from '../../shared/api';
import { issuesToFieldErrors } from '../../shared/unknown-keys';
import { sweepSpecSchema, type SweepRunPlan, type SweepSpec } from '../../shared/sweep';
import {
  SETTLED,
  STUDY_LABELS,
  StudyPlanError,
  emptyState,
  laterPhases,
  nextStep,
  phaseWait,
  planFirstPhase,
  type PhasePlan,
  type PlanContext,
  type SweepState,
} from '../../shared/studies/index';
import type { Store } from './store/index';
import { checkConfigPaths } from '../../engine/check-paths';

export interface SweepPhasesOptions {
  store: Store;
  /** Queue runs the store already holds (status queued) and announce them. */
  enqueue: (runIds: number[]) => void;
}

export class SweepPhases {
  constructor(private readonly o: SweepPhasesOptions) {}

  /** Parse a spec at the services' door: every bad field named, as the doors' validation does. */
  parse(method: string, spec: unknown): SweepSpec {
    return parseSweepSpec(method, spec);
  }

  /** The runs a sweep creates first (what Preview lists). */
  firstPhase(method: string, spec: SweepSpec): PhasePlan {
    return planSweepStart(method, spec, this.context());
  }

  /** A spec as createSweep takes it: parsed, planned, its files present (checkSweepSpec). */
  check(method: string, spec: unknown): { spec: SweepSpec; first: PhasePlan } {
    return checkSweepSpec(method, spec, this.context());
  }

  /** Store the sweep and its first phase in one transaction; returns the ids (not yet queued). */
  create(spec: SweepSpec, first: PhasePlan): { sweepId: number; runIds: number[] } {
    const { store } = this.o;
    return store.db.transaction(() => {
      const state = spec.study ? emptyState() : null;
      const sweepId = store.createSweep(spec.name, spec, state);
      const runIds = this.createRuns(sweepId, first.plans);
      if (state) store.setSweepState(sweepId, { ...state, decision: first.decision ?? null, phases: [{ name: first.phase, runIds, startedAt: Date.now() }] });
      return { sweepId, runIds };
    })();
  }

  private createRuns(sweepId: number, plans: SweepRunPlan[]): number[] {
    return plans.map((p) => this.o.store.createRun({ name: p.name, config: p.config, sweepId, tags: p.baseline ? ['baseline'] : [], status: 'queued' }).id);
  }

  /** A run settled (or was deleted): its sweep may move on. */
  onRunChanged(run: Pick<RunSummary, 'sweepId' | 'status'>): void {
    if (run.sweepId !== null && run.status !== 'queued' && run.status !== 'running') this.advance(run.sweepId);
  }

  /** Start every next phase that is due (start-up: a phase whose runs settled while the app was closed). */
  recover(): void {
    for (const id of this.o.store.sweeps.openStudies()) this.advance(id);
  }

  /** Move a study sweep on if its last phase has settled. */
  advance(sweepId: number): void {
    const { store } = this.o;
    const queued = store.db.transaction((): number[] => {
      const sweep = store.getSweep(sweepId);
      if (!sweep?.state || sweep.state.complete) return [];
      const parsed = sweepSpecSchema.safeParse(sweep.spec);
      if (!parsed.success) {
        store.setSweepState(sweepId, { ...sweep.state, complete: true, error: `its stored spec no longer validates (${parsed.error.issues[0]?.message}); no further phase starts` });
        return [];
      }
      const spec = parsed.data;
      const runs = store.listRuns({ sweepId, limit: 10000 });
      const step = nextStep(spec, sweep.state, runs, this.context());
      if (step.kind === 'wait') return [];
      if (step.kind === 'done' || step.kind === 'fail') {
        store.setSweepState(sweepId, { ...sweep.state, complete: true, error: step.kind === 'fail' ? step.reason : null });
        return [];
      }
      const runIds = this.createRuns(sweepId, step.plan.plans);
      const state: SweepState = {
        ...sweep.state,
        decision: step.plan.decision ?? sweep.state.decision,
        phases: [...sweep.state.phases, { name: step.plan.phase, runIds, startedAt: Date.now() }],
      };
      store.setSweepState(sweepId, state);
      return runIds;
    })();
    if (queued.length) this.o.enqueue(queued);
  }

  list(): SweepSummary[] {
    return this.o.store.sweeps.list().map((s) => this.summary(s, s.runCount, null));
  }

  detail(id: number): SweepDetail {
    const s = this.o.store.getSweep(id);
    if (!s) throw new Error(`sweep ${id} is not in this database; list the sweeps to pick another id`);
    const parsed = sweepSpecSchema.safeParse(s.spec);
    if (!parsed.success) throw new Error(`sweep ${id} was stored with a spec this version cannot read (${parsed.error.issues[0]?.message}); its runs are still in the run list`);
    const spec = parsed.data;
    const runs = this.o.store.listRuns({ sweepId: id, sort: 'createdAt', order: 'asc', limit: 10000 });
    return { ...this.summary(s, runs.length, runs), spec, state: s.state, runs, later: s.state && s.state.phases.length < 2 && !s.state.complete ? laterPhases(spec) : [] };
  }

  private summary(s: { id: number; name: string; createdAt: number; spec: unknown; state: SweepState | null }, runCount: number, runs: RunSummary[] | null): SweepSummary {
    const study = (s.spec as { study?: { kind?: keyof typeof STUDY_LABELS } | null }).study?.kind ?? null;
    const all = runs ?? this.o.store.listRuns({ sweepId: s.id, limit: 10000 });
    const open = all.filter((r) => !SETTLED.includes(r.status));
    const complete = s.state ? s.state.complete : open.length === 0;
    const status = s.state?.error ?? (complete ? 'done' : s.state ? (phaseWait(s.state, all) ?? 'starting the next phase') : `${open.length} of ${all.length} runs still to finish`);
    return { id: s.id, name: s.name, createdAt: s.createdAt, study, runCount, status, complete };
  }

  private context(): PlanContext {
    return storePlanContext(this.o.store);
  }
}

/** A sweep spec parsed with every bad field named (an unknown key with the one meant), as an API validation error. */
export function parseSweepSpec(method: string, spec: unknown): SweepSpec {
  const r = sweepSpecSchema.safeParse(spec);
  if (!r.success) throw new ApiValidationError(method, issuesToFieldErrors(sweepSpecSchema, r.error.issues));
  return r.data;
}

/**
 * The runs a sweep creates first (what Preview lists); a study that cannot be planned (a
 * fine-tuning source run that is not finished) is a validation error naming its field.
 */
export function planSweepStart(method: string, spec: SweepSpec, ctx: PlanContext): PhasePlan {
  try {
    return planFirstPhase(spec, ctx);
  } catch (e) {
    if (e instanceof StudyPlanError) throw new ApiValidationError(method, [{ field: e.field, message: e.message }]);
    throw e;
  }
}

/**
 * A spec checked as createSweep checks it, without writing: parsed, its first phase planned, and
 * the files its runs read present (every run of a sweep shares the base's data and model paths,
 * so checking one checks all). Every problem is a validation error naming its field.
 */
export function checkSweepSpec(method: string, spec: unknown, ctx: PlanContext): { spec: SweepSpec; first: PhasePlan } {
  const parsed = parseSweepSpec(method, spec);
  const first = planSweepStart(method, parsed, ctx);
  const missing = first.plans.length ? checkConfigPaths(first.plans[0].config) : [];
  if (missing.length) throw new ApiValidationError(method, missing);
  return { spec: parsed, first };
}

/** The stored runs as the planners look them up (a fine-tuning study starts from one). */
export function storePlanContext(store: Pick<Store, 'getRunRecord' | 'lastCheckpoint'>): PlanContext {
  return {
    run: (id) => {
      const r = store.getRunRecord(id);
      return r ? { config: r.config, status: r.status, checkpoint: store.lastCheckpoint(id)?.path ?? null } : null;
    },
  };
}
