"""One training update per call, as the app's stepper (src/engine/optim/stepper.ts): the base
optimizer alone, or a SAM variant around it, distributed over the ranks.

Per m-sharpness chunk (the whole batch unless sam.m splits it):
  1. first pass at w: g = grad L(w) on the chunk (all-reduced over the chunk's ranks), batch-norm
     running statistics move here only;
  2. a two-pass step climbs to w + eps (what the variant perturbs), ESAM keeps the rows whose loss
     rose most, the second pass takes gp = grad L(w + eps), and w comes back exactly;
  3. the variant combines g and gp.
The chunks' combined gradients are averaged (all-reduced over every rank), clipped, and the base
optimizer (torch.optim) steps. Both passes of a chunk replay its dropout key.

Batch norm: each chunk's first pass starts from the same running statistics and the results are
averaged, over a rank's chunks and then over the ranks, as the app and the SAM paper's
per-device code do. Each rank normalises with the statistics of its own share of the batch, so
for a model with batch norm a chunk that spans several ranks (plain SAM on more than one rank)
is normalised per rank, where the app normalises the whole chunk at once; models without batch
norm (mlp, cnn) and chunks of one rank's share match the app exactly.
"""
import torch
import torch.nn.functional as F

from .models import bn_layers, normalization_mask, reseed
from .checkpoint import layouts as param_layouts
from .rng import dropout_key, variant_seed
from .sam import global_norm, make_variant


class StepError(ValueError):
    pass


def chunk_plan(batch_size, world_size, m):
    """(chunks per rank, ranks per chunk) for an m-sharpness chunk size m (None = whole batch)."""
    if batch_size % world_size:
        raise StepError(f"batchSize = {batch_size} does not split over {world_size} ranks; choose a batchSize divisible by the number of processes")
    share = batch_size // world_size
    m = m or batch_size
    if m <= share:
        if share % m:
            raise StepError(f"sam.m = {m} does not divide the per-rank batch of {share} ({batch_size} over {world_size} ranks); choose a world size whose share is a multiple of m, or one whose share m is a multiple of")
        return share // m, 1
    if m % share:
        raise StepError(f"sam.m = {m} spans {m / share:g} ranks' shares of {share}; choose a world size that puts whole chunks on whole ranks")
    return 1, m // share


class Stepper:
    def __init__(self, model, cfg, optimizer, ranks, lr_range):
        self.model = model
        self.params = list(model.parameters())
        self.optimizer = optimizer
        self.ranks = ranks
        self.seed = cfg["seed"]
        opt = cfg["optimizer"]
        # Weight decay in the loss (the SAM paper's JAX code) adds wd * w to both passes' gradients,
        # so it enters eps; otherwise torch.optim applies it (see optim.py).
        self.loss_wd = opt["weightDecay"] if opt["kind"] != "adamw" and opt["weightDecayMode"] == "loss" else 0.0
        self.decay_mask = optimizer.decay_mask
        self.clip = opt["gradClip"]
        sam = cfg["sam"]
        self.variant = make_variant(sam, lr_range, param_layouts(model), normalization_mask(model)) if sam else None
        if self.variant is not None:
            self.variant.state = self.variant.init_state(self.params)
        self.chunks, group_size = chunk_plan(cfg["batchSize"], ranks.world_size, sam["m"] if sam else None)
        if self.variant is not None and not self.variant.chunkable and (self.chunks > 1 or group_size < ranks.world_size):
            raise StepError(f"sam.variant {self.variant.name} keeps state across whole-batch steps: it needs sam.m empty (the whole batch)")
        ranks.use_chunk_groups(group_size)
        self.batch_size = cfg["batchSize"]
        self.t = 0
        self.bn = bn_layers(model)

    # ---- helpers ----

    def _grads(self):
        return [p.grad.detach().clone() if p.grad is not None else torch.zeros_like(p) for p in self.params]

    def _add_decay(self, grads):
        """g + wd * w on the decayed parameters, at the current (maybe perturbed) weights."""
        if self.loss_wd == 0:
            return grads
        return [g + p.detach() * self.loss_wd if d else g for g, p, d in zip(grads, self.params, self.decay_mask)]

    def _bn_moves(self, moves):
        for m in self.bn:
            m.momentum = 0.1 if moves else 0.0

    def _bn_stats(self):
        return [t for m in self.bn for t in (m.running_mean, m.running_var)]

    def _forward(self, x, key):
        reseed(self.model, key, x.device)
        return self.model(x)

    # ---- one chunk ----

    def _chunk(self, x, y, lr, chunk):
        ranks, variant = self.ranks, self.variant
        info = {"t": self.t, "lr": lr, "seed": variant_seed(self.seed, self.t, chunk)}
        key = dropout_key(self.seed, self.t, chunk)
        two_pass = variant is not None and variant.passes(info) == 2
        self.model.zero_grad(set_to_none=True)
        self._bn_moves(True)
        logits = self._forward(x, key)
        losses = F.cross_entropy(logits, y, reduction="none")
        loss = losses.mean()
        loss.backward()
        out = {"loss": loss.detach(), "correct": (logits.argmax(1) == y).sum(), "rows_fb": len(x), "rows_f": 0}
        g = self._add_decay(ranks.all_reduce(self._grads(), ranks.group_size, group="chunk"))
        first = {"g": g, "g_norm": global_norm(g), "params": [p.detach() for p in self.params], "info": info}
        out["g"], out["g_norm"] = g, first["g_norm"]
        if not two_pass:
            out["dir"] = variant.combine(first, None) if variant is not None else g
            return out
        eps, out["eps_norm"] = variant.perturb(first)
        saved = [p.detach().clone() for p in self.params]
        try:
            with torch.no_grad():
                for p, e in zip(self.params, eps):
                    p.add_(e)  # climb to w + eps
            self._bn_moves(False)
            x2, y2, count = x, y, len(x) * ranks.group_size
            if variant.select is not None:
                x2, y2, count, out["perturbed_loss"] = self._select(x, y, losses.detach(), key)
                out["rows_f"] = len(x)
            self.model.zero_grad(set_to_none=True)
            if len(x2) > 0:
                second = F.cross_entropy(self._forward(x2, key), y2, reduction="sum")
                (second / count).backward()
                if "perturbed_loss" not in out:
                    out["perturbed_loss"] = second.detach() / len(x2)
            out["rows_fb"] += len(x2)
            gp = self._add_decay(ranks.all_reduce(self._grads(), group="chunk"))
        finally:
            with torch.no_grad():
                for p, w in zip(self.params, saved):
                    p.copy_(w)  # back to w, bit for bit
            self._bn_moves(True)
        out["dir"] = variant.combine(first, gp)
        return out

    def _select(self, x, y, before, key):
        """ESAM's rows: the chunk's examples whose loss rose most under eps, over all its ranks."""
        ranks = self.ranks
        with torch.no_grad():
            after = F.cross_entropy(self._forward(x, key), y, reduction="none")
        picked = self.variant.select(ranks.all_gather(before), ranks.all_gather(after))
        lo = ranks.index_in_chunk * len(x)
        mine = picked[(picked >= lo) & (picked < lo + len(x))] - lo
        return x[mine], y[mine], len(picked), after.mean()

    # ---- one step ----

    def step(self, x, y, lr):
        """Train on this rank's share (x, y) of the batch at learning rate lr; returns local numbers."""
        ranks, k = self.ranks, self.chunks
        stats0 = [t.clone() for t in self._bn_stats()] if k > 1 else None
        stats_sum, parts = None, []
        share = len(x) // k
        for i in range(k):
            if i > 0:
                for t, s in zip(self._bn_stats(), stats0):
                    t.copy_(s)
            chunk = ranks.rank * k + i if ranks.group_size == 1 else ranks.rank // ranks.group_size
            parts.append(self._chunk(x[i * share : (i + 1) * share], y[i * share : (i + 1) * share], lr, chunk))
            if k > 1:
                now = [t.clone() for t in self._bn_stats()]
                stats_sum = now if stats_sum is None else [a + b for a, b in zip(stats_sum, now)]
        if k > 1:
            for t, s in zip(self._bn_stats(), stats_sum):
                t.copy_(s / k)
        direction = [sum(p["dir"][j] for p in parts) / k for j in range(len(self.params))]
        g = [sum(p["g"][j] for p in parts) / k for j in range(len(self.params))] if k > 1 else parts[0]["g"]
        if ranks.group_size < ranks.world_size:
            both = ranks.all_reduce(direction + g, ranks.world_size)
            direction, g = both[: len(direction)], both[len(direction) :]
        if ranks.distributed and self.bn:
            for t, avg in zip(self._bn_stats(), ranks.all_reduce(self._bn_stats(), ranks.world_size)):
                t.copy_(avg)
        self._apply(direction, lr)
        self.t += 1
        perturbed = [p for p in parts if "eps_norm" in p]
        return {
            "loss": sum(p["loss"] for p in parts) / k,
            "correct": sum(p["correct"] for p in parts),
            "grad_norm": global_norm(g) if k > 1 or ranks.group_size < ranks.world_size else parts[0]["g_norm"],
            "eps_norm": sum(p["eps_norm"] for p in perturbed) / k if perturbed else None,
            "perturbed_loss": sum(p["perturbed_loss"] for p in perturbed) / k if perturbed else None,
            "rows_fb": sum(p["rows_fb"] for p in parts),
            "rows_f": sum(p["rows_f"] for p in parts),
        }

    def _apply(self, direction, lr):
        """Clip (global norm), then the base optimizer's step with the combined gradient."""
        if self.clip is not None:
            factor = torch.clamp(self.clip / global_norm(direction), max=1.0)
            direction = [d * factor for d in direction]
        for p, d in zip(self.params, direction):
            p.grad = d
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
