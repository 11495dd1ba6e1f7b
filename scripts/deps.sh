#!/usr/bin/env bash
# Installs the Debian packages wattnet needs, if any is missing: apt-get
# update once, then apt-get install -y.  Not root: prints the command and
# stops.  Called by `make run` and `make test`; `make bench` calls it with
# `bench`, which adds what the PyTorch peer needs for a fair comparison
# (Debian's PyTorch, OpenBLAS built on OpenMP like PyTorch, threadpoolctl).
set -euo pipefail
pkgs=(build-essential cmake pkg-config libdnnl-dev libsqlite3-dev zlib1g-dev
      libgsl-dev libhwloc-dev libcjson-dev libcurl4-openssl-dev libpq-dev
      libcmocka-dev postgresql python3 chromium libmicrohttpd-dev prometheus wrk
      slurm-wlm munge)
if [ "${1:-}" = fuzz ]; then
  pkgs+=(clang libclang-rt-dev)   # libFuzzer (make fuzz)
fi
if [ "${1:-}" = bench ]; then
  pkgs+=(python3-torch python3-numpy libopenblas0-openmp libopenblas0-pthread python3-venv
         python3-threadpoolctl)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
cmd="apt-get update && apt-get install -y ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "wattnet: missing Debian packages: ${missing[*]}" >&2
  echo "wattnet: run as root:  $cmd" >&2
  exit 1
fi
echo "wattnet: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}"
