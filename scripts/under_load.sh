#!/usr/bin/env bash
# Run the trigger, sensor and operator tests N times (default 5) with every CPU core busy, to prove
# that no test's verdict depends on how fast the machine is (issue #20).
#
#   bash scripts/under_load.sh [RUNS] [pytest args...]      e.g. bash scripts/under_load.sh 5 -x
#
# The load is stress-ng when installed, otherwise one `yes > /dev/null` per core (at least two); it
# is started here and stopped on exit, however the script ends. PostgreSQL and Redis are started as
# `make test` does. PYTHON (default .venv/bin/python) runs pytest; LOAD_PROCS overrides the count.
# Prints PASS/FAIL per run and exits non-zero when any run failed.
set -uo pipefail
cd "$(dirname "$0")/.."

RUNS=${1:-5}
shift || true
PYTHON=${PYTHON:-.venv/bin/python}
TESTS=(tests/triggers tests/sensors tests/operators)
CORES=$(nproc 2>/dev/null || echo 2)
LOAD_PROCS=${LOAD_PROCS:-$(( CORES > 2 ? CORES : 2 ))}
LOG_DIR=${LOG_DIR:-test-artifacts/under-load}
mkdir -p "$LOG_DIR"

load_pids=()
stop_load() {
    for pid in "${load_pids[@]}"; do
        kill "$pid" 2>/dev/null
    done
    for pid in "${load_pids[@]}"; do
        wait "$pid" 2>/dev/null
    done
    load_pids=()
}
trap stop_load EXIT
trap 'exit 130' INT TERM

if command -v stress-ng >/dev/null; then
    stress-ng --cpu "$LOAD_PROCS" --quiet &
    load_pids+=($!)
    echo "load: stress-ng --cpu $LOAD_PROCS (pid ${load_pids[*]})"
else
    for _ in $(seq "$LOAD_PROCS"); do
        yes >/dev/null &
        load_pids+=($!)
    done
    echo "load: $LOAD_PROCS x 'yes > /dev/null' (pids ${load_pids[*]}) on $CORES cores"
fi

export KAKACLO_TEST_POSTGRES_URI=${KAKACLO_TEST_POSTGRES_URI:-$(bash scripts/postgres.sh start)}
export KAKACLO_TEST_REDIS_URL=${KAKACLO_TEST_REDIS_URL:-$(bash scripts/redis.sh start)}
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"

failed=0
for run in $(seq "$RUNS"); do
    log="$LOG_DIR/run-$run.log"
    started=$SECONDS
    if "$PYTHON" -m pytest "${TESTS[@]}" -q -p no:cacheprovider "$@" >"$log" 2>&1; then
        verdict=PASS
    else
        verdict=FAIL
        failed=$((failed + 1))
    fi
    summary=$(grep -E '^(=+ )?[0-9]+ (passed|failed)|^=+ .*(passed|failed|error)' "$log" | tail -1 | tr -d '=')
    echo "run $run/$RUNS: $verdict ($(( SECONDS - started )) s) ${summary# } [$log]"
    [ "$verdict" = FAIL ] && grep -E '^(FAILED|ERROR) ' "$log" | sed 's/^/    /'
done
echo "under load: $(( RUNS - failed ))/$RUNS runs passed"
[ "$failed" -eq 0 ]
