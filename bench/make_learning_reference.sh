#!/usr/bin/env bash
# make_learning_reference.sh - regenerate tests/data/learning_reference.json,
# the PyTorch accuracies that tests/test_learning.c holds wattnet to.
#
#   bash bench/make_learning_reference.sh [path/to/wattnet]
#
# For each case (real adult and nursery from ../shared/datasets, or
# $WN_SHARED_DIR/datasets): `wattnet data export FILE --seed 1` writes the
# preprocessed data in split order, then bench/torch_peer.py trains the job
# with seed 1 (the reference) and with seeds 2..5 (only to measure the
# spread that comes from the initial weights and the shuffles, which are
# what differ between wattnet and PyTorch).  The JSON records the settings,
# the exact command line of the reference run, the torch version and the
# date (DATA in the recorded commands is the script's temporary folder).
# The tolerance is max(0.02, 4 x the largest std across seeds),
# rounded up to 0.005.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
cli="$(realpath "${1:-$root/build/wattnet}")"
shared="$(realpath "${WN_SHARED_DIR:-$root/../shared}")"
out="$root/tests/data/learning_reference.json"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# case: name task shape depth size epochs
cases=("adult binary rectangle 3 4096 20"
       "nursery multiclass rectangle 3 4096 20")
batch=256 lr=0.0001 seed=1 fraction=0.8 spread_seeds="2 3 4 5"

: > "$tmp/runs.jsonl"
for c in "${cases[@]}"; do
  read -r name task shape depth size epochs <<< "$c"
  file="$shared/datasets/$name.tsv.gz"
  [ -r "$file" ] || { echo "reference: $file missing" >&2; exit 1; }
  "$cli" data export "$file" --out "$tmp/$name.wndata" --seed "$seed"
  read -r inputs outputs < <(/usr/bin/python3 -c '
import struct, sys
h = open(sys.argv[1], "rb").read(48)
print(*struct.unpack("<4Q", h[8:40])[1:3])' "$tmp/$name.wndata")
  widths="$("$cli" widths --inputs "$inputs" --outputs "$outputs" \
      --shape "$shape" --depth "$depth" --size "$size" --json |
    /usr/bin/python3 -c 'import json,sys; print(",".join(map(str, json.load(sys.stdin)["widths"])))')"
  for s in $seed $spread_seeds; do
    cmd=(/usr/bin/python3 bench/torch_peer.py --data "DATA/$name.wndata"
         --widths "$widths" --epochs "$epochs" --batch "$batch" --lr "$lr"
         --seed "$s" --threads 1 --json)
    run=("${cmd[@]}")
    run[3]="$tmp/$name.wndata"
    summary="$(cd "$root" && "${run[@]}" | tail -n 1)"
    /usr/bin/python3 - "$name" "$task" "$shape" "$depth" "$size" "$epochs" \
        "$s" "$summary" "${cmd[*]}" "$cli" "$file" >> "$tmp/runs.jsonl" <<'EOF'
import json, sys
name, task, shape, depth, size, epochs, s, summary, cmd, cli, f = sys.argv[1:]
print(json.dumps({"name": name, "task": task, "shape": shape,
                  "depth": int(depth), "size": int(size),
                  "epochs": int(epochs), "seed": int(s),
                  "summary": json.loads(summary), "command": cmd,
                  "export": f"{cli} data export {f} --out DATA/{name}.wndata"
                            f" --seed 1"}))
EOF
    echo "reference: $name seed $s done" >&2
  done
done

/usr/bin/python3 - "$tmp/runs.jsonl" "$out" "$batch" "$lr" "$seed" \
    "$fraction" <<'EOF'
import json, math, statistics, subprocess, sys, time
runs_path, out, batch, lr, seed, fraction = sys.argv[1:]
runs = [json.loads(l) for l in open(runs_path)]
torch_pkg = subprocess.run(
    ["dpkg-query", "-W", "-f=${Version}", "python3-torch"],
    capture_output=True, text=True).stdout.strip()
cases, worst_std = [], 0.0
for name in dict.fromkeys(r["name"] for r in runs):
    rs = [r for r in runs if r["name"] == name]
    ref = next(r for r in rs if r["seed"] == int(seed))
    accs = {r["seed"]: r["summary"]["test_accuracy"] for r in rs}
    std = statistics.stdev(accs.values())
    worst_std = max(worst_std, std)
    s = ref["summary"]
    if s["task"] != ref["task"]:
        sys.exit(f"reference: {name}: task {s['task']}, expected "
                 f"{ref['task']}")
    cases.append({
        "name": name, "file": f"{name}.tsv.gz", "task": s["task"],
        "shape": ref["shape"], "depth": ref["depth"], "size": ref["size"],
        "widths": s["widths"], "params": s["params"],
        "epochs": ref["epochs"], "batch": int(batch), "lr": float(lr),
        "seed": int(seed), "train_fraction": float(fraction),
        "train_rows": s["train_rows"], "test_rows": s["test_rows"],
        "test_accuracy": s["test_accuracy"], "test_loss": s["test_loss"],
        "train_loss": s["train_loss"],
        "export_command": ref["export"], "command": ref["command"],
        "spread": {"seeds": sorted(accs), "test_accuracy":
                   [accs[k] for k in sorted(accs)],
                   "mean": statistics.mean(accs.values()), "std": std,
                   "min": min(accs.values()), "max": max(accs.values())},
    })
tol = max(0.02, math.ceil(4 * worst_std / 0.005) * 0.005)
doc = {
    "description": "PyTorch (bench/torch_peer.py) test accuracy after the "
                   "same job wattnet trains in tests/test_learning.c; the "
                   "split is wattnet's own (data export --seed 1), init and "
                   "shuffles are PyTorch's",
    "generated_by": "bash bench/make_learning_reference.sh build/wattnet",
    "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
    "torch_version": runs[0]["summary"]["torch_version"],
    "torch_debian_package": torch_pkg,
    "blas": runs[0]["summary"].get("blas"),
    "tolerance": round(tol, 3),
    "tolerance_note": "absolute accuracy; max(0.02, 4 x the largest std of "
                      "the PyTorch accuracy across seeds 1-5, rounded up to "
                      "0.005)",
    "datasets": cases,
}
with open(out + ".tmp", "w") as f:
    json.dump(doc, f, indent=1)
    f.write("\n")
import os
os.replace(out + ".tmp", out)
print(f"reference: wrote {out} (tolerance {tol:.3f})", file=sys.stderr)
EOF
