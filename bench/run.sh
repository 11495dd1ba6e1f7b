#!/usr/bin/env bash
# run.sh - `make bench`: wattnet against PyTorch on connect_4 (see
# bench/bench.py for the jobs, the alternation and the medians, and
# docs/benchmarks.md for how to read the table), then against the CPU
# peers: Debian's PyTorch 1.13, the PyPI PyTorch (eager, torch.compile) and
# JAX on four datasets (bench/peers.py, docs/comparison.md).
#
#   bash bench/run.sh [--quick] [--peers-only|--no-peers] [path/to/wattnet]
#   WN_BENCH_QUICK=1 bash bench/run.sh build/wattnet   (same as --quick)
#
# --quick runs 2 epochs of the small sizes only: a check of the harness,
# not a measurement.  Results go to bench/out/results.{json,md} and
# bench/out/peers.{json,md}; a full run also saves the peers table as
# docs/results/cpu-peers-DATE.md.  The PyPI peers are installed into
# bench/out/venv/{torch,jax} on first use.
# The PyTorch peer runs under Debian's /usr/bin/python3 (python3-torch);
# only that process gets OPENBLAS_CORETYPE=SkylakeX (set in bench.py).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
quick=()
cli=""
peers=yes
for arg in "$@"; do
  case "$arg" in
    --quick) quick=(--quick) ;;
    --peers-only) peers=only ;;
    --no-peers) peers=no ;;
    -h|--help) sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "bench: unknown option $arg" >&2; exit 2 ;;
    *) cli="$arg" ;;
  esac
done
[ -n "$cli" ] || cli="$here/../build/wattnet"
if [ ! -x "$cli" ]; then
  echo "bench: $cli is not built (run make first)" >&2; exit 1
fi
if ! /usr/bin/python3 -c 'import torch, numpy' 2>/dev/null; then
  echo "bench: /usr/bin/python3 has no torch/numpy (apt-get install python3-torch python3-numpy)" >&2
  exit 1
fi
# Which BLAS PyTorch's libblas.so.3 resolves to: the reference (netlib)
# BLAS would make the peer ~30x slower than it should be.  bench.py gives
# the PyTorch process the OpenMP build of OpenBLAS (libopenblas0-openmp)
# through LD_LIBRARY_PATH when it is installed.
blas="$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || true)"
case "$blas" in
  *openblas*|*blis*|*mkl*) ;;
  *) [ -e /usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3 ] || echo "bench: WARNING: PyTorch's BLAS is $blas (not OpenBLAS): the peer runs a reference sgemm and the comparison is unfair; install libopenblas0-openmp" >&2 ;;
esac
# The Python binding's PyTorch example: one wattnet window per epoch, JSON Lines.
mkdir -p "$here/out"
WATTNET_LIB="$(dirname "$cli")/libwattnet.so" PYTHONPATH="$here/../python" \
  /usr/bin/python3 "$here/../examples/pytorch_mlp.py" --epochs 2 \
  --out "$here/out/pytorch_mlp.jsonl" || echo "bench: WARNING: examples/pytorch_mlp.py failed" >&2
[ "${WN_BENCH_QUICK:-}" = 1 ] && quick=(--quick)
if [ "$peers" != only ]; then
  /usr/bin/python3 "$here/bench.py" "${quick[@]}" "$cli"
fi
if [ "$peers" != no ]; then
  if [ ${#quick[@]} -gt 0 ]; then
    /usr/bin/python3 "$here/peers.py" --smoke "$cli"
  else
    /usr/bin/python3 "$here/peers.py" --save "$cli"
  fi
fi
