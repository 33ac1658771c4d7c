"""The Redis-shared limiter on the async path goes through redis.asyncio: the triggerer's loop keeps
running while Redis is slow or unreachable."""

from __future__ import annotations

import asyncio
import socket
import uuid

import pytest

from airflow_provider_kakaclo.transport.limiter import RedisLeakyBucket

TICK = 0.01


@pytest.fixture
def silent_redis():
    """A port that accepts connections and never answers (a hung Redis, a black-holing firewall)."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    server.close()


@pytest.fixture
def closed_port():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"redis://127.0.0.1:{port}/0"


async def ticks_during(coro_factory) -> tuple[int, float, BaseException | None]:
    """Run ``coro_factory()`` while another coroutine ticks; return ticks, loop time elapsed, error."""
    loop = asyncio.get_running_loop()
    ticks = 0
    stop = asyncio.Event()

    async def ticker():
        nonlocal ticks
        while not stop.is_set():
            await asyncio.sleep(TICK)
            ticks += 1

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    started = loop.time()
    error = None
    try:
        await coro_factory()
    except Exception as exc:
        error = exc
    elapsed = loop.time() - started
    stop.set()
    await task
    return ticks, elapsed, error


@pytest.mark.parametrize("method", ["acquire_async", "saturate_async"])
def test_a_hung_redis_does_not_stop_the_loop(silent_redis, method):
    bucket = RedisLeakyBucket(silent_redis, f"test:{uuid.uuid4()}", 5, 10, socket_timeout=1.0)
    ticks, elapsed, error = asyncio.run(ticks_during(getattr(bucket, method)))
    assert error is not None, "a Redis that never answers cannot have booked a slot"
    # Blocking calls would leave the ticker at ~0 ticks for the whole wait; a free loop ticks about
    # elapsed/TICK times. Ask for a small fraction of that, so a loaded machine still passes.
    assert ticks >= max(3, elapsed / TICK / 10), (ticks, elapsed)


def test_an_unreachable_redis_fails_without_blocking(closed_port):
    bucket = RedisLeakyBucket(closed_port, f"test:{uuid.uuid4()}", 5, 10, socket_timeout=1.0)
    ticks, elapsed, error = asyncio.run(ticks_during(bucket.acquire_async))
    assert error is not None and "connect" in str(error).lower()
    assert ticks >= elapsed / TICK / 10, (ticks, elapsed)


@pytest.mark.redis
def test_async_and_sync_book_from_one_redis_bucket(redis_url):
    key = f"test:{uuid.uuid4()}"
    sync = RedisLeakyBucket(redis_url, key, 2, 10, margin=0)
    async_ = RedisLeakyBucket(redis_url, key, 2, 10, margin=0)
    assert [sync.reserve(), sync.reserve()] == [0.0, 0.0]
    # the third slot is one drip (0.1 s) away, whichever worker books it
    assert asyncio.run(async_.acquire_async()) == pytest.approx(0.1, abs=0.05)


@pytest.mark.redis
def test_a_429_seen_on_the_async_path_saturates_the_shared_bucket(redis_url):
    key = f"test:{uuid.uuid4()}"
    sync = RedisLeakyBucket(redis_url, key, 5, 10, margin=0)
    asyncio.run(RedisLeakyBucket(redis_url, key, 5, 10, margin=0).saturate_async())
    assert sync.reserve() == pytest.approx(0.1, abs=0.05)  # an empty bucket would say 0
