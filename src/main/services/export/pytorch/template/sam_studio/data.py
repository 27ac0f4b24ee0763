"""The run's data, exactly as the app prepared it.

The export fixed everything the app decided once per run (export.json "data", arrays in data/):
which raw examples are training, validation and test rows, the training labels after label
noise, and the normalisation measured on the training rows. This module reads the raw source
(the named set's own files, or the arrays the export wrote for CSV, image-folder and synthetic
sets), gathers those rows and normalises them with the same float64 arithmetic, so every
example is the app's to the last bit.

What changes every epoch is drawn here with the app's own random stream (rng.py): the shuffle
of the training rows and each augmented image's crop and flip (src/engine/data/batches.ts,
augment.ts). Every rank draws the whole epoch and keeps its share of each batch, so the global
batch is the app's batch.

Why the split travels as rows but the epochs are re-drawn: the split depends on how the app
decoded the source (CSV columns, image folders, its own loaders), which a small script should
not re-implement, and it is one list per run; each epoch's order and augmentation would be
epochs x examples numbers, while the stream that draws them is twenty lines to port.
"""
import gzip
import hashlib
import os

import numpy as np

from .rng import epoch_rng

IDX_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
CIFAR_FILES = {
    "cifar10": {"sub": "cifar-10-batches-bin", "train": [f"data_batch_{i}.bin" for i in range(1, 6)], "test": ["test_batch.bin"], "label_bytes": 1},
    "cifar100": {"sub": "cifar-100-binary", "train": ["train.bin"], "test": ["test.bin"], "label_bytes": 2},
}


class DataError(Exception):
    """Missing or mismatched data: the message says which file and what to do."""


class Split:
    def __init__(self, x, y):
        self.x = x  # float32 [n, *input_shape], normalised (NHWC for images)
        self.y = y  # int64 [n]
        self.n = len(y)


def read_array(export_dir, spec):
    """One array the export wrote: raw little-endian values plus its dtype and shape."""
    path = os.path.join(export_dir, spec["file"])
    return np.fromfile(path, dtype=spec["dtype"]).reshape(spec["shape"])


def _read_maybe_gzip(path):
    with open(path, "rb") as f:
        head = f.read(2)
    opener = gzip.open if head == b"\x1f\x8b" else open
    with opener(path, "rb") as f:
        return f.read()


def _find_idx(directory, base):
    dotted = base.replace("-idx", ".idx")
    for name in (f"{base}.gz", base, f"{dotted}.gz", dotted):
        path = os.path.join(directory, name)
        if os.path.exists(path):
            return path
    return None


def _parse_idx(path, ndim):
    buf = _read_maybe_gzip(path)
    dims = [int.from_bytes(buf[4 + 4 * i : 8 + 4 * i], "big") for i in range(buf[3])]
    if buf[3] != ndim or len(buf) != 4 + 4 * ndim + int(np.prod(dims)):
        raise DataError(f"{path} is not a complete IDX file with {ndim} dimensions")
    return np.frombuffer(buf, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def _load_idx(directory, what):
    paths = {k: _find_idx(directory, base) for k, base in IDX_FILES.items()}
    missing = [IDX_FILES[k] + ".gz" for k, p in paths.items() if p is None]
    if missing:
        raise DataError(f"{what} not found in {directory} (missing {', '.join(missing)}); pass --data-dir with the folder that holds the four IDX files")
    out = {}
    for split in ("train", "test"):
        images = _parse_idx(paths[f"{split}_images"], 3)
        out[split] = (images[..., None], _parse_idx(paths[f"{split}_labels"], 1).astype(np.int32))
    return out


def _load_cifar(directory, variant):
    files = CIFAR_FILES[variant]
    folder = next((d for d in (directory, os.path.join(directory, files["sub"])) if os.path.exists(os.path.join(d, files["test"][0]))), None)
    if folder is None:
        raise DataError(f"{variant} not found in {directory}; pass --data-dir with the extracted {files['sub']} folder")
    out = {}
    for split in ("train", "test"):
        records = np.concatenate([np.fromfile(os.path.join(folder, f), dtype=np.uint8).reshape(-1, files["label_bytes"] + 3072) for f in files[split]])
        labels = records[:, files["label_bytes"] - 1].astype(np.int32)
        # Records are channel-planar (all R, all G, all B); the app works in NHWC.
        images = records[:, files["label_bytes"]:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        out[split] = (images, labels)
    return out


def load_raw(data, export_dir, data_dir=None):
    """{'train': (x, y), 'test': (x, y) or None} from the run's source, before any row is picked."""
    source = data["source"]
    if source["kind"] == "arrays":
        raw = {"train": (read_array(export_dir, source["train"]["x"]), read_array(export_dir, source["train"]["y"]))}
        raw["test"] = (read_array(export_dir, source["test"]["x"]), read_array(export_dir, source["test"]["y"])) if source["test"] else None
        return raw
    directory = data_dir or source["dir"]
    raw = _load_idx(directory, data["name"]) if source["kind"] == "idx" else _load_cifar(directory, source["kind"])
    _check_same_source(data, raw, directory)
    return raw


def _check_same_source(data, raw, directory):
    """The rows only mean something on the files the app read: check sizes and training labels."""
    sizes = {"train": len(raw["train"][1]), "test": len(raw["test"][1])}
    if sizes != data["rawSizes"]:
        raise DataError(f"{directory} holds {sizes} examples, the app's {data['name']} had {data['rawSizes']}: not the same data set")
    digest = hashlib.sha256(raw["train"][1].astype("<i4").tobytes()).hexdigest()
    if digest != data["trainLabelsSha256"]:
        raise DataError(f"the training labels in {directory} differ from the app's {data['name']} (sha256 {digest[:12]}… vs {data['trainLabelsSha256'][:12]}…)")


def _normalise(x, norm):
    """(x / scale - mean[c]) * (1 / std[c]) in float64, stored as float32: the app's arithmetic."""
    x = x.reshape(len(x), -1).astype(np.float64)
    if norm["kind"] == "none":
        return x.astype(np.float32)
    channels = len(norm["mean"])
    c = np.arange(x.shape[1]) % channels
    mean = np.asarray(norm["mean"], dtype=np.float64)[c]
    inv = 1.0 / np.asarray(norm["std"], dtype=np.float64)[c]
    return ((x / norm["scale"] - mean) * inv).astype(np.float32)


def _relabel(labels, classes):
    """data.classes: source label classes[i] becomes i (src/engine/data/class-subset.ts); None keeps them."""
    if not classes:
        return labels
    table = np.full(max(int(labels.max(initial=0)), max(classes)) + 1, -1, dtype=np.int64)
    table[classes] = np.arange(len(classes))
    out = table[labels]
    if (out < 0).any():
        raise DataError(f"a row of the export is of a class outside data.classes {classes}: the data differs from the app's")
    return out


def load_splits(data, export_dir, data_dir=None):
    """(train, validation or None, test) as the app prepared them (src/engine/data/pipeline.ts).

    Rows are in the source's numbering; with data.classes the validation and test labels are
    relabelled here (the training labels come relabelled, and label-noised, from the export).
    """
    raw = load_raw(data, export_dir, data_dir)
    shape = data["inputShape"]
    norm = data["normalization"]
    classes = data.get("classes")

    def take(source, rows, labels=None):
        x, y = source
        picked = _normalise(x[rows], norm).reshape([len(rows), *shape])
        return Split(picked, (_relabel(y[rows], classes) if labels is None else labels).astype(np.int64))

    rows = {k: read_array(export_dir, v) if v else None for k, v in data["rows"].items()}
    train = take(raw["train"], rows["train"], read_array(export_dir, data["trainLabels"]))
    validation = take(raw["train"], rows["validation"]) if rows["validation"] is not None else None
    test = take(raw[data["testFrom"]], rows["test"])
    return train, validation, test


def steps_per_epoch(n, batch_size):
    """The app drops a last partial batch unless the split is smaller than one batch."""
    return n // batch_size if n >= batch_size else 1


def _crop_flip(image, pad, oy, ox, flip):
    """Zero-pad by `pad`, crop at (oy, ox), flip left-right: src/engine/data/augment.ts."""
    h, w = image.shape[:2]
    padded = np.pad(image, ((pad, pad), (pad, pad), (0, 0))) if pad else image
    crop = padded[oy : oy + h, ox : ox + w]
    return crop[:, ::-1] if flip else crop


def epoch_batches(split, batch_size, seed, epoch, augment, rank=0, world_size=1, skip=0):
    """This rank's share of each of the epoch's batches, in the app's order: (x, y) numpy pairs.

    The app shuffles the training rows with the epoch's stream, then draws, example by example
    in batch order, the crop corner (oy, ox) and the flip. Each rank takes the contiguous slice
    [rank*b, (rank+1)*b) of every global batch, b = batch_size / world_size. `skip` batches are
    left out (a resumed run continues mid-epoch) but their draws are still consumed.
    """
    rng = epoch_rng(seed, epoch)
    order = rng.shuffle(np.arange(split.n, dtype=np.int64))
    steps = steps_per_epoch(split.n, batch_size)
    size = min(batch_size, split.n)
    pad = augment["cropPadding"]
    flip = augment["flip"]
    per_example = (2 if pad > 0 else 0) + (1 if flip else 0)
    draws = rng.draws(steps * size * per_example).reshape(steps * size, per_example) if per_example else None
    share = size // world_size
    for step in range(skip, steps):
        start = step * size + rank * share
        idx = order[start : start + share]
        x = split.x[idx]
        if draws is not None:
            d = draws[start : start + share]
            col = 0
            oy = ox = np.zeros(len(idx), dtype=np.int64)
            if pad > 0:
                oy = np.floor(d[:, 0] * (2 * pad + 1)).astype(np.int64)
                ox = np.floor(d[:, 1] * (2 * pad + 1)).astype(np.int64)
                col = 2
            flips = d[:, col] < 0.5 if flip else np.zeros(len(idx), dtype=bool)
            x = np.stack([_crop_flip(img, pad, a, b, f) for img, a, b, f in zip(x, oy, ox, flips)])
        yield np.ascontiguousarray(x), split.y[idx]


def shard(split, rank, world_size):
    """This rank's contiguous share of an evaluation split (sums are all-reduced afterwards)."""
    lo = split.n * rank // world_size
    hi = split.n * (rank + 1) // world_size
    return Split(split.x[lo:hi], split.y[lo:hi])
