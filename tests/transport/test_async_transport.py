"""The async transport (the triggers' path) retries, honours ``Retry-After`` and asks the limiter,
like the sync one: through the hook and through OrderStatusTrigger, against the sandbox's faults.

Sleeps between attempts are recorded, not slept; the sandbox's counters say what went out.
"""

from __future__ import annotations

import asyncio

import pytest

from airflow_provider_kakaclo.hooks.base import VendorHook
from airflow_provider_kakaclo.hooks.kakaclo import KakaCloHook
from airflow_provider_kakaclo.transport import limiter
from airflow_provider_kakaclo.triggers.orders import OrderStatusTrigger, _OrderWatch
from tests.triggers.conftest import first_event

ORDERS = "/openapi/v2/order/orders"
ROUTE = f"GET {ORDERS}"
ADDRESS = {"country": "US", "phone": "+1 555 0100", "recipient": "Ada Lovelace", "province": "CA"}

#: Transient failures the async transport must retry: (fault action, its fields, the status counted)
TRANSIENT = {
    "503": ("status", {"status": 503}, "503"),
    "500": ("status", {"status": 500}, "500"),
    "429": ("status", {"status": 429}, "429"),
    "dropped": ("drop_before", {}, "dropped"),
}


class CountingBucket(limiter.LeakyBucket):
    """A real leaky bucket (large, so it never waits) that counts how often the transport asks it."""

    def __init__(self) -> None:
        super().__init__(10_000, 1_000)
        self.acquired = 0
        self.saturated = 0

    async def acquire_async(self) -> float:
        self.acquired += 1
        return await super().acquire_async()

    def saturate(self) -> None:
        self.saturated += 1
        super().saturate()


@pytest.fixture
def slept(monkeypatch) -> list[float]:
    """Every async transport records its retry waits here instead of sleeping them."""
    waits: list[float] = []
    original = VendorHook.async_transport

    async def record(seconds: float) -> None:
        waits.append(seconds)

    def recording_transport(self):
        transport = original(self)
        transport.sleep = record
        return transport

    monkeypatch.setattr(VendorHook, "async_transport", recording_transport)
    return waits


@pytest.fixture
def bucket(monkeypatch) -> CountingBucket:
    counting = CountingBucket()
    monkeypatch.setattr(limiter, "shared_bucket", lambda *args, **kwargs: counting)
    return counting


@pytest.fixture
def order_id(kakaclo_conn, sandbox) -> str:
    sku = sandbox.kakaclo.skus(limit=1, status=1)[0]
    placed = KakaCloHook().create_order({"orderAddresses": ADDRESS, "orderItemsList": [{"sku": sku, "quantity": 1}]})
    sandbox.kakaclo.advance_order(placed, "fully_shipped")
    sandbox.reset_stats()
    return placed


def inject(sandbox, kind: str, count: int) -> str:
    action, fields, counted = TRANSIENT[kind]
    sandbox.add_fault("kakaclo", "GET", ORDERS, action, count=count, **fields)
    return counted


@pytest.mark.parametrize("kind", sorted(TRANSIENT))
def test_async_look_up_retries_transient_failures(order_id, sandbox, slept, bucket, kind):
    counted = inject(sandbox, kind, count=2)
    statuses = asyncio.run(KakaCloHook().aget_order_statuses([order_id]))
    assert statuses[order_id].status == "shipped"
    assert sandbox.stats("kakaclo")["by_route_status"][ROUTE] == {counted: 2, "200": 1}
    assert len(slept) == 2  # two waits between three attempts, none slept on the wall
    assert bucket.acquired == 3  # the limiter was asked before every attempt, retries included


def test_async_retries_stop_after_max_attempts(order_id, sandbox, slept, bucket):
    from airflow_provider_kakaclo.transport import ServerError

    sandbox.add_fault("kakaclo", "GET", ORDERS, "status", count=None, status=503)
    with pytest.raises(ServerError):
        asyncio.run(KakaCloHook().aget_order_statuses([order_id]))
    attempts = KakaCloHook().transport.settings.max_attempts
    assert sandbox.stats("kakaclo")["by_route_status"][ROUTE] == {"503": attempts}
    assert len(slept) == attempts - 1 and bucket.acquired == attempts


@pytest.mark.parametrize("retry_after", [3, 45])
def test_async_retry_after_is_honoured_and_saturates_the_limiter(order_id, sandbox, slept, bucket, retry_after):
    sandbox.fail_next("kakaclo", "GET", ORDERS, status=429, retry_after=retry_after)
    statuses = asyncio.run(KakaCloHook().aget_order_statuses([order_id]))
    assert statuses[order_id].status == "shipped"
    assert len(slept) == 1 and slept[0] >= retry_after
    assert bucket.saturated == 1  # the vendor said 429: the client's bucket assumes the vendor's is full


def test_trigger_rides_out_transient_failures_inside_one_look_up(order_id, sandbox, slept, bucket):
    """The transport retries within the cycle: the trigger's watch makes one look-up, not three cycles."""
    inject(sandbox, "503", count=1)
    sandbox.fail_next("kakaclo", "GET", ORDERS, status=429, retry_after=5)

    async def wait():
        # A 1 s interval: a second cycle cannot slip in between the event and the count below.
        event = await first_event(OrderStatusTrigger("kakaclo_default", order_id, "shipped", poll_interval=1.0))
        return event, _OrderWatch.get("kakaclo_default", 1.0)

    event, watch = asyncio.run(wait())
    assert event["status"] == "success"
    assert watch.calls == 1 and watch.cycles == 1
    served = sandbox.stats("kakaclo")["by_route_status"][ROUTE]
    assert sum(served.values()) == 3 and served["200"] == 1
    assert max(slept) >= 5  # the 429's Retry-After, on the trigger path too
    assert bucket.acquired == 3
