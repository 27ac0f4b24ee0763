// How many processes a run can be spread over. The global batch (batchSize) is the app's batch,
// split evenly over the ranks; an m-sharpness chunk must be a whole number of ranks' shares or a
// whole part of one share (the SAM paper's per-device ε̂). The exported script checks the same
// rule (template/sam_studio/stepper.py chunk_plan) and refuses a world size that breaks it.
import type { RunConfig } from '../../../../shared/config';

/** Why `n` processes cannot run `config`, or null when they can. */
export function worldSizeProblem(config: Pick<RunConfig, 'batchSize' | 'sam'>, n: number): string | null {
  const b = config.batchSize;
  if (!Number.isInteger(n) || n < 1) return `the number of processes must be a whole number ≥ 1, got ${n}`;
  if (b % n !== 0) return `batchSize = ${b} does not split over ${n} processes; choose a number of processes that divides ${b}`;
  const share = b / n;
  const m = config.sam?.m ?? b;
  if (m <= share && share % m !== 0) return `sam.m = ${m} does not divide the per-process batch of ${share} (${b} over ${n} processes)`;
  if (m > share && m % share !== 0) return `sam.m = ${m} is not a whole number of per-process batches of ${share} (${b} over ${n} processes)`;
  return null;
}

/** The numbers of processes (up to `max`) that can run `config`, smallest first. */
export function validWorldSizes(config: Pick<RunConfig, 'batchSize' | 'sam'>, max = 64): number[] {
  const out: number[] = [];
  for (let n = 1; n <= max; n++) if (worldSizeProblem(config, n) === null) out.push(n);
  return out;
}
