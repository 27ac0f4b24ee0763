"""SAM Studio's checkpoint format (src/engine/checkpoint.ts), read and written here.

  "SAMCKPT1" | uint32 LE header length | JSON header | raw little-endian tensor bytes

The header names every tensor (param/i, state/i, opt/<name>), its shape, dtype and offset, and
the loop position (epoch, stepInEpoch, step). Tensors are in the app's order and layout (NHWC
models, [in, out] dense and [kh, kw, in, out] conv kernels), so a checkpoint written here loads
in the app: its Hessian analysis, and `sam-studio train --resume`, take it as their own.
"""
import datetime
import json
import os
import struct

import numpy as np
import torch
from torch import nn

MAGIC = b"SAMCKPT1"
VERSION = 1
DTYPES = {"float32": "<f4", "int32": "<i4"}


def read_checkpoint(path):
    """(meta, {name: numpy array}) of a SAM Studio checkpoint file."""
    with open(path, "rb") as f:
        buf = f.read()
    if buf[: len(MAGIC)] != MAGIC:
        raise ValueError(f"{path} is not a SAM Studio checkpoint (it does not start with {MAGIC.decode()})")
    (length,) = struct.unpack_from("<I", buf, len(MAGIC))
    start = len(MAGIC) + 4 + length
    header = json.loads(buf[len(MAGIC) + 4 : start].decode("utf-8"))
    if header.get("version") != VERSION:
        raise ValueError(f"{path} has checkpoint format version {header.get('version')}; this script reads version {VERSION}")
    tensors = {}
    for e in header.pop("tensors"):
        a = np.frombuffer(buf, dtype=DTYPES[e["dtype"]], count=e["byteLength"] // 4, offset=start + e["offset"])
        tensors[e["name"]] = a.reshape(e["shape"]).copy()
    return header, tensors


def write_checkpoint(path, meta, tensors):
    """Write atomically (temp file + rename). `tensors`: ordered (name, numpy float32/int32 array)."""
    entries, chunks, offset = [], [], 0
    for name, a in tensors:
        dtype = "int32" if a.dtype == np.int32 else "float32"
        data = np.ascontiguousarray(a, dtype=DTYPES[dtype]).tobytes()
        entries.append({"name": name, "shape": list(a.shape), "dtype": dtype, "offset": offset, "byteLength": len(data)})
        chunks.append(data)
        offset += len(data)
    saved_at = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    header = json.dumps({**meta, "version": VERSION, "savedAt": saved_at, "tensors": entries}).encode("utf-8")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(MAGIC + struct.pack("<I", len(header)) + header + b"".join(chunks))
    os.replace(tmp, path)


# ---- layouts: the app's tensors <-> torch's ----


def layouts(model):
    """Per parameter (model.parameters() order): how its app layout maps to torch's."""
    kinds = {}
    for m in model.modules():
        if isinstance(m, nn.Linear):
            kinds[id(m.weight)] = ("flat-dense", m.flatten_hwc) if hasattr(m, "flatten_hwc") else ("dense", None)
        elif isinstance(m, nn.Conv2d):
            kinds[id(m.weight)] = ("conv", None)
    return [kinds.get(id(p), ("same", None)) for p in model.parameters()]


def to_torch(a, layout):
    """An app tensor (numpy) in torch's layout."""
    kind, hwc = layout
    if kind == "dense":  # [in, out] -> [out, in]
        return a.T
    if kind == "conv":  # [kh, kw, in, out] -> [out, in, kh, kw]
        return a.transpose(3, 2, 0, 1)
    if kind == "flat-dense":  # rows (h, w, c) -> columns (c, h, w)
        h, w, c = hwc
        return a.reshape(h, w, c, -1).transpose(3, 2, 0, 1).reshape(a.shape[1], -1)
    return a


def to_app(t, layout):
    """A torch tensor as the app's numpy array (the inverse of to_torch)."""
    a = t.detach().cpu().numpy()
    kind, hwc = layout
    if kind == "dense":
        return a.T
    if kind == "conv":
        return a.transpose(2, 3, 1, 0)
    if kind == "flat-dense":
        h, w, c = hwc
        return a.reshape(-1, c, h, w).transpose(2, 3, 1, 0).reshape(h * w * c, -1)
    return a


def running_stats(model):
    """The app's non-trainable state: each batch norm's running mean and variance, in order."""
    out = []
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            out += [m.running_mean, m.running_var]
    return out


def load_model(model, tensors, source):
    """Copy param/i and state/i of an app checkpoint into the model (shapes checked)."""
    params, stats, lays = list(model.parameters()), running_stats(model), layouts(model)
    groups = [("param", params, lays), ("state", stats, [("same", None)] * len(stats))]
    for group, targets, group_layouts in groups:
        saved = sorted((int(k.split("/")[1]), v) for k, v in tensors.items() if k.startswith(group + "/"))
        if len(saved) != len(targets):
            raise ValueError(f"{source} holds {len(saved)} {group} tensors, the model has {len(targets)}: it was written for another model config")
        for (i, a), t, lay in zip(saved, targets, group_layouts):
            value = torch.from_numpy(np.ascontiguousarray(to_torch(a, lay)))
            if tuple(value.shape) != tuple(t.shape):
                raise ValueError(f"{source}: {group} tensor {i} has shape {list(a.shape)}, which does not fit {list(t.shape)}")
            with torch.no_grad():
                t.copy_(value)


def model_tensors(model):
    """[(name, app-layout array)] of the model's weights and batch-norm state."""
    out = [(f"param/{i}", to_app(p, lay)) for i, (p, lay) in enumerate(zip(model.parameters(), layouts(model)))]
    out += [(f"state/{i}", t.detach().cpu().numpy()) for i, t in enumerate(running_stats(model))]
    return out
