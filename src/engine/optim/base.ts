// The base optimizer named by the run config, and where its weight decay goes.
import type { OptimizerConfig } from '../../shared/config';
import { adam } from './adam';
import { sgd } from './sgd';
import type { GradientTransformation } from './types';

export interface BaseOptimizerPlan {
  optimizer: GradientTransformation;
  /**
   * Weight decay added to the *loss gradient* (weightDecayMode 'loss', as the SAM paper's JAX
   * code puts its L2 penalty inside the loss): it enters g and therefore ε̂. 0 when the base
   * optimizer applies the decay itself (mode 'optimizer', as davda54/sam's torch.optim.SGD
   * weight_decay, and always for adamw, which decouples by definition). Which parameters are
   * decayed is the mask's business (weight-decay.ts), the same in both modes.
   */
  lossWeightDecay: number;
}

export function makeBaseOptimizer(cfg: OptimizerConfig, decayMask: readonly boolean[]): BaseOptimizerPlan {
  const wd = cfg.weightDecay;
  const inLoss = cfg.kind !== 'adamw' && cfg.weightDecayMode === 'loss';
  const optWd = inLoss ? 0 : wd;
  switch (cfg.kind) {
    case 'sgd':
      return {
        optimizer: sgd({ momentum: cfg.momentum, nesterov: cfg.nesterov, weightDecay: optWd, decayMask }),
        lossWeightDecay: inLoss ? wd : 0,
      };
    case 'adam':
    case 'adamw':
      return {
        optimizer: adam({
          beta1: cfg.beta1,
          beta2: cfg.beta2,
          epsilon: cfg.epsilon,
          weightDecay: optWd,
          decoupled: cfg.kind === 'adamw',
          decayMask,
        }),
        lossWeightDecay: inLoss ? wd : 0,
      };
    default:
      throw new Error(`unknown optimizer.kind "${String((cfg as { kind: unknown }).kind)}"; choose sgd, adam or adamw`);
  }
}
