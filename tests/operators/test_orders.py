"""PlaceOrderOperator and RefundOrderOperator against the sandbox: exactly once, nothing spent on bad input."""

from __future__ import annotations

import pytest

from airflow_provider_kakaclo._compat import AirflowFailException
from airflow_provider_kakaclo.operators.orders import (
    PlaceOrderOperator,
    RefundOrderOperator,
    stable_reference,
)
from airflow_provider_kakaclo.transport import AmbiguousWriteError, PrecheckError, RequestValidationError

ADDRESS = {"country": "US", "phone": "+1 555 0100", "recipient": "Ada Lovelace", "province": "CA"}
CREATE = "/openapi/v2/order/orders"


def order_for(sku: str, quantity: int = 1, channel: str = "Standard") -> dict:
    return {"orderAddresses": ADDRESS, "orderItemsList": [{"sku": sku, "quantity": quantity}], "channelType": channel}


def place(order, **kwargs) -> PlaceOrderOperator:
    return PlaceOrderOperator(task_id="place", conn_id="kakaclo_default", order=order, **kwargs)


@pytest.fixture
def sku(sandbox) -> str:
    return sandbox.kakaclo.skus(limit=1, status=1)[0]


def test_places_once_and_returns_a_small_json_result(kakaclo_conn, sandbox, sku, make_context):
    context = make_context()
    result = place(order_for(sku)).execute(context)
    reference = stable_reference(context)
    assert result["order_id"].isdigit() and result["placed"] is True
    assert (result["merchant_order_id"], result["vendor"], result["status"]) == (reference, "kakaclo", "paid")
    assert set(result["amounts"]) >= {"items", "freight", "total"}
    assert sandbox.kakaclo.order_count(custom_order_id=reference) == 1

    again = place(order_for(sku)).execute(make_context())  # an Airflow retry: same task instance
    assert again["order_id"] == result["order_id"] and again["placed"] is False
    assert sandbox.kakaclo.order_count(custom_order_id=reference) == 1


def test_stable_reference_differs_per_task_instance_and_fits_customorderid(make_context):
    refs = {stable_reference(make_context(task_id=t, run_id=r, map_index=m))
            for t in ("a", "b") for r in ("r1", "r2") for m in (-1, 0, 1)}
    assert len(refs) == 12
    assert all(len(r) <= 40 for r in refs)
    assert stable_reference(make_context()) == stable_reference(make_context())


def test_connection_dropped_after_commit_does_not_duplicate(kakaclo_conn, sandbox, sku, make_context):
    sandbox.fail_next("kakaclo", "POST", CREATE, after_commit=True)
    context = make_context()
    result = place(order_for(sku)).execute(context)  # ambiguous -> looked up -> found the committed order
    assert sandbox.kakaclo.order_count(custom_order_id=stable_reference(context)) == 1
    assert result["placed"] is True


def test_first_try_fails_retry_succeeds_exactly_one_order(kakaclo_conn, sandbox, sku, make_context, monkeypatch):
    """The issue's scenario: the lost reply fails the first try; the retry finds the order."""
    from airflow_provider_kakaclo.hooks.kakaclo import KakaCloHook

    sandbox.fail_next("kakaclo", "POST", CREATE, after_commit=True)
    context = make_context()
    real_find = KakaCloHook.find_order
    calls = []

    def blind_find(self, reference, *, since, until=None):  # the vendor's list lags: first look-ups see nothing
        calls.append(reference)
        return None if len(calls) <= 2 else real_find(self, reference, since=since, until=until)

    monkeypatch.setattr(KakaCloHook, "find_order", blind_find)
    with pytest.raises(AmbiguousWriteError):
        place(order_for(sku)).execute(context)
    result = place(order_for(sku)).execute(context)
    assert result["placed"] is False
    assert sandbox.kakaclo.order_count(custom_order_id=stable_reference(context)) == 1


def test_5xx_on_create_is_reconciled_not_repeated(kakaclo_conn, sandbox, sku, make_context):
    sandbox.fail_next("kakaclo", "POST", CREATE, status=503)
    context = make_context()
    with pytest.raises(AmbiguousWriteError):
        place(order_for(sku)).execute(context)  # 503 before processing: nothing there, so fail to retry
    assert sandbox.kakaclo.order_count(custom_order_id=stable_reference(context)) == 0
    place(order_for(sku)).execute(context)
    assert sandbox.kakaclo.order_count(custom_order_id=stable_reference(context)) == 1


def test_merchant_order_id_is_the_reference_across_runs(kakaclo_conn, sandbox, sku, make_context):
    first = place(order_for(sku), merchant_order_id="SHOP-1001").execute(make_context(run_id="a"))
    second = place(order_for(sku), merchant_order_id="SHOP-1001").execute(make_context(run_id="b"))
    assert first["order_id"] == second["order_id"]
    assert sandbox.kakaclo.order_count(custom_order_id="SHOP-1001") == 1


@pytest.mark.parametrize(
    "bad",
    [
        {"orderItemsList": [{"sku": "AMN00001_DGR_S", "quantity": 1}]},  # no recipient/address
        {"orderAddresses": {**ADDRESS, "recipient": ""}, "orderItemsList": [{"sku": "A", "quantity": 1}]},
        {"orderAddresses": ADDRESS, "orderItemsList": [{"sku": "A", "quantity": 0}]},
        {"orderAddresses": ADDRESS, "orderItemsList": [{"sku": "A", "quantity": 1}], "channelType": "Teleport"},
        {"orderAddresses": ADDRESS, "orderItemsList": []},
    ],
)
def test_bad_order_fails_before_any_request(kakaclo_conn, sandbox, make_context, bad):
    with pytest.raises(RequestValidationError):
        place(bad).execute(make_context())
    assert sandbox.stats("kakaclo")["requests"] == 0


@pytest.mark.parametrize("reference", [" ", "\t \n"])
def test_blank_merchant_order_id_fails_before_any_request(kakaclo_conn, sandbox, sku, make_context, reference):
    with pytest.raises(RequestValidationError, match="customOrderId"):
        place(order_for(sku), merchant_order_id=reference).execute(make_context())
    assert sandbox.stats("kakaclo")["requests"] == 0


def test_insufficient_balance_places_nothing(kakaclo_conn, sandbox, sku, make_context):
    sandbox.kakaclo.set_balance("1.00")
    with pytest.raises(PrecheckError, match=r"balance 1(\.0+)? USD does not cover"):
        place(order_for(sku)).execute(make_context())
    assert sandbox.kakaclo.order_count() == 0
    assert str(sandbox.kakaclo.balance()) in ("1.0", "1.00", "1")


def test_out_of_stock_and_off_sale_skus_place_nothing(kakaclo_conn, sandbox, make_context):
    first, second = sandbox.kakaclo.skus(limit=2, status=1)
    for warehouse in ("G007", "G006", "H008", "G004"):
        try:
            sandbox.kakaclo.set_stock(first, warehouse, 0)
        except Exception:
            continue
    sandbox.kakaclo.set_sku_status(second, 0)
    before = sandbox.kakaclo.balance()
    order = {**order_for(first), "orderItemsList": [{"sku": first, "quantity": 1}, {"sku": second, "quantity": 1}]}
    with pytest.raises(PrecheckError) as info:
        place(order).execute(make_context())
    assert f"SKU {first} has 0 in stock" in str(info.value)
    assert f"SKU {second} is not on sale" in str(info.value)
    assert sandbox.kakaclo.order_count() == 0 and sandbox.kakaclo.balance() == before


def test_unknown_sku_places_nothing(kakaclo_conn, sandbox, make_context):
    with pytest.raises(PrecheckError, match="SKU NOPE_X_L does not exist"):
        place(order_for("NOPE_X_L")).execute(make_context())
    assert sandbox.kakaclo.order_count() == 0


def test_refund_before_shipment_waits_for_the_outcome(kakaclo_conn, sandbox, sku, make_context):
    placed = place(order_for(sku)).execute(make_context())
    op = RefundOrderOperator(task_id="refund", conn_id="kakaclo_default", order_id=placed["order_id"],
                             wait_for_completion=False)
    requested = op.execute(make_context("refund"))
    assert requested["status"] == "pending"
    again = op.execute(make_context("refund"))  # a retry does not ask twice
    assert again["refund_id"] == requested["refund_id"] and len(sandbox.kakaclo.refunds(placed["order_id"])) == 1
    sandbox.kakaclo.resolve_refund(requested["refund_id"], "refund_successfully")
    assert op.execute(make_context("refund"))["status"] == "succeeded"


def test_refund_after_shipment_is_refused_before_any_refund_request(kakaclo_conn, sandbox, sku, make_context):
    placed = place(order_for(sku)).execute(make_context())
    sandbox.kakaclo.advance_order(placed["order_id"], "fully_shipped")
    op = RefundOrderOperator(task_id="refund", conn_id="kakaclo_default", order_id=placed["order_id"])
    with pytest.raises(AirflowFailException, match="only possible before shipment"):
        op.execute(make_context("refund"))
    assert sandbox.kakaclo.refunds(placed["order_id"]) == []


def test_refund_with_unknown_reason_fails_before_any_request(kakaclo_conn, sandbox, make_context):
    op = RefundOrderOperator(task_id="refund", conn_id="kakaclo_default", order_id="1000000000001",
                             refund_reason="Bored")
    with pytest.raises(RequestValidationError, match="refundReason"):
        op.execute(make_context("refund"))
    assert sandbox.stats("kakaclo")["requests"] == 0


def test_an_order_recorded_in_the_task_state_store_is_checked_by_id_not_scanned(
        kakaclo_conn, sandbox, sku, make_context):
    context = make_context()
    first = place(order_for(sku)).execute(context)
    assert context["task_state_store"]["kakaclo_place_order"]["order_id"] == first["order_id"]
    sandbox.reset_stats()
    again = place(order_for(sku)).execute(context)
    assert again["order_id"] == first["order_id"] and again["placed"] is False
    # one look-up by id, no creation-window scan and no create
    assert sandbox.stats("kakaclo")["by_route"] == {"GET /openapi/v2/order/orders": 1}


def test_without_a_task_state_store_it_still_reconciles(kakaclo_conn, sandbox, sku, make_context):
    first = place(order_for(sku)).execute(make_context(state_store=False))
    again = place(order_for(sku)).execute(make_context(state_store=False))
    assert again["order_id"] == first["order_id"]
    assert sandbox.kakaclo.order_count() == 1


def test_sigkill_between_vendor_commit_and_reading_the_reply_does_not_duplicate(
        kakaclo_conn, sandbox, sku, make_context):
    """The window Airflow's ResumableJobMixin leaves open: the vendor committed, the worker died
    before it saw the order id. The next try must find that order, not place another."""
    import json
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    sandbox.add_fault("kakaclo", "POST", CREATE, "delay_after_commit", seconds=30)
    context = make_context(run_id="killed_run")
    reference = stable_reference(context)
    repo = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen([sys.executable, "-m", "tests.operators.place_once", json.dumps(order_for(sku)),
                             "killed_run"], cwd=repo, env=os.environ.copy(),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while sandbox.kakaclo.order_count(custom_order_id=reference) == 0:
            assert proc.poll() is None, proc.stdout.read().decode()[-3000:]
            assert time.monotonic() < deadline, "the order was never committed"
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL  # died before reading the reply
    sandbox.clear_faults()

    result = place(order_for(sku)).execute(context)  # the retry, in a fresh process state
    assert result["placed"] is False
    assert sandbox.kakaclo.order_count(custom_order_id=reference) == 1
    assert result["order_id"] == str(sandbox.kakaclo.orders(custom_order_id=reference)[0]["id"])


def test_refund_waits_in_the_worker_when_not_deferrable(kakaclo_conn, sandbox, sku, make_context):
    import threading
    import time

    placed = place(order_for(sku)).execute(make_context())
    op = RefundOrderOperator(task_id="refund", conn_id="kakaclo_default", order_id=placed["order_id"],
                             poll_interval=0.1, timeout=90, deferrable=False)

    def resolve_when_requested():  # as soon as the refund was asked for, however long that took
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            refunds = sandbox.kakaclo.refunds(placed["order_id"])
            if refunds:
                sandbox.kakaclo.resolve_refund(refunds[0]["refundNo"], "refund_failed")
                return
            threading.Event().wait(0.05)

    helper = threading.Thread(target=resolve_when_requested)
    helper.start()
    with pytest.raises(AirflowFailException, match="failed"):
        op.execute(make_context("refund"))
    helper.join()


@pytest.mark.parametrize("which", ["place", "refund", "sensor"])
def test_a_task_that_fails_early_still_has_its_order_url_key(which, kakaclo_conn, sandbox, make_context):
    """Airflow reads the 'Vendor order' link's XCom when any task ends; a task that failed before the
    order was known must have the key (empty), not make Airflow log 'XCom not found'."""
    from airflow_provider_kakaclo.links import ORDER_URL_KEY
    from airflow_provider_kakaclo.operators.orders import RefundOrderOperator
    from airflow_provider_kakaclo.sensors.orders import OrderStatusSensor

    context = make_context()
    task = {
        "place": lambda: PlaceOrderOperator(task_id="place", conn_id=kakaclo_conn, order={"orderItemsList": []}),
        "refund": lambda: RefundOrderOperator(task_id="refund", conn_id=kakaclo_conn, order_id="1000000000001"),
        "sensor": lambda: OrderStatusSensor(task_id="wait", conn_id=kakaclo_conn, order_id="1",
                                            target_status="nowhere"),
    }[which]()
    with pytest.raises(Exception):  # noqa: B017 - each fails its own way; the key is what matters
        task.execute(context)
    assert context["ti"].xcom[ORDER_URL_KEY] == ""
