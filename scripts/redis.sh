#!/usr/bin/env bash
# A throwaway Redis server for the shared rate-limiter tests and benchmarks: `scripts/redis.sh start`
# installs Debian's redis-server when it is missing, starts it on 127.0.0.1:${KAKACLO_REDIS_PORT:-56379}
# (no persistence) and prints its URL; `scripts/redis.sh stop` stops it.
set -euo pipefail
PORT=${KAKACLO_REDIS_PORT:-56379}

case "${1:-}" in
  start)
    if ! command -v redis-server > /dev/null; then
      echo "installing redis-server from Debian's packages" >&2
      if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
      $SUDO apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >&2
    fi
    if ! redis-cli -h 127.0.0.1 -p "$PORT" ping > /dev/null 2>&1; then
      redis-server --bind 127.0.0.1 --port "$PORT" --save "" --appendonly no --daemonize yes \
        --logfile "/tmp/kakaclo-redis-$PORT.log" --dir /tmp > /dev/null
      for _ in $(seq 1 50); do
        redis-cli -h 127.0.0.1 -p "$PORT" ping > /dev/null 2>&1 && break
        sleep 0.1
      done
    fi
    redis-cli -h 127.0.0.1 -p "$PORT" ping > /dev/null
    echo "redis://127.0.0.1:$PORT/0"
    ;;
  stop)
    redis-cli -h 127.0.0.1 -p "$PORT" shutdown nosave > /dev/null 2>&1 || true
    ;;
  *)
    echo "usage: $0 start|stop" >&2; exit 2
    ;;
esac
