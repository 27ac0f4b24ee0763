// Loss-landscape slices around the current weights (issue 4, point 3): 1-D and 2-D slices along
// random filter-normalised directions (Li et al. 2018) and the 1-D slice along SAM's ε̂.
// Units: for '1d-random' / '2d-random', α and β multiply filter-normalised directions (α = 1 moves
// each filter by its own norm); for '1d-eps', α multiplies ε̂ itself, so α = 1 is the point
// w + ε̂ where SAM takes its second gradient.
import * as tf from '@tensorflow/tfjs-core';
import type { LandscapeKind, LandscapeResult } from '../../shared/events';
import { Rng } from '../rng';
import type { LossClosure } from '../types';
import { filterNormalizedDirection } from './directions';
import { linspace, lossesAt } from './slices';

export { filterNormalizedDirection, samEpsilonAt } from './directions';
export { linspace, lossesAt } from './slices';

export interface LandscapeOptions {
  seed: number;
  kinds: LandscapeKind[];
  /**
   * ε̂ for the '1d-eps' slice, shaped like closure.params: the last SAM step's, or samEpsilonAt()
   * with the run's own SAM options. Required for that kind; owned by the caller.
   */
  epsDirection?: tf.Tensor[] | null;
  /** Points per axis (default 21; 2-D slices use min(points, 15)² points). */
  points?: number;
  /** Random slices cover α, β ∈ [−span, span] (default 1, as in Li et al.). */
  span?: number;
  /** The ε̂ slice covers α ∈ [−epsSpan, epsSpan] in units of ε̂ (default 4). */
  epsSpan?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

const SALT = { d1: 11, d2a: 12, d2b: 13 } as const;
const KINDS: readonly LandscapeKind[] = ['1d-random', '2d-random', '1d-eps'];

export async function computeLandscapes(closure: LossClosure, opts: LandscapeOptions): Promise<LandscapeResult[]> {
  for (const k of opts.kinds) if (!KINDS.includes(k)) throw new Error(`unknown landscape kind "${k}"; choose ${KINDS.join(', ')}`);
  const eps = opts.epsDirection ?? null;
  if (opts.kinds.includes('1d-eps')) {
    if (!eps) throw new Error("the '1d-eps' landscape needs epsDirection: the ε̂ of a SAM step, or samEpsilonAt() with the run's SAM options");
    if (eps.length !== closure.params.length) {
      throw new Error(`epsDirection has ${eps.length} tensors, the model has ${closure.params.length} parameters tensors`);
    }
  }
  const points = opts.points ?? 21;
  const points2d = Math.min(points, 15);
  const span = opts.span ?? 1;
  const epsSpan = opts.epsSpan ?? 4;
  const root = new Rng(opts.seed);
  const rng = { d1: root.fork(SALT.d1), d2a: root.fork(SALT.d2a), d2b: root.fork(SALT.d2b) };
  const sizes: Record<LandscapeKind, number> = { '1d-random': points, '2d-random': points2d * points2d, '1d-eps': points };
  const total = opts.kinds.reduce((a, k) => a + sizes[k], 0);
  let done = 0;
  const hooks = {
    signal: opts.signal,
    onPoint: async () => {
      done++;
      opts.onProgress?.(done, total);
      await new Promise<void>((resolve) => setImmediate(resolve));
    },
  };
  const results: LandscapeResult[] = [];
  for (const kind of opts.kinds) {
    const owned: tf.Tensor[][] = [];
    try {
      if (kind === '1d-random') {
        const d = await filterNormalizedDirection(closure.params, rng.d1);
        owned.push(d);
        const alphas = linspace(span, points);
        results.push({ kind, alphas, betas: null, losses: await lossesAt(closure, [d], alphas.map((a) => [a]), hooks) });
      } else if (kind === '2d-random') {
        const d1 = await filterNormalizedDirection(closure.params, rng.d2a);
        const d2 = await filterNormalizedDirection(closure.params, rng.d2b);
        owned.push(d1, d2);
        const alphas = linspace(span, points2d);
        const betas = linspace(span, points2d);
        const coords = alphas.flatMap((a) => betas.map((b) => [a, b]));
        results.push({ kind, alphas, betas, losses: await lossesAt(closure, [d1, d2], coords, hooks) });
      } else {
        const alphas = linspace(epsSpan, points);
        results.push({ kind, alphas, betas: null, losses: await lossesAt(closure, [eps as tf.Tensor[]], alphas.map((a) => [a]), hooks) });
      }
    } finally {
      owned.forEach((ts) => ts.forEach((t) => t.dispose()));
    }
  }
  return results;
}
