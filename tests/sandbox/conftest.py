"""Fixtures for the sandbox's own tests: an in-process app on fake clocks."""

from __future__ import annotations

import warnings
from datetime import datetime, timezone

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from airflow_provider_kakaclo.sandbox import create_app
from tests.sandbox.sandbox_helpers import ANCHOR, FakeMonotonic, FakeWallClock


@pytest.fixture
def monotonic() -> FakeMonotonic:
    return FakeMonotonic()


@pytest.fixture
def wall() -> FakeWallClock:
    return FakeWallClock(datetime(2024, 6, 10, 12, 0, 0, tzinfo=timezone.utc))


@pytest.fixture
def make_client(monotonic, wall):
    """Build a TestClient over a fresh app; keyword arguments are app settings."""

    def make(**settings) -> TestClient:
        settings.setdefault("catalog_size", 600)
        settings.setdefault("seed", 11)
        settings.setdefault("anchor", ANCHOR)
        app = create_app({"clock": monotonic, "wall_clock": wall, **settings})
        return TestClient(app)

    return make


@pytest.fixture
def client(make_client) -> TestClient:
    return make_client()


