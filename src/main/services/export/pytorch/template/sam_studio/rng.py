"""SAM Studio's seeded random stream (src/engine/rng.ts), bit for bit.

The app draws every reproducible choice of a run from mulberry32: each epoch's shuffle, the
crop and flip of every augmented image, ESAM's weight mask, the keys of dropout masks. This
port gives the same numbers, so the exported run visits the examples in the app's order and
augments them the same way.

mulberry32's state is a counter (s_k = s_0 + k * 0x6D2B79F5 mod 2^32) and each output is a
pure function of it, so `draws(n)` computes n outputs at once with numpy; `next()` is the
one-at-a-time form. JavaScript's int32 arithmetic (Math.imul, ^, >>>) is arithmetic mod 2^32,
done here on uint64 arrays masked to 32 bits.
"""
import numpy as np

_MASK = 0xFFFFFFFF
_STEP = 0x6D2B79F5
_GOLDEN = 0x9E3779B9
_FORK = 0x85EBCA6B


def _imul(a, b):
    """Math.imul: the low 32 bits of the product (uint32 in, uint32 out)."""
    return (a * b) & _MASK


def _mix(t):
    """mulberry32's output function of the counter value t (int or uint64 array), in [0, 2^32)."""
    t = _imul(t ^ (t >> 15), t | 1)
    t = t ^ ((t + _imul(t ^ (t >> 7), t | 61)) & _MASK)
    return (t ^ (t >> 14)) & _MASK


class Rng:
    def __init__(self, seed):
        # (seed >>> 0) ^ 0x9e3779b9, kept as its uint32 bit pattern.
        self.s = ((int(seed) & _MASK) ^ _GOLDEN) & _MASK

    def next(self):
        """Uniform in [0, 1)."""
        self.s = (self.s + _STEP) & _MASK
        return _mix(self.s) / 4294967296.0

    def draws(self, n):
        """The next n values of next(), as a float64 array (the stream moves on by n)."""
        k = np.arange(1, n + 1, dtype=np.uint64)
        counters = (np.uint64(self.s) + k * np.uint64(_STEP)) & np.uint64(_MASK)
        self.s = (self.s + n * _STEP) & _MASK
        return _mix(counters).astype(np.float64) / 4294967296.0

    def int(self, n):
        """Integer in [0, n)."""
        return int(self.next() * n)

    def shuffle(self, a):
        """In-place Fisher-Yates (for i = n-1 .. 1: swap a[i], a[j], j uniform in [0, i])."""
        n = len(a)
        if n < 2:
            return a
        i = np.arange(n - 1, 0, -1)
        j = np.floor(self.draws(n - 1) * (i + 1)).astype(np.int64)
        for ii, jj in zip(i.tolist(), j.tolist()):
            a[ii], a[jj] = a[jj], a[ii]
        return a

    def fork(self, salt):
        """A derived stream: new Rng(floor(next() * 2^31) ^ imul(salt + 1, 0x85ebca6b))."""
        head = int(self.next() * 2147483648.0)
        return Rng(head ^ _imul((salt + 1) & _MASK, _FORK))


# Salts of the app's derived streams (src/engine/train.ts, src/engine/optim/step-seeds.ts).
SHUFFLE_SALT = 0x5F00
DROPOUT_SALT = 0xD409
VARIANT_SALT = 0x5A77


def epoch_rng(seed, epoch):
    """The stream of epoch `epoch`'s shuffle and augmentation."""
    return Rng(seed).fork(SHUFFLE_SALT + epoch)


def dropout_key(seed, t, chunk):
    """Dropout key of m-sharpness chunk `chunk` at step t: both SAM passes replay it."""
    return Rng(seed).fork(DROPOUT_SALT + t).fork(chunk).int(2**31)


def variant_seed(seed, t, chunk):
    """Seed of a SAM variant's own draws (ESAM's weight mask) for chunk `chunk` at step t."""
    return Rng(seed).fork(VARIANT_SALT + t).fork(chunk).int(2**31)
