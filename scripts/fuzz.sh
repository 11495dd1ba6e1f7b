#!/usr/bin/env bash
# fuzz.sh - builds the libFuzzer harnesses (tests/fuzz/fuzz_*.c) with clang
# in build-fuzz/ and runs each for FUZZ_SECONDS (default 60) on a copy of its
# committed corpus (tests/fuzz/corpus/NAME).  Prints, per harness, the
# executions, the coverage (edges) and the corpus size, and a table at the
# end.  A crash is saved to tests/fuzz/regressions/NAME/ (so that the
# ordinary tests replay it from then on) and fails the run.
#
#   scripts/fuzz.sh                 # every harness, 60 s each
#   FUZZ_SECONDS=20 scripts/fuzz.sh # the CI smoke
#   scripts/fuzz.sh sweep_spec ipmi # some harnesses
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${FUZZ_SECONDS:-60}
BUILD=${FUZZ_BUILD:-build-fuzz}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}

cmake -S . -B "$BUILD" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
      -DWN_FUZZ=ON -DWN_WITH_CUDA=OFF >/dev/null
cmake --build "$BUILD" -j "$JOBS" --target fuzz_all >/dev/null

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for f in tests/fuzz/fuzz_*.c; do
    n=$(basename "$f" .c); n=${n#fuzz_}
    [ "$n" = util ] || names+=("$n")
  done
fi

work=$(mktemp -d /tmp/wattnet-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
status=0
summary=()
for n in "${names[@]}"; do
  corpus="$work/corpus-$n"
  mkdir -p "$corpus" "tests/fuzz/regressions/$n"
  cp -r "tests/fuzz/corpus/$n/." "$corpus/" 2>/dev/null || true
  log="$work/$n.log"
  echo "== fuzz_$n: ${SECONDS_EACH}s" >&2
  set +e
  TMPDIR="$work" "$BUILD/fuzz_$n" -max_total_time="$SECONDS_EACH" \
      -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="tests/fuzz/regressions/$n/" "$corpus" >"$log" 2>&1
  rc=$?
  set -e
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo "?")
  files=$(find "$corpus" -type f | wc -l)
  if [ $rc -ne 0 ]; then
    status=1
    echo "fuzz_$n: FAILED (exit $rc); input saved under tests/fuzz/regressions/$n/" >&2
    grep -m 20 -E 'ERROR|SUMMARY|#0|#1|#2|#3' "$log" >&2 || tail -20 "$log" >&2
  fi
  summary+=("$(printf '%-14s %12s %8s %8s  %s' "$n" "$execs" "$cov" "$files" \
                "$([ $rc -eq 0 ] && echo ok || echo CRASH)")")
done
printf '\n%-14s %12s %8s %8s  %s\n' harness executions edges corpus result
printf '%s\n' "${summary[@]}"
exit $status
