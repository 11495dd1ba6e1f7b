#!/usr/bin/env bash
# soak.sh [N] - `wattnet exporter` under N scrapes (default 10,000) from wrk
# on loopback, against the simulated powercap tree: every scrape must be a
# valid OpenMetrics exposition (soak.lua) and the exporter's RSS may grow by
# less than 1 MiB between a 500-scrape warm-up and the end.  Prints the
# figures.  Meaningless under ASan (its quarantine holds freed memory), so
# tests/exporter.cmake registers it for the plain build only.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
n=${1:-10000}
command -v wrk >/dev/null || { echo "SKIP: wrk not installed (scripts/deps.sh installs it)"; exit 77; }
. "$here/common.sh"
start_sim big 50
start_exporter --refresh-ms 100
sleep 0.3
rss() { awk '/^VmRSS/{print $2}' "/proc/$EXPORTER_PID/status"; }
# runs of D seconds until N responses; sums into resp/bad/errs
soak() {
  resp=0 bad=0 errs=0
  while [ "$resp" -lt "$1" ]; do
    wrk -t1 -c4 -d"$2" --timeout 10s -s "$here/soak.lua" "$EXPORTER_URL" > "$tmp/run.txt"
    cat "$tmp/run.txt" >> "$tmp/soak.txt"
    local line; line=$(grep '^SOAK' "$tmp/run.txt")
    resp=$((resp + $(sed 's/.*responses=\([0-9]*\).*/\1/' <<<"$line")))
    bad=$((bad + $(sed 's/.*invalid=\([0-9]*\).*/\1/' <<<"$line")))
    errs=$((errs + $(sed 's/.*errors=\([0-9]*\).*/\1/' <<<"$line")))
  done
}
soak 500 1s                # warm-up: connection pools, first pages
rss0=$(rss)
: > "$tmp/soak.txt"
soak "$n" 2s
rss1=$(rss)
kill -TERM "$EXPORTER_PID"; wait "$EXPORTER_PID" || true
pids=()
served=$(sed -n 's/.*, \([0-9]*\) scrapes served.*/\1/p' "$tmp/exporter.err")
growth=$((rss1 - rss0))
echo "soak: $resp scrapes ($served served in all, warm-up included), $bad invalid, $errs socket errors;" \
     "RSS ${rss0} kB after warm-up -> ${rss1} kB after ($growth kB growth)"
grep -E 'Requests/sec|Latency' "$tmp/soak.txt" || true
fail=0
[ "$resp" -ge "$n" ] || { echo "FAIL: only $resp scrapes"; fail=1; }
[ "$bad" -eq 0 ] || { echo "FAIL: $bad invalid expositions"; fail=1; }
[ "$errs" -eq 0 ] || { echo "FAIL: $errs wrk errors"; fail=1; }
[ "$growth" -lt 1024 ] || { echo "FAIL: RSS grew by $growth kB (limit 1024)"; fail=1; }
[ "$fail" -eq 0 ] && echo PASS
exit "$fail"
