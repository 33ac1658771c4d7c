"""The per-reference lease: one holder at a time, expiry frees a dead holder, no backend means no lease."""

from __future__ import annotations

import time
import uuid
from types import SimpleNamespace

import pytest

from airflow_provider_kakaclo.locks import NO_LEASE, acquire, lease_key, reference_lease


def fake_hook(backend: str | None):
    return SimpleNamespace(extras={"rate_limit_backend": backend} if backend else {}, vendor="kakaclo",
                           base_url="https://k.test", connection=SimpleNamespace(password="secret-token"))


def test_without_a_backend_the_lease_holds_nothing():
    with reference_lease(fake_hook(None), "SHOP-1") as lease:
        assert lease is NO_LEASE and not lease.held and not lease.still_held() and lease.placed() is None
        lease.mark_placed("1")  # a no-op, not an error


def test_an_unreachable_backend_warns_and_steps_aside(caplog):
    with reference_lease(fake_hook("redis://127.0.0.1:1/0"), "SHOP-1", lease_seconds=1) as lease:
        assert lease is NO_LEASE
    assert "could not be reached" in caplog.text


@pytest.mark.parametrize("reference", ["SHOP-1", "a" * 40, "ünï/code?#"])
def test_the_key_carries_digests_only(reference):
    key = lease_key("kakaclo", "https://k.test/", "secret-token", reference)
    assert "secret-token" not in key and reference not in key
    assert key == lease_key("kakaclo", "https://k.test", "secret-token", reference)
    assert key != lease_key("kakaclo", "https://k.test", "other-token", reference)


@pytest.fixture
def redis_client():
    import os

    url = os.environ.get("KAKACLO_TEST_REDIS_URL")
    if not url:
        pytest.fail("KAKACLO_TEST_REDIS_URL is not set: run with `make test` (scripts/redis.sh) or -m 'not redis'")
    import redis

    return redis.Redis.from_url(url), url


@pytest.mark.redis
def test_one_holder_at_a_time_and_a_dead_holders_lease_expires(redis_client):
    client, _ = redis_client
    key = f"test:lease:{uuid.uuid4()}"
    first = acquire(client, key, lease_seconds=0.5, wait_seconds=0)
    assert first is not None and first.still_held()
    assert acquire(client, key, lease_seconds=0.5, wait_seconds=0) is None  # taken
    second = acquire(client, key, lease_seconds=5, wait_seconds=2)  # the first holder "died": its lease runs out
    assert second is not None and not first.still_held()
    first.release()  # a stale holder's release does not free the new holder's lease
    assert second.still_held()
    second.mark_placed("1000000000001")
    second.release()
    third = acquire(client, key, lease_seconds=1, wait_seconds=0)
    assert third is not None and third.placed() == "1000000000001"
    third.release()
    client.delete(key + ":placed")


@pytest.mark.redis
def test_reference_lease_serializes_two_holders(redis_client):
    import threading

    _, url = redis_client
    hook, reference, inside, overlaps = fake_hook(url), f"SHOP-{uuid.uuid4()}", [], []

    def hold():
        with reference_lease(hook, reference, lease_seconds=5) as lease:
            assert lease.held
            inside.append(1)
            overlaps.append(len(inside))
            time.sleep(0.2)
            inside.pop()

    threads = [threading.Thread(target=hold) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert overlaps == [1, 1, 1]
