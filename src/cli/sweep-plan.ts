// `sam-studio sweep --spec FILE`: the spec checked exactly as the services' createSweep checks it
// (one schema, sweepSpecSchema; an unknown key named with the one meant) without writing anything
// — the run database is only read, and only when a study looks up a stored run — and the plan
// printed as the Sweep form's Preview shows it (--dry-run).
import { existsSync } from 'node:fs';
import { ApiValidationError } from '../shared/api';
import { describeOptimizer } from '../shared/config';
import { configRows } from '../shared/config-diff';
import { PHASE_LABELS, laterPhases, type PhasePlan, type PlanContext } from '../shared/studies/index';
import type { SweepSpec } from '../shared/sweep';
import { UsageError } from './args';
import { readJsonOption } from './input-files';
import { textTable } from './table';

export interface CheckedSweep {
  spec: SweepSpec;
  /** The runs the sweep creates first (all of them for a plain grid). */
  first: PhasePlan;
}

/** Read and check the spec file; bad input (exit 2) names the file and every bad field. */
export async function checkSpecFile(file: string, db: string): Promise<CheckedSweep> {
  const raw = readJsonOption('spec', file);
  const { checkSweepSpec, storePlanContext } = await import('../main/services/sweep-phases');
  const { openStore } = await import('../main/services/store/index');
  // A fine-tuning study may start from a stored run: the database is opened read-only, and only then.
  const opened: { store: ReturnType<typeof openStore> | null } = { store: null };
  const ctx: PlanContext = {
    run: (id) => {
      if (!existsSync(db)) return null;
      opened.store ??= openStore(db, { readonly: true });
      return storePlanContext(opened.store).run(id);
    },
  };
  try {
    return checkSweepSpec('sweep', raw, ctx);
  } catch (e) {
    if (e instanceof ApiValidationError) {
      const lines = e.issues.map((i) => `  - ${!i.field || i.message.includes(i.field) ? i.message : `${i.field}: ${i.message}`}`);
      throw new UsageError(`${file}: invalid sweep spec:\n${lines.join('\n')}`, e.issues);
    }
    throw e;
  } finally {
    opened.store?.close();
  }
}

/** Whether the plan's rows belong to a study's phases (the form then shows a Phase column). */
const phased = (s: CheckedSweep) => s.spec.study !== null;

/** The plan as one JSON object: each run with what differs between the runs, and the phases to come. */
export function planJson(s: CheckedSweep): Record<string, unknown> {
  const plans = s.first.plans;
  const differing = configRows(plans.map((p) => p.config)).filter((r) => r.differs && r.field !== 'name');
  return {
    name: s.spec.name,
    study: s.spec.study?.kind ?? null,
    phase: s.first.phase,
    runs: plans.map((p, i) => ({
      name: p.name,
      baseline: p.baseline,
      phase: p.phase ?? null,
      optimizer: describeOptimizer(p.config),
      seed: p.config.seed,
      differs: Object.fromEntries(differing.map((r) => [r.field, r.values[i]])),
      config: p.config,
    })),
    later: laterPhases(s.spec),
  };
}

/** The plan as the Sweep form's Preview table: #, name, optimizer, seed, baseline (and phase for a study). */
export function planText(s: CheckedSweep): string {
  const plans = s.first.plans;
  const head = ['#', 'optimizer', 'seed', 'baseline', ...(phased(s) ? ['phase'] : []), 'name'];
  const rows = plans.map((p, i) => [String(i + 1), describeOptimizer(p.config), String(p.config.seed), p.baseline ? 'yes' : '', ...(phased(s) ? [p.phase ? PHASE_LABELS[p.phase] : ''] : []), p.name]);
  const title = `sweep “${s.spec.name}”${s.spec.study ? ` (study: ${s.spec.study.kind})` : ''}: ${plans.length} run${plans.length === 1 ? '' : 's'}${laterPhases(s.spec).length ? ' first' : ''}`;
  return [title, textTable(head, rows), ...laterPhases(s.spec)].join('\n');
}
