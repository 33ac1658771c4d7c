"""Shared fixtures: an isolated AIRFLOW_HOME, connections from env vars, the sandbox over real HTTP."""

from __future__ import annotations

import json
import os
import tempfile

os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="kakaclo-test-airflow-"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")

import pytest

TEST_TOKEN = "test-kakaclo-token-Zq7"


def pytest_report_header(config):
    from tests.suites import suite

    if suite() == "airflow":
        return "KAKACLO_SUITE=airflow: the tests that never touch Airflow are deselected (tests/suites.py)"
    return None


def pytest_collection_modifyitems(config, items):
    """``KAKACLO_SUITE=airflow`` (``make test-mid``/``test-floor``): drop the tests listed in tests/suites.py."""
    from tests.suites import airflow_free, suite

    if suite() != "airflow":
        return
    root = config.rootpath
    kept, dropped = [], []
    for item in items:
        (dropped if airflow_free(item.path.relative_to(root).as_posix()) else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def set_connection(monkeypatch, conn_id: str, **fields) -> None:
    """Define an Airflow connection through ``AIRFLOW_CONN_<ID>`` (JSON form keeps the URL path)."""
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(fields))


@pytest.fixture
def kakaclo_mock_conn(monkeypatch):
    """A KakaClo connection pointing at a requests-mock base URL, limiter off (wire tests)."""
    set_connection(
        monkeypatch,
        "kakaclo_default",
        conn_type="kakaclo",
        host="https://kakaclo.test",
        password=TEST_TOKEN,
        extra={"rate_limit_burst": 0, "backoff_initial": 0.001, "backoff_max": 0.01},
    )
    return "kakaclo_default"


SANDBOX_TOKEN = "sandbox-kakaclo-token"


def reset_secrets_masker() -> None:
    """Empty Airflow's secrets masker (the task SDK's, which ``mask_secret`` fills on 3.1 and 3.3)."""
    from airflow.sdk._shared.secrets_masker import reset_secrets_masker as reset

    reset()


@pytest.fixture(autouse=True)
def _fresh_global_state():
    """Process-wide state starts empty in every test: Airflow's secrets masker (so a test of masking
    sees only what this test registered), the triggers' shared order watches (keyed by the event
    loop's id, which a new loop may reuse) and the client-side rate-limit buckets."""
    from airflow_provider_kakaclo.transport import limiter
    from airflow_provider_kakaclo.triggers.orders import _OrderWatch

    reset_secrets_masker()
    _OrderWatch._watches.clear()
    limiter._buckets.clear()
    yield
    _OrderWatch._watches.clear()


@pytest.fixture(scope="session")
def sandbox_server():
    """One sandbox over real HTTP on a free loopback port for the whole session."""
    from airflow_provider_kakaclo.sandbox import ThreadedSandbox

    server = ThreadedSandbox(host="127.0.0.1", port=0).start()
    yield server
    server.stop()


@pytest.fixture
def sandbox(sandbox_server):
    """The sandbox's control client, reset to its documented defaults before each test."""
    from airflow_provider_kakaclo.sandbox import SandboxClient

    client = SandboxClient(sandbox_server.url)
    client.reset()
    return client


@pytest.fixture
def kakaclo_conn(monkeypatch, sandbox):
    """``kakaclo_default`` pointing at the sandbox, with the documented limits on (120 burst, 2/s)."""
    set_connection(
        monkeypatch,
        "kakaclo_default",
        conn_type="kakaclo",
        host=f"{sandbox.base_url}/kakaclo",
        password=SANDBOX_TOKEN,
        extra={"backoff_initial": 0.05, "backoff_max": 0.5, "read_timeout": 5},
    )
    _forget_shared_buckets()
    return "kakaclo_default"


def _forget_shared_buckets() -> None:
    """The sandbox's buckets were just reset; start the client-side ones empty too."""
    from airflow_provider_kakaclo.transport import limiter

    limiter._buckets.clear()


@pytest.fixture
def birdsystem_conn(monkeypatch, sandbox):
    """``birdsystem_default`` pointing at the sandbox (site 1001)."""
    set_connection(
        monkeypatch,
        "birdsystem_default",
        conn_type="birdsystem",
        host=f"{sandbox.base_url}/birdsystem",
        password="sandbox-birdsystem-key",
        extra={"company_id": 1001, "backoff_initial": 0.05, "backoff_max": 0.5, "read_timeout": 5},
    )
    return "birdsystem_default"


@pytest.fixture
def qianyi_conn(monkeypatch, sandbox):
    """``qianyi_default`` pointing at the sandbox."""
    set_connection(
        monkeypatch,
        "qianyi_default",
        conn_type="qianyi",
        host=f"{sandbox.base_url}/qianyi",
        login="sandbox-qianyi-app",
        password="sandbox-qianyi-secret",
        extra={"backoff_initial": 0.05, "backoff_max": 0.5, "read_timeout": 5},
    )
    return "qianyi_default"
