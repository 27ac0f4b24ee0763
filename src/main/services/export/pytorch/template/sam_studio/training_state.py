"""A whole training state as one SAM Studio checkpoint: weights, batch-norm statistics, the base
optimizer's state, the SAM variant's state ("<variant>/…") and the step count ("stepper/t"),
named as the app's stepper names them (src/engine/optim/stepper-state.ts), so the app can
analyse — or resume — a checkpoint written here, and this script can resume one of the app's."""
import numpy as np
import torch

from .checkpoint import layouts, load_model, model_tensors, read_checkpoint, to_app, to_torch, write_checkpoint
from .optim import load_optimizer, optimizer_tensors

STEP_KEY = "stepper/t"


def save(path, model, optimizer, stepper, position, seed, extra):
    tensors = model_tensors(model)
    opt = optimizer_tensors(model, optimizer)
    variant = stepper.variant
    if variant is not None:
        lays = layouts(model)
        for key, values in variant.state.items():
            opt += [(f"{variant.name}/{key}/{i}", to_app(v, lay)) for i, (v, lay) in enumerate(zip(values, lays))]
    opt.append((STEP_KEY, np.array(stepper.t, dtype=np.int32)))
    tensors += [(f"opt/{name}", a) for name, a in opt]
    write_checkpoint(path, {**position, "seed": seed, "extra": extra}, tensors)


def load_weights(path, model):
    """Weights and batch-norm statistics only (the export's initial.ckpt, or any app checkpoint)."""
    meta, tensors = read_checkpoint(path)
    load_model(model, tensors, path)
    return meta, tensors


def restore(path, model, optimizer, stepper):
    """Everything save() wrote; returns the checkpoint's meta (epoch, stepInEpoch, step, extra)."""
    meta, tensors = load_weights(path, model)
    load_optimizer(model, optimizer, tensors)
    variant = stepper.variant
    if variant is not None:
        for key, values in variant.state.items():
            names = [f"opt/{variant.name}/{key}/{i}" for i in range(len(values))]
            missing = [n for n in names if n not in tensors]
            if missing:
                raise ValueError(f"{path} has no {variant.name} state ({missing[0]} is missing): it was written with another SAM variant")
            variant.state[key] = [torch.from_numpy(np.ascontiguousarray(to_torch(tensors[n], lay))).to(v.device) for n, v, lay in zip(names, values, layouts(model))]
    stepper.t = int(tensors.get(f"opt/{STEP_KEY}", np.array(0)))
    return meta
