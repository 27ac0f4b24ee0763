// The SAM variant a run config names (sam.variant.kind), built on the model it will perturb.
import type { SamConfig } from '../../../shared/config';
import type { EngineModel } from '../../types';
import { checkSamOptions } from '../sam';
import { esamVariant } from './esam';
import { friendlySamVariant } from './friendly-sam';
import { gsamVariant } from './gsam';
import { lookSamVariant } from './looksam';
import { samVariant } from './sam';
import { samOnVariant } from './sam-on';
import type { SamVariant } from './types';

export type { SamVariant, StepInfo, FirstPass, Perturbation, Combined } from './types';
export { gsamRho } from './gsam';

export interface VariantContext {
  model: EngineModel;
  /** The learning-rate schedule's lowest and highest values (GSAM's ρ_t follows the lr between them). */
  lrRange: { min: number; max: number };
}

export function makeSamVariant(sam: SamConfig, ctx: VariantContext): SamVariant {
  checkSamOptions(sam);
  const v = sam.variant;
  switch (v.kind) {
    case 'sam':
      return samVariant(sam);
    case 'gsam':
      return gsamVariant({ ...sam, alpha: v.alpha, rhoMin: v.rhoMin ?? sam.rho, lrRange: ctx.lrRange });
    case 'esam':
      return esamVariant({ ...sam, beta: v.beta, gamma: v.gamma });
    case 'looksam':
      return lookSamVariant({ ...sam, k: v.k, alpha: v.alpha });
    case 'friendly-sam':
      return friendlySamVariant({ ...sam, sigma: v.sigma, lambda: v.lambda });
    case 'sam-on':
      return samOnVariant(sam, ctx.model.normalization ?? ctx.model.params.map(() => false));
    default:
      throw new Error(`unknown sam.variant.kind "${String((v as { kind: unknown }).kind)}"`);
  }
}
