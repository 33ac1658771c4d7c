"""OrderStatusSensor against the sandbox: poke mode, and the check-once-then-defer path."""

from __future__ import annotations

from datetime import timedelta

import pytest

try:
    from airflow.sdk.exceptions import TaskDeferred
except ImportError:  # Airflow 3.1
    from airflow.exceptions import TaskDeferred

from airflow_provider_kakaclo._compat import AirflowFailException
from airflow_provider_kakaclo.hooks.kakaclo import KakaCloHook
from airflow_provider_kakaclo.sensors.orders import OrderStatusSensor
from airflow_provider_kakaclo.triggers.orders import OrderStatusTrigger
from tests.operators.conftest import FakeTI

ADDRESS = {"country": "US", "phone": "+1 555 0100", "recipient": "Ada Lovelace", "province": "CA"}


@pytest.fixture
def order_id(kakaclo_conn, sandbox) -> str:
    sku = sandbox.kakaclo.skus(limit=1, status=1)[0]
    return KakaCloHook().create_order({"orderAddresses": ADDRESS, "orderItemsList": [{"sku": sku, "quantity": 1}]})


def sensor(order_id: str, **kwargs) -> OrderStatusSensor:
    return OrderStatusSensor(task_id="wait", conn_id="kakaclo_default", order_id=order_id, poke_interval=1,
                             timeout=600, **kwargs)


def test_poke_until_shipped_returns_tracking(order_id, sandbox):
    s = sensor(order_id, target_status="shipped")
    context = {"ti": FakeTI("wait")}
    assert s.poke(context) is False
    sandbox.kakaclo.advance_order(order_id, "fully_shipped")
    done = s.poke(context)
    assert done.is_done
    assert done.xcom_value["status"] == "shipped" and done.xcom_value["tracking_codes"]
    assert done.xcom_value["tracking_codes"][0] in done.xcom_value["tracking_urls"][0]


def test_cancelled_order_fails_at_once_naming_the_state(order_id, sandbox):
    sandbox.kakaclo.advance_order(order_id, "cancelled")
    with pytest.raises(AirflowFailException, match=r"the order is (cancelled|refunded); it will never be shipped"):
        sensor(order_id).poke({"ti": FakeTI("wait")})


def test_unknown_order_fails_clearly(kakaclo_conn, sandbox):
    with pytest.raises(AirflowFailException, match="order 1999999999999 was not found"):
        sensor("1999999999999").poke({"ti": FakeTI("wait")})


def test_unknown_target_is_refused_before_any_request(kakaclo_conn, sandbox):
    with pytest.raises(ValueError, match="target_status"):
        sensor("1000000000001", target_status="arrived").execute({"ti": FakeTI("wait")})
    assert sandbox.stats("kakaclo")["requests"] == 0


def test_deferrable_checks_once_then_defers_with_the_sensor_timeout(order_id, sandbox):
    s = sensor(order_id, target_status="shipped", deferrable=True)
    with pytest.raises(TaskDeferred) as info:
        s.execute({"ti": FakeTI("wait")})
    deferred = info.value
    assert isinstance(deferred.trigger, OrderStatusTrigger)
    assert deferred.timeout == timedelta(seconds=600)
    classpath, kwargs = deferred.trigger.serialize()
    assert classpath == "airflow_provider_kakaclo.triggers.orders.OrderStatusTrigger"
    assert kwargs == {"conn_id": "kakaclo_default", "order_id": order_id, "target_status": "shipped",
                      "poll_interval": 1.0, "on_abnormal": "wait", "on_attention_states": "wait"}


def test_deferrable_returns_at_once_when_already_there(order_id, sandbox):
    sandbox.kakaclo.advance_order(order_id, "fully_shipped")
    result = sensor(order_id, deferrable=True).execute({"ti": FakeTI("wait")})
    assert result["status"] == "shipped"


def test_execute_complete(order_id):
    s = sensor(order_id)
    order = {"order_id": order_id, "status": "shipped", "tracking_codes": ["T1"]}
    assert s.execute_complete({}, {"status": "success", "order": order}) == order
    with pytest.raises(AirflowFailException, match="cancelled"):
        s.execute_complete({}, {"status": "failed", "message": "the order is cancelled"})


def test_a_trigger_timeout_ends_as_sensor_timeout_which_airflow_does_not_retry(kakaclo_conn):
    from airflow.sdk.bases.operator import TRIGGER_FAIL_REPR, TriggerFailureReason

    try:
        from airflow.sdk.exceptions import AirflowSensorTimeout
    except ImportError:  # Airflow 3.1
        from airflow.exceptions import AirflowSensorTimeout

    s = sensor("1000000000001", deferrable=True)
    with pytest.raises(AirflowSensorTimeout):
        s.resume_execution(TRIGGER_FAIL_REPR, {"error": TriggerFailureReason.TRIGGER_TIMEOUT}, {})


@pytest.mark.parametrize("reading", ["recoverable", "final"])
def test_abnormal_keeps_waiting_by_default_and_recovers_or_not_per_reading(order_id, sandbox, reading):
    """S3: abnormal_order may or may not be final; the sensor's default keeps waiting (and warns)."""
    sandbox.patch_switches({"kakaclo": {"abnormal_order": reading}})
    s = sensor(order_id, target_status="shipped")
    context = {"ti": FakeTI("wait")}
    sandbox.kakaclo.advance_order(order_id, "abnormal")
    assert s.poke(context) is False and s.poke(context) is False
    if reading == "recoverable":
        sandbox.kakaclo.advance_order(order_id, "recover")
        sandbox.kakaclo.advance_order(order_id, "fully_shipped")
        assert s.poke(context).is_done
    else:
        from airflow_provider_kakaclo.sandbox.client import SandboxControlError

        with pytest.raises(SandboxControlError):
            sandbox.kakaclo.advance_order(order_id, "recover")
        assert s.poke(context) is False  # still abnormal: the sensor's timeout bounds the wait


@pytest.mark.parametrize("reading", ["recoverable", "final"])
def test_on_abnormal_fail_fails_at_once_under_either_reading(order_id, sandbox, reading):
    sandbox.patch_switches({"kakaclo": {"abnormal_order": reading}})
    sandbox.kakaclo.advance_order(order_id, "abnormal")
    with pytest.raises(AirflowFailException, match="abnormal"):
        sensor(order_id, target_status="shipped", on_abnormal="fail").poke({"ti": FakeTI("wait")})


def test_unknown_on_abnormal_is_refused_before_any_request(kakaclo_conn, sandbox):
    with pytest.raises(ValueError, match="on_abnormal"):
        sensor("1000000400001", on_abnormal="ignore").execute({"ti": FakeTI("wait")})
    assert sandbox.stats("kakaclo")["requests"] == 0
