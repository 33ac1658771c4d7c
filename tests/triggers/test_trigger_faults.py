"""Triggers never hang and never raise: whatever a poll cycle throws, the waiting tasks either hear
why (an error event) or the next cycle tries again. No test here waits on wall time: each waits for
an event or a condition, with a generous hang guard."""

from __future__ import annotations

import asyncio
import logging

import pytest

from airflow_provider_kakaclo.hooks.kakaclo import KakaCloHook
from airflow_provider_kakaclo.transport import AuthenticationError, ServerError
from airflow_provider_kakaclo.triggers.failures import MAX_FAILED_CYCLES, PollFailures
from airflow_provider_kakaclo.triggers.orders import OrderStatusTrigger, _OrderWatch
from airflow_provider_kakaclo.triggers.refunds import RefundStatusTrigger
from tests.triggers.test_orders import place

HANG_GUARD = 30
INTERVAL = 0.02


async def events_of(triggers) -> list[dict]:
    async def first(trigger):
        agen = trigger.run()
        try:
            return (await agen.__anext__()).payload
        finally:
            await agen.aclose()

    return await asyncio.wait_for(asyncio.gather(*(first(t) for t in triggers)), HANG_GUARD)


async def until(condition) -> None:
    while not condition():
        await asyncio.sleep(0.005)


class Flaky:
    """A stand-in look-up (set on the class, so called unbound) that raises ``errors`` in turn, then
    answers with ``then(*args)``."""

    def __init__(self, errors, then=None) -> None:
        self.errors, self.then, self.calls = list(errors), then, 0

    async def __call__(self, *args):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        if self.then is None:
            raise AssertionError("the trigger asked again after it should have stopped")
        return self.then(*args)


def test_a_connection_deleted_mid_wait_ends_every_waiting_order(kakaclo_conn, sandbox, monkeypatch):
    ids = place(sandbox, 3)

    async def scenario():
        triggers = [OrderStatusTrigger("kakaclo_default", i, "shipped", INTERVAL) for i in ids]
        waiting = asyncio.ensure_future(events_of(triggers))
        await asyncio.wait_for(until(lambda: _OrderWatch.get("kakaclo_default", INTERVAL).cycles >= 1), HANG_GUARD)
        monkeypatch.delenv("AIRFLOW_CONN_KAKACLO_DEFAULT")
        return await waiting

    events = asyncio.run(scenario())
    assert [e["status"] for e in events] == ["error"] * 3
    assert all("kakaclo_default" in e["message"] and "deleted" in e["message"] for e in events)


@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyError("status"), OSError("disk"),
                                   ZeroDivisionError("odd reply")])
def test_an_unexpected_exception_every_cycle_ends_the_wait_with_why(kakaclo_conn, sandbox, monkeypatch, caplog,
                                                                    error):
    ids = place(sandbox, 2)
    flaky = Flaky([error] * MAX_FAILED_CYCLES)
    monkeypatch.setattr(KakaCloHook, "aget_order_statuses", flaky)
    caplog.set_level(logging.WARNING)
    events = asyncio.run(events_of([OrderStatusTrigger("kakaclo_default", i, "shipped", INTERVAL) for i in ids]))
    assert [e["status"] for e in events] == ["error", "error"]
    assert all(type(error).__name__ in e["message"] and f"{MAX_FAILED_CYCLES} cycles" in e["message"]
               for e in events)
    assert flaky.calls == MAX_FAILED_CYCLES  # one batched look-up a cycle, for both orders
    assert sum("trying again next cycle" in r.getMessage() for r in caplog.records) == MAX_FAILED_CYCLES - 1


def test_a_transient_exception_is_retried_and_the_wait_goes_on(kakaclo_conn, sandbox, monkeypatch, caplog):
    (order_id,) = place(sandbox)
    sandbox.kakaclo.advance_order(order_id, "fully_shipped")
    real = KakaCloHook.aget_order_statuses
    errors = [RuntimeError("blip")] * (MAX_FAILED_CYCLES - 1) + [ServerError("kakaclo", "x", "503")] * 5

    async def flaky(hook, ids):
        if errors:
            raise errors.pop(0)
        return await real(hook, ids)

    monkeypatch.setattr(KakaCloHook, "aget_order_statuses", flaky)
    caplog.set_level(logging.WARNING)
    (event,) = asyncio.run(events_of([OrderStatusTrigger("kakaclo_default", order_id, "shipped", INTERVAL)]))
    assert event["status"] == "success"
    assert not errors
    assert sum("blip" in r.getMessage() for r in caplog.records) == MAX_FAILED_CYCLES - 1


def test_a_dead_poll_task_is_replaced(kakaclo_conn, sandbox, monkeypatch):
    (order_id,) = place(sandbox)
    sandbox.kakaclo.advance_order(order_id, "fully_shipped")
    real = _OrderWatch._look_up
    broken = [True]

    async def look_up_once_broken(self, ids):
        if broken:
            broken.pop()
            raise RuntimeError("a bug in the poll loop itself")
        return await real(self, ids)

    monkeypatch.setattr(_OrderWatch, "_look_up", look_up_once_broken)
    (event,) = asyncio.run(events_of([OrderStatusTrigger("kakaclo_default", order_id, "shipped", INTERVAL)]))
    assert event["status"] == "success" and not broken


@pytest.mark.parametrize(
    ("errors", "expected"),
    [([RuntimeError("boom")] * MAX_FAILED_CYCLES, "boom"),
     ([AuthenticationError("kakaclo", "refunds", "the access token was refused")], "refused"),
     ([ValueError("no such refund kind")], "no such refund kind")],
)
def test_the_refund_trigger_ends_with_an_error_event_instead_of_raising(kakaclo_conn, errors, expected,
                                                                       monkeypatch):
    flaky = Flaky(errors)
    monkeypatch.setattr(KakaCloHook, "aget_refund_status", flaky)
    (event,) = asyncio.run(events_of([RefundStatusTrigger("kakaclo_default", "1", "R1", INTERVAL)]))
    assert event["status"] == "error" and expected in event["message"]
    assert event["refund_id"] == "R1" and flaky.calls == len(errors)


def test_the_refund_trigger_retries_transient_failures(kakaclo_conn, monkeypatch):
    flaky = Flaky([RuntimeError("blip")] * (MAX_FAILED_CYCLES - 1) + [ServerError("kakaclo", "x", "503")] * 4,
                  then=lambda *args: "succeeded")
    monkeypatch.setattr(KakaCloHook, "aget_refund_status", flaky)
    (event,) = asyncio.run(events_of([RefundStatusTrigger("kakaclo_default", "1", "R1", INTERVAL)]))
    assert event["status"] == "succeeded"


def test_the_refund_trigger_on_a_deleted_connection(kakaclo_conn, monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_KAKACLO_DEFAULT")
    (event,) = asyncio.run(events_of([RefundStatusTrigger("kakaclo_default", "1", "R1", INTERVAL)]))
    assert event["status"] == "error" and "deleted" in event["message"]


@pytest.mark.parametrize(
    ("error", "final"),
    [(ServerError("v", "e", "x"), False), (AuthenticationError("v", "e", "x"), True), (TypeError("x"), True),
     (ValueError("x"), True), (RuntimeError("x"), False), (ConnectionResetError("x"), False)],
)
def test_which_failures_end_the_wait_at_once(error, final):
    assert PollFailures("c").failed(error).final is final


def test_an_unexpected_failure_ends_the_wait_only_when_it_repeats():
    failures = PollFailures("c", limit=3)
    assert [failures.failed(RuntimeError("x")).final for _ in range(2)] == [False, False]
    failures.succeeded()  # a good cycle in between starts the count again
    assert [failures.failed(RuntimeError("x")).final for _ in range(3)] == [False, False, True]
