#!/usr/bin/env bash
# `make scale`: the provider on a distributed Airflow on loopback (scale/run.py does the work and prints
# the table). PostgreSQL and Redis are the scripts' own servers on ports of their own (55433, 56380), so
# that a test run beside it is not disturbed; scale/run.py stops every Airflow process it started, and
# this script stops the two servers when it started them.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
export KAKACLO_PG_PORT=${SCALE_PG_PORT:-55433} KAKACLO_PG_DIR=${SCALE_PG_DIR:-/tmp/kakaclo-scale-pg}
export KAKACLO_REDIS_PORT=${SCALE_REDIS_PORT:-56380}
PG_URI=$(bash scripts/postgres.sh start)
REDIS_URL=$(bash scripts/redis.sh start)
trap 'bash scripts/postgres.sh stop; bash scripts/redis.sh stop' EXIT
# A fresh metadata DB and broker each time: the table must say what this run did.
PG_ADMIN=${PG_URI%/*}/postgres
"$PYTHON" - "$PG_ADMIN" <<'PY'
import sys
import psycopg2
db = psycopg2.connect(sys.argv[1])
db.autocommit = True
with db.cursor() as cursor:
    cursor.execute("DROP DATABASE IF EXISTS kakaclo_scale WITH (FORCE)")
    cursor.execute("CREATE DATABASE kakaclo_scale")
PY
redis-cli -p "$KAKACLO_REDIS_PORT" flushall > /dev/null
rm -rf .scale
exec_status=0
"$PYTHON" scale/run.py --pg-uri "${PG_URI%/*}/kakaclo_scale" --redis-url "$REDIS_URL" "$@" || exec_status=$?
exit $exec_status
