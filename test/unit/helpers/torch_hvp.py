#!/usr/bin/env python3
"""Float64 PyTorch reference for the engine's Hessian-vector products (issue 11, item 5).

Reads one JSON object on stdin: the model config (kind cnn / resnet20 / resnet18 / wrn, as in
src/shared/config.ts), its variables by name (tfjs layouts: NHWC images, conv kernels
[kh, kw, in, out], dense kernels [in, out]), the batch (x NHWC, integer labels) and probe vectors
in the engine's flat parameter order. Rebuilds the same network in float64 — written here from the
architecture, sharing no code with the engine — in eval mode (batch norm on its running
statistics), and prints {"loss", "grad", "hvps", "eigenvalues"?} as JSON: the mean softmax
cross-entropy, its gradient and H·v for every probe by double backpropagation
(torch.autograd.grad with create_graph=True). With "topK", also the top eigenvalues of the dense
Hessian (built column by column from H·e_i; only for small models).

'same' padding follows TensorFlow: total = max((ceil(n/s) − 1)·s + k − n, 0), the extra cell on
the bottom/right; padded max-pool cells are −∞ and never win.
"""
import json
import math
import sys

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def same_pad(x, k, s, value=0.0):
    h, w = x.shape[2], x.shape[3]
    th = max((math.ceil(h / s) - 1) * s + k - h, 0)
    tw = max((math.ceil(w / s) - 1) * s + k - w, 0)
    return F.pad(x, (tw // 2, tw - tw // 2, th // 2, th - th // 2), value=value)


def activation(name):
    return {
        "relu": torch.relu,
        "tanh": torch.tanh,
        "softplus": F.softplus,
        "sigmoid": torch.sigmoid,
        "elu": F.elu,
        "gelu": lambda t: F.gelu(t, approximate="tanh"),
        "linear": lambda t: t,
    }[name]


class Net:
    def __init__(self, cfg, variables):
        self.cfg = cfg
        self.act = activation(cfg.get("activation", "relu"))
        self.v = {}
        for name, spec in variables.items():
            t = torch.tensor(spec["values"], dtype=torch.float64).reshape(spec["shape"])
            self.v[name] = t
        # Trainable parameters in the engine's order, as leaves we differentiate.
        self.order = [n for n, s in variables.items() if s["trainable"]]
        for n in self.order:
            self.v[n] = self.v[n].clone().requires_grad_(True)

    def params(self):
        return [self.v[n] for n in self.order]

    def conv(self, name, x, stride=1, bias=False):
        w = self.v[f"{name}/kernel"]  # [kh, kw, in, out]
        k = w.shape[0]
        # contiguous(): torch 1.13's slow_conv2d double backward refuses a permuted weight.
        y = F.conv2d(same_pad(x, k, stride), w.permute(3, 2, 0, 1).contiguous(), stride=stride)
        if bias:
            y = y + self.v[f"{name}/bias"].reshape(1, -1, 1, 1)
        return y

    def bn(self, name, x):
        g, b = self.v[f"{name}/gamma"], self.v[f"{name}/beta"]
        m, var = self.v[f"{name}/moving_mean"], self.v[f"{name}/moving_variance"]
        scale = g / torch.sqrt(var + 1e-5)
        return x * scale.reshape(1, -1, 1, 1) + (b - m * scale).reshape(1, -1, 1, 1)

    def dense(self, name, x):
        return x @ self.v[f"{name}/kernel"] + self.v[f"{name}/bias"]

    def forward(self, x):
        kind = self.cfg["kind"]
        if kind == "cnn":
            return self.cnn(x)
        if kind in ("resnet20", "resnet18"):
            return self.residual(x, pre=False)
        if kind == "wrn":
            return self.residual(x, pre=True)
        raise ValueError(f"no reference for model kind {kind}")

    def cnn(self, x):
        for i in range(len(self.cfg["filters"])):
            x = self.act(self.conv(f"conv{i}", x, bias=True))
            x = F.max_pool2d(same_pad(x, 2, 2, value=-math.inf), 2, 2)
        flat = x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)  # tfjs flattens NHWC
        return self.dense("logits", self.act(self.dense("dense", flat)))

    def block_names(self):
        names = sorted({n.rsplit("/", 2)[0] for n in self.v if n.startswith("stage")}, key=lambda s: tuple(int(p) for p in s.replace("stage", "").replace("block", "").split("/")))
        return names

    def residual(self, x, pre):
        a = self.act
        x = self.conv("stem/conv", x)
        if not pre:
            x = a(self.bn("stem/bn", x))
        for blk in self.block_names():
            stride = self.stride_of(blk)
            has_sc = f"{blk}/shortcut/kernel" in self.v
            if pre:
                h0 = a(self.bn(f"{blk}/bn1", x))
                h = self.conv(f"{blk}/conv2", a(self.bn(f"{blk}/bn2", self.conv(f"{blk}/conv1", h0, stride))))
                x = h + (self.conv(f"{blk}/shortcut", h0, stride) if has_sc else x)
            else:
                h = a(self.bn(f"{blk}/bn1", self.conv(f"{blk}/conv1", x, stride)))
                y = self.bn(f"{blk}/bn2", self.conv(f"{blk}/conv2", h))
                s = self.bn(f"{blk}/shortcut_bn", self.conv(f"{blk}/shortcut", x, stride)) if has_sc else x
                x = a(y + s)
        if pre:
            x = a(self.bn("final/bn", x))
        return self.dense("logits", x.mean(dim=(2, 3)))

    def stride_of(self, blk):
        # The first block of every stage after the first halves the resolution.
        stage, block = blk.split("/")
        return 2 if block == "block1" and stage != "stage1" else 1


def main():
    req = json.load(sys.stdin)
    net = Net(req["model"], req["variables"])
    x = torch.tensor(req["x"]).reshape(req["xShape"]).permute(0, 3, 1, 2)
    labels = torch.tensor(req["labels"], dtype=torch.long)
    params = net.params()

    def loss_fn():
        return F.cross_entropy(net.forward(x), labels)

    loss = loss_fn()
    grads = torch.autograd.grad(loss, params, create_graph=True)
    flat_g = torch.cat([g.reshape(-1) for g in grads])
    n = flat_g.numel()

    def hvp(vec):
        hv = torch.autograd.grad(flat_g, params, grad_outputs=vec, retain_graph=True)
        return torch.cat([h.reshape(-1) for h in hv])

    out = {"loss": loss.item(), "grad": flat_g.detach().tolist(), "hvps": []}
    for v in req.get("vectors", []):
        out["hvps"].append(hvp(torch.tensor(v)).tolist())
    if req.get("topK"):
        H = torch.stack([hvp(col) for col in torch.eye(n)])
        H = (H + H.T) / 2
        out["eigenvalues"] = torch.linalg.eigvalsh(H).flip(0)[: req["topK"]].tolist()
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
