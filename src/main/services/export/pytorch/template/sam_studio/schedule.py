"""The learning-rate schedule of the run config (src/engine/optim/schedule.ts).

  lr(e) = lr0 * warm(e) * main(e),  e = epoch + (step in epoch + 1) / steps per epoch
  warm(e) = min(1, e / warmupEpochs)                 linear warm-up (Goyal et al. 2017); 1 if none
  main:  constant -> 1
         step     -> gamma ** (number of milestones <= e)
         cosine   -> minFactor + (1 - minFactor) * (1 + cos(pi * u)) / 2,  u = (e - W) / (epochs - W)
                     clamped to [0, 1] (Loshchilov & Hutter 2017, no restarts; decay after warm-up)

A step trains with the lr at the epoch time of its END (so a warm-up's first step moves).
"""
import math


def learning_rate(cfg, epoch, step_in_epoch, steps_per_epoch):
    s = cfg["schedule"]
    e = epoch + (step_in_epoch + 1) / steps_per_epoch
    warm = min(1.0, e / s["warmupEpochs"]) if s["warmupEpochs"] > 0 else 1.0
    main = 1.0
    if s["kind"] == "step":
        main = math.pow(s["gamma"], sum(1 for m in s["milestones"] if e >= m))
    elif s["kind"] == "cosine":
        span = cfg["epochs"] - s["warmupEpochs"]
        u = min(1.0, max(0.0, (e - s["warmupEpochs"]) / span)) if span > 0 else 1.0
        main = s["minFactor"] + (1 - s["minFactor"]) * 0.5 * (1 + math.cos(math.pi * u))
    return cfg["optimizer"]["lr"] * warm * main


def learning_rate_range(cfg):
    """Lowest and highest lr once warmed up: GSAM's rho_t follows the lr between them."""
    s, top = cfg["schedule"], cfg["optimizer"]["lr"]
    if s["kind"] == "step":
        return top * math.pow(s["gamma"], sum(1 for m in s["milestones"] if m <= cfg["epochs"])), top
    if s["kind"] == "cosine" and cfg["epochs"] > s["warmupEpochs"]:
        return top * s["minFactor"], top
    return top, top
