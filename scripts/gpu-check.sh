#!/usr/bin/env bash
# gpu-check.sh - the one prepared device check of wattnet's GPU engine
# (issue 11), for a GPU host with no build dependencies.  It builds nothing:
# it unpacks the build that scripts/gpu-pack.sh made on the build machine
# (.gpucarry/wattnet-gpu.tar.xz, carried with the device tool's
# carry=[".gpucarry"]), finds the host's cuBLASLt, and runs, each stage
# under its own timeout (about 8 minutes in all):
#   1. host: GPU, driver, torch                                   (~5 s)
#   2. the GPU tests: test_gpu_plan, test_gpu_engine (gradient
#      check on the GPU for every shape and loss; CPU vs GPU on
#      adult and nursery; determinism)                           (<= 120 s)
#   3. smoke: `train --device cuda --meter nvml` on nursery, and
#      an NVML window at idle                                    (~20 s)
#   4. bench-gpu, short: bench/gpu_peer.py (wattnet, PyTorch eager,
#      PyTorch CUDA graph, JAX jit; TF32 off; connect_4 rectangle
#      depth 4, 2^10..2^24; cuBLAS sgemm peak)                   (<= 210 s)
#   5. the cache-scan-gpu preset (60 CUDA jobs, connect_4, 2^10..2^24,
#      ~5 min on one H200 by estimate) by `worker --devices cuda`,
#      each run metered by NVML on its own GPU; a small CPU companion
#      sweep (connect_4, 2^10..2^16, `--devices cpu`) for the
#      crossover; `status` (runs per device, GPU name and driver),
#      `fit` and `report` (with the CPU/GPU crossover section)   (<= SCAN_S
#      + CPU_S + 60 s; SCAN_S=330, CPU_S=90 by default)
# All stages take about 13 minutes at their limits; SKIP="bench" (or
# "tests", or both) leaves stages out to fit a shorter device session.
# Outputs (at most 8 files, as the device tool returns): gpu-check.txt (this
# log), device-profile.json (`wattnet gpu --profile`), bench-gpu.json,
# model.json, report.html, scan.db, in $OUT when set
# (the device tool's folder), else docs/results/DATE-gpu/.
# Without a GPU (any machine) the stages that need one say so and are
# skipped, and the rest still runs: that is how this script was tested.
# Usage: scripts/gpu-check.sh   (PACK=path of the archive, SKIP, SCAN_S, CPU_S)
set -u
cd "$(dirname "$0")/.." || exit 1
PACK=${PACK:-.gpucarry/wattnet-gpu.tar.xz}
SKIP=${SKIP:-}
SCAN_S=${SCAN_S:-330}
CPU_S=${CPU_S:-90}
skipped() { case " $SKIP " in *" $1 "*) echo "skipped (SKIP=$SKIP)"; return 0 ;; esac; return 1; }
OUT=${OUT:-docs/results/$(date -u +%F)-gpu}
mkdir -p "$OUT"
LOG="$OUT/gpu-check.txt"
: >"$LOG"
exec > >(tee -a "$LOG") 2>&1
WORK=$(mktemp -d /tmp/wattnet-gpu-check.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export WATTNET_IDLE_FILE="$WORK/idle.json"

stage() { printf '\n== %s (t=%d s)\n' "$*" "$SECONDS"; }
# run SECONDS CMD...: the command under a timeout, its exit status said.
run() {
  local limit=$1
  shift
  timeout "$limit" "$@"
  local rc=$?
  [ "$rc" = 124 ] && echo "TIMEOUT after $limit s: $*"
  echo "exit: $rc"
  return "$rc"
}

stage "host"
date -u
uname -srm
HAVE_GPU=0
GPU_NAME=""
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
  HAVE_GPU=1
  nvidia-smi --query-gpu=index,name,uuid,driver_version,power.draw,power.limit \
    --format=csv 2>&1 | head -5
  GPU_NAME=$(nvidia-smi --query-gpu=name --format=csv,noheader -i 0 2>/dev/null)
else
  echo "no NVIDIA GPU here (nvidia-smi absent or finds none): GPU stages skip"
fi
python3 -c 'import torch; print("torch", torch.__version__, "cuda",
  torch.cuda.is_available())' 2>&1 | tail -1

stage "unpack $PACK"
if ! tar -xJf "$PACK" -C "$WORK"; then
  echo "RESULT: cannot unpack $PACK (make it with scripts/gpu-pack.sh and carry"
  echo ".gpucarry with the device tool)"
  exit 1
fi
R="$WORK/wattnet-gpu"
echo "packed $(cat "$R/PACKED") from commit $(cat "$R/COMMIT")"
# cuBLASLt: the CUDA toolkit's, else the one in Python's nvidia packages.
CUBLAS_DIR=""
NV_PY=$(python3 -c 'import nvidia, os; print(os.path.dirname(nvidia.__path__[0]))' \
  2>/dev/null || true)
for root in /usr/local/cuda/lib64 /usr/local/cuda/lib /usr/local/cuda/targets/x86_64-linux/lib \
            /usr/local/cuda /usr/lib/x86_64-linux-gnu ${NV_PY:+"$NV_PY/nvidia"}; do
  [ -d "$root" ] || continue
  f=$(find -H "$root" -name 'libcublasLt.so.13*' 2>/dev/null | head -1)
  if [ -n "$f" ]; then
    CUBLAS_DIR=$(dirname "$f")
    break
  fi
done
echo "cuBLASLt: ${CUBLAS_DIR:-not found}"
LDP="$R/lib${CUBLAS_DIR:+:$CUBLAS_DIR}"
W="$R/wattnet"
printf '#!/bin/sh\nLD_LIBRARY_PATH="%s" exec "%s/bin/wattnet" "$@"\n' "$LDP" "$R" >"$W"
chmod +x "$W"
missing=$(LD_LIBRARY_PATH="$LDP" ldd "$R/bin/wattnet" | grep 'not found')
if [ -n "$missing" ]; then
  echo "RESULT: the carried build cannot load: $missing"
  exit 1
fi
export WATTNET_DATA="$R/datasets"
"$W" --version 2>/dev/null || true

stage "the device as wattnet sees it: wattnet gpu"
DEVPROF=""
if run 30 "$W" gpu --json && "$W" gpu --profile >"$OUT/device-profile.json"; then
  DEVPROF="$OUT/device-profile.json"
  cat "$DEVPROF"
else
  rm -f "$OUT/device-profile.json"
fi

stage "GPU tests"
skipped tests || for t in test_gpu_plan test_gpu_engine; do
  LD_LIBRARY_PATH="$LDP" WATTNET_TEST=1 WATTNET_TEST_SHARED="$R" \
    WATTNET_TEST_CLI="$W" WATTNET_TEST_SOURCE="$R" \
    run 120 "$R/bin/$t"
done

stage "smoke: train --device cuda on nursery, NVML"
if [ "$HAVE_GPU" = 1 ]; then
  run 60 "$W" train --data nursery --device cuda --epochs 3 --meter nvml --json
  run 30 "$W" measure --json --source nvml -- sleep 3
else
  run 30 "$W" train --data nursery --device cuda --epochs 1 --meter none
  echo "(expected to fail here: no GPU)"
fi

stage "bench-gpu (short)"
"$W" data export connect_4 --out "$WORK/c4.wn" || echo "export failed"
BENCH=(python3 "$R/bench/gpu_peer.py" --wattnet "$W" --export "$WORK/c4.wn"
       --data connect_4 --sizes "10,14,18,22,24" --epochs 4 --warmup 1 --rounds 1)
if skipped bench; then
  :
elif [ "$HAVE_GPU" = 1 ]; then
  PYTHONUNBUFFERED=1 run 210 "${BENCH[@]}" --json "$OUT/bench-gpu.json"
else
  run 30 "${BENCH[@]}" --dry-run
fi

stage "cache-scan-gpu sweep, NVML; fit; report"
DB="$WORK/scan.db"
PROFILE=""
# The profile read from the device (SMs, shared memory per SM, L2, memory),
# else the shipped one from public specs.
[ -n "$DEVPROF" ] && PROFILE="$DEVPROF"
[ -z "$PROFILE" ] && case "$GPU_NAME" in
  *H200*) PROFILE="$R/profiles/h200.json" ;;
  *H100*) PROFILE="$R/profiles/h100.json" ;;
  *V100*) PROFILE="$R/profiles/v100.json" ;;
esac
if [ -n "$PROFILE" ]; then
  echo "hardware profile: $PROFILE"
else
  echo "hardware profile: none shipped for \"$GPU_NAME\" (fit uses the recording host)"
fi
# The CPU side of the crossover: the same dataset and shapes, sizes the
# CPU trains in seconds (time-only unless this host has an energy counter:
# the report then says so and compares seconds, not joules).
cat >"$WORK/cpu-companion.json" <<'JSON'
{"datasets": ["connect_4"], "shapes": ["rectangle", "trapezoid"],
 "depths": [3, 5], "sizes": [1024, 2048, 4096, 8192, 16384, 32768, 65536],
 "epochs": 2, "devices": ["cpu"]}
JSON
if [ "$HAVE_GPU" = 1 ]; then
  run 20 "$W" sweep --db "$DB" --preset cache-scan-gpu
  # Jobs carry their device: this worker claims only the CUDA ones, and
  # each run's meter is NVML on its own GPU (the host CPU kept apart).
  run "$SCAN_S" "$W" worker --db "$DB" --devices cuda --meter nvml --json
  run 20 "$W" sweep --db "$DB" --spec "$WORK/cpu-companion.json" --name cpu-companion
  run "$CPU_S" "$W" worker --db "$DB" --devices cpu --workers 4 --json
  run 20 "$W" status --db "$DB"
  run 30 "$W" fit --db "$DB" --out "$OUT/model.json" ${PROFILE:+--hardware "$PROFILE"}
  run 30 "$W" report --db "$DB" --model "$OUT/model.json" --out "$OUT/report.html" \
    ${PROFILE:+--hardware "$PROFILE"}
  if [ "$(stat -c %s "$DB" 2>/dev/null || echo 0)" -lt $((15 * 1048576)) ]; then
    cp "$DB" "$OUT/scan.db"
  fi
else
  run 20 "$W" sweep --db "$DB" --preset cache-scan-gpu --dry-run
  run 20 "$W" sweep --db "$DB" --spec "$WORK/cpu-companion.json" \
    --name cpu-companion --dry-run
fi

stage "done: outputs in $OUT"
ls -la "$OUT"
