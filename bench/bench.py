#!/usr/bin/python3
"""bench.py - wattnet against PyTorch on the same training jobs (called by
bench/run.sh; `make bench`).

Jobs: connect_4 (the real PMLB file when present, else the synthetic
stand-in), rectangle, depth 4, sizes 2^10, 2^14, 2^18, 2^22, 1 and 2
threads.  For each job wattnet and the PyTorch peer (bench/torch_peer.py)
run ALTERNATELY, wattnet, torch, wattnet, torch ..., for a number of rounds,
so that noise from other processes hits both alike.  Each run trains for
a few epochs; the first epoch of every run is a warm-up and left out of the
medians of both engines.  A job stops adding rounds once it has used its time
budget.

The FLOP ceiling: bench_sgemm_peak measures oneDNN sgemm on one core.  The
FLOP-bound limit of an epoch is gemm_flops / (threads * peak), where
gemm_flops counts 2 FLOPs per multiply-add of the epoch's GEMMs: forward
over every row, weight gradient over the training rows, data gradient over
the training rows for every layer but the first.  wattnet's fraction of it is
limit / measured.  SPEC section 5's flops_per_epoch is not used for it: it
counts a multiply-add as ONE FLOP and adds params*(1+B) per batch for the
optimizer, so flops_per_epoch / peak is ~0.65x the time the GEMMs alone need
at peak (a "fraction" of 70% of that would need ~107% of peak).  It is
reported beside it as spec_limit_s.

Only the PyTorch process gets OPENBLAS_CORETYPE=SkylakeX (Debian's OpenBLAS
0.3.21 does not recognise this CPU); nothing else is given any OPENBLAS_*
variable.  Results: a table on stdout, bench/out/results.json and
bench/out/results.md.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PEER = os.path.join(HERE, "torch_peer.py")
PYTHON = "/usr/bin/python3"

# size -> (epochs per run, max rounds, time budget per job in seconds)
PLAN_FULL = {
    2 ** 10: (10, 3, 60),
    2 ** 14: (10, 3, 60),
    2 ** 18: (5, 2, 90),
    2 ** 22: (3, 2, 150),
}
PLAN_QUICK = {2 ** 10: (2, 1, 20), 2 ** 14: (2, 1, 20)}
THREADS = (1, 2)
# one-thread targets: torch seconds / wattnet seconds at least this
TARGET_RATIO = {2 ** 10: 20.0, 2 ** 14: 4.0, 2 ** 18: 1.3, 2 ** 22: 1.2}
TARGET_FRACTION = 0.70   # of the FLOP-bound limit, at 2^22, one thread
SHAPE, DEPTH, SEED, BATCH, LR = "rectangle", 4, 1, 256, 1e-4


def log(msg):
    sys.stderr.write(f"bench: {msg}\n")
    sys.stderr.flush()


def children_cpu_s():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_json_lines(cmd, env=None, usage=None):
    """Run cmd; return (epoch dicts, summary dict or None).  When usage is a
    list, append (wall seconds, CPU seconds) of the whole process to it."""
    cpu0, t0 = children_cpu_s(), time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if usage is not None:
        usage.append((time.perf_counter() - t0, children_cpu_s() - cpu0))
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {p.returncode}: "
                           f"{p.stderr.strip()[-500:]}")
    epochs, summary = [], None
    for line in p.stdout.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        obj = json.loads(line)
        if obj.get("type") == "epoch":
            epochs.append(obj)
        elif obj.get("type") == "summary":
            summary = obj
    if not epochs:
        raise RuntimeError(f"{' '.join(cmd)}: no epoch lines")
    return epochs, summary


def uptime():
    try:
        return subprocess.run(["uptime"], capture_output=True,
                              text=True).stdout.strip()
    except OSError:
        return "?"


def find_connect4():
    shared = os.environ.get("WN_SHARED_DIR") or os.path.join(ROOT, "..",
                                                              "shared")
    path = os.path.normpath(os.path.join(shared, "datasets",
                                         "connect_4.tsv.gz"))
    if os.path.exists(path):
        return path, f"real PMLB file {path}"
    return "synthetic:connect_4", "synthetic:connect_4 (real file absent)"


def sgemm_peak(cli, width, quick):
    exe = os.path.join(os.path.dirname(os.path.abspath(cli)),
                       "bench_sgemm_peak")
    if not os.access(exe, os.X_OK):
        raise RuntimeError(f"{exe} not built (cmake --build the build dir)")
    env = dict(os.environ, OMP_NUM_THREADS="1")
    cmd = [exe, "--threads", "1", "--width", str(width), "--json",
           "--seconds", "0.15" if quick else "0.6"]
    p = subprocess.run(cmd, capture_output=True, text=True, env=env,
                       check=True)
    return json.loads(p.stdout)


# Debian's OpenBLAS built on OpenMP (libopenblas0-openmp): PyTorch's own
# pool is OpenMP too, so the two share one pool.  With the pthreads build
# (the default alternative) the OpenMP workers spin while OpenBLAS's own
# threads want the same 2 cores: measured here, PyTorch at 2 threads ran
# 2^18 in 1.9-2.5 s/epoch instead of 0.56 s.
OMP_BLAS_DIR = "/usr/lib/x86_64-linux-gnu/openblas-openmp"


def torch_blas_note():
    if os.path.exists(os.path.join(OMP_BLAS_DIR, "libblas.so.3")):
        return f"LD_LIBRARY_PATH={OMP_BLAS_DIR} (OpenMP OpenBLAS)"
    return ("default libblas.so.3 (libopenblas0-openmp absent: at 2 threads "
            "PyTorch's OpenMP and a pthreads OpenBLAS compete for the cores)")


def torch_env():
    env = dict(os.environ)
    for k in list(env):
        if k.startswith("OPENBLAS_"):
            del env[k]
    env["OPENBLAS_CORETYPE"] = "SkylakeX"
    if os.path.exists(os.path.join(OMP_BLAS_DIR, "libblas.so.3")):
        old = env.get("LD_LIBRARY_PATH")
        env["LD_LIBRARY_PATH"] = OMP_BLAS_DIR + (":" + old if old else "")
    return env


def wattnet_env():
    env = dict(os.environ)
    for k in list(env):
        if k.startswith("OPENBLAS_"):
            del env[k]
    return env


def gemm_flops_epoch(inputs, widths, train_rows, test_rows):
    """2 x multiply-adds of the GEMMs of one epoch (see the top comment)."""
    total = 0.0
    fan_in = inputs
    for k, w in enumerate(widths):
        mac = fan_in * w
        total += mac * (train_rows + test_rows)      # forward
        total += mac * train_rows                    # weight gradient
        if k > 0:
            total += mac * train_rows                # data gradient
        fan_in = w
    return 2.0 * total


def timed(epochs):
    """Per-epoch seconds with the first (warm-up) epoch left out."""
    secs = [e["seconds"] for e in epochs]
    return secs[1:] if len(secs) > 1 else secs


def fmt_s(x):
    if x is None:
        return "-"
    if x >= 1:
        return f"{x:.2f}"
    if x >= 0.01:
        return f"{x * 1e3:.1f}m"
    return f"{x * 1e3:.2f}m"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cli", nargs="?", default=os.path.join(ROOT, "build",
                                                           "wattnet"))
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", default=os.path.join(HERE, "out"))
    a = ap.parse_args()
    quick = a.quick or os.environ.get("WN_BENCH_QUICK") == "1"
    plan = PLAN_QUICK if quick else PLAN_FULL
    cli = os.path.abspath(a.cli)
    os.makedirs(a.out, exist_ok=True)
    t_start = time.time()
    load_before = uptime()
    log(f"load before: {load_before}")

    spec, spec_note = find_connect4()
    log(f"connect_4: {spec_note}")
    data_file = os.path.join(a.out, "connect_4.wndata")
    subprocess.run([cli, "data", "export", spec, "--out", data_file,
                    "--seed", str(SEED)], check=True, capture_output=True)
    with open(data_file, "rb") as f:
        head = f.read(48)
    rows, inputs, outputs, n_train = (int.from_bytes(head[8 + 8 * i:16 + 8 * i],
                                                     "little")
                                      for i in range(4))

    widths = {}
    for size in plan:
        out = subprocess.run(
            [cli, "widths", "--inputs", str(inputs), "--outputs",
             str(outputs), "--shape", SHAPE, "--depth", str(DEPTH), "--size",
             str(size), "--json"], check=True, capture_output=True,
            text=True).stdout
        widths[size] = json.loads(out)
    big = max(plan)
    peak = sgemm_peak(cli, widths[big]["widths"][0], quick)
    peak_gflops = peak["peak_gflops"]
    log(f"sgemm peak (oneDNN {peak['onednn']}, 1 core): "
        f"{peak_gflops:.1f} GFLOP/s")

    # wattnet train meters energy by default (a sampler thread); PyTorch does
    # not, so the speed comparison runs wattnet with --meter none.
    helptext = subprocess.run([cli, "train", "--help"], capture_output=True,
                              text=True).stdout
    meter_args = ["--meter", "none"] if "--meter" in helptext else []

    results = []
    blas_info = None
    for size, (epochs, rounds, budget) in plan.items():
        w = widths[size]
        wstr = ",".join(str(x) for x in w["widths"])
        for threads in THREADS:
            job_t0 = time.time()
            wn_secs, th_secs, wn_use, th_use = [], [], [], []
            wn_sum = th_sum = None
            done = 0
            for r in range(rounds):
                wn_cmd = [cli, "train", "--data", spec, "--shape", SHAPE,
                          "--depth", str(DEPTH), "--size", str(size),
                          "--epochs", str(epochs), "--batch", str(BATCH),
                          "--lr", str(LR), "--seed", str(SEED), "--threads",
                          str(threads), "--json"] + meter_args
                ep, wn_sum = run_json_lines(wn_cmd, wattnet_env(), wn_use)
                wn_secs += timed(ep)
                th_cmd = [PYTHON, PEER, "--data", data_file, "--widths", wstr,
                          "--epochs", str(epochs), "--batch", str(BATCH),
                          "--lr", str(LR), "--seed", str(SEED), "--threads",
                          str(threads), "--json"]
                ep, th_sum = run_json_lines(th_cmd, torch_env(), th_use)
                th_secs += timed(ep)
                done += 1
                if time.time() - job_t0 > budget:
                    break
            if threads == 1 or blas_info is None:
                blas_info = (th_sum or {}).get("blas", blas_info)
            wn_med = statistics.median(wn_secs)
            th_med = statistics.median(th_secs)
            flops = (wn_sum or {}).get("flops_per_epoch") or \
                (th_sum or {}).get("flops_per_epoch")
            gflop = gemm_flops_epoch(inputs, w["widths"], n_train,
                                     rows - n_train)
            limit = gflop / (threads * peak_gflops * 1e9)
            wn_share = sum(u[1] for u in wn_use) / sum(u[0] for u in wn_use)
            th_share = sum(u[1] for u in th_use) / sum(u[0] for u in th_use)
            res = {
                "size": size, "log2_size": size.bit_length() - 1,
                "threads": threads, "widths": w["widths"],
                "params": w["params"], "epochs_per_run": epochs,
                "rounds": done, "timed_epochs": len(wn_secs),
                "wattnet_s": wn_med, "torch_s": th_med,
                "ratio": th_med / wn_med,
                "wattnet_epoch_s": wn_secs, "torch_epoch_s": th_secs,
                "flops_per_epoch": flops, "gemm_flops_per_epoch": gflop,
                "spec_limit_s": flops / (threads * peak_gflops * 1e9),
                "limit_s": limit,
                "fraction_of_limit": limit / wn_med,
                "wattnet_cpu_per_wall": wn_share,
                "torch_cpu_per_wall": th_share,
                "fraction_of_limit_cpu": limit / (wn_med * wn_share /
                                                  threads),
                "wattnet_test_accuracy": (wn_sum or {}).get("test_accuracy"),
                "torch_test_accuracy": (th_sum or {}).get("test_accuracy"),
            }
            if threads == 1 and size in TARGET_RATIO:
                res["target_ratio"] = TARGET_RATIO[size]
                res["ratio_met"] = res["ratio"] >= TARGET_RATIO[size]
            if threads == 1 and size == 2 ** 22:
                res["target_fraction"] = TARGET_FRACTION
                res["fraction_met"] = res["fraction_of_limit"] >= \
                    TARGET_FRACTION
            results.append(res)
            log(f"2^{res['log2_size']} x{threads}: wattnet {fmt_s(wn_med)}s "
                f"torch {fmt_s(th_med)}s ratio {res['ratio']:.2f} "
                f"({len(wn_secs)} timed epochs each)")

    load_after = uptime()
    meta = {
        "dataset": spec, "dataset_note": spec_note, "rows": rows,
        "inputs": inputs, "outputs": outputs, "train_rows": n_train,
        "shape": SHAPE, "depth": DEPTH, "batch": BATCH, "lr": LR,
        "seed": SEED, "quick": quick, "sgemm": peak,
        "wattnet_args": " ".join(meter_args) or "(no --meter option)",
        "torch_env": "OPENBLAS_CORETYPE=SkylakeX and " + torch_blas_note() +
                     " (PyTorch process only)",
        "torch_blas": blas_info + " (at 1 thread)" if blas_info else None,
        "medians": "per-epoch seconds (train + test pass), first epoch of "
                   "every run left out as warm-up, for both engines",
        "limit": "gemm_flops / (threads * one-core sgemm peak), gemm_flops "
                 "= 2 x multiply-adds of the epoch's forward and backward "
                 "GEMMs; spec limit = SPEC 5 flops_per_epoch / (threads x "
                 "peak), shown for reference",
        "load_before": load_before, "load_after": load_after,
        "wall_s": time.time() - t_start,
        "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
    }
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump({"meta": meta, "results": results}, f, indent=1)
    md = render(meta, results, peak_gflops)
    with open(os.path.join(a.out, "results.md"), "w") as f:
        f.write(md)
    sys.stdout.write(md)
    return 0


def render(meta, results, peak_gflops):
    L = []
    L.append("# wattnet vs PyTorch" + (" (QUICK: harness check only)"
                                       if meta["quick"] else ""))
    L.append("")
    L.append(f"- data: {meta['dataset_note']}; {meta['rows']} rows, "
             f"{meta['inputs']} inputs, {meta['outputs']} outputs, "
             f"{meta['train_rows']} train rows")
    L.append(f"- job: {meta['shape']}, depth {meta['depth']}, batch "
             f"{meta['batch']}, Adam lr {meta['lr']}, seed {meta['seed']}")
    L.append(f"- wattnet train: {meta['wattnet_args']} (no energy meter "
             f"thread: PyTorch has none)")
    L.append(f"- PyTorch: {meta['torch_env']}; BLAS seen: "
             f"{meta['torch_blas']}")
    L.append(f"- sgemm peak: {peak_gflops:.1f} GFLOP/s (oneDNN "
             f"{meta['sgemm']['onednn']}, one core, best shape of " +
             ", ".join(f"{s['name']} {s['gflops']:.0f}"
                       for s in meta["sgemm"]["shapes"]) + ")")
    L.append(f"- medians: {meta['medians']}; runs alternate wattnet, torch")
    L.append(f"- limit: {meta['limit']}")
    L.append(f"- load: before `{meta['load_before']}`; after "
             f"`{meta['load_after']}`; wall {meta['wall_s']:.0f} s")
    L.append("")
    L.append("| size | thr | widths | epochs (runs x ep) | wattnet s/epoch "
             "| torch s/epoch | torch/wattnet | target | spec limit s | "
             "GEMM limit s | wattnet % of GEMM limit | same, CPU-time based "
             "| CPU/wall wn, torch | acc wn / torch |")
    L.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        tgt = "-"
        if "target_ratio" in r:
            tgt = (f"{'met' if r['ratio_met'] else 'MISSED'} "
                   f"(>= {r['target_ratio']:g}x, "
                   f"{r['ratio'] / r['target_ratio'] * 100:.1f}% of it)")
        frac = f"{r['fraction_of_limit'] * 100:.0f}%"
        if "target_fraction" in r:
            frac += (f" ({'met' if r['fraction_met'] else 'MISSED'} "
                     f">= {r['target_fraction'] * 100:.0f}%)")
        acc = "/".join("-" if v is None else f"{v:.3f}" for v in
                       (r["wattnet_test_accuracy"],
                        r["torch_test_accuracy"]))
        w = r["widths"]
        L.append(f"| 2^{r['log2_size']} | {r['threads']} | {w[0]}x"
                 f"{len(w) - 1}+{w[-1]} | {r['rounds']}x"
                 f"{r['epochs_per_run']} | {fmt_s(r['wattnet_s'])} | "
                 f"{fmt_s(r['torch_s'])} | {r['ratio']:.2f}x | {tgt} | "
                 f"{fmt_s(r['spec_limit_s'])} | {fmt_s(r['limit_s'])} | "
                 f"{frac} | {r['fraction_of_limit_cpu'] * 100:.0f}% | "
                 f"{r['wattnet_cpu_per_wall']:.2f}, "
                 f"{r['torch_cpu_per_wall']:.2f} | {acc} |")
    L.append("")
    L.append("CPU/wall: CPU seconds (user+sys) per wall second of the whole "
             "process (startup included), 1.0 = one busy core; well below "
             "`threads` means other processes took the cores.  The "
             "CPU-time based fraction scales the median by CPU/wall/threads "
             "(an estimate of the fraction on an idle machine).  Targets "
             "are judged on the wall-clock columns.")
    L.append("")
    L.append("Seconds: `m` = milliseconds.  Epochs per size are limited to "
             "keep `make bench` short: " +
             ", ".join(f"2^{s.bit_length() - 1}: up to {p[1]} runs x "
                       f"{p[0]} epochs" for s, p in
                       (PLAN_QUICK if meta["quick"] else PLAN_FULL).items())
             + ".")
    L.append("")
    return "\n".join(L)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (RuntimeError, subprocess.CalledProcessError, OSError,
            ValueError) as e:
        msg = getattr(e, "stderr", None)
        if isinstance(msg, bytes):
            msg = msg.decode(errors="replace")
        log(f"failed: {e}" + (f": {msg.strip()[-500:]}" if msg else ""))
        sys.exit(1)
