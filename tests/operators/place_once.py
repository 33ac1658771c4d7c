"""Run one PlaceOrderOperator.execute in this process (the SIGKILL test kills it mid-flight)."""

from __future__ import annotations

import json
import sys

from airflow_provider_kakaclo.operators.orders import PlaceOrderOperator
from tests.operators.conftest import FakeStateStore, FakeTI

if __name__ == "__main__":
    order, run_id = json.loads(sys.argv[1]), sys.argv[2]
    context = {"ti": FakeTI("place", run_id), "task_state_store": FakeStateStore(), "dag_run": None}
    result = PlaceOrderOperator(task_id="place", conn_id="kakaclo_default", order=order).execute(context)
    print(json.dumps(result))
