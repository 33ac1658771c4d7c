#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests: `scripts/postgres.sh start` installs Debian's
# postgresql when it is missing, starts a cluster under /tmp (the server's own user must be able to
# reach it, whatever the permissions of the checkout) on 127.0.0.1:${KAKACLO_PG_PORT:-55432}
# (trust auth, loopback only) and prints the connection URI; `scripts/postgres.sh stop` stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${KAKACLO_PG_PORT:-55432}
ROOT=${KAKACLO_PG_DIR:-/tmp/kakaclo-pg-$PORT}
DATA="$ROOT/data"
LOG="$ROOT/server.log"

pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$dir" ]; then
    echo "installing PostgreSQL from Debian's packages" >&2
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >&2
    dir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi
  echo "$dir"
}

as_owner() {
  # PostgreSQL refuses to run as root: run its tools as the 'postgres' user the package creates.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
  start)
    BIN=$(pg_bin)
    mkdir -p "$ROOT"
    if [ "$(id -u)" = 0 ]; then chown -R postgres "$ROOT"; fi
    if [ ! -f "$DATA/PG_VERSION" ]; then
      as_owner "$BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 > "$ROOT/initdb.log" 2>&1 \
        || { cat "$ROOT/initdb.log" >&2; exit 1; }
    fi
    if ! as_owner "$BIN/pg_ctl" -D "$DATA" status > /dev/null 2>&1; then
      as_owner "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 \
        -o "-p $PORT -k $DATA -c listen_addresses=127.0.0.1 -c fsync=off" start > /dev/null \
        || { cat "$LOG" >&2; exit 1; }
    fi
    as_owner "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = 'kakaclo_test'" | grep -q 1 \
      || as_owner "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres kakaclo_test
    echo "postgresql://postgres@127.0.0.1:$PORT/kakaclo_test"
    ;;
  stop)
    BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -n "$BIN" ] && [ -f "$DATA/PG_VERSION" ]; then
      as_owner "$BIN/pg_ctl" -D "$DATA" -m fast stop > /dev/null 2>&1 || true
    fi
    ;;
  *)
    echo "usage: $0 start|stop" >&2; exit 2
    ;;
esac
