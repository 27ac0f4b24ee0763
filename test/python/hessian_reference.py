"""The dense Hessian of an engine model's loss by PyTorch autodiff in float64, eigen-decomposed,
for test/unit/hessian-engine-models.test.ts.

Usage: /usr/bin/python3 hessian_reference.py BUNDLE_DIR

The bundle holds the model config, the engine's parameters (param0…) and one batch (x, y). The
loss is the engine's makeLossClosure: mean softmax cross-entropy in evaluation mode, no L2 term.
Prints {"eigenvalues": all of them, descending, "trace": the exact trace}. The Hessian is taken
in torch's parameter layout; a layout change is a permutation, which leaves the spectrum alone.
"""
import sys

import torch
import torch.nn.functional as F
from torch.nn.utils import stateless

from engine_models import build, emit, engine_params, load_engine_params, read_bundle, torch_input


def main():
    torch.set_num_threads(1)
    manifest, arrays = read_bundle(sys.argv[1])
    model_cfg, input_shape = manifest["model"], manifest["inputShape"]
    model = build(model_cfg, input_shape, manifest["numClasses"])
    load_engine_params(model, model_cfg, input_shape, engine_params(arrays, manifest["paramCount"]))
    model = model.double().eval()
    x = torch_input(model_cfg, input_shape, arrays["x"]).double()
    y = torch.from_numpy(arrays["y"]).long()
    names = [n for n, _ in model.named_parameters()]
    shapes = [p.shape for p in model.parameters()]
    flat = torch.cat([p.detach().reshape(-1) for p in model.parameters()])

    def loss_of(theta):
        chunks, offset = {}, 0
        for name, shape in zip(names, shapes):
            size = shape.numel()
            chunks[name] = theta[offset : offset + size].reshape(shape)
            offset += size
        return F.cross_entropy(stateless.functional_call(model, chunks, (x,)), y)

    hessian = torch.autograd.functional.hessian(loss_of, flat)
    hessian = (hessian + hessian.t()) / 2
    eigenvalues = torch.linalg.eigvalsh(hessian).flip(0)
    emit({"eigenvalues": eigenvalues.tolist(), "trace": torch.trace(hessian).item(), "size": flat.numel()})


if __name__ == "__main__":
    main()
