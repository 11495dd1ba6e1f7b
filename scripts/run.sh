#!/usr/bin/env bash
# The main job of `make run` on the embedded default (SQLite, synthetic
# stand-ins): the `quick` sweep, then the energy model, then the report.
# A second run reuses what wattnet.db already holds and only finishes
# what is left.  WATTNET_DB and WATTNET_OUT override the paths.
set -euo pipefail
bin=${1:-build/wattnet}
db=${WATTNET_DB:-wattnet.db}
out=${WATTNET_OUT:-wattnet-out}
mkdir -p "$out"
echo "wattnet: 1/3 sweep 'quick' into $db (stored runs are reused)" >&2
"$bin" run --preset quick --db "$db" --workers 1
echo "wattnet: 2/3 fitting the energy models" >&2
"$bin" fit --db "$db" --out "$out/model.json"
echo "wattnet: 3/3 writing the report" >&2
"$bin" report --db "$db" --model "$out/model.json" --out "$out/report.html"
echo "wattnet: report: $(cd "$out" && pwd)/report.html"
