"""The example DAGs and the provider in real Airflow (CLI in a subprocess, SQLite), against the sandbox."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
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
        "AIRFLOW_CONN_KAKACLO_DEFAULT": json.dumps({
            "conn_type": "kakaclo", "host": f"{sandbox_server.url}/kakaclo", "password": SANDBOX_TOKEN,
            "extra": {"order_url_template": f"{sandbox_server.url}/_sandbox/kakaclo/orders/{{order_id}}"},
        }),
    }
    run(["db", "migrate"], env)
    return env


def run(args: list[str], env: dict, timeout: float = 240) -> subprocess.CompletedProcess:
    proc = subprocess.run([AIRFLOW, *args], env=env, capture_output=True, text=True, timeout=timeout)
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
    assert "Connection failed!" in proc.stdout and "refused the access token" in proc.stdout


def test_example_dags_import_cleanly(airflow_env):
    out = run(["dags", "list-import-errors", "-o", "json"], airflow_env).stdout
    assert last_json(out) == []


def test_catalog_and_stock_dag(airflow_env, sandbox):
    proc = run(["dags", "test", "kakaclo_catalog_stock"], airflow_env)
    output = proc.stdout + proc.stderr
    assert "state=success" in output
    assert "warehouse G007" in output and "stock: {'skus':" in output
    assert sandbox.stats("kakaclo")["by_status"].get("429", 0) == 0


def test_place_order_dag_places_once_waits_deferred_and_reports_tracking(airflow_env, sandbox):
    stop = threading.Event()

    def supplier():  # ship the order a moment after it is placed, as the vendor would
        while not stop.is_set():
            for order in sandbox.kakaclo.orders():
                if order.get("fulfillmentStatus") == "waiting_to_ship":
                    time.sleep(1)
                    sandbox.kakaclo.advance_order(order["id"], "fully_shipped")
            time.sleep(0.3)

    thread = threading.Thread(target=supplier, daemon=True)
    thread.start()
    try:
        proc = run(["dags", "test", "kakaclo_place_order"], airflow_env)
    finally:
        stop.set()
        thread.join(5)
    output = proc.stdout + proc.stderr
    assert "state=success" in output
    assert "Pausing task as DEFERRED" in output  # the sensor waited in the triggerer, not a worker
    (order,) = sandbox.kakaclo.orders()
    tracking = sandbox.kakaclo.order(order["id"])["fulfillments"][0]["trackingCode"]
    assert f"tracking ['{tracking}']" in output
