"""OrderStatusTrigger: round-trips its kwargs, yields one small event, batches waiting orders."""

from __future__ import annotations

import asyncio
import json

import pytest

from airflow_provider_kakaclo.hooks.kakaclo import KakaCloHook
from airflow_provider_kakaclo.triggers.orders import OrderStatusTrigger, _OrderWatch
from tests.conftest import SANDBOX_TOKEN, set_connection
from tests.triggers.conftest import cycles_done, first_event

ADDRESS = {"country": "US", "phone": "+1 555 0100", "recipient": "Ada Lovelace", "province": "CA"}


def place(sandbox, n: int = 1) -> list[str]:
    sku = sandbox.kakaclo.skus(limit=1, status=1)[0]
    hook = KakaCloHook()
    return [hook.create_order({"orderAddresses": ADDRESS, "orderItemsList": [{"sku": sku, "quantity": 1}]})
            for _ in range(n)]


def round_trip(trigger: OrderStatusTrigger) -> OrderStatusTrigger:
    classpath, kwargs = trigger.serialize()
    assert classpath.endswith("OrderStatusTrigger")
    json.dumps(kwargs)
    return OrderStatusTrigger(**kwargs)


def test_fires_when_the_order_ships(kakaclo_conn, sandbox):
    (order_id,) = place(sandbox)
    trigger = round_trip(OrderStatusTrigger("kakaclo_default", order_id, "shipped", poll_interval=0.05))
    event = asyncio.run(first_event(trigger, lambda: sandbox.kakaclo.advance_order(order_id, "fully_shipped")))
    assert event["status"] == "success"
    assert event["order"]["status"] == "shipped" and event["order"]["tracking_codes"]
    assert len(json.dumps(event)) < 2000


def test_cancelled_order_ends_the_wait_with_the_reason(kakaclo_conn, sandbox):
    (order_id,) = place(sandbox)
    trigger = OrderStatusTrigger("kakaclo_default", order_id, "delivered", poll_interval=0.05)
    event = asyncio.run(first_event(trigger, lambda: sandbox.kakaclo.advance_order(order_id, "cancelled")))
    assert event["status"] == "failed" and "will never be delivered" in event["message"]


def test_bad_credentials_end_the_wait_with_an_error(kakaclo_conn, sandbox, monkeypatch):
    set_connection(monkeypatch, "kakaclo_default", conn_type="kakaclo", host=f"{sandbox.base_url}/kakaclo",
                   password="wrong-token")
    event = asyncio.run(first_event(OrderStatusTrigger("kakaclo_default", "1000000000001", "shipped", 0.05)))
    assert event["status"] == "error" and "refused" in event["message"]


def test_trigger_kwargs_hold_no_secret(kakaclo_conn):
    _, kwargs = OrderStatusTrigger("kakaclo_default", "1", "shipped").serialize()
    assert SANDBOX_TOKEN not in json.dumps(kwargs)


def test_waiting_orders_on_one_connection_share_one_call_per_250(kakaclo_conn, sandbox, monkeypatch):
    sandbox.patch_switches({"kakaclo": {"rate_limit_enabled": False}})
    set_connection(monkeypatch, "kakaclo_default", conn_type="kakaclo", host=f"{sandbox.base_url}/kakaclo",
                   password=SANDBOX_TOKEN, extra={"rate_limit_burst": 0})
    ids = place(sandbox, 260)
    sandbox.reset_stats()

    async def wait_all():
        triggers = [OrderStatusTrigger("kakaclo_default", i, "shipped", poll_interval=0.3) for i in ids]
        tasks = [asyncio.ensure_future(first_event(t)) for t in triggers]
        watch = _OrderWatch.get("kakaclo_default", 0.3)
        await cycles_done(watch, 3)  # three poll cycles with every order still waiting, however slow the machine
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.wait_for(watch.task, 60)  # the cycle under way completes, then the watch stops
        return watch.calls, watch.cycles

    calls, cycles = asyncio.run(wait_all())
    served = sandbox.stats("kakaclo")["by_route"]["GET /openapi/v2/order/orders"]
    assert served == calls
    assert cycles >= 3 and calls == 2 * cycles  # every cycle: ceil(260 / 250) = 2 calls, never one per order


@pytest.mark.parametrize("target", ["paid", "shipped"])
def test_already_there_fires_on_first_cycle(kakaclo_conn, sandbox, target):
    (order_id,) = place(sandbox)
    sandbox.kakaclo.advance_order(order_id, "fully_shipped")
    event = asyncio.run(first_event(OrderStatusTrigger("kakaclo_default", order_id, target, 0.05)))
    assert event["status"] == "success"


def test_first_look_up_waits_one_interval_after_the_sensors_own_check(kakaclo_conn, sandbox):
    """The sensor checked just before deferring; the trigger's first look-up comes one interval later,
    so its event never races the scheduler's handling of the deferral (apache/airflow#66374)."""
    (order_id,) = place(sandbox)
    sandbox.kakaclo.advance_order(order_id, "fully_shipped")  # already shipped when the trigger starts
    trigger = OrderStatusTrigger("kakaclo_default", order_id, "shipped", poll_interval=1.0)
    before = sandbox.stats("kakaclo")["requests"]

    async def run():
        started = asyncio.get_running_loop().time()
        event = await first_event(trigger)
        return event, asyncio.get_running_loop().time() - started

    event, waited = asyncio.run(run())
    assert event["status"] == "success"
    assert waited >= 1.0
    assert sandbox.stats("kakaclo")["requests"] - before == 1  # one look-up, after the interval


def test_an_order_joining_a_running_watch_also_waits_one_interval(kakaclo_conn, sandbox):
    first_id, late_id = place(sandbox, 2)
    sandbox.kakaclo.advance_order(late_id, "fully_shipped")

    async def run():
        loop = asyncio.get_running_loop()
        waiting = asyncio.ensure_future(first_event(OrderStatusTrigger("kakaclo_default", first_id, "shipped", 1.0)))
        await cycles_done(_OrderWatch.get("kakaclo_default", 1.0), 1)  # the watch is running and has looked once
        joined = loop.time()
        event = await first_event(OrderStatusTrigger("kakaclo_default", late_id, "shipped", 1.0))
        waiting.cancel()
        return event, loop.time() - joined

    event, waited = asyncio.run(run())
    assert event["status"] == "success" and event["order"]["order_id"] == late_id
    assert waited >= 1.0  # not the watch's next cycle, half an interval after joining


def test_abnormal_order_keeps_the_trigger_waiting_until_it_recovers(kakaclo_conn, sandbox):
    """S3: by default an abnormal order is waited on (it may recover), not a failed event."""
    (order_id,) = place(sandbox)
    sandbox.kakaclo.advance_order(order_id, "abnormal")
    trigger = round_trip(OrderStatusTrigger("kakaclo_default", order_id, "shipped", poll_interval=0.05))

    def recover_and_ship():
        sandbox.kakaclo.advance_order(order_id, "recover")
        sandbox.kakaclo.advance_order(order_id, "fully_shipped")

    event = asyncio.run(first_event(trigger, recover_and_ship))
    assert event["status"] == "success" and event["order"]["status"] == "shipped"


def test_abnormal_order_with_on_abnormal_fail_ends_the_wait(kakaclo_conn, sandbox):
    (order_id,) = place(sandbox)
    sandbox.kakaclo.advance_order(order_id, "abnormal")
    trigger = round_trip(OrderStatusTrigger("kakaclo_default", order_id, "shipped", 0.05, on_abnormal="fail"))
    event = asyncio.run(first_event(trigger))
    assert event["status"] == "failed" and "abnormal" in event["message"]
