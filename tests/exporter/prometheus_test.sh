#!/usr/bin/env bash
# prometheus_test.sh - `wattnet exporter` against the tools Prometheus users
# run: `promtool check metrics` on the exposition, then a real Prometheus
# server on loopback scraping the exporter every second for a few seconds,
# queried through its HTTP API (the counter, its rate = the simulated 50 W,
# no counter resets, the target healthy).
# Exit 77 (CTest: skipped) only when the prometheus/promtool binaries are
# absent (scripts/deps.sh installs Debian's `prometheus`).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null; then
  echo "SKIP: prometheus/promtool not installed (apt-get install prometheus; scripts/deps.sh does)"
  exit 77
fi
. "$here/common.sh"
start_sim big 50           # (wraps: test_exporter.c; a loaded machine can stall the
                           # simulator past a whole 0.8 s wrap, which hardware never does)
start_exporter --refresh-ms 200
sleep 0.5

# 1. promtool on the text format, and the OpenMetrics form by content type
curl -fsS "$EXPORTER_URL" > "$tmp/text.prom"
promtool check metrics < "$tmp/text.prom"
grep -q '^wattnet_energy_joules_total{source="rapl",domain="package-0",estimate="false",in_total="true"} ' "$tmp/text.prom"
curl -fsS -H 'Accept: application/openmetrics-text; version=1.0.0' \
  -D "$tmp/om.hdr" "$EXPORTER_URL" > "$tmp/om.txt"
grep -qi '^content-type: application/openmetrics-text' "$tmp/om.hdr"
[ "$(tail -n1 "$tmp/om.txt")" = "# EOF" ] || { echo "FAIL: no # EOF"; exit 1; }
echo "promtool check metrics: ok"

# 2. a real Prometheus on loopback
pport=$(free_port)
target=${EXPORTER_URL#http://}; target=${target%/metrics}
cat > "$tmp/prometheus.yml" <<YML
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: wattnet
    static_configs: [{targets: ["$target"]}]
YML
promtool check config "$tmp/prometheus.yml" >/dev/null
prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/tsdb" \
  --web.listen-address="127.0.0.1:$pport" --log.level=warn > "$tmp/prom.log" 2>&1 &
pids+=($!)
api=http://127.0.0.1:$pport
for _ in $(seq 100); do curl -fsS "$api/-/ready" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "$api/-/ready" >/dev/null || { echo "FAIL: prometheus not ready"; cat "$tmp/prom.log"; exit 1; }
query() {   # query EXPR -> the JSON answer
  curl -fsS --get "$api/api/v1/query" --data-urlencode "query=$1"
}
# scrape until Prometheus holds 8 samples (startup can be slow on a busy box)
n=0
for _ in $(seq 120); do
  n=$(query 'count_over_time(wattnet_energy_joules_total{domain="package-0"}[1m])' |
      python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(int(float(r[0]["value"][1])) if r else 0)')
  [ "$n" -ge 8 ] && break
  sleep 0.5
done
[ "$n" -ge 8 ] || { echo "FAIL: prometheus stored $n samples in 60 s"; cat "$tmp/prom.log"; exit 1; }
query 'wattnet_energy_joules_total{domain="package-0"}' > "$tmp/q1.json"
query 'resets(wattnet_energy_joules_total[1m])' > "$tmp/q3.json"
query 'up{job="wattnet"}' > "$tmp/q4.json"
query 'wattnet_meter_up' > "$tmp/q5.json"
curl -fsS "$api/api/v1/targets" > "$tmp/targets.json"
query 'wattnet_energy_joules_total{domain="package-0"}[1m]' > "$tmp/q6.json"
python3 - "$tmp" <<'PY'
import json, sys
d = sys.argv[1]
def vals(name):
    r = json.load(open(f"{d}/{name}.json"))
    assert r["status"] == "success", r
    return [(x["metric"], float(x["value"][1])) for x in r["data"]["result"]]
total = vals("q1"); resets = vals("q3")
up = vals("q4"); mup = vals("q5")
assert len(total) == 1 and total[0][1] > 0, f"counter: {total}"
assert total[0][0]["source"] == "rapl" and total[0][0]["estimate"] == "false", total
raw = json.load(open(f"{d}/q6.json"))["data"]["result"]
assert len(raw) == 1, raw
pts = [(float(t), float(v)) for t, v in raw[0]["values"]]
assert len(pts) >= 8, pts
assert all(b[1] >= a[1] for a, b in zip(pts, pts[1:])), f"not monotonic: {pts}"
# the slope over the stored samples: the simulated 50 W (each value may lag
# its scrape time by one refresh period, 0.2 s)
watts = (pts[-1][1] - pts[1][1]) / (pts[-1][0] - pts[1][0])
assert abs(watts - 50.0) < 5.0, f"slope {watts} W over {pts} (want 50 W)"
assert resets and all(v == 0 for _, v in resets), f"counter resets: {resets}"
assert up == [(up[0][0], 1.0)], f"up: {up}"
assert mup and all(v == 1 for _, v in mup), f"meter_up: {mup}"
t = json.load(open(f"{d}/targets.json"))["data"]["activeTargets"]
assert t[0]["health"] == "up" and not t[0]["lastError"], t
print(f"prometheus: wattnet_energy_joules_total{{package-0}} = {total[0][1]:.1f} J, "
      f"{len(pts)} samples, slope {watts:.2f} W (simulated 50 W), resets = 0, target up")
PY
echo "PASS"
