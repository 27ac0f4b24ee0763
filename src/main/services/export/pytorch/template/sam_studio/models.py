"""The app's models (src/engine/models) as ordinary torch.nn modules.

Same layers, same order, same shapes, so the app's weights load as they are (checkpoint.py
converts the layouts: the app is NHWC with [in, out] dense and [kh, kw, in, out] conv kernels):

  mlp       [Linear + activation + dropout] per hidden width, Linear head; images are
            flattened in the app's (h, w, c) order
  cnn       [Conv2d 3x3 'same' + activation + MaxPool 2x2 'same'] per filter count, Linear +
            activation + dropout, Linear head
  resnet20  CIFAR ResNet (He et al. 2016, section 4.2): 3x3 stem + BN-activation, 3 stages x 3 basic
            blocks (widths w, 2w, 4w), projection (1x1 conv + BN) shortcuts where the shape changes
  resnet18  4 stages x 2 basic blocks (w .. 8w), CIFAR stem, no max-pool (as in the SAM paper)
  wrn       Wide-ResNet-d-k (Zagoruyko & Komodakis 2016): 3x3 stem, pre-activation blocks,
            n = (d-4)/6 per stage, widths 16k, 32k, 64k, final BN-activation

Details that matter for matching the app to float32 round-off:
- 'same' padding is TensorFlow's: on a stride-2 convolution of an even-sized input all the
  padding goes to the bottom/right (Conv2dSame), where nn.Conv2d(padding=1) would pad both sides
  and shift every window by one pixel. MaxPool2d(2, ceil_mode=True) is TF's 2x2 'same' pool.
- Batch norm: eps 1e-5; the app's momentum 0.9 (running <- 0.9 running + 0.1 batch) is PyTorch's
  momentum=0.1; the running variance is the unbiased one in both. In training, BatchNorm takes
  the batch statistics with torch's ordinary reductions, as the app does: torch 1.13's native
  CPU kernel sums them in float32 and was off by up to 1e-2 in a ResNet's first-layer gradient
  (the float64 gradient and the app agree to 1e-6). --native-batchnorm uses the native kernel.
- Every ReLU is model.activation (default relu). GELU is the tanh approximation; ELU has alpha 1.
- Convolutions of the ResNets have no bias (batch norm follows every one).
- Dropout masks come from the model's own generator, which the stepper reseeds before every
  pass with the step's key, so SAM's two passes of a step see the same sub-network (as the
  app does). The masks are PyTorch's draws, not the app's (tfjs draws them with its own
  generator): runs with dropout agree with the app in distribution, not bit for bit.
"""
import math

import torch
import torch.nn.functional as F
from torch import nn

ACTIVATIONS = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "elu": nn.ELU,
    "gelu": lambda: nn.GELU(approximate="tanh"),
    "softplus": nn.Softplus,
}


def activation(cfg):
    """The model's hidden activation (model.activation; ReLU for runs stored before it existed)."""
    return ACTIVATIONS[cfg.get("activation", "relu")]()


class SeededDropout(nn.Module):
    """Inverted dropout whose mask comes from the model's generator (see `reseed`)."""

    def __init__(self, rate, generator):
        super().__init__()
        self.rate = rate
        self.generator = generator

    def forward(self, x):
        if not self.training or self.rate == 0:
            return x
        keep = torch.rand(x.shape, generator=self.generator[0], device=x.device) >= self.rate
        return x * keep / (1 - self.rate)


class BatchNorm(nn.BatchNorm2d):
    """nn.BatchNorm2d whose training forward is written with reductions (see above); its
    running statistics move only while momentum > 0 (SAM's second pass sets it to 0)."""

    native = False

    def forward(self, x):
        if not self.training or BatchNorm.native:
            return super().forward(x)
        mean = x.mean(dim=(0, 2, 3))
        centered = x - mean.view(1, -1, 1, 1)
        var = (centered * centered).mean(dim=(0, 2, 3))
        if self.momentum:
            n = x.numel() // x.shape[1]
            with torch.no_grad():
                self.running_mean.mul_(1 - self.momentum).add_(mean * self.momentum)
                self.running_var.mul_(1 - self.momentum).add_(var * (n / max(1, n - 1)) * self.momentum)
        scale = self.weight * torch.rsqrt(var + self.eps)
        return centered * scale.view(1, -1, 1, 1) + self.bias.view(1, -1, 1, 1)


class Conv2dSame(nn.Conv2d):
    """Conv2d with TensorFlow's 'same' padding (as timm's Conv2dSame): pad_total =
    max((ceil(n/s) - 1)*s + k - n, 0), the smaller half before, the larger after."""

    def forward(self, x):
        pads = []
        for n, k, s in zip(x.shape[-2:], self.kernel_size, self.stride):
            total = max((math.ceil(n / s) - 1) * s + k - n, 0)
            pads.append((total // 2, total - total // 2))
        (top, bottom), (left, right) = pads
        return F.conv2d(F.pad(x, [left, right, top, bottom]), self.weight, self.bias, self.stride)


def to_nchw(x):
    """The app feeds images as NHWC (and flat rows for flat data)."""
    return x.permute(0, 3, 1, 2) if x.dim() == 4 else x


class Mlp(nn.Module):
    def __init__(self, cfg, input_shape, classes, generator):
        super().__init__()
        width = math.prod(input_shape)
        layers = []
        for h in cfg["hidden"]:
            layers += [nn.Linear(width, h), activation(cfg), SeededDropout(cfg["dropout"], generator)]
            width = h
        self.hidden = nn.Sequential(*layers)
        self.head = nn.Linear(width, classes)

    def forward(self, x):
        # NHWC rows flattened as they are: the first Linear sees the app's (h, w, c) order.
        return self.head(self.hidden(x.reshape(len(x), -1)))


def image_shape(input_shape):
    if len(input_shape) == 3:
        return list(input_shape)
    if len(input_shape) == 2:
        return [*input_shape, 1]
    side = round(math.sqrt(input_shape[0]))
    return [side, side, 1]


class Cnn(nn.Module):
    def __init__(self, cfg, input_shape, classes, generator):
        super().__init__()
        self.hwc = image_shape(input_shape)
        h, w, c = self.hwc
        layers = []
        for f in cfg["filters"]:
            layers += [nn.Conv2d(c, f, 3, padding=1), activation(cfg), nn.MaxPool2d(2, ceil_mode=True)]
            h, w, c = math.ceil(h / 2), math.ceil(w / 2), f
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(h * w * c, cfg["dense"])
        # The app flattens (h, w, c), torch (c, h, w): checkpoint.py regroups this kernel's rows.
        self.fc.flatten_hwc = (h, w, c)
        self.act = activation(cfg)
        self.drop = SeededDropout(cfg["dropout"], generator)
        self.head = nn.Linear(cfg["dense"], classes)

    def forward(self, x):
        t = self.features(to_nchw(x.reshape(len(x), *self.hwc)))
        return self.head(self.drop(self.act(self.fc(t.flatten(1)))))


def conv3(cin, cout, stride=1):
    return Conv2dSame(cin, cout, 3, stride=stride, bias=False)


class BasicBlock(nn.Module):
    """conv-BN-act-conv-BN + shortcut, then act (post-activation)."""

    def __init__(self, cin, cout, stride, act):
        super().__init__()
        self.act = act
        self.conv1, self.bn1 = conv3(cin, cout, stride), BatchNorm(cout)
        self.conv2, self.bn2 = conv3(cout, cout), BatchNorm(cout)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(Conv2dSame(cin, cout, 1, stride=stride, bias=False), BatchNorm(cout))

    def forward(self, x):
        y = self.bn2(self.conv2(self.act(self.bn1(self.conv1(x)))))
        return self.act(y + (self.shortcut(x) if self.shortcut is not None else x))


class PreActBlock(nn.Module):
    """BN-act-conv-BN-act-conv + shortcut (Wide-ResNet's block)."""

    def __init__(self, cin, cout, stride, act):
        super().__init__()
        self.act = act
        self.bn1, self.conv1 = BatchNorm(cin), conv3(cin, cout, stride)
        self.bn2, self.conv2 = BatchNorm(cout), conv3(cout, cout)
        self.shortcut = Conv2dSame(cin, cout, 1, stride=stride, bias=False) if stride != 1 or cin != cout else None

    def forward(self, x):
        a = self.act(self.bn1(x))
        h = self.conv2(self.act(self.bn2(self.conv1(a))))
        return h + (self.shortcut(a) if self.shortcut is not None else x)


class ResNet(nn.Module):
    def __init__(self, cfg, input_shape, classes, stem_width, stages, block, pre_activation):
        super().__init__()
        self.act = activation(cfg)
        self.hwc = image_shape(input_shape)
        self.stem = conv3(self.hwc[2], stem_width)
        self.stem_bn = None if pre_activation else BatchNorm(stem_width)
        blocks, c = [], stem_width
        for width, count, stride in stages:
            for i in range(count):
                blocks.append(block(c, width, stride if i == 0 else 1, self.act))
                c = width
        self.blocks = nn.Sequential(*blocks)
        self.final_bn = BatchNorm(c) if pre_activation else None
        self.head = nn.Linear(c, classes)

    def forward(self, x):
        t = self.stem(to_nchw(x.reshape(len(x), *self.hwc)))
        if self.stem_bn is not None:
            t = self.act(self.stem_bn(t))
        t = self.blocks(t)
        if self.final_bn is not None:
            t = self.act(self.final_bn(t))
        return self.head(t.mean(dim=(2, 3)))


def build_model(cfg, input_shape, classes):
    """The model of the run config's `model` block, plus the generator its dropout draws from."""
    generator = [torch.Generator()]
    kind = cfg["kind"]
    if kind == "mlp":
        model = Mlp(cfg, input_shape, classes, generator)
    elif kind == "cnn":
        model = Cnn(cfg, input_shape, classes, generator)
    elif kind == "resnet20":
        w = cfg["width"]
        model = ResNet(cfg, input_shape, classes, w, [(w, 3, 1), (2 * w, 3, 2), (4 * w, 3, 2)], BasicBlock, False)
    elif kind == "resnet18":
        w = cfg["width"]
        model = ResNet(cfg, input_shape, classes, w, [(w, 2, 1), (2 * w, 2, 2), (4 * w, 2, 2), (8 * w, 2, 2)], BasicBlock, False)
    elif kind == "wrn":
        n, k = (cfg["depth"] - 4) // 6, cfg["widen"]
        model = ResNet(cfg, input_shape, classes, 16, [(16 * k, n, 1), (32 * k, n, 2), (64 * k, n, 2)], PreActBlock, True)
    else:
        raise ValueError(f"model.kind {kind!r} has no PyTorch port")
    model.dropout_generator = generator
    return model


def reseed(model, key, device):
    """Restart the model's dropout stream: every pass of one m-sharpness chunk replays `key`."""
    g = torch.Generator(device=device)
    g.manual_seed(key)
    model.dropout_generator[0] = g


def normalization_mask(model):
    """Per parameter (in model.parameters() order): is it a batch-norm scale or offset? (SAM-ON)"""
    norm_params = {id(p) for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm) for p in m.parameters(recurse=False)}
    return [id(p) in norm_params for p in model.parameters()]


def bn_layers(model):
    return [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
