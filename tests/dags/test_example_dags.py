"""The example DAGs and the provider in real Airflow (CLI in a subprocess, SQLite), against the sandbox."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.conftest import SANDBOX_TOKEN

REPO = Path(__file__).resolve().parents[2]
AIRFLOW = str(Path(sys.executable).parent / "airflow")
pytestmark = pytest.mark.airflow_cli


@pytest.fixture(scope="module")
def airflow_env(tmp_path_factory, sandbox_server):
    home = tmp_path_factory.mktemp("airflow-home")
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "example_dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
        "AIRFLOW_CONN_QIANYI_DEFAULT": json.dumps({
            "conn_type": "qianyi", "host": f"{sandbox_server.url}/qianyi", "login": "sandbox-qianyi-app",
            "password": "sandbox-qianyi-secret"}),
        "AIRFLOW_CONN_BIRDSYSTEM_DEFAULT": json.dumps({
            "conn_type": "birdsystem", "host": f"{sandbox_server.url}/birdsystem", "password": "sandbox-birdsystem-key",
            "extra": {"company_id": 1001}}),
        "AIRFLOW_CONN_KAKACLO_DEFAULT": json.dumps({
            "conn_type": "kakaclo", "host": f"{sandbox_server.url}/kakaclo", "password": SANDBOX_TOKEN,
            "extra": {"order_url_template": f"{sandbox_server.url}/_sandbox/kakaclo/orders/{{order_id}}"},
        }),
    }
    run(["db", "migrate"], env)
    return env


OUTPUTS: list[str] = []


def run(args: list[str], env: dict, timeout: float = 240) -> subprocess.CompletedProcess:
    proc = subprocess.run([AIRFLOW, *args], env=env, capture_output=True, text=True, timeout=timeout)
    OUTPUTS.append(proc.stdout + proc.stderr)
    assert proc.returncode == 0, f"airflow {' '.join(args)} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return proc


def last_json(out: str):
    """The JSON document the CLI printed, after whatever warnings it printed first."""
    lines = out.splitlines()
    for i in range(len(lines)):
        if lines[i].startswith(("[", "{")) and not lines[i].startswith("[\x1b") and "[warning" not in lines[i]:
            try:
                return json.loads("\n".join(lines[i:]))
            except ValueError:
                continue
    raise AssertionError(f"no JSON in: {out[-2000:]}")


def test_provider_is_listed(airflow_env):
    out = run(["providers", "list", "-o", "json"], airflow_env).stdout
    providers = {p["package_name"]: p for p in last_json(out)}
    assert "airflow-provider-kakaclo" in providers


def test_connection_test_succeeds_against_the_sandbox(airflow_env, sandbox):
    proc = run(["connections", "test", "kakaclo_default"], airflow_env)
    assert "Connection success!" in proc.stdout
    assert sandbox.stats("kakaclo")["by_route"] == {"GET /openapi/v1/product/countryAndWarehouse": 1}

    conn = json.loads(airflow_env["AIRFLOW_CONN_KAKACLO_DEFAULT"])
    bad = {**airflow_env, "AIRFLOW_CONN_KAKACLO_DEFAULT": json.dumps({**conn, "password": "wrong-token"})}
    proc = subprocess.run([AIRFLOW, "connections", "test", "kakaclo_default"], env=bad, capture_output=True,
                          text=True, timeout=120)
    out = " ".join(proc.stdout.split())  # the CLI wraps long messages
    assert "Connection failed!" in out and "refused the credentials" in out and "check the access token" in out
    assert "wrong-token" not in out


def test_example_dags_import_cleanly(airflow_env):
    out = run(["dags", "list-import-errors", "-o", "json"], airflow_env).stdout
    assert last_json(out) == []


def test_catalog_and_stock_dag(airflow_env, sandbox):
    proc = run(["dags", "test", "kakaclo_catalog_stock"], airflow_env)
    output = proc.stdout + proc.stderr
    assert "state=success" in output
    assert "warehouse G007" in output and "stock: {'skus':" in output
    assert sandbox.stats("kakaclo")["by_status"].get("429", 0) == 0


class Supplier:
    """Ships every waiting sandbox order a moment after it appears, as the vendor would."""

    def __init__(self, sandbox, reads_before_shipping: int = 0) -> None:
        self.sandbox, self.stop = sandbox, threading.Event()
        self.reads_before_shipping = reads_before_shipping
        self.thread = threading.Thread(target=self.run, daemon=True)

    def order_reads(self) -> int:
        return self.sandbox.stats("kakaclo")["by_route"].get("GET /openapi/v2/order/orders", 0)

    def run(self) -> None:
        seen: dict = {}
        while not self.stop.is_set():
            for order in self.sandbox.kakaclo.orders():
                if order.get("fulfillmentStatus") == "waiting_to_ship" and order.get("status") == "processing":
                    reads = seen.setdefault(order["id"], self.order_reads())
                    if self.order_reads() - reads >= self.reads_before_shipping:
                        self.sandbox.kakaclo.advance_order(order["id"], "fully_shipped")
            time.sleep(0.3)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(5)


def test_place_order_dag_places_once_waits_deferred_and_reports_tracking(airflow_env, sandbox):
    # Ship only once the order was read three times after it appeared (the operator's check, the
    # sensor's one poke, the trigger's first poll): the wait must really have been deferred.
    with Supplier(sandbox, reads_before_shipping=3):
        proc = run(["dags", "test", "kakaclo_place_order"], airflow_env)
    output = proc.stdout + proc.stderr
    assert "state=success" in output
    assert "[DAG TEST] running trigger in line" in output  # the sensor deferred: no worker slot held
    (order,) = sandbox.kakaclo.orders()
    tracking = sandbox.kakaclo.order(order["id"])["fulfillments"][0]["trackingCode"]
    assert f"tracking ['{tracking}']" in output


def test_order_fulfilment_twice_over_the_same_pending_rows_places_each_order_once(airflow_env, sandbox):
    env = dict(airflow_env)
    skus = ",".join(sandbox.kakaclo.skus(limit=2, status=1))
    seed = [sys.executable, str(REPO / "scripts/shop_orders.py")]
    subprocess.run([*seed, "seed", "--skus", skus, "--count", "3"], env=env, check=True, capture_output=True)
    with Supplier(sandbox):
        run(["dags", "test", "order_fulfilment"], env)
        # The write-back was lost (say the database failed after the orders were placed): the rows are
        # pending again, with their first attempt recorded. A second run must not place them again.
        reset = ("import sys; sys.path.insert(0, 'example_dags'); import order_fulfilment as f; "
                 "h = f.db(); h.run(f\"UPDATE {f.TABLE} SET status = 'pending', vendor_order_id = NULL\")")
        subprocess.run([sys.executable, "-c", reset], env=env, check=True, capture_output=True, cwd=REPO)
        proc = run(["dags", "test", "order_fulfilment"], env)
    orders = sandbox.kakaclo.orders()
    assert sorted(o["customOrderId"] for o in orders) == ["SHOP-1001", "SHOP-1002", "SHOP-1003"]
    shown = subprocess.run([*seed, "show"], env=env, check=True, capture_output=True, text=True).stdout
    assert len(re.findall(r"^SHOP-\d+\s+shipped\s+\d+\s+shipped\s+\[\"YT", shown, re.M)) == 3, shown
    assert "('SHOP-1001', " in proc.stdout + proc.stderr and "False)" in proc.stdout + proc.stderr


def test_daily_orders_csv_dag_places_the_file_in_one_batch_once(airflow_env, sandbox, tmp_path):
    import csv
    import datetime as dt

    env = {**airflow_env, "KAKACLO_DAILY_ORDERS_DIR": str(tmp_path)}
    first, second = sandbox.kakaclo.skus(limit=2, status=1)
    header = ["merchant_order_id", "sku", "quantity", "recipient", "phone", "country", "province", "city",
              "street1", "zip", "channel_type"]
    lines = [("DAY-1", first, 1), ("DAY-1", second, 2), ("DAY-2", first, 1), ("DAY-3", "NOPE_X_L", 1)]
    path = tmp_path / f"orders-{dt.datetime.now(dt.timezone.utc).date().isoformat()}.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for ref, sku, qty in lines:
            writer.writerow([ref, sku, qty, "Ada Lovelace", "+1 555 0100", "US", "CA", "SF", "1 Market St",
                             "94105", "Standard"])
    proc = run(["dags", "test", "kakaclo_daily_orders_csv"], env)
    out = proc.stdout + proc.stderr
    assert "state=success" in out
    assert "'placed': 2" in out and "DAY-3" in out and "does not exist" in out
    assert sorted(o["customOrderId"] for o in sandbox.kakaclo.orders()) == ["DAY-1", "DAY-2"]
    by_route = sandbox.stats("kakaclo")["by_route"]
    assert by_route["POST /openapi/v2/order/orders"] == 2 and by_route["GET /openapi/v1/product/products"] == 1


def test_stock_sync_dag_then_the_asset_scheduled_report(airflow_env, sandbox):
    sandbox.reset(catalog_size=900)
    proc = run(["dags", "test", "kakaclo_stock_sync"], airflow_env)
    output = proc.stdout + proc.stderr
    assert "state=success" in output and "'inserted': " in output
    assert sandbox.stats("kakaclo")["by_status"].get("429", 0) == 0
    again = run(["dags", "test", "kakaclo_stock_sync"], airflow_env)
    assert "'inserted': 0, 'updated': 0" in again.stdout + again.stderr  # nothing changed: nothing written
    report = run(["dags", "test", "low_stock_report"], airflow_env)
    assert "stock table: 900 SKUs" in report.stdout + report.stderr
    sku = sandbox.kakaclo.skus(limit=1)[0]
    sandbox.kakaclo.set_stock(sku, "G007", 7)
    sharded = run(["dags", "test", "kakaclo_stock_sync_sharded"], airflow_env)
    out = sharded.stdout + sharded.stderr
    assert "state=success" in out and out.count("stock sync kakaclo_default -> vendor_stock") == 4
    assert len(re.findall(r"'updated': 1,", out)) == 1  # the one changed SKU, in exactly one shard


def test_catalog_sync_dag_writes_changes_once(airflow_env, sandbox):
    sandbox.reset(catalog_size=1500)
    first = run(["dags", "test", "kakaclo_catalog_sync"], airflow_env)
    out = first.stdout + first.stderr
    created = int(re.search(r"qianyi: created (\d+)", out).group(1))
    assert created > 0 and f"birdsystem: created {created}," in out
    assert sandbox.qianyi.call_count("INSERT_SKU_INFO") == created
    second = run(["dags", "test", "kakaclo_catalog_sync"], airflow_env)
    out = second.stdout + second.stderr
    assert "qianyi: created 0, updated 0" in out and "birdsystem: created 0, updated 0" in out
    # A run right after updates newer than KakaClo's 10-minute lag: the window would end before it
    # starts, so the run skips (succeeds) instead of reading an inverted window.
    soon = (datetime.now(timezone.utc) - timedelta(minutes=5)).isoformat()
    run(["variables", "set", "kakaclo_catalog_sync_watermark", soon], airflow_env)
    reads = sandbox.stats("kakaclo")["by_route"]
    third = run(["dags", "test", "kakaclo_catalog_sync"], airflow_env)
    out = third.stdout + third.stderr
    assert "nothing to read yet" in out and "state=success" in out
    assert sandbox.stats("kakaclo")["by_route"] == reads


def test_birdsystem_fulfil_order_dag(airflow_env, sandbox):
    stop = threading.Event()

    def warehouse():  # finish the consignment once its wait was deferred (the trigger polled it)
        while not stop.is_set():
            for c in sandbox.birdsystem.consignments(status="PENDING"):
                reads = sandbox.stats("birdsystem")["by_route"].get("GET /client/Consignment", 0)
                if reads >= 5:  # place: 2 look-ups before (identity, sales ref), 1 after; sensor: 1; trigger: 1
                    sandbox.birdsystem.advance_consignment(c["id"], "FINISHED")
            time.sleep(0.3)

    thread = threading.Thread(target=warehouse, daemon=True)
    thread.start()
    try:
        proc = run(["dags", "test", "birdsystem_fulfil_order"], airflow_env)
    finally:
        stop.set()
        thread.join(5)
    output = proc.stdout + proc.stderr
    (consignment,) = sandbox.birdsystem.consignments()
    assert "state=success" in output and "[DAG TEST] running trigger in line" in output
    assert f"tracking code {consignment['delivery_reference']}" in output


def test_place_order_dag_with_the_reply_lost_after_commit_places_once(airflow_env, sandbox):
    sandbox.fail_next("kakaclo", "POST", "/openapi/v2/order/orders", after_commit=True)
    with Supplier(sandbox, reads_before_shipping=3):
        proc = run(["dags", "test", "kakaclo_place_order"], airflow_env)
    assert "state=success" in proc.stdout + proc.stderr
    assert len(sandbox.kakaclo.orders()) == 1


SECRETS = (SANDBOX_TOKEN, "sandbox-qianyi-secret", "sandbox-birdsystem-key")


def test_no_secret_in_logs_xcom_rendered_fields_or_trigger_kwargs(airflow_env):
    """Runs last in this module: everything the example DAGs left behind, searched for credentials."""
    import sqlite3

    assert len(OUTPUTS) >= 10
    for output in OUTPUTS:
        for secret in SECRETS:
            assert secret not in output
    home = Path(airflow_env["AIRFLOW_HOME"])
    for log in home.rglob("*.log"):
        text = log.read_text(errors="replace")
        assert not any(secret in text for secret in SECRETS), log
    db = sqlite3.connect(home / "airflow.db")
    tables = {"xcom": "value", "rendered_task_instance_fields": "rendered_fields", "trigger": "kwargs"}
    seen = 0
    for table, column in tables.items():
        for (value,) in db.execute(f"SELECT {column} FROM {table}"):
            seen += 1
            text = value.decode(errors="replace") if isinstance(value, bytes) else str(value)
            assert not any(secret in text for secret in SECRETS), (table, text[:200])
    assert seen > 0
