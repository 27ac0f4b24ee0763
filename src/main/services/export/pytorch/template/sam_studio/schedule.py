"""The learning-rate schedule of the run config (src/engine/optim/schedule.ts): a pure function
of the step about to be taken, t (0-based, of T = epochs * S steps, S steps per epoch):

  lr(t) = lr0 * warm(t) * main(t)
  warm(t) = min(1, (t + 1) / (W S))        linear warm-up over W epochs (Goyal et al. 2017); 1 if none
  main:  constant -> 1
         step     -> gamma ** (number of milestones m with t >= m S): each at its epoch's first step
         cosine   -> minFactor + (1 - minFactor) * (1 + cos(pi * u)) / 2,  u = (t - W S) / (T - W S)
                     clamped to [0, 1] (Loshchilov & Hutter 2017, no restarts; decay after warm-up)

The first cosine step runs at the full lr0, as torch's CosineAnnealingLR(T_max = T) stepped once
per batch after the optimizer.
"""
import math


def learning_rate(cfg, epoch, step_in_epoch, steps_per_epoch):
    s = cfg["schedule"]
    t = epoch * steps_per_epoch + step_in_epoch
    warm_steps = s["warmupEpochs"] * steps_per_epoch
    warm = min(1.0, (t + 1) / warm_steps) if warm_steps > 0 else 1.0
    main = 1.0
    if s["kind"] == "step":
        main = math.pow(s["gamma"], sum(1 for m in s["milestones"] if t >= m * steps_per_epoch))
    elif s["kind"] == "cosine":
        span = cfg["epochs"] * steps_per_epoch - warm_steps
        u = min(1.0, max(0.0, (t - warm_steps) / span)) if span > 0 else 1.0
        main = s["minFactor"] + (1 - s["minFactor"]) * 0.5 * (1 + math.cos(math.pi * u))
    return cfg["optimizer"]["lr"] * warm * main


def learning_rate_range(cfg):
    """Lowest and highest lr once warmed up: GSAM's rho_t follows the lr between them."""
    s, top = cfg["schedule"], cfg["optimizer"]["lr"]
    if s["kind"] == "step":
        # A milestone takes effect at its epoch's first step, so one at `epochs` (or later) never does.
        return top * math.pow(s["gamma"], sum(1 for m in s["milestones"] if m < cfg["epochs"])), top
    if s["kind"] == "cosine" and cfg["epochs"] > s["warmupEpochs"]:
        return top * s["minFactor"], top
    return top, top
