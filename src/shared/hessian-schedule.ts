// When a run analyses its Hessian: every `everyEpochs` epochs and/or at the end. The engine runs
// the analysis on this schedule; the services plan progress and ETA with it.
import type { HessianConfig } from './config';

/** Should the analysis run after `epochsDone` epochs (1-based) of `total`? */
export function analysisDue(h: HessianConfig | null, epochsDone: number, total: number): boolean {
  if (!h) return false;
  if (h.everyEpochs !== null && epochsDone % h.everyEpochs === 0) return true;
  return h.atEnd && epochsDone === total;
}

/** How many analyses a run does after epoch `fromEpoch` (0 = all of them). */
export function analysesAfter(h: HessianConfig | null, fromEpoch: number, total: number): number {
  let n = 0;
  for (let e = fromEpoch + 1; e <= total; e++) if (analysisDue(h, e, total)) n++;
  return n;
}
