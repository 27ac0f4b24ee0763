// Rebuild a stored run's model (and its data) from a checkpoint, for analysis after the fact
// (`sam-studio hessian --db FILE --run ID`). No optimizer: nothing is trained here.
import type { RunConfig } from '../shared/config';
import { initBackend } from './backend';
import { assignModelState, disposeContents, loadCheckpoint } from './checkpoint';
import { loadDataset } from './data/index';
import type { Dataset } from './data/types';
import { buildStartModel } from './start-weights';
import type { EngineModel } from './types';

export interface RestoredRun {
  model: EngineModel;
  dataset: Dataset;
  /** Whole epochs finished when the checkpoint was written (0 without a checkpoint). */
  epoch: number;
  step: number;
}

/**
 * The model of `config` with the weights and batch-norm state of `checkpointPath` (or freshly
 * initialised from the seed when null), plus the run's data set, loaded with the run's seed so
 * the Hessian batch is the same one training used. The caller disposes `model`.
 */
export async function restoreForAnalysis(
  config: RunConfig,
  checkpointPath: string | null,
  opts: { onProgress?: (p: { phase: string; done: number; total: number; message?: string }) => void } = {},
): Promise<RestoredRun> {
  await initBackend(config.backend, { threads: config.threads });
  const dataset = await loadDataset(config.data, { seed: config.seed, onProgress: opts.onProgress });
  // Without a checkpoint, the weights the run started from (its fine-tuning source, if any).
  const model = await buildStartModel(config, dataset, { applyInit: checkpointPath === null });
  if (!checkpointPath) return { model, dataset, epoch: 0, step: 0 };
  try {
    const ck = await loadCheckpoint(checkpointPath);
    try {
      assignModelState(checkpointPath, model, ck.contents);
    } finally {
      disposeContents(ck.contents);
    }
    return { model, dataset, epoch: ck.meta.epoch, step: ck.meta.step };
  } catch (e) {
    model.dispose();
    throw e;
  }
}
