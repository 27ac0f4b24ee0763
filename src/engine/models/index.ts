// buildModel: the model zoo behind `model.kind` in the run config.
import '@tensorflow/tfjs-layers'; // registers tfjs-core gradients under Node (see backend.ts)
import type { ModelConfig } from '../../shared/config';
import type { EngineModel } from '../types';
import { buildCnn } from './cnn';
import { loadLayersModel } from './layers-model';
import { buildMlp } from './mlp';
import { buildResnet18, buildResnet20, buildWideResnet } from './resnet';

export interface BuildOptions {
  /** A fresh classifier head (startFrom.head "new"): the built-in models always have one; a Layers model gets its last Dense layer replaced. */
  newHead?: boolean;
  /** Average instead of max pooling (the CNN's smooth twin, hessian/smooth-twin.ts); no weights change. */
  averagePool?: boolean;
}

/** Does `cfg` build max-pool layers, which BuildOptions.averagePool turns into average pools? (Only the CNN's blocks pool.) */
export function poolsByMax(cfg: ModelConfig): boolean {
  return cfg.kind === 'cnn';
}

export async function buildModel(cfg: ModelConfig, inputShape: number[], numClasses: number, seed: number, opts: BuildOptions = {}): Promise<EngineModel> {
  if (!(numClasses >= 2)) throw new Error(`a classifier needs at least 2 classes, got ${numClasses}`);
  switch (cfg.kind) {
    case 'mlp':
      return buildMlp(cfg, inputShape, numClasses, seed);
    case 'cnn':
      return buildCnn(cfg, inputShape, numClasses, seed, { averagePool: opts.averagePool ?? false });
    case 'resnet20':
      return buildResnet20(cfg.width, inputShape, numClasses, seed, cfg);
    case 'resnet18':
      return buildResnet18(cfg.width, inputShape, numClasses, seed, cfg);
    case 'wrn':
      return buildWideResnet(cfg.depth, cfg.widen, inputShape, numClasses, seed, cfg);
    case 'layers':
      return loadLayersModel(cfg.path, inputShape, numClasses, { batchNorm: cfg.batchNorm, dropout: cfg.dropout, newHead: opts.newHead ?? false, seed });
  }
}
