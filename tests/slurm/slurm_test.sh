#!/usr/bin/env bash
# slurm_test.sh - `wattnet slurm` on a real one-node Slurm cluster on this
# machine: munged with a scratch key, slurmctld and slurmd on 127.0.0.1 (no
# cgroup plugins: proctrack/linuxproc, task/none, no accounting), a small
# sweep enqueued in the test PostgreSQL ($WATTNET_TEST_PG_URL, its own
# schema), the script `wattnet slurm` prints submitted with sbatch.  Checks:
# squeue drains, every job is done after exactly one attempt, one run per
# job, and each run carries the Slurm job id sbatch gave and its step id;
# then `wattnet exporter --db` reports that queue (jobs by state, runs).
# Exit 77 (CTest: skipped) only without the Slurm/munge binaries or without
# PostgreSQL (scripts/deps.sh installs slurm-wlm and munge).
set -euo pipefail
cli=${WN_CLI:?WN_CLI: path of the wattnet binary}
for b in munged slurmctld slurmd sbatch squeue sinfo psql; do
  command -v "$b" >/dev/null || { echo "SKIP: $b not installed (apt-get install slurm-wlm munge postgresql-client)"; exit 77; }
done
[ -n "${WATTNET_TEST_PG_URL:-}" ] || { echo "SKIP: WATTNET_TEST_PG_URL unset (run under scripts/with-services.sh)"; exit 77; }
[ "$(id -u)" -eq 0 ] || { echo "SKIP: slurmd must run as root here"; exit 77; }

tmp=$(mktemp -d /tmp/wn-slurm-XXXXXX)
chmod 755 "$tmp"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [ -f "$tmp/munge/munged.pid" ] && kill "$(cat "$tmp/munge/munged.pid")" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; for f in "$tmp"/log/*.log "$tmp"/wattnet-*.out; do [ -f "$f" ] && { echo "== $f"; tail -n 20 "$f"; }; done; exit 1; }

# ---- munge -------------------------------------------------------------
mkdir -p "$tmp/munge" "$tmp/state" "$tmp/spool" "$tmp/log"
chmod 711 "$tmp/munge"
dd if=/dev/urandom of="$tmp/munge/munge.key" bs=1024 count=1 2>/dev/null
chmod 400 "$tmp/munge/munge.key"
munged --force --key-file="$tmp/munge/munge.key" --socket="$tmp/munge/munge.sock" \
  --log-file="$tmp/log/munged.log" --pid-file="$tmp/munge/munged.pid" \
  --seed-file="$tmp/munge/munged.seed" || fail "munged did not start"
munge -S "$tmp/munge/munge.sock" -n | unmunge -S "$tmp/munge/munge.sock" >/dev/null ||
  fail "munge round trip"

# ---- slurm -------------------------------------------------------------
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
node=$(hostname -s)
cat > "$tmp/slurm.conf" <<CONF
ClusterName=wattnet-test
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$tmp/munge/munge.sock
CredType=cred/munge
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
NodeName=$node NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$tmp/slurm.conf
slurmctld -D -f "$SLURM_CONF" > "$tmp/log/ctld.out" 2>&1 & pids+=($!)
slurmd -D -f "$SLURM_CONF" > "$tmp/log/slurmd.out" 2>&1 & pids+=($!)
for _ in $(seq 60); do
  sinfo -h -o '%T' 2>/dev/null | grep -q idle && break
  sleep 0.5
done
sinfo -h -o '%T' | grep -q idle || fail "node not idle: $(sinfo 2>&1)"
echo "slurm: $(sinfo -h -o '%P %a %D %T %N')"

# ---- the queue, in its own PostgreSQL schema ----------------------------
schema=wn_test_slurm_cluster
psql -q "$WATTNET_TEST_PG_URL" -c "DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema" ||
  fail "cannot create schema"
case $WATTNET_TEST_PG_URL in *\?*) sep='&' ;; *) sep='?' ;; esac
db="${WATTNET_TEST_PG_URL}${sep}options=-csearch_path%3D$schema"
cat > "$tmp/spec.json" <<'JSON'
{"datasets":["synthetic:banana"],"shapes":["rectangle"],"depths":[2],
 "sizes":[64,128,256],"epochs":1,"batch":256,"learning_rate":1e-4,
 "repetitions":2}
JSON
"$cli" sweep --db "$db" --spec "$tmp/spec.json" --name slurm-test >/dev/null || fail "sweep"
njobs=$(psql -tA "$db" -c "SELECT count(*) FROM jobs")
[ "$njobs" -ge 2 ] || fail "only $njobs jobs enqueued"

# ---- what `wattnet slurm` prints, submitted ----------------------------
export WATTNET_IDLE_FILE=$tmp/idle.json WATTNET_IPMI_CMD=/nonexistent/ipmitool
"$cli" slurm --db "$db" --nodes 1 --time 00:10:00 --workers-per-node 2 \
  --wattnet "$cli" > "$tmp/job.sh" || fail "wattnet slurm"
jobid=$(sbatch --parsable --chdir="$tmp" "$tmp/job.sh") || fail "sbatch"
echo "sbatch: job $jobid, $njobs queued jobs"
for _ in $(seq 600); do
  [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
  sleep 0.5
done
[ -z "$(squeue -h -o %i)" ] || fail "squeue did not drain: $(squeue)"
out=$tmp/wattnet-$jobid.out
[ -f "$out" ] || fail "no job output $out"

# ---- every job ran exactly once, with its Slurm ids ----------------------
read -r done_n failed_n max_att <<<"$(psql -tA -F' ' "$db" -c \
  "SELECT count(*) FILTER (WHERE status='done'), count(*) FILTER (WHERE status<>'done'), max(attempts) FROM jobs")"
read -r runs_n distinct_jobs <<<"$(psql -tA -F' ' "$db" -c "SELECT count(*), count(DISTINCT job_id) FROM runs")"
read -r tagged wrong_job steps <<<"$(psql -tA -F' ' "$db" -c \
  "SELECT count(*), count(*) FILTER (WHERE slurm_job_id <> '$jobid'), string_agg(DISTINCT slurm_step_id, ',') FROM run_slurm")"
echo "jobs: $done_n done, $failed_n not done, max attempts $max_att; runs: $runs_n for $distinct_jobs jobs;" \
     "run_slurm: $tagged rows, slurm_job_id $jobid, steps {$steps}"
[ "$done_n" -eq "$njobs" ] && [ "$failed_n" -eq 0 ] || fail "not every job is done"
[ "$max_att" -eq 1 ] || fail "a job was attempted $max_att times"
[ "$runs_n" -eq "$njobs" ] && [ "$distinct_jobs" -eq "$njobs" ] || fail "runs != jobs"
[ "$tagged" -eq "$njobs" ] && [ "$wrong_job" -eq 0 ] || fail "runs without the Slurm job id"
[ -n "$steps" ] || fail "no step id"

# the exporter's queue figures from the same PostgreSQL queue
"$cli" exporter --once --refresh-ms 100 --source estimate --db "$db" > "$tmp/metrics.txt" ||
  fail "wattnet exporter --once --db"
grep -qx "wattnet_queue_jobs{state=\"done\"} $njobs" "$tmp/metrics.txt" || fail "exporter: done != $njobs"
grep -qx 'wattnet_queue_jobs{state="queued"} 0' "$tmp/metrics.txt" || fail "exporter: queued != 0"
grep -qx "wattnet_runs $njobs" "$tmp/metrics.txt" || fail "exporter: runs != $njobs"
grep -q '^wattnet_runs_per_hour ' "$tmp/metrics.txt" || fail "exporter: no runs_per_hour"
echo "exporter --db: $(grep -E '^wattnet_(queue_jobs|runs)' "$tmp/metrics.txt" | tr '\n' ' ')"
echo PASS
