"""jax_peer.py - the JAX peer of `wattnet train`, for bench/peers.py.

The same job as bench/torch_peer.py and wattnet: widths from --widths (last =
outputs), data and split from a `wattnet data export` file (the first
n_train rows train, the rest test), Glorot-uniform weights and zero biases,
ReLU after every hidden layer, the study's output/loss pairs
    regression  sigmoid + MSE (mean)
    binary      sigmoid + BCE (mean, computed from the logits stably)
    multiclass  softmax + CCE (mean)
Adam (lr 1e-4, betas 0.9/0.999, eps 1e-7, PyTorch's update form: the
bias-corrected moments, eps added to sqrt(v_hat)), batch 256 with the last
batch partial, reshuffled every epoch.

JAX is used as a JAX user would: the whole train step (forward, backward,
Adam) is one jax.jit'd function with the parameters donated, the data lives
on the device before any timing, each batch is gathered inside the step
from a permutation, and the losses stay on the device until the epoch ends
(one synchronisation per epoch, not per batch).  The last partial batch has
its own shape and so its own compilation: the first epoch (compilation) is
a warm-up, left out of the medians by bench/peers.py.

Threads: XLA's CPU thread pool follows the process's CPU affinity;
bench/peers.py runs this under `taskset` with T CPUs, and at T = 1 this
also turns Eigen's multi-threading off (XLA_FLAGS).

Run it with bench/out/venv/jax/bin/python.  Output: JSON lines in the shape
of `wattnet train --json` (per-epoch lines, then a summary).
"""

import argparse
import json
import math
import os
import sys
import time

A = argparse.ArgumentParser(description=__doc__.split("\n")[0])
A.add_argument("--data", required=True, help="wattnet data export file")
A.add_argument("--widths", required=True,
               help="comma-separated widths (last = outputs)")
A.add_argument("--epochs", type=int, default=10)
A.add_argument("--batch", type=int, default=256)
A.add_argument("--lr", type=float, default=1e-4)
A.add_argument("--seed", type=int, default=1)
A.add_argument("--threads", type=int, default=1)
A.add_argument("--json", action="store_true", help="(always JSON lines)")

if __name__ == "__main__":
    _args = A.parse_args()
    if _args.threads == 1:       # before jax is imported
        os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") +
                                   " --xla_cpu_multi_thread_eigen=false"
                                   " intra_op_parallelism_threads=1").strip()

import numpy as np                      # noqa: E402
import jax                              # noqa: E402
import jax.numpy as jnp                 # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_data import load_export, flops_epoch   # noqa: E402


def jaxlib_version():
    try:
        import jaxlib
        return jaxlib.__version__
    except (ImportError, AttributeError):
        return "?"


def init_params(key, inputs, widths):
    params = []
    fan_in = inputs
    for w in widths:
        key, sub = jax.random.split(key)
        lim = math.sqrt(6.0 / (fan_in + w))
        W = jax.random.uniform(sub, (fan_in, w), jnp.float32, -lim, lim)
        params.append((W, jnp.zeros((w,), jnp.float32)))
        fan_in = w
    return params


def forward(params, x):
    for W, b in params[:-1]:
        x = jax.nn.relu(x @ W + b)
    W, b = params[-1]
    return x @ W + b


def make_loss(task):
    if task == "multiclass":
        def loss(z, y):
            return -jnp.mean(jnp.sum(y * jax.nn.log_softmax(z), axis=1))
    elif task == "binary":
        def loss(z, y):
            return jnp.mean(jnp.maximum(z, 0) - z * y +
                            jnp.log1p(jnp.exp(-jnp.abs(z))))
    else:
        def loss(z, y):
            return jnp.mean((jax.nn.sigmoid(z) - y) ** 2)
    return loss


def main():
    a = A.parse_args()
    if a.epochs < 1 or a.batch < 1 or a.threads < 1:
        A.error("--epochs, --batch and --threads must be >= 1")
    x_np, y_np, n_train, task = load_export(a.data)
    rows, inputs = x_np.shape
    outputs = y_np.shape[1]
    widths = [int(w) for w in a.widths.split(",")]
    if widths[-1] != outputs:
        A.error(f"last width {widths[-1]} != outputs {outputs}")
    n_test = rows - n_train
    b = a.batch
    lr, b1, b2, eps = a.lr, 0.9, 0.999, 1e-7
    loss_fn = make_loss(task)

    x_train = jnp.asarray(x_np[:n_train])
    y_train = jnp.asarray(y_np[:n_train])
    x_test = jnp.asarray(x_np[n_train:])
    y_test = jnp.asarray(y_np[n_train:])
    params = init_params(jax.random.PRNGKey(a.seed), inputs, widths)
    m = jax.tree_util.tree_map(jnp.zeros_like, params)
    v = jax.tree_util.tree_map(jnp.zeros_like, params)

    def batch_loss(p, xb, yb):
        return loss_fn(forward(p, xb), yb)

    @jax.jit
    def adam(p, g, m, v, t):
        m = jax.tree_util.tree_map(lambda m, g: b1 * m + (1 - b1) * g, m, g)
        v = jax.tree_util.tree_map(lambda v, g: b2 * v + (1 - b2) * g * g,
                                   v, g)
        c1 = 1 - b1 ** t
        c2 = 1 - b2 ** t
        p = jax.tree_util.tree_map(
            lambda p, m, v: p - lr * (m / c1) / (jnp.sqrt(v / c2) + eps),
            p, m, v)
        return p, m, v

    def step(p, m, v, t, idx):
        xb, yb = x_train[idx], y_train[idx]
        loss, g = jax.value_and_grad(batch_loss)(p, xb, yb)
        p, m, v = adam(p, g, m, v, t)
        return p, m, v, loss
    step = jax.jit(step, donate_argnums=(0, 1, 2))

    @jax.jit
    def evaluate(p, xb, yb):
        z = forward(p, xb)
        n = xb.shape[0]
        if task == "multiclass":
            ok = jnp.sum(jnp.argmax(z, 1) == jnp.argmax(yb, 1))
        elif task == "binary":
            ok = jnp.sum((z > 0).astype(jnp.float32) == yb)
        else:
            ok = jnp.zeros((), jnp.int32)
        return loss_fn(z, yb) * n, ok

    rng = np.random.default_rng(a.seed)
    flops, params_n = flops_epoch(b, inputs, widths, n_train, n_test)

    def emit(obj):
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    secs, last, t = [], {}, 0
    t_all = time.perf_counter()
    for epoch in range(1, a.epochs + 1):
        t0 = time.perf_counter()
        perm = jnp.asarray(rng.permutation(n_train).astype(np.int32))
        losses = []
        for s in range(0, n_train, b):
            t += 1
            params, m, v, loss = step(params, m, v, jnp.float32(t),
                                      perm[s:s + b])
            losses.append(loss)
        train_loss = float(jnp.mean(jnp.stack(losses)))
        test_sum, correct = 0.0, 0
        outs = [evaluate(params, x_test[s:s + b], y_test[s:s + b])
                for s in range(0, n_test, b)]
        for ls, ok in outs:
            test_sum += float(ls)
            correct += int(ok)
        dt = time.perf_counter() - t0
        secs.append(dt)
        last = {"type": "epoch", "epoch": epoch, "train_loss": train_loss,
                "test_loss": test_sum / max(n_test, 1),
                "test_accuracy": (correct / n_test if task != "regression"
                                  and n_test else None),
                "seconds": dt}
        emit(last)
    total = time.perf_counter() - t_all
    try:
        from threadpoolctl import threadpool_info
        pools = "; ".join(f"{i.get('internal_api')} {i.get('version')} "
                          f"threads={i.get('num_threads')}"
                          for i in threadpool_info())
    except ImportError:
        pools = "threadpoolctl absent"
    emit({"type": "summary", "engine": "jax", "jax_version": jax.__version__,
          "kernels": f"XLA CPU (jaxlib {jaxlib_version()}, "
                     f"backend {jax.default_backend()}, "
                     f"XLA_FLAGS={os.environ.get('XLA_FLAGS', '')!r}, "
                     f"affinity {len(os.sched_getaffinity(0))} CPUs); "
                     f"threadpoolctl: {pools or 'no pools'}",
          "blas": "XLA's own dot emitter / Eigen (no BLAS library)",
          "task": task, "widths": widths, "params": params_n,
          "depth": len(widths), "epochs": a.epochs, "batch": b, "lr": a.lr,
          "seed": a.seed, "threads": a.threads, "train_rows": n_train,
          "test_rows": n_test, "batches_per_epoch": math.ceil(n_train / b),
          "seconds_total": total,
          "seconds_per_epoch_median": float(np.median(secs)),
          "train_loss": last["train_loss"], "test_loss": last["test_loss"],
          "test_accuracy": last["test_accuracy"], "flops_per_epoch": flops})
    return 0


if __name__ == "__main__":
    sys.exit(main())
