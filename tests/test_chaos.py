"""A reduced fault campaign (`make chaos` runs the full one): every row must hold."""

from __future__ import annotations

import logging

import pytest

from chaos.run import run_campaign


@pytest.fixture
def quiet():
    logging.disable(logging.WARNING)
    yield
    logging.disable(logging.NOTSET)


def test_reduced_fault_campaign(quiet, monkeypatch, tmp_path):
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path))
    rows = run_campaign(orders=24, bird_orders=24, kills=1, sync_runs=2, seed=7)
    assert [r.scenario for r in rows if not r.holds] == []
    kakaclo, birdsystem = rows[0], rows[1]
    assert kakaclo.faults["sigkill"] == 1 and birdsystem.faults["sigkill"] == 1
    assert len(kakaclo.faults) >= 5  # several kinds of fault were really injected
