"""A PyTorch run of an engine recipe (SGD + SAM, cosine schedule) from the engine's own initial
weights and batches, for test/unit/pytorch-parity.test.ts.

Usage: /usr/bin/python3 sam_train_reference.py BUNDLE_DIR [float32|float64]

The bundle (written by the test) holds the model config, the recipe, the engine's initial
parameters (param0…) and the first `steps` training batches (x, y) in the order the engine's loop
draws them. Prints one JSON object: the first-pass loss and the lr of every step, and what torch's
own default initialisation looks like for each layer (bound and std), to set beside model.init.

SAM is written as davda54/sam's sam.py does it (the PyTorch implementation most SAM code uses):
first_step: e(w) = rho * g / (||g||_2 + 1e-12), w <- w + e(w) (old w kept); second pass at w + e(w);
second_step: w <- old w, then base_optimizer.step() with the second-pass gradient. The base
optimizer is torch.optim.SGD (momentum, nesterov, weight_decay as in the recipe) and the schedule
torch.optim.lr_scheduler.CosineAnnealingLR(T_max = epochs * steps_per_epoch, eta_min = lr *
min_factor), stepped once per batch after the optimizer, as usual.
"""
import sys

import torch
import torch.nn.functional as F

from engine_models import build, emit, engine_params, load_engine_params, read_bundle, torch_input, trainable_layers


def sam_step(model, opt, x, y, rho):
    params = [p for p in model.parameters()]
    loss = F.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    with torch.no_grad():
        grad_norm = torch.norm(torch.stack([p.grad.norm(p=2) for p in params]), p=2)
        scale = rho / (grad_norm + 1e-12)
        old = [p.detach().clone() for p in params]
        for p in params:
            p.add_(p.grad * scale)
    opt.zero_grad()
    F.cross_entropy(model(x), y).backward()
    with torch.no_grad():
        for p, w in zip(params, old):
            p.copy_(w)
    opt.step()
    return loss.item()


def default_init_stats(model_cfg, input_shape, classes):
    """Per layer: torch's default-init bound 1/sqrt(fan_in) check and the weights' std."""
    torch.manual_seed(0)
    fresh = build(model_cfg, input_shape, classes)
    out = []
    for layer in trainable_layers(fresh):
        w, b = layer.weight.detach().double(), layer.bias.detach().double()
        out.append(
            {
                "weightMaxAbs": w.abs().max().item(),
                "weightStd": w.pow(2).mean().sqrt().item(),
                "biasMaxAbs": b.abs().max().item(),
                "fanIn": w[0].numel(),
            }
        )
    return out


def main():
    directory = sys.argv[1]
    dtype = torch.float64 if len(sys.argv) > 2 and sys.argv[2] == "float64" else torch.float32
    torch.set_num_threads(1)
    manifest, arrays = read_bundle(directory)
    model_cfg, recipe = manifest["model"], manifest["recipe"]
    input_shape, classes = manifest["inputShape"], manifest["numClasses"]
    model = build(model_cfg, input_shape, classes)
    load_engine_params(model, model_cfg, input_shape, engine_params(arrays, manifest["paramCount"]))
    model = model.to(dtype).train()
    opt = torch.optim.SGD(
        model.parameters(),
        lr=recipe["lr"],
        momentum=recipe["momentum"],
        nesterov=recipe["nesterov"],
        weight_decay=recipe["weightDecay"],
    )
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(
        opt, T_max=recipe["epochs"] * recipe["stepsPerEpoch"], eta_min=recipe["lr"] * recipe["minFactor"]
    )
    losses, lrs = [], []
    for t in range(recipe["steps"]):
        x = torch_input(model_cfg, input_shape, arrays["x"][t]).to(dtype)
        y = torch.from_numpy(arrays["y"][t]).long()
        lrs.append(opt.param_groups[0]["lr"])
        losses.append(sam_step(model, opt, x, y, recipe["rho"]))
        sched.step()
    emit({"losses": losses, "lrs": lrs, "dtype": str(dtype), "defaultInit": default_init_stats(model_cfg, input_shape, classes)})


if __name__ == "__main__":
    main()
