#!/usr/bin/env bash
# The main job of `make run` on the embedded default (SQLite): the `quick`
# sweep, the cache probe (once per host), then the energy model, then the
# report.  Each dataset of the
# preset is the real NAME.tsv.gz from $WATTNET_DATA when it is there, else
# its synthetic stand-in, and the sweep says which, one line per dataset.
# A second run reuses what the database already holds and only finishes
# what is left.  WATTNET_DB and WATTNET_OUT override the paths; with
# WATTNET_DATA set they default to wattnet-real.db and wattnet-out-real, so
# that runs on real files and on stand-ins never share a database.
set -euo pipefail
bin=${1:-build/wattnet}
if [ -n "${WATTNET_DATA:-}" ]; then
    if [ ! -d "$WATTNET_DATA" ]; then
        echo "wattnet: WATTNET_DATA=$WATTNET_DATA is not a directory" >&2
        exit 2
    fi
    WATTNET_DATA=$(cd "$WATTNET_DATA" && pwd)
    export WATTNET_DATA
    db=${WATTNET_DB:-wattnet-real.db}
    out=${WATTNET_OUT:-wattnet-out-real}
    echo "wattnet: datasets from $WATTNET_DATA (real files where present)" >&2
else
    db=${WATTNET_DB:-wattnet.db}
    out=${WATTNET_OUT:-wattnet-out}
    echo "wattnet: WATTNET_DATA is unset: synthetic stand-ins (set it to a folder of NAME.tsv.gz to train the real files)" >&2
fi
mkdir -p "$out"
echo "wattnet: 1/4 sweep 'quick' into $db (stored runs are reused)" >&2
"$bin" run --preset quick --db "$db" --workers 1
echo "wattnet: 2/4 measuring this host's caches (once per host; hwloc's may be a VM's fiction)" >&2
"$bin" probe --db "$db" --if-missing --max-mib 128 >&2 || \
    { echo "wattnet: probing once more (a noisy curve is not kept)" >&2; \
      "$bin" probe --db "$db" --if-missing --max-mib 128 >&2; } || \
    echo "wattnet: the cache probe failed; fitting with the reported caches" >&2
echo "wattnet: 3/4 fitting the energy models" >&2
"$bin" fit --db "$db" --out "$out/model.json"
echo "wattnet: 4/4 writing the report" >&2
"$bin" report --db "$db" --model "$out/model.json" --out "$out/report.html"
"$bin" status --db "$db" | grep '^dataset ' >&2 || true
echo "wattnet: report: $(cd "$out" && pwd)/report.html"
