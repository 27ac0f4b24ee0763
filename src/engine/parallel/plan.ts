// Which way a wasm run uses its threads. Two ways exist (docs/PERFORMANCE.md, "Data-parallel
// ranks"): the threaded build's XNNPACK pool, which splits each matrix product, and data-parallel
// ranks (data-parallel.ts), which split the batch. On the 2-core machine the CNN's SAM step ran
// 1.85× faster on 2 ranks against 1.61× on the 2-thread pool, while the MLP's ran 1.24× against
// 1.37× (one bench run): a 64-row MLP pass still costs 63 % of a 128-row one (each rank packs every weight matrix
// and writes every full-size dW), where convolutions' work follows the rows. So convolutional
// models take ranks and the rest the pool — unless the run takes Hessian analyses, which run on
// rank 0's one thread.
import type { ModelConfig, RunConfig } from '../../shared/config';
import { chooseThreads } from '../backends/wasm-threads';

export interface ParallelPlan {
  /** Data-parallel ranks, this thread included (1 = none: the wasm pool takes `threads`). */
  ranks: number;
  /** What the plan is and why, for the run's log. */
  note: string;
}

/** Why ranks would not give this model the full batch's gradient, or null if they would. */
export function dataParallelUnfit(model: ModelConfig): string | null {
  switch (model.kind) {
    case 'cnn':
    case 'mlp':
      return model.dropout > 0 ? 'its dropout masks are drawn on one thread' : null;
    case 'layers':
      return 'an imported Layers model is built from its file on one thread';
    default:
      return 'it has batch norm, whose statistics are taken over the whole batch';
  }
}

export function planParallel(run: Pick<RunConfig, 'threads' | 'model' | 'hessian'>): ParallelPlan {
  const t = chooseThreads(run.threads).threads;
  if (t < 2) return { ranks: 1, note: '1 thread' };
  const unfit =
    run.model.kind === 'mlp'
      ? 'an MLP step runs faster on the pool: each rank would pack every weight matrix'
      : // Hessian-vector products run on rank 0 alone: a CNN's top-5 analysis would take ~1.6× as
        // long on one thread, more than ranks save on an epoch of steps.
        (dataParallelUnfit(run.model) ?? (run.hessian ? 'its Hessian analyses would run on one thread' : null));
  if (unfit) return { ranks: 1, note: `a pool of ${t} wasm threads (not data-parallel: ${unfit})` };
  return { ranks: t, note: `${t} data-parallel ranks, one wasm thread each, each taking 1/${t} of every batch` };
}
