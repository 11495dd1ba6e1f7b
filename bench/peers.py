#!/usr/bin/python3
"""peers.py - wattnet train against the CPU training peers a user would
run today (called by bench/run.sh; `make bench`).

Peers, each in its own interpreter:
  torch-1.13   Debian's python3-torch (the reference of bench/bench.py),
               /usr/bin/python3, OpenMP OpenBLAS as bench.py sets it up
  torch        the current PyTorch wheel from PyPI, eager
  torch.compile  the same wheel, the model torch.compile'd
  jax          JAX (jaxlib, XLA CPU) with a jitted train step
The PyPI peers live in bench/out/venv/{torch,jax}, created here with
/usr/bin/python3 -m venv and pip when missing (never a dependency of
wattnet).  Every peer trains the same job as `wattnet train`: the widths of
`wattnet widths`, the rows and split of `wattnet data export`, Glorot-uniform
weights, zero biases, Adam (1e-4, 0.9, 0.999, 1e-7), batch 256 (last batch
partial), reshuffled every epoch (bench/torch_peer.py, bench/jax_peer.py).

Datasets: connect_4 (one-hot), 537_houses (dense, 8 inputs), sleep (mixed)
from the shared datasets folder when present (else wattnet's synthetic
stand-ins, said in the table), and dense784: a dense 784-input, 10-class
file this script writes (bench/out/dense784.tsv.gz, seeded).  Sizes 2^10,
2^14, 2^18, 2^22; 1 and 2 threads; rectangle, depth 4.

For each job the engines run ALTERNATELY (wattnet, then each peer, then
again) for a few rounds; the first epoch of every run is a warm-up
(compilation for torch.compile and JAX) left out of the medians.  Output: a
table on stdout, bench/out/peers.{json,md}, and with --save (what
`make bench` passes) docs/results/cpu-peers-DATE.md.

    bench/peers.py [--smoke] [--save] [--datasets a,b] [--sizes 10,14]
                   [--threads 1,2] [--peers torch,jax] [path/to/wattnet]

--smoke: one size (2^10), one thread, 2 epochs, one round: checks that
every peer runs every dataset and that the table is made; not a
measurement.
"""

import argparse
import gzip
import json
import os
import random
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import bench as B    # noqa: E402  (run_json_lines, timed, envs, fmt_s)

VENVS = os.path.join(HERE, "out", "venv")
SYS_PY = "/usr/bin/python3"
PIP = {"torch": ["torch", "numpy", "threadpoolctl"],
       "jax": ["jax", "numpy", "threadpoolctl"]}
PEERS = ("torch-1.13", "torch", "torch.compile", "jax")
DATASETS = ("connect_4", "537_houses", "sleep", "dense784")
# size -> (epochs per run, rounds, time budget per job in seconds)
PLAN = {10: (6, 3, 90), 14: (6, 3, 90), 18: (4, 2, 150), 22: (3, 2, 300)}
SMOKE = {10: (2, 1, 0)}
SHAPE, DEPTH, SEED, BATCH, LR = "rectangle", 4, 1, 256, 1e-4
# one-thread targets against the fastest peer (issue 15)
TARGET = {10: 3.0, 14: 1.0, 18: 1.2, 22: 1.2}


def log(msg):
    sys.stderr.write(f"peers: {msg}\n")
    sys.stderr.flush()


def venv_python(name):
    py = os.path.join(VENVS, name, "bin", "python")
    if os.path.exists(py):
        return py
    log(f"creating {VENVS}/{name}: pip install {' '.join(PIP[name])} "
        "(the first time downloads a few hundred MB to GB)")
    subprocess.run([SYS_PY, "-m", "venv", os.path.join(VENVS, name)],
                   check=True)
    subprocess.run([py, "-m", "pip", "install", "-q"] + PIP[name],
                   check=True)
    return py


def shared_datasets():
    shared = os.environ.get("WN_SHARED_DIR") or os.path.join(ROOT, "..",
                                                              "shared")
    return os.path.normpath(os.path.join(shared, "datasets"))


def write_dense784(path, rows=6000, seed=7):
    """784 dense inputs in [0, 1); 10 equal classes: the deciles of a
    seeded linear score of the first 32 inputs."""
    if os.path.exists(path):
        return
    rng = random.Random(seed)
    w = [rng.gauss(0, 1) for _ in range(32)]
    xs = [[rng.random() for _ in range(784)] for _ in range(rows)]
    score = [sum(w[j] * x[j] for j in range(32)) for x in xs]
    order = sorted(range(rows), key=score.__getitem__)
    label = [0] * rows
    for rank, i in enumerate(order):
        label[i] = rank * 10 // rows
    tmp = path + ".tmp"
    with gzip.open(tmp, "wt", compresslevel=1) as f:
        f.write("\t".join([f"p{i}" for i in range(784)] + ["target"]) + "\n")
        for x, c in zip(xs, label):
            f.write("\t".join(f"{v:.4f}" for v in x) + f"\tc{c}\n")
    os.replace(tmp, path)


def data_spec(name, out_dir):
    """(spec for wattnet, extra args, note)."""
    if name == "dense784":
        path = os.path.join(out_dir, "dense784.tsv.gz")
        write_dense784(path)
        return path, [], "dense784 (written by the bench: 6000 rows, 784 " \
            "dense inputs, 10 classes)"
    d = shared_datasets()
    if os.path.exists(os.path.join(d, f"{name}.tsv.gz")):
        return name, ["--data-dir", d], f"{name} (real PMLB file)"
    return f"synthetic:{name}", [], f"synthetic:{name} (real file absent)"


def export(cli, spec, extra, path):
    subprocess.run([cli, "data", "export", spec, "--out", path, "--seed",
                    str(SEED)] + extra, check=True, capture_output=True)
    with open(path, "rb") as f:
        head = f.read(48)
    return tuple(int.from_bytes(head[8 + 8 * i:16 + 8 * i], "little")
                 for i in range(4))


def feasible(cli, inputs, outputs, log2size):
    """Whether wattnet can build a network of that size (784 inputs at
    depth 4 cannot come within 20% of 2^10 parameters)."""
    p = subprocess.run(
        [cli, "widths", "--inputs", str(inputs), "--outputs", str(outputs),
         "--shape", SHAPE, "--depth", str(DEPTH), "--size",
         str(2 ** log2size), "--json"], capture_output=True, text=True)
    return p.returncode == 0


def peer_cmd(peer, data_file, wstr, epochs, threads):
    common = ["--data", data_file, "--widths", wstr, "--epochs",
              str(epochs), "--batch", str(BATCH), "--lr", str(LR), "--seed",
              str(SEED), "--threads", str(threads), "--json"]
    if peer == "torch-1.13":
        return [SYS_PY, os.path.join(HERE, "torch_peer.py")] + common, \
            B.torch_env()
    env = B.wattnet_env()
    if peer in ("torch", "torch.compile"):
        return ([venv_python("torch"), os.path.join(HERE, "torch_peer.py")]
                + common + (["--compile"] if peer == "torch.compile"
                            else []), env)
    # XLA sizes its pool from the affinity mask.
    cpus = ",".join(str(c) for c in sorted(os.sched_getaffinity(0))[:threads])
    return (["taskset", "-c", cpus, venv_python("jax"),
             os.path.join(HERE, "jax_peer.py")] + common, env)


def run_job(cli, spec, extra, data_file, size, threads, peers, plan):
    epochs, rounds, budget = plan[size]
    secs = {e: [] for e in ("wattnet",) + tuple(peers)}
    summ = {}
    t0 = time.time()
    wn_cmd = [cli, "train", "--data", spec, "--shape", SHAPE, "--depth",
              str(DEPTH), "--size", str(2 ** size), "--epochs", str(epochs),
              "--batch", str(BATCH), "--lr", str(LR), "--seed", str(SEED),
              "--threads", str(threads), "--meter", "none", "--json"] + extra
    widths = None
    done = 0
    for _ in range(rounds):
        ep, summ["wattnet"] = B.run_json_lines(wn_cmd, B.wattnet_env())
        secs["wattnet"] += B.timed(ep)
        widths = (summ["wattnet"] or {}).get("widths") or widths
        wstr = ",".join(str(w) for w in widths)
        for p in peers:
            cmd, env = peer_cmd(p, data_file, wstr, epochs, threads)
            ep, summ[p] = B.run_json_lines(cmd, env)
            secs[p] += B.timed(ep)
        done += 1
        if time.time() - t0 > budget:
            break
    med = {e: statistics.median(s) for e, s in secs.items()}
    return {"size": size, "threads": threads, "widths": widths,
            "rounds": done, "epochs_per_run": epochs, "median_s": med,
            "epoch_s": secs,
            "accuracy": {e: (s or {}).get("test_accuracy")
                         for e, s in summ.items()},
            "test_loss": {e: (s or {}).get("test_loss")
                          for e, s in summ.items()},
            "kernels": {e: {"kernels": (s or {}).get("kernels"),
                            "blas": (s or {}).get("blas"),
                            "version": (s or {}).get("torch_version") or
                            (s or {}).get("jax_version")}
                        for e, s in summ.items() if e != "wattnet"}}


def render(meta, results, peers):
    L = [f"# wattnet train against CPU peers ({meta['date']})" +
         (" - SMOKE: harness check, not a measurement" if meta["smoke"]
          else ""), "",
         f"Command: `{meta['command']}`.  Job: {SHAPE}, depth {DEPTH}, "
         f"batch {BATCH}, Adam lr {LR}, seed {SEED}, the same widths, "
         "initialisation, split and data for every engine; engines run "
         "alternately; median seconds per epoch (train + test pass), the "
         "first epoch of every run left out (warm-up, compilation).  "
         "`peer/wn` = the peer's median / wattnet's (above 1: wattnet is "
         "faster).  Targets (1 thread, against the fastest peer): >= 3x "
         "at 2^10, ahead at 2^14, >= 1.2x at 2^18 and 2^22.", "",
         f"- load: before `{meta['load_before']}`, after "
         f"`{meta['load_after']}`; wall {meta['wall_s']:.0f} s", ""]
    L.append("Peers and the kernels they ran:")
    L.append("")
    for p, k in meta["kernels"].items():
        L.append(f"- **{p}** {k.get('version')}: {k.get('kernels')}; "
                 f"threadpoolctl: {k.get('blas')}")
    L.append("")
    for ds in meta["datasets"]:
        L.append(f"## {ds['note']}: {ds['rows']} rows, {ds['inputs']} "
                 f"inputs, {ds['outputs']} outputs")
        L.append("")
        if ds.get("skipped"):
            L.append("No rectangle network of depth 4 comes within 20% of " +
                     ", ".join(f"2^{z}" for z in ds["skipped"]) +
                     " parameters here: skipped.")
            L.append("")
        L.append("| size | thr | widths | runs x ep | wattnet s/ep | " +
                 " | ".join(f"{p} s/ep (peer/wn)" for p in peers) +
                 " | fastest peer | target |")
        L.append("|---" * (7 + len(peers)) + "|")
        for r in results:
            if r["dataset"] != ds["name"]:
                continue
            m = r["median_s"]
            wn = m["wattnet"]
            cells = [f"{B.fmt_s(m[p])} ({m[p] / wn:.2f}x)" for p in peers]
            fast = min(peers, key=lambda p: m[p])
            ratio = m[fast] / wn
            tgt = "-"
            if r["threads"] == 1 and r["size"] in TARGET:
                t = TARGET[r["size"]]
                ok = ratio >= t if t > 1 else ratio > 1
                tgt = f"{'met' if ok else 'MISSED'} ({'>=' if t > 1 else '>'}" \
                      f" {t:g}x)"
            w = r["widths"] or []
            L.append(f"| 2^{r['size']} | {r['threads']} | "
                     f"{w[0] if w else '?'}x{len(w) - 1}+{w[-1] if w else '?'}"
                     f" | {r['rounds']}x{r['epochs_per_run']} | "
                     f"{B.fmt_s(wn)} | " + " | ".join(cells) +
                     f" | {fast} {ratio:.2f}x | {tgt} |")
        L.append("")
    L.append("Seconds: `m` = milliseconds.  Test accuracy of every engine "
             "is in the JSON (bench/out/peers.json) as a check that all "
             "train the same job.")
    L.append("")
    return "\n".join(L)


def main():
    ap = argparse.ArgumentParser(description="wattnet train against "
                                 "PyTorch (Debian, PyPI eager and compiled) "
                                 "and JAX on the CPU")
    ap.add_argument("cli", nargs="?", default=os.path.join(ROOT, "build",
                                                           "wattnet"))
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--save", action="store_true",
                    help="also write docs/results/cpu-peers-DATE.md")
    ap.add_argument("--datasets", default=",".join(DATASETS))
    ap.add_argument("--sizes", help="log2 sizes, e.g. 10,14")
    ap.add_argument("--threads", help="e.g. 1,2")
    ap.add_argument("--peers", default=",".join(PEERS))
    ap.add_argument("--out", default=os.path.join(HERE, "out"))
    ap.add_argument("--rounds", type=int,
                    help="rounds per job, with no time budget (default: "
                         "the plan's rounds within its budget)")
    a = ap.parse_args()
    cli = os.path.abspath(a.cli)
    if not os.access(cli, os.X_OK):
        ap.error(f"{cli} is not built (run make first)")
    plan = dict(SMOKE if a.smoke else PLAN)
    if a.sizes:
        plan = {int(s): (SMOKE[10] if a.smoke else PLAN.get(int(s)))
                for s in a.sizes.split(",")}
        if None in plan.values():
            ap.error(f"--sizes: one of {sorted(PLAN)}")
    if a.rounds is not None:
        if a.rounds < 1:
            ap.error("--rounds: at least 1")
        plan = {z: (ep, a.rounds, float("inf")) for z, (ep, _, _) in plan.items()}
    threads = [int(t) for t in (a.threads or ("1" if a.smoke else "1,2"))
               .split(",")]
    peers = [p for p in a.peers.split(",") if p]
    dsets = [d for d in a.datasets.split(",") if d]
    bad = [p for p in peers if p not in PEERS] + \
        [d for d in dsets if d not in DATASETS]
    if bad:
        ap.error(f"unknown peer or dataset: {', '.join(bad)}")
    os.makedirs(a.out, exist_ok=True)
    for p in peers:         # create the environments before any timing
        if p != "torch-1.13":
            venv_python("jax" if p == "jax" else "torch")
    t_start = time.time()
    meta = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "smoke": a.smoke, "load_before": B.uptime(), "datasets": [],
            "command": " ".join(["bench/peers.py"] + sys.argv[1:]),
            "kernels": {}}
    results = []
    for ds in dsets:
        spec, extra, note = data_spec(ds, a.out)
        data_file = os.path.join(a.out, f"peers-{ds}.wndata")
        rows, inputs, outputs, n_train = export(cli, spec, extra, data_file)
        meta["datasets"].append({"name": ds, "note": note, "rows": rows,
                                 "inputs": inputs, "outputs": outputs,
                                 "train_rows": n_train})
        sizes = [z for z in plan if feasible(cli, inputs, outputs, z)]
        for z in plan:
            if z not in sizes:
                log(f"{ds}: no {SHAPE} depth-{DEPTH} network of 2^{z} "
                    "parameters; size skipped")
                meta["datasets"][-1].setdefault("skipped", []).append(z)
        if a.smoke and not sizes:        # the next size that exists
            sizes = [z for z in sorted(PLAN) if feasible(cli, inputs,
                                                         outputs, z)][:1]
            plan.update({z: SMOKE[10] for z in sizes})
        for size in sizes:
            for t in threads:
                log(f"{ds} 2^{size} x{t} ...")
                r = run_job(cli, spec, extra, data_file, size, t, peers,
                            plan)
                r["dataset"] = ds
                results.append(r)
                for p, k in r["kernels"].items():
                    if t == 1 or p not in meta["kernels"]:
                        meta["kernels"][p] = k
                log(f"{ds} 2^{size} x{t}: " + ", ".join(
                    f"{e} {B.fmt_s(s)}" for e, s in r["median_s"].items()))
    meta["load_after"] = B.uptime()
    meta["wall_s"] = time.time() - t_start
    md = render(meta, results, peers)
    with open(os.path.join(a.out, "peers.json"), "w") as f:
        json.dump({"meta": meta, "results": results}, f, indent=1)
    with open(os.path.join(a.out, "peers.md"), "w") as f:
        f.write(md)
    if a.save and not a.smoke:
        path = os.path.join(ROOT, "docs", "results",
                            f"cpu-peers-{meta['date'][:10]}.md")
        with open(path, "w") as f:
            f.write(md)
        log(f"saved {path}")
    sys.stdout.write(md)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (RuntimeError, subprocess.CalledProcessError, OSError,
            ValueError) as e:
        msg = getattr(e, "stderr", None)
        if isinstance(msg, bytes):
            msg = msg.decode(errors="replace")
        log(f"failed: {e}" + (f": {msg.strip()[-800:]}" if msg else ""))
        sys.exit(1)
