"""What `sam-studio launch` runs under torchrun before a run, to see whether torchrun works on
this machine (Debian's torch 1.13 on Python 3.11 ships one that crashes; then the launcher
starts the processes itself with MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE and LOCAL_RANK)."""
import torch
import torch.distributed as dist

dist.init_process_group("gloo", init_method="env://")
total = torch.ones(1)
dist.all_reduce(total)
assert total.item() == dist.get_world_size()
dist.destroy_process_group()
