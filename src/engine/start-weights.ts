// The weights a run starts from: the model built from its config (seeded), then — for a
// fine-tuning run (config.startFrom) — every weight of the source checkpoint copied in, except the
// classifier head when startFrom.head is "new" (it stays freshly initialised from the run seed, sized
// for this run's classes). A resumed run skips the copy: its own checkpoint overwrites all.
import type { RunConfig } from '../shared/config';
import { assignModelState, disposeContents, loadCheckpoint } from './checkpoint';
import { buildModel } from './models/index';
import type { EngineModel } from './types';

export async function buildStartModel(config: RunConfig, data: { inputShape: number[]; numClasses: number }, opts: { applyInit: boolean }): Promise<EngineModel> {
  const model = await buildModel(config.model, data.inputShape, data.numClasses, config.seed, { newHead: config.startFrom?.head === 'new' });
  try {
    if (opts.applyInit && config.startFrom?.checkpoint) await copyInitWeights(model, config.startFrom.checkpoint, config.startFrom.head);
    return model;
  } catch (e) {
    model.dispose();
    throw e;
  }
}

async function copyInitWeights(model: EngineModel, path: string, head: 'new' | 'keep'): Promise<void> {
  if (head === 'new' && !model.head?.some(Boolean)) {
    throw new Error(`startFrom.head "new": model.kind "${model.kind}" does not say which weights are its classifier head; use startFrom.head "keep"`);
  }
  let ck;
  try {
    ck = await loadCheckpoint(path);
  } catch (e) {
    throw new Error(`startFrom.checkpoint: ${(e as Error).message}; fine-tune from an existing run's checkpoint`);
  }
  try {
    assignModelState(path, model, ck.contents, head === 'new' ? model.head : undefined);
  } catch (e) {
    const hint = head === 'keep' ? ' (with startFrom.head "keep" the head must match too: other classes need a new head)' : '';
    throw new Error(`startFrom.checkpoint: ${(e as Error).message}${hint}; the model config must be the one the source run trained`);
  } finally {
    disposeContents(ck.contents);
  }
}
