#!/usr/bin/env python3
"""Train a SAM Studio run with PyTorch, on one process or many (DistributedDataParallel's
env:// rendezvous: torchrun, Slurm, Kubernetes). See README.md for the commands.

The run is the one in run.json (the app's run config, unchanged); export.json and data/ hold
what the app decided once for it (the data rows, labels and normalisation); initial.ckpt holds
the app's initial weights. The script prints the app's trainer events as JSON lines on stdout
(rank 0), and writes checkpoints in the app's format to --out-dir.
"""
import argparse
import json
import os
import signal
import sys
import time

import torch
import torch.distributed as dist

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from sam_studio import training_state  # noqa: E402
from sam_studio.data import epoch_batches, load_splits, shard, steps_per_epoch  # noqa: E402
from sam_studio.dist import Ranks  # noqa: E402
from sam_studio.events import Events  # noqa: E402
from sam_studio.metrics import Window  # noqa: E402
from sam_studio.models import BatchNorm, build_model  # noqa: E402
from sam_studio.optim import make_optimizer  # noqa: E402
from sam_studio.schedule import learning_rate, learning_rate_range  # noqa: E402
from sam_studio.stepper import Stepper  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out-dir", default=os.path.join(HERE, "checkpoints"), help="where checkpoints go (default: checkpoints/ beside this script)")
    p.add_argument("--data-dir", default=None, help="folder of the named data set's files on this machine (default: where the app read them)")
    p.add_argument("--resume", default=None, metavar="CKPT", help="continue from a checkpoint of this script or of the app")
    p.add_argument("--epochs", type=int, default=None, help="override the run's epochs")
    p.add_argument("--max-steps", type=int, default=None, help="stop after this many steps with a checkpoint (smoke tests)")
    p.add_argument("--dist-backend", choices=["gloo", "nccl"], default=None, help="default: nccl with CUDA, else gloo")
    p.add_argument("--threads", type=int, default=None, help="CPU threads per process (default: the cores over the processes on this machine)")
    p.add_argument("--native-batchnorm", action="store_true", help="torch's fused batch-norm kernel (faster on GPUs; on CPUs torch 1.13 sums its statistics in float32)")
    p.add_argument("--run-id", type=int, default=None, help="run id to put in the events (sam-studio launch sets it)")
    return p.parse_args()


def read_json(name):
    with open(os.path.join(HERE, name)) as f:
        return json.load(f)


class StopRequest:
    """SIGTERM/SIGINT: finish the step, write a checkpoint, emit `stopped` (all ranks agree)."""

    def __init__(self):
        self.asked = False
        for s in (signal.SIGTERM, signal.SIGINT):
            signal.signal(s, self._ask)

    def _ask(self, *_):
        self.asked = True

    def agreed(self, ranks):
        flag = torch.tensor([1.0 if self.asked else 0.0], device=ranks.device)
        if ranks.distributed:
            dist.all_reduce(flag, op=dist.ReduceOp.MAX)
        return flag.item() > 0


def evaluate(model, split, ranks, batch_size):
    """Mean loss and accuracy of a whole split in eval mode; each rank scores its shard."""
    part = shard(split, ranks.rank, ranks.world_size)
    sums = torch.zeros(2, dtype=torch.float64, device=ranks.device)
    model.eval()
    with torch.no_grad():
        for start in range(0, part.n, batch_size):
            x = torch.from_numpy(part.x[start : start + batch_size]).to(ranks.device)
            y = torch.from_numpy(part.y[start : start + batch_size]).to(ranks.device)
            logits = model(x)
            sums[0] += torch.nn.functional.cross_entropy(logits, y, reduction="sum").double()
            sums[1] += (logits.argmax(1) == y).sum().double()
    model.train()
    total = ranks.all_reduce([sums])[0] if ranks.distributed else sums
    return {"loss": total[0].item() / split.n, "accuracy": total[1].item() / split.n}


def main():
    args = parse_args()
    t0 = time.monotonic()
    ranks = Ranks(args.dist_backend)
    events = Events(ranks.rank == 0, args.run_id)
    at = {"step": None}  # the step reached, for a `failed` event
    try:
        return train(args, ranks, events, t0, at)
    except Exception as e:  # one `failed` event, as the app's trainer ends every failure
        events.emit("failed", reason=f"{type(e).__name__}: {e}", step=at["step"])
        print(f"rank {ranks.rank}: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    finally:
        ranks.close()


def train(args, ranks, events, t0, at):
    cfg = read_json("run.json")
    export = read_json("export.json")
    if args.epochs is not None:
        cfg["epochs"] = args.epochs
    if ranks.device.type == "cpu":
        local = int(os.environ.get("LOCAL_WORLD_SIZE", ranks.world_size))
        torch.set_num_threads(args.threads or int(os.environ.get("OMP_NUM_THREADS", 0)) or max(1, (os.cpu_count() or 1) // local))
    stop = StopRequest()
    BatchNorm.native = args.native_batchnorm
    elapsed = lambda: round((time.monotonic() - t0) * 1000)  # noqa: E731

    data = export["data"]
    train_split, val_split, test_split = load_splits(data, HERE, args.data_dir)
    model = build_model(cfg["model"], data["inputShape"], data["numClasses"]).to(ranks.device)
    training_state.load_weights(os.path.join(HERE, "initial.ckpt"), model)
    optimizer = make_optimizer(model, cfg)
    stepper = Stepper(model, cfg, optimizer, ranks, learning_rate_range(cfg))
    batch = cfg["batchSize"]
    spe = steps_per_epoch(train_split.n, batch)
    if train_split.n < batch and train_split.n % ranks.world_size:
        raise ValueError(f"the {train_split.n} training examples (fewer than one batch of {batch}) do not split over {ranks.world_size} processes")
    epoch, in_epoch, step = 0, 0, 0
    totals = {"examples": 0, "lossSum": 0.0, "correctSum": 0.0}
    last = {}
    if args.resume:
        meta = training_state.restore(args.resume, model, optimizer, stepper)
        epoch, in_epoch, step = meta["epoch"], meta["stepInEpoch"], meta["step"]
        totals = meta["extra"].get("epochTotals", totals)
        last = meta["extra"].get("last", last)
        events.log(f"resumed from {args.resume} at epoch {epoch}, step {step}")
    model.train()

    world = ranks.world_size
    backend = f"pytorch-ddp×{world}"
    events.emit(
        "started",
        backend={"name": backend, "skipped": [], "details": {"device": ranks.device_name, "worldSize": world, "torch": torch.__version__, "distributed": ranks.backend if ranks.distributed else "none", "rendezvous": "env://"}},
        paramCount=sum(p.numel() for p in model.parameters()),
        trainExamples=train_split.n,
        testExamples=test_split.n,
        stepsPerEpoch=spe,
        resumedFromStep=step if args.resume else None,
        config=cfg,
        worldSize=world,
        device=ranks.device_name,
    )
    events.log(f"data: {data['name']} ({train_split.n} train, {val_split.n if val_split else 0} validation, {test_split.n} test) on {world} process(es), {batch // world} examples each per step")
    if cfg.get("hessian"):
        events.log("Hessian analyses are not part of the export: analyse this run's checkpoints in SAM Studio (Run page → Spectra, or sam-studio hessian)")

    def checkpoint():
        path = os.path.abspath(os.path.join(args.out_dir, f"checkpoint-step{step:07d}.ckpt"))
        if ranks.rank == 0:
            extra = {"epochTotals": totals, "last": last, "writer": backend}
            training_state.save(path, model, optimizer, stepper, {"epoch": epoch, "stepInEpoch": in_epoch, "step": step}, cfg["seed"], extra)
            events.emit("checkpoint", epoch=epoch + in_epoch / spe, step=step, path=path)
        ranks.barrier()
        return path

    window = Window(ranks, batch)
    window_start = time.monotonic()
    last_lr = 0.0

    def flush(lr):
        nonlocal window_start
        w = window.read()
        seconds = time.monotonic() - window_start
        window_start = time.monotonic()
        if w["first_bad_step"] is not None or w["loss_sum"] != w["loss_sum"]:
            at = w["first_bad_step"] if w["first_bad_step"] is not None else step
            raise FloatingPointError(f"loss became NaN at step {at} (the run diverged; lower optimizer.lr or set optimizer.gradClip)")
        totals["examples"] += w["examples"]
        totals["lossSum"] += w["loss_sum"]
        totals["correctSum"] += w["correct_sum"]
        values = {
            "trainLoss": w["loss_sum"] / w["examples"],
            "trainAccuracy": w["correct_sum"] / w["examples"],
            "lr": lr,
            "gradNorm": w["grad_norm_sum"] / w["steps"],
            "examplesPerSec": w["examples"] / seconds if seconds > 0 else 0,
            "passesPerStep": w["passes_sum"] / w["steps"],
        }
        if w["forward_passes_sum"] > 0:
            values["forwardPassesPerStep"] = w["forward_passes_sum"] / w["steps"]
        if w["eps_norm_sum"] is not None:
            values["epsNorm"] = w["eps_norm_sum"] / w["perturbed_steps"]
            values["sharpness"] = w["sharpness_sum"] / w["perturbed_steps"]
            last["sharpness"] = values["sharpness"]
        events.emit("metrics", scope="step", step=step, epoch=epoch + in_epoch / spe, timeMs=elapsed(), values=values)

    while epoch < cfg["epochs"]:
        for x, y in epoch_batches(train_split, batch, cfg["seed"], epoch, cfg["data"]["augment"], ranks.rank, world, skip=in_epoch):
            if stop.agreed(ranks) or (args.max_steps is not None and step >= args.max_steps):
                if window.steps:
                    flush(last_lr)
                events.emit("stopped", step=step, checkpoint=checkpoint())
                return 0 if not stop.asked else 130
            lr = learning_rate(cfg, epoch, in_epoch, spe)
            out = stepper.step(torch.from_numpy(x).to(ranks.device), torch.from_numpy(y).to(ranks.device), lr)
            last_lr = lr
            step += 1
            in_epoch += 1
            at["step"] = step
            window.add(out, len(x), step)
            if window.steps >= cfg["logEvery"]:
                flush(lr)
        if window.steps:
            flush(last_lr)
        # End of epoch: evaluate, then maybe checkpoint (as the app's loop does).
        if totals["examples"] > 0:
            last["train"] = {"loss": totals["lossSum"] / totals["examples"], "accuracy": totals["correctSum"] / totals["examples"]}
        last["test"] = evaluate(model, test_split, ranks, batch)
        if val_split is not None and val_split.n > 0:
            last["val"] = evaluate(model, val_split, ranks, batch)
        if last["test"]["loss"] != last["test"]["loss"]:
            raise FloatingPointError(f"loss became NaN at step {step} (test loss is not finite; the run diverged)")
        epoch, in_epoch = epoch + 1, 0
        values = {"testLoss": last["test"]["loss"], "testAccuracy": last["test"]["accuracy"], "lr": last_lr}
        if "train" in last:
            values.update(trainLoss=last["train"]["loss"], trainAccuracy=last["train"]["accuracy"])
        if "val" in last:
            values.update(valLoss=last["val"]["loss"], valAccuracy=last["val"]["accuracy"])
        if "sharpness" in last:
            values["sharpness"] = last["sharpness"]
        events.emit("metrics", scope="epoch", step=step, epoch=epoch, timeMs=elapsed(), values=values)
        totals = {"examples": 0, "lossSum": 0.0, "correctSum": 0.0}
        if epoch % cfg["checkpointEvery"] == 0 or epoch == cfg["epochs"]:
            checkpoint()

    if "test" not in last:
        last["test"] = evaluate(model, test_split, ranks, batch)
    metrics = {
        "testAccuracy": last["test"]["accuracy"],
        "testLoss": last["test"]["loss"],
        "trainLoss": last.get("train", {}).get("loss", float("nan")),
        "trainAccuracy": last.get("train", {}).get("accuracy", float("nan")),
    }
    if "val" in last:
        metrics.update(valAccuracy=last["val"]["accuracy"], valLoss=last["val"]["loss"])
    if "sharpness" in last:
        metrics["sharpness"] = last["sharpness"]
    events.emit("done", backend=backend, metrics=metrics, epochs=epoch, steps=step, elapsedMs=elapsed(), worldSize=world, device=ranks.device_name)
    if ranks.rank == 0:
        print(f"done: test accuracy {metrics['testAccuracy']:.4f} after {epoch} epochs, {step} steps on {world} process(es)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
