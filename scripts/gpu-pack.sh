#!/usr/bin/env bash
# gpu-pack.sh - on the build machine, pack what scripts/gpu-check.sh needs on
# a GPU host that has no build dependencies (docs/gpu.md):
#   a Release build with the CUDA engine (wattnet, test_gpu_plan,
#   test_gpu_engine), every shared library they load except glibc's, the C++
#   runtime's and cuBLAS's (the GPU host has its own: cuBLASLt alone is
#   ~500 MB), the datasets the checks read (connect_4, adult, nursery), the
#   hardware profiles and the benchmark scripts,
# into .gpucarry/wattnet-gpu.tar.xz (ignored by git), checked to be under the
# device tool's 64 MiB carry limit.  Carry it with the run tool's
# carry=[".gpucarry"] and start scripts/gpu-check.sh there.
#
# Usage: scripts/gpu-pack.sh   (BUILD=dir, default build-gpu; DATA=dir of the
# study datasets, default ../shared/datasets)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build-gpu}
DATA=${DATA:-../shared/datasets}
LIMIT=$((60 * 1024 * 1024))

cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DWN_WITH_CUDA=ON \
  >"$BUILD.cmake.log" 2>&1 || { tail -20 "$BUILD.cmake.log"; exit 1; }
if ! grep -q 'CUDA engine (cuBLASLt) *\[x\]' "$BUILD.cmake.log"; then
  echo "gpu-pack: CMake found no CUDA toolkit: the build would have no GPU engine" >&2
  grep 'CUDA engine' "$BUILD.cmake.log" >&2 || true
  exit 1
fi
rm -f "$BUILD.cmake.log"
cmake --build "$BUILD" -j"$(nproc)" --target wattnet_cli test_gpu_plan test_gpu_engine

STAGE=$(mktemp -d /tmp/wattnet-gpu-pack.XXXXXX)
trap 'rm -rf "$STAGE"' EXIT
P="$STAGE/wattnet-gpu"
mkdir -p "$P/bin" "$P/lib" "$P/datasets" "$P/profiles" "$P/bench"
for b in wattnet test_gpu_plan test_gpu_engine; do
  cp "$BUILD/$b" "$P/bin/$b"
done
# Libraries: what the dynamic linker resolves here, less the base system's
# and CUDA's big libraries.
SKIP='/(libc|libm|libpthread|libdl|librt|libresolv|ld-linux-x86-64|libstdc\+\+|libgcc_s|libcuda|libcublas|libcublasLt|libnvidia[^/]*)\.so'
for b in "$P"/bin/*; do
  ldd "$b" | awk '/=> \// { print $3 }'
done | sort -u | while read -r lib; do
  if ! [[ "$lib" =~ $SKIP ]]; then
    cp -L "$lib" "$P/lib/"
  fi
done
for d in connect_4 adult nursery; do
  if [ -r "$DATA/$d.tsv.gz" ]; then
    cp "$DATA/$d.tsv.gz" "$P/datasets/"
    cp "$DATA/$d.metadata.yaml" "$P/datasets/" 2>/dev/null || true
  else
    echo "gpu-pack: $DATA/$d.tsv.gz absent: the checks that need it will skip" >&2
  fi
done
cp profiles/*.json "$P/profiles/"
cp bench/gpu_peer.py bench/cache-scan-gpu.json "$P/bench/"
git rev-parse HEAD >"$P/COMMIT" 2>/dev/null || echo unknown >"$P/COMMIT"
date -u +%FT%TZ >"$P/PACKED"

mkdir -p .gpucarry
tar -C "$STAGE" -cJf .gpucarry/wattnet-gpu.tar.xz wattnet-gpu
size=$(stat -c %s .gpucarry/wattnet-gpu.tar.xz)
echo "gpu-pack: .gpucarry/wattnet-gpu.tar.xz $((size / 1024)) KiB," \
     "$(find "$P/lib" -type f | wc -l) libraries, commit $(cut -c1-12 "$P/COMMIT")"
if [ "$size" -gt "$LIMIT" ]; then
  echo "gpu-pack: over $((LIMIT / 1048576)) MiB: the device tool carries 64 MiB at most" >&2
  exit 1
fi
