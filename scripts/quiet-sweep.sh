#!/usr/bin/env bash
# quiet-sweep.sh - the model's accuracy check on a quiet machine: the
# `quick` and `cache-scan` sweeps with pinned one-thread workers, then fit
# and report.  Used for the figures in docs/results/ (run on a lent
# 16-core machine whose GPU stayed idle; see the note there).
#
#   scripts/quiet-sweep.sh WATTNET_BINARY OUTDIR [WORKERS]
#
# Runs are timed, not metered (--meter none): the model's target is then
# seconds per training datum, and every output says so.
set -uo pipefail
bin=${1:?usage: quiet-sweep.sh WATTNET_BINARY OUTDIR [WORKERS]}
out=${2:?usage: quiet-sweep.sh WATTNET_BINARY OUTDIR [WORKERS]}
workers=${3:-4}
mkdir -p "$out"
db="$out/sweep.db"
{
  date -u; uname -a; nproc
  lscpu 2>/dev/null | grep -E 'Model name|L1d|L2|L3|^CPU\(s\)'
  uptime
} >"$out/machine.txt" 2>&1
"$bin" meters --json >"$out/meters.json" 2>&1
for preset in quick cache-scan; do
  start=$(date +%s)
  "$bin" run --preset "$preset" --db "$db" --workers "$workers" --pin \
    --meter none >"$out/run-$preset.log" 2>&1
  echo "$preset: exit $? in $(( $(date +%s) - start )) s" | tee -a "$out/machine.txt"
done
"$bin" status --db "$db" --json >"$out/status.json" 2>&1
"$bin" fit --db "$db" --out "$out/model.json" >"$out/fit.txt" 2>&1
"$bin" fit --db "$db" --out "$out/model.json" --json >/dev/null 2>&1
"$bin" report --db "$db" --model "$out/model.json" --out "$out/report.html" \
  >"$out/report.log" 2>&1
"$bin" export --db "$db" --format csv --out "$out/export" >/dev/null 2>&1
cat "$out/machine.txt" "$out/fit.txt"
