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


def test_reduced_slow_drip_and_echoed_secret_rows(quiet, monkeypatch, tmp_path):
    from chaos.run import hardening_rows

    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path))
    drip, echo = hardening_rows(drips=6, echoes=30, seed=7)
    assert drip.holds, drip.observed
    assert echo.holds, echo.observed
    assert drip.faults["order write"] and (drip.faults["read"] or drip.faults["async read"])
    assert len(echo.faults) >= 5  # several vendors and exits were really exercised
