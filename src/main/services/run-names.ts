// Default run names: what differs between runs (data, model, optimizer, SAM) in a short label.
import { describeOptimizer, type RunConfig } from '../../shared/config';

export function defaultRunName(c: RunConfig): string {
  return c.name ?? `${c.data.name} ${c.model.kind} · ${describeOptimizer(c)}`;
}

/** "x (re-run)" → "x (re-run 2)" → "x (re-run 3)": keep names distinguishable in the list. */
export function derivedName(base: string, suffix: string): string {
  const m = base.match(new RegExp(`^(.*) \\(${suffix}(?: (\\d+))?\\)$`));
  if (!m) return `${base} (${suffix})`;
  return `${m[1]} (${suffix} ${m[2] ? Number(m[2]) + 1 : 2})`;
}
