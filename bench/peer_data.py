"""peer_data.py - what the training peers (torch_peer.py, jax_peer.py) share
and what needs no framework: reading a `wattnet data export` file, and the
SPEC section 5 FLOP count of an epoch.  Standard library and numpy only.
"""

import math
import struct

import numpy as np

TASKS = ("regression", "binary", "multiclass")
MAGIC = b"WNDATA01"


# --------------------------------------------------------------- data file
def load_export(path):
    """Read a `wattnet data export` file: header, then float32 x and y."""
    with open(path, "rb") as f:
        head = f.read(8 + 4 * 8 + 2 * 4)
        if len(head) != 48 or head[:8] != MAGIC:
            raise ValueError(f"{path}: not a WNDATA01 file")
        rows, inputs, outputs, n_train = struct.unpack("<4Q", head[8:40])
        task, _reserved = struct.unpack("<2I", head[40:48])
        if task >= len(TASKS) or n_train > rows or inputs == 0 or outputs == 0:
            raise ValueError(f"{path}: bad header")
        x = np.fromfile(f, dtype="<f4", count=rows * inputs)
        y = np.fromfile(f, dtype="<f4", count=rows * outputs)
        if x.size != rows * inputs or y.size != rows * outputs:
            raise ValueError(f"{path}: truncated")
    return (x.reshape(rows, inputs), y.reshape(rows, outputs), int(n_train),
            TASKS[task])


def flops_epoch(batch, inputs, widths, train_rows, test_rows):
    """SPEC section 5, the same formula as wn_flops_epoch."""
    fwd = bwd = 0.0
    params = 0
    fan_in = inputs
    for k, w in enumerate(widths):
        fwd += fan_in * w + w
        bwd += 2 * w + fan_in * w + (fan_in * w if k > 0 else 0)
        params += (fan_in + 1) * w
        fan_in = w
    fwd *= batch
    bwd = bwd * batch + params * (1 + batch)
    return (math.ceil(train_rows / batch) * (fwd + bwd)
            + math.ceil(test_rows / batch) * fwd), params
