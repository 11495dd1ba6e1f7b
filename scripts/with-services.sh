#!/usr/bin/env bash
# Runs a command with the services the tests need: a throwaway PostgreSQL
# cluster (initdb in a mktemp dir, owned by an unprivileged user when we run
# as root, since initdb refuses root), listening on 127.0.0.1 at a free port
# and on a unix socket inside the temp dir.  Exports
#   WATTNET_TEST_PG_URL=postgresql://USER@127.0.0.1:PORT/wattnet_test
# runs "$@", then stops the cluster and removes the dir (trap), and exits
# with the command's status.
#
# No PostgreSQL server binaries (no /usr/lib/postgresql/*/bin/initdb): the
# command runs without WATTNET_TEST_PG_URL and the PostgreSQL tests skip.
# WATTNET_TEST_PG_URL already set: it is used as is, nothing is started.
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: scripts/with-services.sh COMMAND [ARGS...]" >&2
  exit 2
fi
if [ -n "${WATTNET_TEST_PG_URL:-}" ]; then
  exec "$@"
fi

bindir=""
for d in /usr/lib/postgresql/*/bin; do
  [ -x "$d/initdb" ] && bindir=$d
done
if [ -z "$bindir" ]; then
  echo "with-services: no PostgreSQL server found (/usr/lib/postgresql/*/bin/initdb);" \
       "PostgreSQL tests will skip" >&2
  exec "$@"
fi

tmp=$(mktemp -d /tmp/wattnet-pg.XXXXXX)
chmod 755 "$tmp"
runas=()
pguser=$(id -un)
if [ "$(id -u)" -eq 0 ]; then
  pguser=wattnet-test
  if ! id "$pguser" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$pguser" 2>/dev/null ||
      pguser=nobody
  fi
  chown "$pguser" "$tmp"
  if command -v runuser >/dev/null 2>&1; then
    runas=(runuser -u "$pguser" --)
  else
    runas=(su -s /bin/sh "$pguser" -c)
  fi
fi

run_pg() {
  if [ ${#runas[@]} -eq 0 ]; then
    "$@"
  elif [ "${runas[0]}" = runuser ]; then
    "${runas[@]}" "$@"
  else
    "${runas[@]}" "$(printf '%q ' "$@")"
  fi
}

cleanup() {
  run_pg "$bindir/pg_ctl" -D "$tmp/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# A free TCP port on 127.0.0.1.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
       echo $((20000 + RANDOM % 20000)))

if ! run_pg "$bindir/initdb" -D "$tmp/data" -U "$pguser" --auth=trust \
       --no-sync -E UTF8 --locale=C >"$tmp/initdb.log" 2>&1; then
  echo "with-services: initdb failed:" >&2
  cat "$tmp/initdb.log" >&2
  exit 1
fi
if ! run_pg "$bindir/pg_ctl" -D "$tmp/data" -l "$tmp/pg.log" -w -t 60 \
       -o "-c listen_addresses=127.0.0.1 -p $port -k $tmp -c fsync=off -c max_connections=100" \
       start >/dev/null 2>&1; then
  echo "with-services: PostgreSQL did not start:" >&2
  cat "$tmp/pg.log" >&2 || true
  exit 1
fi
if ! run_pg "$bindir/createdb" -h "$tmp" -p "$port" -U "$pguser" wattnet_test >/dev/null 2>&1; then
  echo "with-services: createdb failed" >&2
  exit 1
fi

export WATTNET_TEST_PG_URL="postgresql://$pguser@127.0.0.1:$port/wattnet_test"
echo "with-services: PostgreSQL at $WATTNET_TEST_PG_URL" >&2
set +e
"$@"
status=$?
set -e
exit $status
