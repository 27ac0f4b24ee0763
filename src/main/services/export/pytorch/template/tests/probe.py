"""The template's modules asked from the TypeScript tests (test/unit/pytorch-template.test.ts),
which hold the engine's answers: one JSON request on stdin, one JSON answer on stdout.

  {"rng": [seed, ...]}                      draws, forks, shuffles and step keys per seed
  {"schedule": {"configs": [...], "stepsPerEpoch": S, "steps": T}}   lr per step, and the range
  {"data": {"dir": D, "batches": [[epoch, rank, world], ...]}}       the prepared splits and batches
  {"checkpoint": {"in": A, "out": B}}       read A, write it back to B
  {"chunkPlan": [{"batchSize": B, "worlds": [...], "m": M}, ...]}    per plan: ok or the refusal per world size
"""
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import numpy as np  # noqa: E402

from sam_studio.rng import Rng, dropout_key, epoch_rng, variant_seed  # noqa: E402


def sha(a):
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


def rng(seeds):
    out = []
    for seed in seeds:
        r = Rng(seed)
        head = [r.next() for _ in range(3)]
        vector = r.draws(5).tolist()
        fork = r.fork(7)
        out.append({
            "next": head,
            "draws": vector,
            "int": [fork.int(10) for _ in range(5)],
            "shuffle": epoch_rng(seed, 3).shuffle(np.arange(20)).tolist(),
            "dropoutKey": dropout_key(seed, 5, 1),
            "variantSeed": variant_seed(seed, 0, 2),
        })
    return out


def schedule(req):
    from sam_studio.schedule import learning_rate, learning_rate_range

    s = req["stepsPerEpoch"]
    out = []
    for cfg in req["configs"]:
        lrs = [learning_rate(cfg, t // s, t % s, s) for t in range(req["steps"])]
        out.append({"lrs": lrs, "range": list(learning_rate_range(cfg))})
    return out


def data(req):
    from sam_studio.data import epoch_batches, load_splits

    with open(os.path.join(req["dir"], "export.json")) as f:
        exported = json.load(f)
    with open(os.path.join(req["dir"], "run.json")) as f:
        cfg = json.load(f)
    train, val, test = load_splits(exported["data"], req["dir"])
    split = lambda s: None if s is None else {"x": sha(s.x.astype("<f4")), "y": s.y.tolist(), "n": s.n}  # noqa: E731
    batches = []
    for epoch, rank, world in req["batches"]:
        x, y = next(epoch_batches(train, cfg["batchSize"], cfg["seed"], epoch, cfg["data"]["augment"], rank, world))
        batches.append({"x": x.astype("<f4").reshape(-1).tolist(), "y": y.tolist()})
    return {"train": split(train), "validation": split(val), "test": split(test), "batches": batches}


def checkpoint(req):
    from sam_studio.checkpoint import read_checkpoint, write_checkpoint

    meta, tensors = read_checkpoint(req["in"])
    meta = {k: v for k, v in meta.items() if k not in ("version", "savedAt")}
    write_checkpoint(req["out"], meta, list(tensors.items()))
    return {"names": list(tensors), "meta": meta}


def chunk_plan(reqs):
    from sam_studio.stepper import StepError, chunk_plan as plan

    def one(req, world):
        try:
            return list(plan(req["batchSize"], world, req["m"]))
        except StepError as e:
            return str(e)

    return [[one(req, world) for world in req["worlds"]] for req in reqs]


HANDLERS = {"rng": rng, "schedule": schedule, "data": data, "checkpoint": checkpoint, "chunkPlan": chunk_plan}

if __name__ == "__main__":
    request = json.load(sys.stdin)
    print(json.dumps({k: HANDLERS[k](v) for k, v in request.items()}))
