// Learning-rate schedules as a pure function of the step about to be taken: step t (0-based, of
// T = epochs·S steps, S steps per epoch) trains with
//   lr(t) = lr₀ · warm(t) · main(t)
//   warm(t) = min(1, (t + 1)/(W·S))          linear warm-up over W epochs (Goyal et al. 2017): the
//                                            first step already moves (lr₀/(W·S)), the last warm-up
//                                            step reaches lr₀; 1 without a warm-up
//   main:  constant → 1
//          step     → gamma^(number of milestones m with t ≥ m·S): a milestone takes effect at the
//                     first step of its epoch, exactly
//          cosine   → minFactor + (1 − minFactor)·½(1 + cos(π·u)),  u = (t − W·S)/(T − W·S) ∈ [0, 1)
//                     (Loshchilov & Hutter 2017, no restarts; the decay starts after the warm-up)
// So the first cosine step runs at the full lr₀ and the last one still above lr₀·minFactor — as
// PyTorch's CosineAnnealingLR(T_max = T) stepped once per batch after the optimizer, and as the SAM
// paper's JAX code, which evaluates its schedule at the optimizer's step count before the update.
import type { RunConfig } from '../../shared/config';

export type ScheduleInput = Pick<RunConfig, 'optimizer' | 'schedule' | 'epochs'>;

export function learningRateAt(cfg: ScheduleInput, step: number, stepsPerEpoch: number): number {
  if (!(Number.isInteger(step) && step >= 0)) throw new Error(`learningRateAt: step must be a whole number ≥ 0, got ${step}`);
  if (!(Number.isInteger(stepsPerEpoch) && stepsPerEpoch >= 1)) {
    throw new Error(`learningRateAt: stepsPerEpoch must be a whole number ≥ 1, got ${stepsPerEpoch}`);
  }
  const s = cfg.schedule;
  const warmSteps = s.warmupEpochs * stepsPerEpoch;
  const warm = warmSteps > 0 ? Math.min(1, (step + 1) / warmSteps) : 1;
  let main = 1;
  switch (s.kind) {
    case 'constant':
      break;
    case 'step': {
      const passed = s.milestones.filter((m) => step >= m * stepsPerEpoch).length;
      main = Math.pow(s.gamma, passed);
      break;
    }
    case 'cosine': {
      const span = cfg.epochs * stepsPerEpoch - warmSteps;
      const u = span > 0 ? Math.min(1, Math.max(0, (step - warmSteps) / span)) : 1;
      main = s.minFactor + (1 - s.minFactor) * 0.5 * (1 + Math.cos(Math.PI * u));
      break;
    }
    default:
      throw new Error(`unknown schedule.kind "${String((s as { kind: unknown }).kind)}"; choose constant, step or cosine`);
  }
  return cfg.optimizer.lr * warm * main;
}

/**
 * The lowest and highest learning rate of the schedule once warmed up: GSAM's ρ_t moves with
 * the lr between them (Zhuang et al. 2022; during a warm-up, below the lowest, ρ_t stays at ρ_min).
 */
export function learningRateRange(cfg: Pick<RunConfig, 'optimizer' | 'schedule' | 'epochs'>): { min: number; max: number } {
  const s = cfg.schedule;
  const max = cfg.optimizer.lr;
  // A milestone takes effect at its epoch's first step, so one at `epochs` (or later) never does.
  if (s.kind === 'step') return { min: max * Math.pow(s.gamma, s.milestones.filter((m) => m < cfg.epochs).length), max };
  if (s.kind === 'cosine' && cfg.epochs > s.warmupEpochs) return { min: max * s.minFactor, max };
  return { min: max, max };
}
