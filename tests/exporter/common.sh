# common.sh - what the exporter's script tests share (sourced): the
# simulated powercap tree (tests/fixtures/python/powercap_sim, the C meter
# tests' tree) as a coprocess, an exporter on a free loopback port, and
# cleanup.  Needs WN_CLI and WN_POWERCAP_SIM.
tmp=$(mktemp -d /tmp/wn-exporter-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  [ -n "${SIM_PID:-}" ] && { exec {SIM[1]}>&- 2>/dev/null || true; wait "$SIM_PID" 2>/dev/null || true; }
  rm -rf "$tmp"
}
trap cleanup EXIT

export WATTNET_PERF_ROOT=/nonexistent WATTNET_NVML_LIB=/nonexistent/libnvidia-ml.so.1
export WATTNET_IPMI_CMD=/nonexistent/ipmitool WATTNET_IDLE_FILE=$tmp/idle.json
unset WATTNET_REDFISH_URL

# start_sim MODE WATTS: the tree; WATTNET_POWERCAP_ROOT points at it.
start_sim() {
  coproc SIM { "$WN_POWERCAP_SIM" "$1" "$2"; }
  SIM_PID=$SIM_PID
  local word root
  read -r -u "${SIM[0]}" word root
  [ "$word" = ROOT ] || { echo "FAIL: powercap_sim did not start"; exit 1; }
  export WATTNET_POWERCAP_ROOT=$root
}

# start_exporter ARGS...: on 127.0.0.1, any free port; sets EXPORTER_URL
# and EXPORTER_PID.
start_exporter() {
  "$WN_CLI" exporter --listen 127.0.0.1:0 "$@" 2> "$tmp/exporter.err" &
  EXPORTER_PID=$!
  pids+=("$EXPORTER_PID")
  for _ in $(seq 100); do
    EXPORTER_URL=$(sed -n 's/.*serving \(http[^ ]*\).*/\1/p' "$tmp/exporter.err")
    [ -n "$EXPORTER_URL" ] && return 0
    kill -0 "$EXPORTER_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "FAIL: exporter did not start:"; cat "$tmp/exporter.err"; exit 1
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
