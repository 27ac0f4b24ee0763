"""The base optimizer of the run config, as torch.optim, and its state in the app's names.

The app's SGD and Adam/AdamW are written to match torch.optim.SGD (dampening 0) and
torch.optim.Adam/AdamW, so these are the same updates:
  SGD:   g' = g + wd w;  b <- mu b + g';  d = nesterov ? g' + mu b : b;  w <- w - lr d
  Adam:  g' = g + wd w (Adam only); m, v moments; w <- w - lr m^/(sqrt(v^) + eps) (- lr wd w, AdamW)
Which parameters are decayed is optimizer.weightDecayParams: 'all', or 'weights-only' (kernels,
rank > 1); runs stored before the field existed decayed weights only. With weightDecayMode
'loss' (not AdamW) the decay is not torch.optim's: the stepper adds wd * w to both SAM passes'
gradients instead, so it enters eps (the SAM paper's JAX code).
"""
import numpy as np
import torch

from .checkpoint import layouts, to_app, to_torch


def decay_mask(params, which):
    if which == "all":
        return [True for _ in params]
    return [p.dim() > 1 for p in params]


def make_optimizer(model, cfg):
    opt = cfg["optimizer"]
    params = list(model.parameters())
    mask = decay_mask(params, opt.get("weightDecayParams", "weights-only"))
    in_loss = opt["kind"] != "adamw" and opt["weightDecayMode"] == "loss"
    wd = 0.0 if in_loss else opt["weightDecay"]
    groups = [
        {"params": [p for p, d in zip(params, mask) if d], "weight_decay": wd},
        {"params": [p for p, d in zip(params, mask) if not d], "weight_decay": 0.0},
    ]
    groups = [g for g in groups if g["params"]]
    if opt["kind"] == "sgd":
        optimizer = torch.optim.SGD(groups, lr=opt["lr"], momentum=opt["momentum"], nesterov=opt["nesterov"])
    else:
        cls = torch.optim.AdamW if opt["kind"] == "adamw" else torch.optim.Adam
        optimizer = cls(groups, lr=opt["lr"], betas=(opt["beta1"], opt["beta2"]), eps=opt["epsilon"])
    optimizer.decay_mask = mask
    optimizer.kind = opt["kind"]
    optimizer.momentum = opt["momentum"]
    return optimizer


def optimizer_tensors(model, optimizer):
    """[(name, array)] of the base optimizer's state in the app's names and layouts."""
    params, lays = list(model.parameters()), layouts(model)
    out = []
    if optimizer.kind == "sgd":
        if optimizer.momentum > 0:
            for i, (p, lay) in enumerate(zip(params, lays)):
                buf = optimizer.state[p].get("momentum_buffer")
                out.append((f"momentum/{i}", to_app(buf if buf is not None else torch.zeros_like(p), lay)))
        return out
    steps = [float(optimizer.state[p]["step"]) for p in params if "step" in optimizer.state[p]]
    out.append(("count", np.array(steps[0] if steps else 0.0, dtype=np.float32)))
    for i, (p, lay) in enumerate(zip(params, lays)):
        s = optimizer.state[p]
        out.append((f"m/{i}", to_app(s.get("exp_avg", torch.zeros_like(p)), lay)))
        out.append((f"v/{i}", to_app(s.get("exp_avg_sq", torch.zeros_like(p)), lay)))
    return out


def load_optimizer(model, optimizer, tensors):
    """Restore the base optimizer's state from an app checkpoint's opt/… tensors."""
    params, lays = list(model.parameters()), layouts(model)

    def tensor(name, p, lay):
        return torch.from_numpy(np.ascontiguousarray(to_torch(tensors[f"opt/{name}"], lay))).to(p.device)

    if optimizer.kind == "sgd":
        if optimizer.momentum > 0:
            for i, (p, lay) in enumerate(zip(params, lays)):
                optimizer.state[p]["momentum_buffer"] = tensor(f"momentum/{i}", p, lay)
        return
    count = float(tensors["opt/count"])
    for i, (p, lay) in enumerate(zip(params, lays)):
        optimizer.state[p] = {"step": torch.tensor(count), "exp_avg": tensor(f"m/{i}", p, lay), "exp_avg_sq": tensor(f"v/{i}", p, lay)}
