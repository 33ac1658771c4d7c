"""The provider's retry policy: refusals fail at once, transient faults retry with backoff (Airflow >= 3.3).

``decide`` is tested on every Airflow version; the policy objects only where Airflow has retry policies,
and on older Airflow the operators must carry none and build as before.
"""

from __future__ import annotations

import inspect
import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest

from airflow_provider_kakaclo.capabilities import UnsupportedCapability
from airflow_provider_kakaclo.retry_policy import BASE_DELAY, MAX_DELAY, RETRY_POLICIES, decide
from airflow_provider_kakaclo.transport import errors

HAS_POLICIES = pytest.mark.skipif(not RETRY_POLICIES, reason="retry policies arrived in Airflow 3.3")


def vendor_error(cls: type[errors.VendorError]) -> errors.VendorError:
    if cls is errors.AmbiguousWriteError:
        return cls(errors.TransportError("kakaclo", "POST /order", "connection reset"))
    return cls("kakaclo", "POST /order", "refused", code="E1", http_status=400)


# Every error class the transport can raise, found by walking the module (a new class is covered too).
VENDOR_ERRORS = sorted(
    (c for _, c in inspect.getmembers(errors, inspect.isclass) if issubclass(c, errors.VendorError)),
    key=lambda c: c.__name__,
)
TRANSIENT = {errors.ServerError, errors.MalformedResponseError, errors.TransportError, errors.ThrottledError,
             errors.DeadlineExceededError,
             errors.AmbiguousWriteError}


def test_the_error_tree_is_what_this_test_expects():
    # Guard: if the tree changes, the expectations below must be revisited, not silently pass.
    assert {c for c in VENDOR_ERRORS if c.retryable} | {errors.AmbiguousWriteError} == TRANSIENT


@pytest.mark.parametrize("cls", VENDOR_ERRORS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("try_number", [1, 2, 5])
def test_vendor_errors_retry_when_transient_and_fail_when_refused(cls, try_number):
    action, delay, reason = decide(vendor_error(cls), try_number)
    assert cls.__name__ in reason
    if cls in TRANSIENT:
        assert action == "retry" and BASE_DELAY <= delay <= MAX_DELAY
    else:  # RequestValidationError, AuthenticationError, BusinessError, PrecheckError, NotFoundError...
        assert (action, delay) == ("fail", None)


def test_a_connection_of_the_wrong_vendor_fails_at_once():
    exc = UnsupportedCapability("qianyi_default", "Qianyi ERP", "place supplier orders", ["kakaclo"])
    assert decide(exc, 1)[:2] == ("fail", None)


@pytest.mark.parametrize("exc", [KeyError("k"), RuntimeError("boom"), TimeoutError(), OSError("disk")])
def test_anything_else_is_left_to_airflow(exc):
    assert decide(exc, 1)[:2] == ("default", None)


@pytest.mark.parametrize("make", [
    lambda: __import__("airflow_provider_kakaclo.sensors.orders", fromlist=["x"]).OrderStatusSensor(
        task_id="w", conn_id="kakaclo_default", order_id="1", target_status="nowhere").execute({}),
    lambda: __import__("airflow_provider_kakaclo.operators.stock", fromlist=["x"]).StockSyncOperator(
        task_id="s", source_conn_id="kakaclo_default", mode="sometimes").execute({}),
    lambda: __import__("json").loads("not json"),
])
def test_a_task_with_wrong_arguments_fails_at_once(make, kakaclo_mock_conn):
    """ValueError/TypeError from a task's own arguments: every try would meet them again."""
    with pytest.raises((ValueError, TypeError)) as caught:
        make()
    assert decide(caught.value, 1)[:2] == ("fail", None)


@pytest.mark.parametrize("base,cap", [(timedelta(seconds=30), timedelta(minutes=10)),
                                      (timedelta(seconds=1), timedelta(seconds=5))])
def test_backoff_doubles_per_try_up_to_the_cap(base, cap):
    exc = vendor_error(errors.ServerError)
    delays = [decide(exc, n, base, cap)[1] for n in range(1, 12)]
    assert delays[0] == base
    for before, after in zip(delays, delays[1:], strict=False):
        assert after == min(before * 2, cap)
    assert delays[-1] == cap


@pytest.mark.parametrize("retry_after,try_number", [(90, 1), (3600, 2), (1, 3), (None, 1)])
def test_throttling_waits_at_least_what_the_vendor_asked(retry_after, try_number):
    exc = errors.ThrottledError("qianyi", "sku QUERY", "slow down", http_status=429, retry_after=retry_after)
    action, delay, _ = decide(exc, try_number)
    backoff = min(BASE_DELAY * 2 ** (try_number - 1), MAX_DELAY)
    assert action == "retry"
    assert delay == max(backoff, timedelta(seconds=retry_after or 0))


def make_operators(**kwargs):
    from airflow_provider_kakaclo.operators.orders import PlaceOrderOperator, RefundOrderOperator
    from airflow_provider_kakaclo.operators.skus import SkuUpsertOperator
    from airflow_provider_kakaclo.operators.stock import StockSyncOperator
    from airflow_provider_kakaclo.sensors.orders import OrderStatusSensor

    return [
        PlaceOrderOperator(task_id="place", conn_id="kakaclo_default", order={}, **kwargs),
        RefundOrderOperator(task_id="refund", conn_id="kakaclo_default", order_id="1", **kwargs),
        SkuUpsertOperator(task_id="skus", conn_id="qianyi_default", skus=[], **kwargs),
        StockSyncOperator(task_id="stock", source_conn_id="kakaclo_default", **kwargs),
        OrderStatusSensor(task_id="wait", conn_id="kakaclo_default", order_id="1", **kwargs),
    ]


@pytest.mark.skipif(RETRY_POLICIES, reason="Airflow >= 3.3 has retry policies")
def test_older_airflow_builds_the_operators_without_a_policy():
    for op in make_operators(retries=2):
        assert getattr(op, "retry_policy", None) is None and op.retries == 2


@HAS_POLICIES
def test_every_operator_and_sensor_carries_the_policy():
    from airflow_provider_kakaclo.retry_policy import VendorRetryPolicy

    for op in make_operators():
        assert isinstance(op.retry_policy, VendorRetryPolicy), op.task_id


@HAS_POLICIES
def test_a_policy_of_the_users_own_wins_in_the_task_and_in_default_args():
    from airflow.sdk import DAG, ExceptionRetryPolicy

    mine = ExceptionRetryPolicy(rules=[])
    assert all(op.retry_policy is mine for op in make_operators(retry_policy=mine))
    with DAG("d", schedule=None, default_args={"retry_policy": mine}):
        assert all(op.retry_policy is mine for op in make_operators())


@HAS_POLICIES
def test_mapped_tasks_get_the_policy_when_unmapped():
    # .partial() fills retry_policy=None; the worker builds each mapped task from those kwargs.
    from airflow.sdk import DAG

    from airflow_provider_kakaclo.operators.stock import StockSyncOperator
    from airflow_provider_kakaclo.retry_policy import VendorRetryPolicy

    with DAG("d", schedule=None):
        mapped = StockSyncOperator.partial(task_id="m").expand(source_conn_id=["a", "b"])
    assert mapped.partial_kwargs["retry_policy"] is None
    op = StockSyncOperator(task_id="m", source_conn_id="a", retry_policy=mapped.partial_kwargs["retry_policy"])
    assert isinstance(op.retry_policy, VendorRetryPolicy)


@HAS_POLICIES
def test_the_policy_round_trips_serialize():
    from airflow_provider_kakaclo.retry_policy import VendorRetryPolicy

    policy = VendorRetryPolicy(timedelta(seconds=7), timedelta(seconds=70))
    again = VendorRetryPolicy.deserialize(policy.serialize())
    assert (again.base_delay, again.max_delay) == (policy.base_delay, policy.max_delay)


def worker_decision(op, exc: BaseException, try_number: int = 1, max_tries: int = 3):
    """What Airflow's task runner decides for ``exc`` raised by ``op`` (its own evaluation function)."""
    from airflow.sdk.execution_time.task_runner import _evaluate_retry_policy

    ti = SimpleNamespace(task=op, try_number=try_number, _ti_context_from_server=SimpleNamespace(max_tries=max_tries))
    log = SimpleNamespace(info=lambda *a, **k: None, exception=logging.getLogger(__name__).exception)
    return _evaluate_retry_policy(ti, exc, log)


BAD_INPUT = [
    ("place", {"order": {"orderItemsList": []}}),
    ("place", {"order": {"orderItemsList": [{"sku": "A", "quantity": 0}]}}),
    ("refund", {"order_id": "1000000000001", "refund_reason": "Bored"}),
]


@HAS_POLICIES
@pytest.mark.parametrize("kind,bad", BAD_INPUT)
def test_bad_input_fails_the_task_without_a_retry(kakaclo_conn, sandbox, make_context, kind, bad):
    from airflow.sdk import RetryAction

    from airflow_provider_kakaclo.operators.orders import PlaceOrderOperator, RefundOrderOperator

    cls = PlaceOrderOperator if kind == "place" else RefundOrderOperator
    op = cls(task_id=kind, conn_id=kakaclo_conn, retries=3, **bad)
    with pytest.raises(errors.RequestValidationError) as raised:
        op.execute(make_context(task_id=kind))
    assert sandbox.stats("kakaclo")["requests"] == 0
    assert worker_decision(op, raised.value).action is RetryAction.FAIL


@HAS_POLICIES
def test_an_unreachable_vendor_retries_with_backoff(monkeypatch, tmp_path):
    import json
    import socket

    from airflow.sdk import RetryAction

    from airflow_provider_kakaclo.operators.stock import StockSyncOperator

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path))
    monkeypatch.setenv("AIRFLOW_CONN_KAKACLO_DOWN", json.dumps({
        "conn_type": "kakaclo", "host": f"http://127.0.0.1:{port}/kakaclo", "password": "t",
        "extra": {"backoff_initial": 0.01, "backoff_max": 0.02, "connect_timeout": 1}}))
    op = StockSyncOperator(task_id="stock", source_conn_id="kakaclo_down", retries=3, skus=["AMN00001_DGR_S"])
    with pytest.raises(errors.TransportError) as raised:
        op.execute({})
    first, third = worker_decision(op, raised.value, 1), worker_decision(op, raised.value, 3)
    assert first.action is third.action is RetryAction.RETRY
    assert (first.retry_delay, third.retry_delay) == (BASE_DELAY, BASE_DELAY * 4)
    # The last try (retries=3: try 4) has nothing left to retry: Airflow's default (fail), no delay promised.
    last = worker_decision(op, raised.value, 4, max_tries=3)
    assert (last.action, last.retry_delay) == (RetryAction.DEFAULT, None)
