// Run names: the user's, or the automatic one that says what the run is (src/shared/run-name.ts).
import type { RunConfig } from '../../shared/config';
import { autoRunName } from '../../shared/run-name';

export function defaultRunName(c: RunConfig): string {
  return c.name ?? autoRunName(c);
}

/** "x (re-run)" → "x (re-run 2)" → "x (re-run 3)": keep names distinguishable in the list. */
export function derivedName(base: string, suffix: string): string {
  const m = base.match(new RegExp(`^(.*) \\(${suffix}(?: (\\d+))?\\)$`));
  if (!m) return `${base} (${suffix})`;
  return `${m[1]} (${suffix} ${m[2] ? Number(m[2]) + 1 : 2})`;
}
