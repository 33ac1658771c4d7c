"""Pacing past the burst through the hooks, on one injected clock shared by the client's limiter and
the sandbox's bucket: no wall sleeping, and the sandbox's own counters say whether it ever throttled.

Without the limiter (sync or async path) the sandbox throttles call burst+1, the transport retries,
and the sandbox serves more requests than the hook made calls; the clock also never moves.
"""

from __future__ import annotations

import asyncio
import threading

import pytest

from airflow_provider_kakaclo.hooks.birdsystem import BirdSystemHook
from airflow_provider_kakaclo.hooks.kakaclo import KakaCloHook
from airflow_provider_kakaclo.hooks.qianyi import QianyiHook
from airflow_provider_kakaclo.transport import limiter
from tests.conftest import SANDBOX_TOKEN, set_connection

#: vendor -> (hook class, connection fields, sandbox switches, (burst, per second))
VENDORS = {
    "kakaclo": (KakaCloHook, {"conn_type": "kakaclo", "password": SANDBOX_TOKEN}, {}, (120, 2.0)),
    "birdsystem": (BirdSystemHook, {"conn_type": "birdsystem", "password": "sandbox-birdsystem-key",
                                    "extra": {"company_id": 1001}},
                   {"rate_limit_enabled": True, "rate_limit_capacity": 60, "rate_limit_leak_per_second": 1.0},
                   (60, 1.0)),
    "qianyi": (QianyiHook, {"conn_type": "qianyi", "login": "sandbox-qianyi-app",
                            "password": "sandbox-qianyi-secret"},
               {"rate_limit_enabled": True, "rate_limit_capacity": 20, "rate_limit_leak_per_second": 5.0},
               (20, 5.0)),
}
PAST_THE_BURST = 30  # calls beyond the burst


class SharedClock:
    """One monotonic clock for the client's limiter and the sandbox's buckets; sleeping moves it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


class ClockedBucket(limiter.LeakyBucket):
    """The provider's own bucket, waiting on the shared clock instead of the wall."""

    def __init__(self, capacity: float, rate: float, clock: SharedClock) -> None:
        super().__init__(capacity, rate, clock=clock)
        self.shared_clock = clock
        self.acquired = 0

    def acquire(self, sleep=None) -> float:
        self.acquired += 1
        return super().acquire(sleep=self.shared_clock.sleep)

    async def acquire_async(self) -> float:
        self.acquired += 1
        wait = self.reserve()
        if wait:
            await self.shared_clock.asleep(wait)
        return wait


@pytest.fixture(scope="module")
def clock():
    return SharedClock()


@pytest.fixture(scope="module")
def paced_sandbox(clock):
    """A sandbox of its own whose rate buckets drain on the shared clock."""
    from airflow_provider_kakaclo.sandbox import ThreadedSandbox

    with ThreadedSandbox(host="127.0.0.1", port=0, clock=clock, catalog_size=300) as server:
        yield server


@pytest.fixture
def paced_hook(paced_sandbox, clock, monkeypatch):
    """Make a hook of one vendor on the paced sandbox, its limiter the clocked bucket; returns
    (hook, bucket, burst, rate)."""
    hooks = []

    def make(vendor: str, burst: int | None = None):
        hook_class, fields, switches, (documented_burst, rate) = VENDORS[vendor]
        if burst is not None:  # a smaller bucket on both sides, for a shorter test
            switches = {**switches, "rate_limit_capacity": burst}
        burst = burst or documented_burst
        paced_sandbox.client.reset()
        if switches:
            paced_sandbox.client.patch_switches({vendor: switches})
        extra = {**fields.get("extra", {}), "rate_limit_burst": burst, "rate_limit_per_second": rate,
                 "backoff_initial": 0.05, "backoff_max": 0.5}
        set_connection(monkeypatch, f"{vendor}_default", **{**fields, "extra": extra},
                       host=paced_sandbox.vendor_url(vendor))
        bucket = ClockedBucket(burst, rate, clock)
        monkeypatch.setattr(limiter, "shared_bucket", lambda *args, **kwargs: bucket)
        hook = hook_class()
        hook.transport.sleep = clock.sleep  # a retry (there should be none) would not sleep on the wall either
        hooks.append(hook)
        return hook, bucket, burst, rate

    yield make
    for hook in hooks:
        hook.close()


@pytest.mark.parametrize("vendor", sorted(VENDORS))
def test_sync_calls_past_the_burst_are_paced_by_the_limiter_and_never_throttled(vendor, paced_hook, paced_sandbox,
                                                                               clock):
    hook, bucket, burst, rate = paced_hook(vendor)
    started, calls = clock(), burst + PAST_THE_BURST
    for _ in range(calls):
        hook._probe()  # each vendor's one-request read
    stats = paced_sandbox.client.stats(vendor)
    assert stats["requests"] == calls  # not one throttled answer retried
    assert stats["by_status"] == {"200": calls}
    assert bucket.acquired == calls  # the limiter was asked once per request
    # The client keeps one slot of margin: calls beyond (burst - 1) each waited one drip of the clock.
    assert clock() - started == pytest.approx((calls - (burst - 1)) / rate)


def test_async_calls_past_the_burst_are_paced_by_the_limiter_and_never_throttled(paced_hook, paced_sandbox, clock):
    """The triggers' path: KakaClo's batched order look-up (a bucket of 20 on both sides: every async
    call opens its own HTTP client, so 150 of them would make a slow test)."""
    vendor = "kakaclo"
    hook, bucket, burst, rate = paced_hook(vendor, burst=20)
    sku = paced_sandbox.client.kakaclo.skus(limit=1, status=1)[0]
    order_id = hook.create_order({"orderAddresses": {"country": "US", "phone": "+1 555 0100", "recipient": "A",
                                                     "province": "CA"},
                                  "orderItemsList": [{"sku": sku, "quantity": 1}]})
    paced_sandbox.client.reset_stats()
    started, calls = clock(), burst + PAST_THE_BURST

    async def look_up_many():
        for _ in range(calls):
            assert order_id in await hook.aget_order_statuses([order_id])

    asyncio.run(look_up_many())
    stats = paced_sandbox.client.stats(vendor)
    assert stats["requests"] == calls and stats["by_status"] == {"200": calls}
    assert bucket.acquired == calls + 1  # the order's creation, then every look-up
    assert clock() - started >= (calls - burst) / rate  # the async limiter waited, on the injected clock
