#!/usr/bin/python3
"""torch_peer.py - the PyTorch peer of `wattnet train`, for bench/run.sh and
the learning reference (tests/data/learning_reference.json).

It trains the same job as wattnet: the widths come from `wattnet widths`
(or --widths), the data and the 80/20 split from a `wattnet data export`
file (the first n_train rows are the training rows, the rest the test
rows), nn.Linear layers with Glorot-uniform weights and zero biases, ReLU
after every hidden layer, and the study's output/loss pairs:
    regression  sigmoid + MSE   (mean)
    binary      sigmoid + BCE   (BCEWithLogitsLoss, mean: the same function,
                                 computed stably)
    multiclass  softmax + CCE   (CrossEntropyLoss on the argmax of the
                                 one-hot target, mean: the same function)
Adam (lr 1e-4, betas 0.9/0.999, eps 1e-7), batch 256 with the last batch
partial, reshuffled every epoch.

Fairness: the tensors are float32 and built before any timing; each epoch
indexes them with one permutation; the test pass runs under no_grad.  An
epoch's `seconds` is the wall time of its training pass plus its test pass,
as in wattnet.  Threads: torch.set_num_threads(T) sets the OpenMP pool, and
the BLAS pool (OpenBLAS keeps its own) is limited to T with threadpoolctl
or, without it, openblas_set_num_threads through ctypes.

Run it with Debian's /usr/bin/python3 (torch, numpy).  Output: JSON lines in
the shape of `wattnet train --json` (per-epoch lines, then a summary).
"""

import argparse
import ctypes
import json
import math
import os
import subprocess
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_data import flops_epoch, load_export  # noqa: E402

# --------------------------------------------------------------- threads
def limit_blas_threads(n):
    """Limit the BLAS library's own pool to n threads; say how."""
    try:
        from threadpoolctl import threadpool_limits, threadpool_info
        keep = threadpool_limits(limits=n, user_api="blas")
        info = [f"{i.get('internal_api')} {i.get('version')} "
                f"{i.get('architecture', '')} {i.get('threading_layer', '')} "
                f"threads={i.get('num_threads')}"
                for i in threadpool_info() if i.get("user_api") == "blas"]
        return keep, "; ".join(info) or "no BLAS pool found"
    except ImportError:
        pass
    for name in ("libopenblas.so.0", "libblas.so.3"):
        try:
            lib = ctypes.CDLL(name)
            fn = getattr(lib, "openblas_set_num_threads")
        except (OSError, AttributeError):
            continue
        fn(ctypes.c_int(n))
        return None, f"openblas_set_num_threads({n}) via {name}"
    return None, "BLAS thread pool not limited (not OpenBLAS?)"


def kernels_note():
    """Which BLAS and kernels this PyTorch build runs (torch.__config__)."""
    cfg = torch.__config__.show().replace("\n", ",").split(",")
    keep = []
    for key in ("BLAS_INFO=", "LAPACK_INFO=", "USE_MKLDNN=", "USE_MKL=",
                "USE_OPENMP=", "CPU capability usage"):
        for part in cfg:
            part = part.replace("- Build settings:", "").strip(" -")
            if part.startswith(key):
                keep.append(part)
                break
    par = torch.__config__.parallel_info().splitlines()
    keep += [ln.strip() for ln in par if "ATen parallel backend" in ln
             or "MKL" in ln or "OpenMP" in ln][:3]
    keep.append(f"mkldnn available {torch.backends.mkldnn.is_available()}")
    return "; ".join(keep)


# --------------------------------------------------------------- model
def widths_from_wattnet(cli, inputs, outputs, shape, depth, size):
    out = subprocess.run(
        [cli, "widths", "--inputs", str(inputs), "--outputs", str(outputs),
         "--shape", shape, "--depth", str(depth), "--size", str(size),
         "--json"], check=True, capture_output=True, text=True).stdout
    return [int(w) for w in json.loads(out)["widths"]]


def build_model(inputs, widths):
    layers = []
    fan_in = inputs
    for k, w in enumerate(widths):
        lin = torch.nn.Linear(fan_in, w)
        torch.nn.init.xavier_uniform_(lin.weight)
        torch.nn.init.zeros_(lin.bias)
        layers.append(lin)
        if k + 1 < len(widths):
            layers.append(torch.nn.ReLU())
        fan_in = w
    return torch.nn.Sequential(*layers)


# --------------------------------------------------------------- training
def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True, help="wattnet data export file")
    ap.add_argument("--widths", help="comma-separated widths (last = outputs)")
    ap.add_argument("--wattnet", help="wattnet binary, to ask for the widths")
    ap.add_argument("--shape", default="rectangle")
    ap.add_argument("--depth", type=int, default=3)
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--compile", action="store_true",
                    help="torch.compile the model (PyTorch >= 2)")
    ap.add_argument("--json", action="store_true", help="(always JSON lines)")
    a = ap.parse_args()
    if a.epochs < 1 or a.batch < 1 or a.threads < 1:
        ap.error("--epochs, --batch and --threads must be >= 1")

    torch.set_num_threads(a.threads)
    _keep, blas = limit_blas_threads(a.threads)
    torch.manual_seed(a.seed)
    gen = torch.Generator().manual_seed(a.seed)

    x_np, y_np, n_train, task = load_export(a.data)
    rows, inputs = x_np.shape
    outputs = y_np.shape[1]
    if a.widths:
        widths = [int(w) for w in a.widths.split(",")]
    elif a.wattnet:
        widths = widths_from_wattnet(a.wattnet, inputs, outputs, a.shape,
                                     a.depth, a.size)
    else:
        ap.error("give --widths or --wattnet")
    if widths[-1] != outputs:
        ap.error(f"last width {widths[-1]} != outputs {outputs}")

    # Tensors ready before any timing.
    x = torch.from_numpy(np.ascontiguousarray(x_np))
    y = torch.from_numpy(np.ascontiguousarray(y_np))
    x_train, y_train = x[:n_train].contiguous(), y[:n_train].contiguous()
    x_test, y_test = x[n_train:].contiguous(), y[n_train:].contiguous()
    n_test = rows - n_train
    if task == "multiclass":
        y_train_t = y_train.argmax(dim=1)
        y_test_t = y_test.argmax(dim=1)
        loss_fn = torch.nn.CrossEntropyLoss()
    elif task == "binary":
        y_train_t, y_test_t = y_train, y_test
        loss_fn = torch.nn.BCEWithLogitsLoss()
    else:
        y_train_t, y_test_t = y_train, y_test
        mse = torch.nn.MSELoss()
        loss_fn = lambda z, t: mse(torch.sigmoid(z), t)  # noqa: E731

    model = build_model(inputs, widths)
    run_model = model
    if a.compile:
        if not hasattr(torch, "compile"):
            ap.error(f"torch {torch.__version__} has no torch.compile")
        run_model = torch.compile(model)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr, betas=(0.9, 0.999),
                           eps=1e-7)
    flops, params = flops_epoch(a.batch, inputs, widths, n_train, n_test)
    b = a.batch

    def emit(obj):
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    secs = []
    t_all = time.perf_counter()
    last = {}
    for epoch in range(1, a.epochs + 1):
        t0 = time.perf_counter()
        model.train()
        perm = torch.randperm(n_train, generator=gen)
        loss_sum = 0.0
        nb = 0
        for s in range(0, n_train, b):
            idx = perm[s:s + b]
            xb, yb = x_train[idx], y_train_t[idx]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(run_model(xb), yb)
            loss.backward()
            opt.step()
            loss_sum += loss.item()
            nb += 1
        model.eval()
        test_sum = 0.0
        correct = 0
        with torch.no_grad():
            for s in range(0, n_test, b):
                xb, yb = x_test[s:s + b], y_test_t[s:s + b]
                z = run_model(xb)
                test_sum += loss_fn(z, yb).item() * xb.shape[0]
                if task == "multiclass":
                    correct += int((z.argmax(dim=1) == yb).sum())
                elif task == "binary":
                    correct += int(((z > 0).float() == yb).sum())
        dt = time.perf_counter() - t0
        secs.append(dt)
        last = {
            "type": "epoch", "epoch": epoch,
            "train_loss": loss_sum / max(nb, 1),
            "test_loss": test_sum / max(n_test, 1),
            "test_accuracy": (correct / n_test if task != "regression"
                              and n_test else None),
            "seconds": dt,
        }
        emit(last)
    total = time.perf_counter() - t_all
    emit({
        "type": "summary",
        "engine": "torch.compile" if a.compile else "torch",
        "torch_version": torch.__version__, "kernels": kernels_note(),
        "blas": blas, "task": task, "widths": widths, "params": params,
        "depth": len(widths), "epochs": a.epochs, "batch": b, "lr": a.lr,
        "seed": a.seed, "threads": a.threads, "train_rows": n_train,
        "test_rows": n_test, "batches_per_epoch": math.ceil(n_train / b),
        "seconds_total": total,
        "seconds_per_epoch_median": float(np.median(secs)),
        "train_loss": last["train_loss"], "test_loss": last["test_loss"],
        "test_accuracy": last["test_accuracy"], "flops_per_epoch": flops,
    })
    return 0


if __name__ == "__main__":
    sys.exit(main())
