"""torch.distributed with the standard env:// rendezvous (what torchrun, Slurm launchers and the
Kubernetes operators set up): MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE, LOCAL_RANK. Without
them the script runs as one process.

SAM's m-sharpness maps onto the ranks as in the SAM paper's per-device code: an m-sharpness
chunk of m examples is the share of `group_size` consecutive ranks (m = per-rank batch: one rank
per chunk; m = the whole batch: all ranks). The ranks of a chunk all-reduce its first-pass
gradient before the ascent step (so each chunk has one eps), and every rank all-reduces the
combined gradient after the second pass.
"""
import datetime
import os

import torch
import torch.distributed as dist


class Ranks:
    def __init__(self, backend=None, timeout_minutes=30):
        self.world_size = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        cuda = torch.cuda.is_available()
        self.device = torch.device(f"cuda:{self.local_rank}" if cuda else "cpu")
        if cuda:
            torch.cuda.set_device(self.device)
        self.backend = backend or ("nccl" if cuda else "gloo")
        self.distributed = self.world_size > 1
        if self.distributed:
            dist.init_process_group(self.backend, init_method="env://", timeout=datetime.timedelta(minutes=timeout_minutes))
        self.chunk_group = None
        self.group_size = 1

    def use_chunk_groups(self, group_size):
        """Make groups of `group_size` consecutive ranks (every rank creates every group, in order)."""
        self.group_size = group_size
        if group_size == 1 or group_size == self.world_size:
            self.chunk_group = None
            return
        for start in range(0, self.world_size, group_size):
            group = dist.new_group(list(range(start, start + group_size)))
            if start <= self.rank < start + group_size:
                self.chunk_group = group

    @property
    def device_name(self):
        if self.device.type == "cuda":
            return f"cuda ({torch.cuda.get_device_name(self.device)})"
        return "cpu"

    def all_reduce(self, tensors, divide_by=1, group="world"):
        """Sum `tensors` over the ranks (of the chunk group with group="chunk") in one call, / divide_by."""
        if not self.distributed or (group == "chunk" and self.group_size == 1):
            return [t / divide_by for t in tensors] if divide_by != 1 else list(tensors)
        flat = torch.cat([t.reshape(-1) for t in tensors])
        dist.all_reduce(flat, group=self.chunk_group if group == "chunk" else None)
        if divide_by != 1:
            flat /= divide_by
        out, at = [], 0
        for t in tensors:
            out.append(flat[at : at + t.numel()].view_as(t))
            at += t.numel()
        return out

    def all_gather(self, t, group="chunk"):
        """Concatenation of every rank's `t` (same shape everywhere), in rank order."""
        if not self.distributed or (group == "chunk" and self.group_size == 1):
            return t
        size = self.group_size if group == "chunk" else self.world_size
        parts = [torch.empty_like(t) for _ in range(size)]
        dist.all_gather(parts, t.contiguous(), group=self.chunk_group if group == "chunk" else None)
        return torch.cat(parts)

    @property
    def index_in_chunk(self):
        return self.rank % self.group_size

    def barrier(self):
        if self.distributed:
            dist.barrier()

    def close(self):
        if self.distributed:
            dist.destroy_process_group()
