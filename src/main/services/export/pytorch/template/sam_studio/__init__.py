"""A SAM Studio run, exported as a PyTorch DDP project (see README.md)."""
