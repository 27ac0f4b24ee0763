"""Running training metrics between log lines, summed over the ranks when they are read (every
logEvery steps), as the app's metrics accumulator does (src/engine/metrics-accumulator.ts)."""
import math

import torch

NO_BAD_STEP = 2**62


class Window:
    def __init__(self, ranks, batch_size):
        self.ranks = ranks
        self.batch_size = batch_size
        self.reset()

    def reset(self):
        self.steps = 0
        self.perturbed_steps = 0
        self.grad_norm = 0.0
        # Per rank: loss x rows, correct, eps norm, sharpness, forward-backward rows, forward rows.
        self.local = torch.zeros(6, dtype=torch.float64)
        self.first_bad = NO_BAD_STEP

    def add(self, out, rows, step):
        loss = float(out["loss"])
        if not math.isfinite(loss):
            self.first_bad = min(self.first_bad, step)
        row = [loss * rows, float(out["correct"]), 0.0, 0.0, out["rows_fb"], out["rows_f"]]
        if out["eps_norm"] is not None:
            self.perturbed_steps += 1
            row[2] = float(out["eps_norm"])
            row[3] = float(out["perturbed_loss"]) - loss
        self.local += torch.tensor(row, dtype=torch.float64)
        self.grad_norm += float(out["grad_norm"])
        self.steps += 1

    def read(self):
        """Totals over every rank (one all-reduce), then a fresh window."""
        w = self.ranks.world_size
        s = self.ranks.all_reduce([self.local.to(self.ranks.device)])[0].cpu().tolist() if self.ranks.distributed else self.local.tolist()
        bad = torch.tensor([float(self.first_bad)], dtype=torch.float64, device=self.ranks.device)
        if self.ranks.distributed:
            torch.distributed.all_reduce(bad, op=torch.distributed.ReduceOp.MIN)
        p = self.perturbed_steps
        totals = {
            "steps": self.steps,
            "examples": self.steps * self.batch_size,
            "loss_sum": s[0],
            "correct_sum": s[1],
            "grad_norm_sum": self.grad_norm,
            # eps norm and sharpness are per chunk, the same on every rank of a chunk: mean over ranks.
            "eps_norm_sum": s[2] / w if p else None,
            "sharpness_sum": s[3] / w if p else None,
            "perturbed_steps": p,
            "passes_sum": s[4] / self.batch_size,
            "forward_passes_sum": s[5] / self.batch_size,
            "first_bad_step": int(bad.item()) if bad.item() < NO_BAD_STEP else None,
        }
        self.reset()
        return totals
