"""Shared fixtures: an isolated AIRFLOW_HOME, connections from env vars, the sandbox over real HTTP."""

from __future__ import annotations

import json
import os
import tempfile

os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="kakaclo-test-airflow-"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")

import pytest  # noqa: E402

TEST_TOKEN = "test-kakaclo-token-Zq7"


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
