#!/usr/bin/env bash
# probe_check.sh - issue 10's cache acceptance on this host: is the
# measured profile of `wattnet probe` stable and plausible, and is the
# model fitted with it no worse than the one fitted with hwloc's caches?
#
#   bash bench/probe_check.sh [--out DIR] [--probes N] [path/to/wattnet]
#
# 1. N probes in a row (default 3), each `wattnet probe --json`: the L2
#    knee and the last level's capacity per core of each.
# 2. A quick sweep (`wattnet run --preset quick`) into a fresh database.
# 3. `wattnet fit` on it with hwloc's caches, then `wattnet probe --db`
#    (the measured profile kept with the host, as `make run` does) and
#    `wattnet fit` again, which uses it when hwloc's caches are
#    implausible.  Held-out std log ratio of each model, both ways.
# Results: DIR/summary.md, the probes' JSON and both fits' output (default
# DIR: bench/out/probe-check-DATE).  Run it on a quiet machine: the probe
# and the sweep are timings.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out=""
cli=""
probes=3
while [ $# -gt 0 ]; do
  case "$1" in
    --out) shift; out="${1:?--out needs a directory}" ;;
    --probes) shift; probes="${1:?--probes needs a count}" ;;
    -h|--help) sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "probe_check.sh: unknown option $1" >&2; exit 2 ;;
    *) cli="$1" ;;
  esac
  shift
done
[ -n "$cli" ] || cli="$here/../build/wattnet"
[ -x "$cli" ] || { echo "probe_check.sh: $cli is not built" >&2; exit 1; }
[ -n "$out" ] || out="$here/out/probe-check-$(date -u +%F)"
mkdir -p "$out"
rm -f "$out/q.db"

summ="$out/summary.md"
{
  echo "# Cache probe check ($(date -u +%FT%H:%MZ), $(nproc) CPUs)"
  echo
  echo "Load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "| probe | L1 | L2 knee | last level | per core | seconds |"
  echo "|---|---|---|---|---|---|"
} > "$summ"
for i in $(seq 1 "$probes"); do
  "$cli" probe --json > "$out/probe-$i.json"
  python3 - "$out/probe-$i.json" "$i" >> "$summ" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
c = d["measured"]["caches"]
mib = lambda b: "%.3f MiB" % (b / 1048576)
last = c[-1] if c else None
per = last["size_bytes"] / max(1, last["shared_by_cores"]) if last else 0
print("| %s | %s | %s | %s | %s | %.1f |" % (
    sys.argv[2], mib(c[0]["size_bytes"]) if c else "-",
    mib(c[1]["size_bytes"]) if len(c) > 1 else "not found",
    mib(last["size_bytes"]) if last else "-", mib(per), d["seconds"]))
EOF
done

echo "probe_check: quick sweep into $out/q.db" >&2
"$cli" run --preset quick --db "$out/q.db" --workers 1 > "$out/sweep.txt" 2>&1
"$cli" fit --db "$out/q.db" --out "$out/model-hwloc.json" > "$out/fit-hwloc.txt" 2>&1
"$cli" probe --db "$out/q.db" > "$out/probe-db.txt" 2>&1 || true
"$cli" fit --db "$out/q.db" --out "$out/model-probed.json" > "$out/fit-probed.txt" 2>&1
row() { awk -v m="$1" '$1 == m && NF >= 8 { print $2 }' "$2"; }
{
  echo
  echo "Quick sweep (60 runs, time per datum), held-out std log ratio:"
  echo
  echo "| model | hwloc's caches | probed caches |"
  echo "|---|---|---|"
  for m in wattnet flops params; do
    echo "| $m | $(row $m "$out/fit-hwloc.txt") | $(row $m "$out/fit-probed.txt") |"
  done
  echo
  echo "Profiles used:"
  echo '```'
  grep -h -A1 '^hardware:' "$out/fit-hwloc.txt" "$out/fit-probed.txt"
  grep -h 'runs:\|contended' "$out/fit-hwloc.txt" | head -3
  echo '```'
} >> "$summ"
cat "$summ"
