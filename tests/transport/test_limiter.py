from __future__ import annotations

import pytest

from airflow_provider_kakaclo.transport.limiter import UNLIMITED, LeakyBucket, shared_bucket


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept += seconds
        self.now += seconds


def test_burst_is_free_then_paced_at_the_leak_rate():
    clock = FakeClock()
    bucket = LeakyBucket(120, 2, margin=0, clock=clock)
    waits = [bucket.acquire(sleep=clock.sleep) for _ in range(300)]
    assert waits[:120] == [0.0] * 120
    assert all(w == pytest.approx(0.5) for w in waits[120:])
    # 300 back-to-back calls take (300 - 120) / 2 seconds: the documented bound, not undershot.
    assert clock.slept == pytest.approx((300 - 120) / 2)


def test_margin_keeps_one_slot_free_below_the_vendor_bucket():
    clock = FakeClock()
    bucket = LeakyBucket(120, 2, clock=clock)
    for _ in range(300):
        bucket.acquire(sleep=clock.sleep)
    assert clock.slept == pytest.approx((300 - 119) / 2)


def test_bucket_drains_while_idle():
    clock = FakeClock()
    bucket = LeakyBucket(10, 2, margin=0, clock=clock)
    for _ in range(10):
        assert bucket.acquire(sleep=clock.sleep) == 0
    clock.now += 2.5  # five requests drained
    assert [bucket.acquire(sleep=clock.sleep) for _ in range(5)] == [0.0] * 5
    assert bucket.acquire(sleep=clock.sleep) == pytest.approx(0.5)


def test_a_429_saturates_the_bucket():
    clock = FakeClock()
    bucket = LeakyBucket(120, 2, margin=0, clock=clock)
    bucket.saturate()
    assert bucket.acquire(sleep=clock.sleep) == pytest.approx(0.5)


def test_concurrent_reservations_queue_in_order():
    clock = FakeClock()
    bucket = LeakyBucket(2, 1, margin=0, clock=clock)
    assert [bucket.reserve() for _ in range(5)] == [0.0, 0.0, 1.0, 2.0, 3.0]


def test_shared_bucket_per_account_and_off_when_zero():
    a = shared_bucket("kakaclo", "https://x/", "token-a", 120, 2)
    assert shared_bucket("kakaclo", "https://x", "token-a", 120, 2) is a
    assert shared_bucket("kakaclo", "https://x", "token-b", 120, 2) is not a
    assert shared_bucket("kakaclo", "https://x", "token-a", 0, 2) is UNLIMITED


def test_bad_bucket_rejected():
    with pytest.raises(ValueError):
        LeakyBucket(0, 2)



@pytest.mark.redis
def test_redis_bucket_is_one_limit_for_every_worker(redis_url):
    """Two workers (two bucket objects, as two processes would have) book from one Redis bucket."""
    import uuid

    from airflow_provider_kakaclo.transport.limiter import RedisLeakyBucket

    key = f"test:{uuid.uuid4()}"
    a = RedisLeakyBucket(redis_url, key, 5, 10, margin=0)
    b = RedisLeakyBucket(redis_url, key, 5, 10, margin=0)
    import time

    calls = []  # (when asked, when the slot is): the slot, not the wait, is what a slow machine keeps
    for _ in range(10):
        for bucket in (a, b):
            asked = time.monotonic()
            calls.append((asked, asked + bucket.reserve()))
    start = calls[0][0]
    slots = sorted(slot - start for _, slot in calls)
    asked = sorted(when - start for when, _ in calls)
    # one bucket for both: 5 free slots, then never faster than 10/s across the two workers...
    assert slots[:5] == pytest.approx([asked[i] for i in range(5)], abs=0.05)
    for i in range(5, 20):
        assert slots[i] >= (i - 4) / 10 - 0.05, (i, slots)
        # ...and no slower than the schedule (or than the moment the slot was asked for)
        assert slots[i] <= max((i - 4) / 10, asked[i]) + 0.05, (i, slots)
    b.saturate()
    assert a.reserve() >= 1.5


@pytest.mark.redis
def test_connection_extra_selects_the_redis_backend(redis_url, monkeypatch):
    from airflow_provider_kakaclo.hooks.kakaclo import KakaCloHook
    from airflow_provider_kakaclo.transport import limiter
    from tests.conftest import set_connection

    limiter._buckets.clear()
    set_connection(monkeypatch, "kakaclo_default", conn_type="kakaclo", host="https://k.test", password="t",
                   extra={"rate_limit_backend": redis_url})
    assert isinstance(KakaCloHook().transport.limiter, limiter.RedisLeakyBucket)
    set_connection(monkeypatch, "kakaclo_default", conn_type="kakaclo", host="https://k.test", password="t",
                   extra={"rate_limit_backend": "memcached://x"})
    with pytest.raises(ValueError, match="redis:// URL"):
        KakaCloHook().transport  # noqa: B018
