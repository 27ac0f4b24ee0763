"""The engine's MLP and CNN as ordinary torch.nn models, and its weights loaded into them.

Shared by the PyTorch references the TypeScript tests run (test/unit/pytorch-*.test.ts). The
models are what a PyTorch user writes for the same architecture (src/engine/models/mlp.ts, cnn.ts):

  mlp:  [Linear(in, h) + act] * len(hidden), Linear(h, classes)
  cnn:  [Conv2d(c, f, 3, padding=1) + ReLU + MaxPool2d(2, ceil_mode=True)] * len(filters),
        Flatten, Linear(flat, dense) + ReLU, Linear(dense, classes)

MaxPool2d(2, ceil_mode=True) is TensorFlow's 2x2/2 'same' max-pool: on an odd side the last
window holds one row/column (TF pads it with -inf), so both give ceil(n/2) outputs.

Layouts (the engine is NHWC, tfjs kernels are [in, out] and [kh, kw, in, out]):
  dense kernel [in, out]          -> Linear.weight [out, in]            (transpose)
  conv kernel  [kh, kw, in, out]  -> Conv2d.weight [out, in, kh, kw]    (permute 3, 2, 0, 1)
  first Linear after the convs: the engine flattens (h, w, c), torch flattens (c, h, w), so its
  rows are regrouped: [h*w*c, out] -> [h, w, c, out] -> [out, c, h, w] -> [out, c*h*w]
  inputs: [n, h, w, c] -> [n, c, h, w]
"""
import json
import math
import sys

import numpy as np
import torch
from torch import nn

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "elu": nn.ELU}


def read_bundle(directory):
    """manifest.json plus the raw little-endian arrays it names, as numpy arrays."""
    with open(f"{directory}/manifest.json") as f:
        manifest = json.load(f)
    arrays = {}
    for name, spec in manifest["arrays"].items():
        arrays[name] = np.fromfile(f"{directory}/{spec['file']}", dtype=spec["dtype"]).reshape(spec["shape"])
    return manifest, arrays


def build(model_cfg, input_shape, classes):
    """The torch.nn twin of the engine model, with torch's own default initialisation."""
    if model_cfg["kind"] == "mlp":
        layers, width = [nn.Flatten()], int(np.prod(input_shape))
        for h in model_cfg["hidden"]:
            layers += [nn.Linear(width, h), ACTIVATIONS[model_cfg["activation"]]()]
            width = h
        return nn.Sequential(*layers, nn.Linear(width, classes))
    if model_cfg["kind"] == "cnn":
        h, w, c = image_shape(input_shape)
        layers = []
        for f in model_cfg["filters"]:
            layers += [nn.Conv2d(c, f, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True)]
            h, w, c = math.ceil(h / 2), math.ceil(w / 2), f
        return nn.Sequential(
            *layers, nn.Flatten(), nn.Linear(h * w * c, model_cfg["dense"]), nn.ReLU(), nn.Linear(model_cfg["dense"], classes)
        )
    raise SystemExit(f"engine_models: no torch twin for model.kind {model_cfg['kind']!r}")


def image_shape(input_shape):
    if len(input_shape) == 3:
        return input_shape
    side = int(round(math.sqrt(input_shape[0])))
    return [side, side, 1]


def trainable_layers(model):
    return [m for m in model if isinstance(m, (nn.Linear, nn.Conv2d))]


def load_engine_params(model, model_cfg, input_shape, params):
    """Copy the engine's parameters (kernel, bias per layer, in creation order) into the torch twin."""
    layers = trainable_layers(model)
    if len(params) != 2 * len(layers):
        raise SystemExit(f"engine_models: {len(params)} engine tensors for {len(layers)} torch layers")
    flat_hwc = None
    if model_cfg["kind"] == "cnn":
        h, w, _ = image_shape(input_shape)
        for _ in model_cfg["filters"]:
            h, w = math.ceil(h / 2), math.ceil(w / 2)
        flat_hwc = (h, w, model_cfg["filters"][-1])
    first_linear = True
    with torch.no_grad():
        for i, layer in enumerate(layers):
            kernel, bias = params[2 * i], params[2 * i + 1]
            k = torch.from_numpy(np.ascontiguousarray(kernel))
            if isinstance(layer, nn.Conv2d):
                k = k.permute(3, 2, 0, 1)
            elif flat_hwc is not None and first_linear:
                h, w, c = flat_hwc
                k = k.reshape(h, w, c, -1).permute(3, 2, 0, 1).reshape(k.shape[1], -1)
            else:
                k = k.t()
            if isinstance(layer, nn.Linear):
                first_linear = False
            layer.weight.copy_(k.contiguous())
            layer.bias.copy_(torch.from_numpy(np.ascontiguousarray(bias)))


def torch_input(model_cfg, input_shape, x):
    """Engine inputs ([n, *input_shape], NHWC for images) as the twin's batch: NCHW for the CNN;
    unchanged for the MLP, whose Flatten then reads (h, w, c) in the engine's order."""
    t = torch.from_numpy(np.ascontiguousarray(x))
    if model_cfg["kind"] != "cnn":
        return t
    return t.reshape(-1, *image_shape(input_shape)).permute(0, 3, 1, 2).contiguous()


def engine_params(arrays, count):
    return [arrays[f"param{i}"] for i in range(count)]


def emit(result):
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
