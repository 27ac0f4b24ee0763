// Learning-rate schedules as a pure function of (fractional) epoch time:
//   lr(e) = lr₀ · warm(e) · main(e)
//   warm(e) = min(1, e / warmupEpochs)          linear warm-up from 0 (Goyal et al. 2017); 1 if none
//   main:  constant → 1
//          step     → gamma^(number of milestones ≤ e)
//          cosine   → minFactor + (1 − minFactor)·½(1 + cos(π·t)),  t = (e − W)/(epochs − W) ∈ [0, 1]
//                     (Loshchilov & Hutter 2017, no restarts; the decay starts after the warm-up W)
// With a warm-up, lr(0) = 0: a loop that passes e = step/stepsPerEpoch makes its first step a
// no-op; passing (step + 1)/stepsPerEpoch (the epoch time at the end of the step) avoids that.
import type { RunConfig } from '../../shared/config';

export function learningRateAt(cfg: Pick<RunConfig, 'optimizer' | 'schedule' | 'epochs'>, epochFloat: number): number {
  if (!Number.isFinite(epochFloat) || epochFloat < 0) {
    throw new Error(`learningRateAt: epoch must be a finite number ≥ 0, got ${epochFloat}`);
  }
  const s = cfg.schedule;
  const lr0 = cfg.optimizer.lr;
  const e = epochFloat;
  const warm = s.warmupEpochs > 0 ? Math.min(1, e / s.warmupEpochs) : 1;
  let main = 1;
  switch (s.kind) {
    case 'constant':
      break;
    case 'step': {
      const passed = s.milestones.filter((m) => e >= m).length;
      main = Math.pow(s.gamma, passed);
      break;
    }
    case 'cosine': {
      const span = cfg.epochs - s.warmupEpochs;
      const t = span > 0 ? Math.min(1, Math.max(0, (e - s.warmupEpochs) / span)) : 1;
      main = s.minFactor + (1 - s.minFactor) * 0.5 * (1 + Math.cos(Math.PI * t));
      break;
    }
    default:
      throw new Error(`unknown schedule.kind "${String((s as { kind: unknown }).kind)}"; choose constant, step or cosine`);
  }
  return lr0 * warm * main;
}

/**
 * The lowest and highest learning rate of the schedule once warmed up: GSAM's ρ_t moves with
 * the lr between them (Zhuang et al. 2022; during a warm-up, below the lowest, ρ_t stays at ρ_min).
 */
export function learningRateRange(cfg: Pick<RunConfig, 'optimizer' | 'schedule' | 'epochs'>): { min: number; max: number } {
  const s = cfg.schedule;
  const max = cfg.optimizer.lr;
  if (s.kind === 'step') return { min: max * Math.pow(s.gamma, s.milestones.filter((m) => m <= cfg.epochs).length), max };
  if (s.kind === 'cosine' && cfg.epochs > s.warmupEpochs) return { min: max * s.minFactor, max };
  return { min: max, max };
}
