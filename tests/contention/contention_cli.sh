#!/usr/bin/env bash
# contention_cli.sh - the contention evidence end to end through the CLI:
# a tiny sweep run by a worker stores every epoch's CPU time and each run's
# count of contended epochs (so `status` judges every run), `train --json`
# prints the evidence per epoch, `fit --json` carries the counts of runs it
# left out or kept, `status` prints the contention line and the report has
# its row.  Which epochs contend depends on the machine's load, so for the
# real runs only that they were judged is checked; then evidence planted in
# the database (three runs contended in every epoch) must be left out by
# fit and counted by status and the report.  The verdicts themselves are
# tested on planted values in test_contention.c.
set -euo pipefail
cli=${WN_CLI:?WN_CLI: the wattnet binary}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
db="$dir/c.db"
fail() { echo "contention_cli: $*" >&2; exit 1; }

cat > "$dir/spec.json" <<'JSON'
{"datasets":["synthetic:banana"],"shapes":["rectangle","trapezoid"],
 "depths":[2,3],"sizes":[64,128,256],"epochs":2,"batch":256,
 "learning_rate":1e-4,"repetitions":1}
JSON
"$cli" sweep --db "$db" --spec "$dir/spec.json" --name tiny >/dev/null
"$cli" worker --db "$db" --threads 1 --meter estimate >/dev/null 2>&1 \
    || fail "worker failed"

st=$("$cli" status --db "$db" --json)
python3 - "$st" <<'PY' || fail "status --json: contention not judged"
import json, sys
s = json.loads(sys.argv[1])
c = s["contention"]
assert s["runs"] >= 8, s
assert c["runs_judged"] == s["runs"], c           # every stored run judged
assert c["epochs_judged"] == 2 * s["runs"], c
assert 0 <= c["runs_no_clean_epoch"] <= c["runs_contended"] <= c["runs_judged"]
PY
"$cli" status --db "$db" | grep -q '^contention: [0-9]* of [0-9]* judged runs' \
    || fail "status: no contention line"

"$cli" fit --db "$db" --out "$dir/m.json" --target time --json > "$dir/fit.json" \
    || fail "fit failed"
python3 - "$dir/fit.json" <<'PY' || fail "fit --json: no contention counts"
import json, sys
m = json.load(open(sys.argv[1]))
for k in ("n_contended_left_out", "n_contended_kept", "n_partly_contended"):
    assert k in m, k
PY
"$cli" fit --db "$db" --out "$dir/m2.json" --target time --keep-contended \
    | grep -q '^runs:' || fail "fit --keep-contended: no table"

"$cli" report --db "$db" --model "$dir/m.json" --out "$dir/r.html" >/dev/null 2>&1 \
    || fail "report failed"
grep -q '<th>contention</th><td>[0-9]* of [0-9]* runs had contended epochs' \
    "$dir/r.html" || fail "report: no contention row"

# Plant the evidence (every epoch clean, then three runs contended in every
# epoch: CPU/wall 0.1): fit leaves those three out and says so, status and
# the report count them.
python3 - "$db" <<'PY' || fail "could not plant the evidence"
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("UPDATE epochs SET cpu_seconds = seconds, invol_switches = 0,"
          " steal_fraction = NULL")
c.execute("UPDATE epochs SET cpu_seconds = 0.1 * seconds WHERE run_id IN"
          " (SELECT id FROM runs ORDER BY id LIMIT 3)")
c.commit()
PY
"$cli" fit --db "$db" --out "$dir/m3.json" --target time > "$dir/fit3.txt" \
    || fail "fit (planted) failed"
grep -q '3 contended runs left out (no clean epoch' "$dir/fit3.txt" \
    || { cat "$dir/fit3.txt" >&2; fail "fit: no line for the runs left out"; }
python3 - "$dir/m3.json" "$("$cli" status --db "$db" --json)" <<'PY' \
    || fail "planted contention not counted"
import json, sys
m = json.load(open(sys.argv[1]))
assert m["n_contended_left_out"] == 3, m["n_contended_left_out"]
c = json.loads(sys.argv[2])["contention"]
assert c["runs_no_clean_epoch"] == 3 and c["runs_contended"] == 3, c
PY
"$cli" report --db "$db" --model "$dir/m3.json" --out "$dir/r3.html" >/dev/null 2>&1 \
    || fail "report (planted) failed"
grep -q '3 runs had no clean epoch' "$dir/r3.html" || fail "report: planted runs not shown"
grep -q 'the model left out 3 and kept 0' "$dir/r3.html" || fail "report: model's count missing"

out=$("$cli" train --data synthetic:banana --shape rectangle --depth 2 --size 64 \
      --epochs 2 --threads 1 --meter none --json)
python3 - "$out" <<'PY' || fail "train --json: no per-epoch evidence"
import json, sys
lines = [json.loads(l) for l in sys.argv[1].splitlines()]
ep = [l for l in lines if l["type"] == "epoch"]
assert len(ep) == 2
for e in ep:
    assert e["cpu_seconds"] is not None and e["cpu_seconds"] >= 0
    assert isinstance(e["invol_switches"], (int, float))
    assert e["contended"] in (True, False)
    assert "contention" in e
summ = [l for l in lines if l["type"] == "summary"][0]
assert isinstance(summ["epochs_contended"], (int, float))
PY
echo "contention_cli: ok"
