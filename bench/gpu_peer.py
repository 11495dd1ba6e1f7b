#!/usr/bin/env python3
"""gpu_peer.py - `make bench-gpu`: wattnet's GPU engine against its peers on
one CUDA device (issue 11's benchmark).  NEVER RUN ON A GPU as of this
writing (docs/gpu.md).

The same job everywhere: connect_4 (a `wattnet data export` file: the
seeded 80/20 split, training rows first), shape rectangle, depth 4, sizes
2^10 .. 2^24 parameters, Adam (lr 1e-4, betas 0.9/0.999, eps 1e-7), batch
256 with the last batch partial, reshuffled every epoch, softmax + CCE,
float32 with TF32 OFF in every implementation:
    wattnet        `wattnet train --device cuda --json --meter none`
    torch-eager    PyTorch, a plain training loop (what BUTTER-style code runs)
    torch-graph    PyTorch with each full step captured in a CUDA graph
                   (torch.cuda.graph, capturable Adam); the last partial
                   step and the test pass run eagerly
    jax-jit        JAX with the train step under jax.jit (optax.adam)
Implementations alternate within each round (wattnet, eager, graph, jax,
then the next round), so a drifting clock or a warming card hits them all.
Each run trains --epochs epochs; the first --warmup are not counted; the
figure is the median seconds per epoch (train + test pass) over the
counted epochs of all rounds.  The cuBLAS sgemm peak is torch.mm on two
8192 x 8192 float32 matrices with TF32 off (the best of 3 rounds of 20).

Output: a table on stdout and, with --json FILE, every figure: per size
and implementation the median, the ratios against wattnet, the FLOPs per
epoch (SPEC section 5) and wattnet's % of the sgemm peak; the targets of
issue 11 and whether each was met.

Usage: gpu_peer.py --wattnet PATH --export FILE [--sizes 10,14,18,22,24]
                   [--epochs 5] [--warmup 2] [--rounds 2] [--json FILE]
                   [--only NAME,...] [--dry-run]
--dry-run checks the arguments, the export file and the widths and prints
the plan without touching a GPU (what can be tested without one).
"""

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

TARGETS_EAGER = {10: 10.0, 14: 4.0, 18: 1.5, 22: 1.05}   # wattnet faster by
TARGET_PEAK_24 = 0.70                                       # of sgemm peak
IMPLS = ("wattnet", "torch-eager", "torch-graph", "jax-jit")


def read_header(path):
    """rows, inputs, outputs, n_train of a WNDATA01 file (standard library)."""
    import struct
    with open(path, "rb") as f:
        head = f.read(48)
    if len(head) != 48 or head[:8] != b"WNDATA01":
        raise ValueError(f"{path}: not a WNDATA01 file")
    rows, inputs, outputs, n_train = struct.unpack("<4Q", head[8:40])
    if os.path.getsize(path) < 48 + 4 * rows * (inputs + outputs):
        raise ValueError(f"{path}: truncated")
    return rows, inputs, outputs, n_train


def load_export_np(path):
    """x (rows, inputs), y (rows, outputs) float32, n_train (needs numpy)."""
    import numpy as np
    rows, inputs, outputs, n_train = read_header(path)
    with open(path, "rb") as f:
        f.seek(48)
        x = np.fromfile(f, dtype="<f4", count=rows * inputs)
        y = np.fromfile(f, dtype="<f4", count=rows * outputs)
    return x.reshape(rows, inputs), y.reshape(rows, outputs), int(n_train)


def widths_for(cli, inputs, outputs, size):
    out = subprocess.run(
        [cli, "widths", "--inputs", str(inputs), "--outputs", str(outputs),
         "--shape", "rectangle", "--depth", "4", "--size", str(size), "--json"],
        check=True, capture_output=True, text=True).stdout
    return [int(w) for w in json.loads(out)["widths"]]


def flops_epoch(batch, inputs, widths, train_rows, test_rows):
    """SPEC section 5 (wn_flops_epoch)."""
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
            + math.ceil(test_rows / batch) * fwd)


# ------------------------------------------------------------------ wattnet
def run_wattnet(a, size):
    cmd = [a.wattnet, "train", "--data", a.data, "--device", "cuda",
           "--shape", "rectangle", "--depth", "4", "--size", str(size),
           "--epochs", str(a.epochs), "--meter", "none", "--json"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    secs = [json.loads(l)["seconds"] for l in out.splitlines()
            if l.startswith('{"type":"epoch"')]
    return secs[a.warmup:]


# ------------------------------------------------------------------ PyTorch
def torch_setup():
    import torch
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.set_float32_matmul_precision("highest")
    return torch


def torch_model(torch, inputs, widths, dev):
    layers, fan_in = [], inputs
    for k, w in enumerate(widths):
        lin = torch.nn.Linear(fan_in, w)
        torch.nn.init.xavier_uniform_(lin.weight)
        torch.nn.init.zeros_(lin.bias)
        layers.append(lin)
        if k + 1 < len(widths):
            layers.append(torch.nn.ReLU())
        fan_in = w
    return torch.nn.Sequential(*layers).to(dev)


def run_torch(a, data, widths, graph):
    torch = torch_setup()
    dev = torch.device("cuda")
    X = torch.from_numpy(data[0]).to(dev)
    Y = torch.from_numpy(data[1]).argmax(1).to(dev)
    n_train, B = data[2], 256
    Xt, Yt = X[n_train:], Y[n_train:]
    torch.manual_seed(1)
    model = torch_model(torch, X.shape[1], widths, dev)
    opt = torch.optim.Adam(model.parameters(), lr=1e-4, betas=(0.9, 0.999), eps=1e-7,
                           capturable=graph)
    lossf = torch.nn.CrossEntropyLoss()

    def step(xb, yb):
        opt.zero_grad(set_to_none=False)
        loss = lossf(model(xb), yb)
        loss.backward()
        opt.step()
        return loss

    g = None
    if graph:
        sidx = torch.zeros(B, dtype=torch.long, device=dev)
        s = torch.cuda.Stream()
        s.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(s):
            for _ in range(3):   # warm-up before capture (as PyTorch's docs)
                step(X[sidx], Y[sidx])
        torch.cuda.current_stream().wait_stream(s)
        g = torch.cuda.CUDAGraph()
        with torch.cuda.graph(g):
            static_loss = step(X[sidx], Y[sidx])
    secs = []
    for _ in range(a.epochs):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        perm = torch.randperm(n_train, device=dev)
        for s0 in range(0, n_train, B):
            idx = perm[s0:s0 + B]
            if g is not None and idx.numel() == B:
                sidx.copy_(idx)
                g.replay()
            else:
                step(X[idx], Y[idx])
        with torch.no_grad():
            for s0 in range(0, Xt.shape[0], B):
                lossf(model(Xt[s0:s0 + B]), Yt[s0:s0 + B])
        torch.cuda.synchronize()
        secs.append(time.perf_counter() - t0)
    del g
    return secs[a.warmup:]


# ------------------------------------------------------------------ JAX
def run_jax(a, data, widths):
    import jax
    import jax.numpy as jnp
    import optax
    jax.config.update("jax_default_matmul_precision", "highest")
    X = jnp.asarray(data[0])
    Y = jnp.asarray(data[1])
    n_train, B = data[2], 256
    key = jax.random.PRNGKey(1)
    params, fan_in = [], X.shape[1]
    for w in widths:
        key, k = jax.random.split(key)
        lim = math.sqrt(6.0 / (fan_in + w))
        params.append((jax.random.uniform(k, (fan_in, w), jnp.float32, -lim, lim),
                       jnp.zeros((w,), jnp.float32)))
        fan_in = w
    opt = optax.adam(1e-4, b1=0.9, b2=0.999, eps=1e-7)
    state = opt.init(params)

    def forward(p, x):
        for W, b in p[:-1]:
            x = jax.nn.relu(x @ W + b)
        W, b = p[-1]
        return x @ W + b

    def loss_fn(p, x, y):
        return -jnp.mean(jnp.sum(y * jax.nn.log_softmax(forward(p, x)), axis=1))

    @jax.jit
    def step(p, s, idx):
        loss, g = jax.value_and_grad(loss_fn)(p, X[idx], Y[idx])
        upd, s = opt.update(g, s, p)
        return optax.apply_updates(p, upd), s, loss

    @jax.jit
    def test(p, x, y):
        return loss_fn(p, x, y)

    secs = []
    for e in range(a.epochs):
        t0 = time.perf_counter()
        key, k = jax.random.split(key)
        perm = jax.random.permutation(k, n_train)
        for s0 in range(0, n_train, B):
            params, state, loss = step(params, state, perm[s0:s0 + B])
        for s0 in range(n_train, X.shape[0], B):
            loss = test(params, X[s0:s0 + B], Y[s0:s0 + B])
        jax.block_until_ready((params, loss))
        secs.append(time.perf_counter() - t0)
    return secs[a.warmup:]


def sgemm_peak():
    torch = torch_setup()
    n = 8192
    A = torch.randn(n, n, device="cuda")
    Bm = torch.randn(n, n, device="cuda")
    best = 0.0
    for _ in range(3):
        torch.mm(A, Bm)
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        for _ in range(20):
            torch.mm(A, Bm)
        torch.cuda.synchronize()
        best = max(best, 20 * 2.0 * n ** 3 / (time.perf_counter() - t0))
    return best


# ------------------------------------------------------------------ report
def verdicts(row, peak):
    """Issue 11's targets for one size."""
    out = {}
    w = row.get("wattnet")
    if w is None:
        return out
    lg = row["log2"]
    eager = row.get("torch-eager")
    if eager and lg in TARGETS_EAGER:
        out["vs_eager"] = {"speedup": eager / w, "target": TARGETS_EAGER[lg],
                           "met": eager / w >= TARGETS_EAGER[lg]}
    others = [row[k] for k in ("torch-graph", "jax-jit") if row.get(k)]
    if others:
        best = min(others)
        target = 1.2 if lg in (10, 14) else 1.0
        out["vs_best_other"] = {"speedup": best / w, "target": target,
                                "met": best / w >= target}
    if lg == 24 and peak:
        frac = row["flops_per_epoch"] / w / peak
        out["peak"] = {"fraction": frac, "target": TARGET_PEAK_24,
                       "met": frac >= TARGET_PEAK_24}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--wattnet", required=True)
    ap.add_argument("--export", required=True, help="WNDATA01 file of connect_4")
    ap.add_argument("--data", default=None,
                    help="dataset spec for wattnet (default: connect_4)")
    ap.add_argument("--sizes", default="10,14,18,22,24")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--only", default=",".join(IMPLS))
    ap.add_argument("--json", default=None)
    ap.add_argument("--dry-run", action="store_true")
    a = ap.parse_args()
    a.data = a.data or "connect_4"
    if a.epochs <= a.warmup:
        ap.error("--epochs must exceed --warmup")
    impls = [i for i in a.only.split(",") if i]
    bad = [i for i in impls if i not in IMPLS]
    if bad:
        ap.error(f"--only: unknown {bad}; known {list(IMPLS)}")
    try:
        logs = [int(s) for s in a.sizes.split(",")]
    except ValueError:
        ap.error("--sizes: want comma-separated powers of two, e.g. 10,14")
    try:
        n_rows, inputs, outputs, n_train = read_header(a.export)
    except (OSError, ValueError) as e:
        print(f"gpu_peer.py: {e}", file=sys.stderr)
        return 2
    n_test = n_rows - n_train
    rows = []
    for lg in logs:
        widths = widths_for(a.wattnet, inputs, outputs, 1 << lg)
        rows.append({"log2": lg, "size": 1 << lg, "widths": widths,
                     "flops_per_epoch": flops_epoch(256, inputs, widths, n_train,
                                                    n_test)})
    print(f"bench-gpu: {a.data} ({n_train} train / {n_test} test rows), "
          f"rectangle depth 4, {a.epochs} epochs ({a.warmup} warm-up) x "
          f"{a.rounds} rounds, alternating {impls}", flush=True)
    for r in rows:
        print(f"  2^{r['log2']}: widths {r['widths']}, "
              f"{r['flops_per_epoch']:.3g} FLOP/epoch", flush=True)
    if a.dry_run:
        return 0
    data = load_export_np(a.export)
    peak = sgemm_peak()
    print(f"cuBLAS sgemm peak (TF32 off): {peak / 1e12:.2f} TFLOP/s", flush=True)
    for r in rows:
        samples = {i: [] for i in impls}
        for rnd in range(a.rounds):
            for i in impls:
                if i == "wattnet":
                    s = run_wattnet(a, r["size"])
                elif i == "jax-jit":
                    s = run_jax(a, data, r["widths"])
                else:
                    s = run_torch(a, data, r["widths"], i == "torch-graph")
                samples[i] += s
        for i in impls:
            r[i] = statistics.median(samples[i])
        r["samples"] = samples
        r["verdicts"] = verdicts(r, peak)
        line = f"2^{r['log2']:<3}" + "".join(f"  {i} {r[i]:.5f}" for i in impls)
        if "wattnet" in impls:
            line += f"  wattnet {r['flops_per_epoch'] / r['wattnet'] / peak:.1%} of peak"
        print(line, flush=True)
        for k, v in r["verdicts"].items():
            print(f"       {k}: {v}", flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"sgemm_peak_flops": peak, "rows": rows,
                       "epochs": a.epochs, "warmup": a.warmup,
                       "rounds": a.rounds}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
