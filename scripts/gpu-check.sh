#!/usr/bin/env bash
# gpu-check.sh - the real-GPU check of wattnet's meters, for a machine with
# an NVIDIA GPU, python3 with torch, and possibly none of our build deps (no
# network).  Writes everything to $OUT/gpu-check.txt and prints it.
#
#   1. builds the real `wattnet` CLI if cmake and every dependency are here;
#      else compiles scripts/gpu_meter_probe.c with cc from lib/meter/*.c and
#      lib/core/{error,alloc}.c only (cJSON and libcurl if present);
#   2. `meters --json`: every source, ok or why not;
#   3. NVML at idle: `measure --json --source nvml -- sleep 5`;
#   4. NVML under load: `measure --json --source nvml -- python3 <30 s of
#      fp32 matmuls on cuda>`, with nvidia-smi sampling power.draw every
#      200 ms alongside as an independent cross-check (mean watts compared);
#   5. auto mode (`measure --json -- sleep 2`): which sources combine here.
# Keeps well under 3 minutes.  Usage: scripts/gpu-check.sh [LOAD_SECONDS]
# (WN_GPU_CHECK_PROBE=1 forces the standalone probe; WN_GPU_CHECK_NO_CJSON=1
# also leaves cJSON out: both for testing the fallbacks.)
set -u
cd "$(dirname "$0")/.."
LOAD_S=${1:-30}
OUT=${OUT:-$(mktemp -d /tmp/wattnet-gpu-check.XXXXXX)}
mkdir -p "$OUT"
REPORT="$OUT/gpu-check.txt"
: >"$REPORT"
exec > >(tee -a "$REPORT") 2>&1
WORK=$(mktemp -d /tmp/wattnet-gpu-build.XXXXXX)
export WATTNET_IDLE_FILE="$WORK/idle.json"

say() { printf '\n== %s\n' "$*"; }

say "host"
date -u
uname -a
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=index,name,driver_version,power.draw,power.limit \
    --format=csv 2>&1 | head -10
else
  echo "nvidia-smi: not found"
fi
python3 -c 'import torch; print("torch", torch.__version__, "cuda",
  torch.cuda.is_available())' 2>&1 | tail -1

say "build"
TOOL=""
MODE=""
if [ -z "${WN_GPU_CHECK_PROBE:-}" ] && command -v cmake >/dev/null 2>&1 &&
   timeout 60 cmake -S . -B "$WORK/build" -DCMAKE_BUILD_TYPE=Release \
     -DBUILD_TESTING=OFF >"$WORK/cmake.log" 2>&1 &&
   timeout 90 cmake --build "$WORK/build" -j"$(nproc)" --target wattnet_cli \
     >"$WORK/build.log" 2>&1; then
  TOOL="$WORK/build/wattnet"
  MODE="cli"
  echo "full build: ok ($TOOL)"
else
  echo "full build: not possible here (cmake or a dependency missing);" \
       "last lines:"
  tail -3 "$WORK/cmake.log" "$WORK/build.log" 2>/dev/null
  CC=${CC:-cc}
  SRCS=(scripts/gpu_meter_probe.c lib/core/error.c lib/core/alloc.c
        lib/core/util.c lib/readings/readings.c)
  FLAGS=(-O2 -std=c11 -D_GNU_SOURCE -Wall -I include -I lib)
  LIBS=(-lpthread -ldl -lm)
  if [ -z "${WN_GPU_CHECK_NO_CJSON:-}" ] &&
     echo '#include <cjson/cJSON.h>' | "$CC" -E -x c - >/dev/null 2>&1 &&
     echo 'int main(void){return 0;}' | "$CC" -x c - -lcjson -o "$WORK/t" \
       >/dev/null 2>&1; then
    for f in lib/meter/*.c; do SRCS+=("$f"); done
    LIBS+=(-lcjson)
    if echo '#include <curl/curl.h>' | "$CC" -E -x c - >/dev/null 2>&1 &&
       echo 'int main(void){return 0;}' | "$CC" -x c - -lcurl -o "$WORK/t" \
         >/dev/null 2>&1; then
      FLAGS+=(-DWN_HAVE_CURL=1)
      LIBS+=(-lcurl)
    fi
    echo "standalone probe: with cJSON"
  else
    for f in lib/meter/*.c; do
      case "$f" in
        */meter_idle_file.c|*/meter_redfish.c) ;;
        *) SRCS+=("$f") ;;
      esac
    done
    FLAGS+=(-DWN_PROBE_NO_CJSON=1)
    echo "standalone probe: no cJSON (no idle file, no Redfish)"
  fi
  if "$CC" "${FLAGS[@]}" "${SRCS[@]}" "${LIBS[@]}" -o "$WORK/gpu_meter_probe"; then
    TOOL="$WORK/gpu_meter_probe"
    MODE="probe"
    echo "standalone probe: ok ($TOOL)"
  else
    echo "standalone probe: compile FAILED"
    echo "RESULT: no meter tool could be built"
    exit 1
  fi
fi

meters() { if [ "$MODE" = cli ]; then "$TOOL" meters --json; else "$TOOL" meters; fi; }
measure() { "$TOOL" measure "$@"; }

say "meters --json"
timeout 60 bash -c "$(declare -f meters); TOOL='$TOOL' MODE='$MODE' meters"

say "NVML at idle: measure --json --source nvml -- sleep 5"
timeout 60 "$TOOL" measure --json --source nvml -- sleep 5
echo "exit: $?"

cat >"$WORK/load.py" <<PYEOF
import time, torch
assert torch.cuda.is_available(), 'no cuda'
n = 8192
a = torch.randn(n, n, device='cuda'); b = torch.randn(n, n, device='cuda')
torch.cuda.synchronize(); t0 = time.time(); k = 0
while time.time() - t0 < $LOAD_S:
    c = a @ b; k += 1
    if k % 20 == 0: torch.cuda.synchronize()
torch.cuda.synchronize(); dt = time.time() - t0
print(f'load: {k} fp32 matmuls of {n}x{n} in {dt:.1f} s, '
      f'{2*n**3*k/dt/1e12:.1f} TFLOP/s', flush=True)
PYEOF
say "NVML under load: measure --json --source nvml -- python3 (${LOAD_S} s of matmuls)"
SMI_CSV="$WORK/smi.csv"
SMI_PID=""
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi -i 0 --query-gpu=timestamp,power.draw --format=csv,noheader,nounits \
    -lms 200 >"$SMI_CSV" 2>/dev/null &
  SMI_PID=$!
fi
timeout $((LOAD_S + 90)) "$TOOL" measure --json --source nvml -- python3 "$WORK/load.py" \
  | tee "$WORK/load.json"
echo "exit: ${PIPESTATUS[0]}"
if [ -n "$SMI_PID" ]; then
  kill "$SMI_PID" 2>/dev/null
  wait "$SMI_PID" 2>/dev/null
  say "cross-check: nvidia-smi power.draw (200 ms samples) vs the NVML window"
  # Mean of the samples above 1.3 x the idle median: the loaded part.
  awk -F', *' '{ if ($2+0 > 0) print $2+0 }' "$SMI_CSV" | sort -n >"$WORK/w.txt"
  n=$(wc -l <"$WORK/w.txt")
  echo "nvidia-smi samples: $n"
  if [ "$n" -gt 0 ]; then
    idle=$(head -1 "$WORK/w.txt")
    awk -v idle="$idle" '$1 > 1.3*idle { s += $1; k++ }
      END { if (k) printf "nvidia-smi mean under load: %.1f W over %d samples (min %.1f W)\n", s/k, k, idle }' \
      "$WORK/w.txt"
  fi
  wattnet_w=$(sed -n 's/.*"avg_power_w":\([0-9.e+-]*\).*/\1/p' "$WORK/load.json" | head -1)
  echo "wattnet NVML window mean: ${wattnet_w:-n/a} W (includes python start-up, so a little lower)"
fi

say "auto mode: measure --json -- sleep 2 (which sources combine here)"
timeout 60 "$TOOL" measure --json -- sleep 2
echo "exit: $?"

say "done: report in $REPORT"
rm -rf "$WORK"
