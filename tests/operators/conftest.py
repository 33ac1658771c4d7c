from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest


class FakeTI:
    """Just what the operators read from a task instance."""

    def __init__(self, task_id: str = "place", run_id: str = "manual__1", map_index: int = -1) -> None:
        self.dag_id, self.run_id, self.task_id, self.map_index = "orders_test", run_id, task_id, map_index
        self.xcom: dict = {}

    def xcom_push(self, key, value) -> None:
        self.xcom[key] = value


class FakeStateStore(dict):
    def set(self, key, value, **_):
        self[key] = value


@pytest.fixture
def make_context():
    def make(task_id="place", run_id="manual__1", map_index=-1, state_store=True):
        return {
            "ti": FakeTI(task_id, run_id, map_index),
            "dag_run": SimpleNamespace(start_date=datetime.now(timezone.utc) - timedelta(minutes=1)),
            "task_state_store": FakeStateStore() if state_store else None,
        }

    return make
