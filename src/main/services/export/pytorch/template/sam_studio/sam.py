"""SAM's perturbation and its successors, as the app computes them (src/engine/optim/sam.ts,
src/engine/optim/variants/). Every function takes and returns lists of tensors, one per
parameter, in model.parameters() order.

Each variant says what it perturbs (`perturb`), which rows its second pass sees (`select`,
ESAM only), how many passes a step takes (`passes`) and how it combines the passes' gradients
(`combine`); the stepper (stepper.py) is the one loop around them.
"""
import math

import numpy as np
import torch

from .checkpoint import to_torch
from .rng import Rng


def global_norm(ts):
    """||ts||_2 over all tensors of the list, as one vector."""
    return torch.sqrt(torch.stack([(t * t).sum() for t in ts]).sum())


def div_no_nan(a, b):
    """a / b, and 0 where b = 0 (never NaN)."""
    return torch.where(b == 0, torch.zeros_like(a), a / torch.where(b == 0, torch.ones_like(b), b))


def dot(a, b):
    return torch.stack([(x * y).sum() for x, y in zip(a, b)]).sum()


def add_scaled(a, c, b):
    """a + c * b element-wise over the lists."""
    return [x + y * c for x, y in zip(a, b)]


def orthogonal_part(v, u):
    """v - (<v, u> / ||u||^2) u: the part of v orthogonal to u (v itself when u = 0)."""
    return add_scaled(v, -div_no_nan(dot(v, u), dot(u, u)), u)


def sam_perturbation(g, params, o, g_norm=None):
    """eps = argmax_{||eps||_p <= rho} eps . g  (Foret et al. 2021, eq. 2), with ASAM's scaling.

    p = 2:   eps = rho * g / ||g||_2          p = inf:  eps = rho * sign(g)
    ASAM (Kwon et al. 2021): u = T_w g with T_w = |w| + eta, eps = rho T_w u / ||u|| (p = 2) or
    rho T_w sign(u) (p = inf); T_w scales every parameter, biases included.
    Returns (eps, ||eps||_2); ||g|| = 0 gives eps = 0.
    """
    scale = [w.abs() + o["eta"] for w in params] if o["adaptive"] else None
    u = [gi * s for gi, s in zip(g, scale)] if scale else list(g)
    if o["p"] == "inf":
        eps = [torch.sign(ui) * o["rho"] for ui in u]
        if scale:
            eps = [e * s for e, s in zip(eps, scale)]
        return eps, global_norm(eps)
    u_norm = g_norm if (scale is None and g_norm is not None) else global_norm(u)
    factor = div_no_nan(torch.tensor(o["rho"], dtype=u_norm.dtype, device=u_norm.device), u_norm)
    eps = [ui * factor for ui in u]
    if scale:
        eps = [e * s for e, s in zip(eps, scale)]
        return eps, global_norm(eps)
    return eps, factor * u_norm


class Sam:
    """SAM (Foret et al. 2021): step with grad L(w + eps)."""

    name, chunkable = "sam", True

    def __init__(self, o):
        self.o = o

    def init_state(self, params):
        return {}

    def passes(self, info):
        return 2

    def perturb(self, first):
        return sam_perturbation(first["g"], first["params"], self.o, first["g_norm"])

    select = None

    def combine(self, first, gp):
        return gp


def gsam_rho(o, lr):
    """rho_t linear in the lr between (lr_min, rhoMin) and (lr_max, rho), clamped."""
    lo, hi = o["lr_range"]
    if not hi > lo:
        return o["rho"]
    f = min(1.0, max(0.0, (lr - lo) / (hi - lo)))
    return o["rho_min"] + (o["rho"] - o["rho_min"]) * f


class Gsam(Sam):
    """GSAM (Zhuang et al. 2022): eps at radius rho_t; step along grad f_p - alpha * grad f_perp,
    grad f_perp = grad f - (<grad f, grad f_p> / ||grad f_p||^2) grad f_p."""

    name = "gsam"

    def perturb(self, first):
        o = {**self.o, "rho": gsam_rho(self.o, first["info"]["lr"])}
        return sam_perturbation(first["g"], first["params"], o, first["g_norm"])

    def combine(self, first, gp):
        return add_scaled(gp, -self.o["alpha"], orthogonal_part(first["g"], gp))


def sharpest_rows(before, after, gamma):
    """The ceil(gamma n) rows whose loss rose most under eps (at least one)."""
    n = before.shape[0]
    keep = min(n, max(1, math.ceil(gamma * n)))
    return torch.topk(after - before, keep).indices


class Esam(Sam):
    """ESAM (Du et al. 2022): each weight perturbed with probability beta (eps scaled by 1/beta,
    the mask drawn per weight from the step's seeded stream in the app's tensor layout), and the
    second pass on the ceil(gamma n) examples whose loss rose most."""

    name = "esam"

    def __init__(self, o, layouts):
        super().__init__(o)
        self.layouts = layouts
        self.select = (lambda before, after: sharpest_rows(before, after, o["gamma"])) if o["gamma"] < 1 else None

    def perturb(self, first):
        eps, norm = sam_perturbation(first["g"], first["params"], self.o, first["g_norm"])
        beta = self.o["beta"]
        if beta == 1:
            return eps, norm
        rng = Rng(first["info"]["seed"])
        masked = []
        for e, lay in zip(eps, self.layouts):
            app_shape = to_app_shape(tuple(e.shape), lay)
            keep = np.where(rng.draws(e.numel()) < beta, 1 / beta, 0).astype(np.float32).reshape(app_shape)
            masked.append(e * torch.from_numpy(np.ascontiguousarray(to_torch(keep, lay))).to(e.device))
        return masked, global_norm(masked)


def to_app_shape(shape, layout):
    kind, hwc = layout
    if kind == "dense":
        return (shape[1], shape[0])
    if kind == "conv":
        return (shape[2], shape[3], shape[1], shape[0])
    if kind == "flat-dense":
        return (shape[1], shape[0])
    return shape


class LookSam(Sam):
    """LookSAM (Liu et al. 2022): a SAM step every k steps, keeping g_v = g_s - (<g_s, g>/||g||^2) g;
    in between one pass, stepping with g + alpha (||g|| / ||g_v||) g_v."""

    name, chunkable = "looksam", False

    def init_state(self, params):
        return {"gv": [torch.zeros_like(p) for p in params]}

    def passes(self, info):
        return 2 if info["t"] % self.o["k"] == 0 else 1

    def combine(self, first, gp):
        if gp is not None:
            self.state["gv"] = orthogonal_part(gp, first["g"])
            return gp
        gv = self.state["gv"]
        scale = self.o["alpha"] * div_no_nan(first["g_norm"], global_norm(gv))
        return add_scaled(first["g"], scale, gv)


class FriendlySam(Sam):
    """Friendly-SAM (Li et al. 2024): eps = rho (g_t - sigma m_{t-1}) / ||.||, m_t = lambda m_{t-1} +
    (1 - lambda) g_t, m_0 = g_0 (the first step perturbs along g_0)."""

    name, chunkable = "friendly-sam", False

    def init_state(self, params):
        return {"m": [torch.zeros_like(p) for p in params]}

    def perturb(self, first):
        g, m = first["g"], self.state["m"]
        direction = g if first["info"]["t"] == 0 else add_scaled(g, -self.o["sigma"], m)
        return sam_perturbation(direction, first["params"], self.o)

    def combine(self, first, gp):
        g, m, lam = first["g"], self.state["m"], self.o["lambda"]
        self.state["m"] = list(g) if first["info"]["t"] == 0 else [mi * lam + gi * (1 - lam) for mi, gi in zip(m, g)]
        return gp


class SamOn(Sam):
    """SAM-ON (Mueller et al. 2023): perturb only the normalisation layers' scales and offsets."""

    name = "sam-on"

    def __init__(self, o, selected):
        super().__init__(o)
        if not any(selected):
            raise ValueError("SAM-ON perturbs only normalisation layers' parameters, and this model has none")
        self.selected = selected

    def perturb(self, first):
        g_n = [g if s else torch.zeros_like(g) for g, s in zip(first["g"], self.selected)]
        return sam_perturbation(g_n, first["params"], self.o)


def make_variant(sam, lr_range, layouts, normalization):
    """The variant the run config's `sam` block names; its state lives in `.state`."""
    v = sam["variant"]
    o = {"rho": sam["rho"], "p": sam["p"], "adaptive": sam["adaptive"], "eta": sam["eta"]}
    kind = v["kind"]
    if kind == "sam":
        variant = Sam(o)
    elif kind == "gsam":
        rho_min = sam["rho"] if v["rhoMin"] is None else v["rhoMin"]
        variant = Gsam({**o, "alpha": v["alpha"], "rho_min": rho_min, "lr_range": lr_range})
    elif kind == "esam":
        variant = Esam({**o, "beta": v["beta"], "gamma": v["gamma"]}, layouts)
    elif kind == "looksam":
        variant = LookSam({**o, "k": v["k"], "alpha": v["alpha"]})
    elif kind == "friendly-sam":
        variant = FriendlySam({**o, "sigma": v["sigma"], "lambda": v["lambda"]})
    elif kind == "sam-on":
        variant = SamOn(o, normalization)
    else:
        raise ValueError(f"unknown sam.variant.kind {kind!r}")
    return variant
