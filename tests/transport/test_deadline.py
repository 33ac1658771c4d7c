"""A reply that trickles ends at the call's total deadline, sync (requests) and async (httpx)."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from airflow_provider_kakaclo.transport import AmbiguousWriteError, DeadlineExceededError
from airflow_provider_kakaclo.transport.core import AsyncTransport, Call, Transport, TransportSettings
from tests.transport.trickle import MODES, TrickleServer

DEADLINE = 1.0
#: A hang guard, not a performance assertion: a per-read time-out alone would run for a minute.
HANG_GUARD = DEADLINE + 5


class JsonWire:
    vendor = "test"

    def authorize(self, call):
        return call

    def decode(self, call, response):
        return json.loads(response.content)


def settings(url: str, attempts: int = 1) -> TransportSettings:
    # Every byte arrives well within the read time-out: only a total deadline can end the call.
    return TransportSettings(base_url=url, connect_timeout=2.0, read_timeout=30.0, total_timeout=DEADLINE,
                             max_attempts=attempts, backoff_initial=0.0, backoff_max=0.0)


def call_sync(url: str, call: Call, attempts: int = 1):
    transport = Transport(settings(url, attempts), JsonWire(), sleep=lambda seconds: None)
    try:
        return transport.request(call)
    finally:
        transport.close()


def call_async(url: str, call: Call, attempts: int = 1):
    async def run():
        transport = AsyncTransport(settings(url, attempts), JsonWire(), sleep=_no_sleep)
        try:
            return await transport.request(call)
        finally:
            await transport.aclose()

    return asyncio.run(run())


async def _no_sleep(seconds: float) -> None:
    return None


CALLERS = {"requests": call_sync, "httpx": call_async}


@pytest.mark.parametrize("client", CALLERS)
@pytest.mark.parametrize("mode", MODES)
def test_a_trickling_read_ends_in_a_retryable_timeout(client, mode):
    with TrickleServer(mode) as server:
        started = time.monotonic()
        with pytest.raises(DeadlineExceededError) as caught:
            CALLERS[client](server.url, Call("GET", "/slow"))
        assert time.monotonic() - started < HANG_GUARD
        assert caught.value.retryable and not caught.value.not_processed
        assert "total deadline" in str(caught.value)
        assert server.closed.wait(HANG_GUARD), "the client never hung up on the dripping reply"


@pytest.mark.parametrize("client", CALLERS)
@pytest.mark.parametrize("mode", MODES)
def test_a_trickling_write_is_ambiguous_and_not_repeated(client, mode):
    with TrickleServer(mode) as server:
        with pytest.raises(AmbiguousWriteError) as caught:
            CALLERS[client](server.url, Call("POST", "/orders", json={"a": 1}, retry_safe=False), attempts=3)
        assert isinstance(caught.value.cause, DeadlineExceededError)
        assert server.connections == 1
        assert server.closed.wait(HANG_GUARD)


@pytest.mark.parametrize("client", CALLERS)
def test_a_trickling_read_is_tried_again(client):
    with TrickleServer("length") as server:
        with pytest.raises(DeadlineExceededError):
            CALLERS[client](server.url, Call("GET", "/slow"), attempts=2)
        assert server.connections == 2


@pytest.mark.parametrize("client", CALLERS)
def test_a_reply_within_the_deadline_is_read_whole(client):
    # The same server with a short body: every byte arrives, so the deadline must not cut anything.
    with TrickleServer("length", interval=0.001, body=b'{"ok": true}', complete=True) as server:
        assert CALLERS[client](server.url, Call("GET", "/fast")) == {"ok": True}


@pytest.mark.parametrize(
    ("extras", "expected"),
    [({}, 70.0), ({"read_timeout": 5}, 15.0), ({"connect_timeout": 1, "read_timeout": 2}, 3.0),
     ({"total_timeout": 7.5}, 7.5), ({"total_timeout": "12"}, 12.0), ({"total_timeout": ""}, 70.0)],
)
def test_the_deadline_comes_from_the_connection_extras(extras, expected):
    assert TransportSettings.from_extras("https://x.test", extras).deadline == expected
