#!/usr/bin/env bash
# `make demo`: start the vendor sandbox, point the connections at it, and run every example DAG in
# real Airflow (`airflow dags test`, SQLite metadata DB under .demo/). To run the same DAGs against
# real vendor accounts, define the connections (kakaclo_default, ...) with real URLs and secrets
# instead of the AIRFLOW_CONN_* lines below; nothing else changes.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
BIN="$PWD/$VENV/bin"
PORT=${SANDBOX_PORT:-8980}
SANDBOX="http://127.0.0.1:$PORT"

export AIRFLOW_HOME="$PWD/.demo/airflow"
export AIRFLOW__CORE__DAGS_FOLDER="$PWD/example_dags"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__CORE__ALLOWED_DESERIALIZATION_CLASSES_REGEXP='airflow_provider_kakaclo\..*'
export AIRFLOW__LOGGING__LOGGING_LEVEL=${AIRFLOW_LOG_LEVEL:-WARNING}
export AIRFLOW_CONN_KAKACLO_DEFAULT="{\"conn_type\": \"kakaclo\", \"host\": \"$SANDBOX/kakaclo\", \"password\": \"sandbox-kakaclo-token\", \"extra\": {\"order_url_template\": \"$SANDBOX/_sandbox/kakaclo/orders/{order_id}\"}}"
export AIRFLOW_CONN_QIANYI_DEFAULT="{\"conn_type\": \"qianyi\", \"host\": \"$SANDBOX/qianyi\", \"login\": \"sandbox-qianyi-app\", \"password\": \"sandbox-qianyi-secret\"}"
export AIRFLOW_CONN_BIRDSYSTEM_DEFAULT="{\"conn_type\": \"birdsystem\", \"host\": \"$SANDBOX/birdsystem\", \"password\": \"sandbox-birdsystem-key\", \"extra\": {\"company_id\": 1001}}"
export KAKACLO_SANDBOX_URL="$SANDBOX"
mkdir -p "$AIRFLOW_HOME"

# --autopilot 3: the sandbox plays the supplier and the warehouse, paying, shipping and refunding each
# order 3 s after each step becomes possible (the sandbox is deterministic without it).
"$BIN/kakaclo-sandbox" --host 127.0.0.1 --port "$PORT" --autopilot 3 > .demo/sandbox.log 2>&1 &
SANDBOX_PID=$!
trap 'kill $SANDBOX_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fsS "$SANDBOX/_sandbox/switches" > /dev/null 2>&1 && break
  kill -0 $SANDBOX_PID 2>/dev/null || { cat .demo/sandbox.log; echo "sandbox failed to start"; exit 1; }
  sleep 0.2
done
echo "== sandbox up at $SANDBOX (log: .demo/sandbox.log)"

echo "== airflow db migrate (SQLite at $AIRFLOW_HOME)"
"$BIN/airflow" db migrate > .demo/db-migrate.log 2>&1 || { tail -30 .demo/db-migrate.log; exit 1; }

run_dag() {
  local dag_id=$1
  echo
  echo "== airflow dags test $dag_id"
  "$BIN/airflow" dags test "$dag_id" > ".demo/$dag_id.log" 2>&1 || true
  # What the tasks printed (the log has everything else).
  grep -vE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T|^\s*$|^\s|Traceback|warn' ".demo/$dag_id.log" || true
  if ! grep -qE "state=success|DagRunState.SUCCESS|final state.*success" ".demo/$dag_id.log" \
     && ! "$BIN/python" scripts/dag_run_state.py "$dag_id"; then
    echo "!! $dag_id did not succeed (full log: .demo/$dag_id.log)"; exit 1
  fi
  echo "== $dag_id: success"
}

run_dag kakaclo_catalog_stock

run_dag kakaclo_place_order
run_dag birdsystem_fulfil_order

rm -f "$AIRFLOW_HOME/kakaclo/order_fulfilment.db"
SKUS=$("$BIN/python" -c "from airflow_provider_kakaclo.sandbox import SandboxClient as C; print(','.join(C('$SANDBOX').kakaclo.skus(limit=4, status=1)))")
echo
"$BIN/python" scripts/shop_orders.py seed --skus "$SKUS" --count 3 --title "before order_fulfilment" 2>/dev/null
run_dag order_fulfilment
echo
"$BIN/python" scripts/shop_orders.py show --title "after order_fulfilment" 2>/dev/null

# A day's orders exported by the shop as CSV, placed in one batch task.
export KAKACLO_DAILY_ORDERS_DIR="$PWD/.demo/daily_orders"
mkdir -p "$KAKACLO_DAILY_ORDERS_DIR"
"$BIN/python" - "$SKUS" "$KAKACLO_DAILY_ORDERS_DIR/orders-$(date -u +%F).csv" <<'PY'
import csv, sys
skus, path = sys.argv[1].split(","), sys.argv[2]
with open(path, "w", newline="") as handle:
    out = csv.writer(handle)
    out.writerow(["merchant_order_id", "sku", "quantity", "recipient", "phone", "country", "province", "city",
                  "street1", "zip", "channel_type"])
    for i in range(8):
        out.writerow([f"DAY-{2001 + i // 2}", skus[i % len(skus)], 1, f"Customer {i // 2}", "+1 555 0100",
                      ["US", "GB", "DE", "FR"][i // 2], "CA", "City", "1 Market St", "94105", "Standard"])
PY
run_dag kakaclo_daily_orders_csv
run_dag kakaclo_stock_sync
run_dag low_stock_report
run_dag kakaclo_catalog_sync
echo "(a second catalog sync right away: every update was seen, and KakaClo's index lags 10 minutes, so it skips)"
run_dag kakaclo_catalog_sync

echo
echo "== what the sandbox's autopilot did (the supplier and the warehouse)"
grep "autopilot:" .demo/sandbox.log || true

echo
echo "== sandbox traffic"
"$BIN/python" - <<PY
from airflow_provider_kakaclo.sandbox import SandboxClient
stats = SandboxClient("$SANDBOX").stats()
print(stats)
PY
