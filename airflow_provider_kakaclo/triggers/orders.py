"""Deferrable waiting for orders: one poll per connection and cycle for every waiting order.

All :class:`OrderStatusTrigger` instances of one connection inside a triggerer share an
:class:`_OrderWatch`, which polls every watched order id in calls of up to the vendor's maximum
(KakaClo: 250 ids) once per cycle. 500 waiting orders on one connection cost 2 requests a cycle.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_kakaclo.transport.errors import redact
from airflow_provider_kakaclo.triggers.failures import PollError, PollFailures

log = logging.getLogger(__name__)


class _OrderWatch:
    """Polls the status of every watched order of one connection, one batched look-up a cycle."""

    _watches: dict[tuple[int, str, float], _OrderWatch] = {}

    def __init__(self, conn_id: str, interval: float) -> None:
        self.conn_id = conn_id
        self.interval = interval
        self.queues: dict[str, set[asyncio.Queue]] = {}
        self.task: asyncio.Task | None = None
        self.calls = 0  # vendor look-ups made (for tests and benchmarks)
        self.cycles = 0  # poll cycles completed
        self.failures = PollFailures(conn_id)

    @classmethod
    def get(cls, conn_id: str, interval: float) -> _OrderWatch:
        loop = asyncio.get_running_loop()
        key = (id(loop), conn_id, interval)
        watch = cls._watches.get(key)
        if watch is None or (watch.task is not None and watch.task.get_loop() is not loop):  # a reused id
            watch = cls._watches[key] = cls(conn_id, interval)
        return watch

    async def updates(self, order_id: str) -> AsyncIterator[Any]:
        """Yield, once per cycle, the order's status (or the :class:`PollError` of a failed look-up).

        Nothing is yielded sooner than one interval after joining: the sensor looked just before
        deferring, and an event that reaches the scheduler before it has handled the deferral fails
        the task on Airflow 3.1 (apache/airflow#66374).
        """
        loop = asyncio.get_running_loop()
        not_before = loop.time() + self.interval
        queue: asyncio.Queue = asyncio.Queue()
        self.queues.setdefault(order_id, set()).add(queue)
        self._ensure_polling()
        try:
            while True:
                status = await queue.get()
                if loop.time() >= not_before:
                    yield status
        finally:
            self.queues.get(order_id, set()).discard(queue)
            if not self.queues.get(order_id):
                self.queues.pop(order_id, None)

    def _ensure_polling(self) -> None:
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._poll())
            self.task.add_done_callback(self._poll_ended)

    def _poll_ended(self, task: asyncio.Task) -> None:
        """A poll that died of an exception is started again: waiting orders are never left hanging."""
        if task.cancelled() or task.exception() is None or not self.queues:
            return
        log.warning("%s: the order poll stopped (%s); starting it again", self.conn_id,
                    redact(repr(task.exception())))
        if task is self.task and not task.get_loop().is_closed():
            self._ensure_polling()

    async def _poll(self) -> None:
        # The first look-up waits one interval (see updates()); it batches every trigger that
        # registers meanwhile.
        await asyncio.sleep(self.interval)
        while self.queues:
            ids = sorted(self.queues)
            results = await self._look_up(ids)
            for order_id in ids:
                for queue in self.queues.get(order_id, ()):
                    queue.put_nowait(results.get(order_id))
            self.cycles += 1
            await asyncio.sleep(self.interval)

    async def _look_up(self, ids: list[str]) -> dict[str, Any]:
        """One cycle's statuses by order id; any failure becomes the same :class:`PollError` for all."""
        from airflow_provider_kakaclo.capabilities import OrderTracker, ahook_for, capability

        try:
            tracker = capability(await ahook_for(self.conn_id), OrderTracker, "track orders")
            self.calls += -(-len(ids) // tracker.max_ids_per_status_call)
            results: dict[str, Any] = await tracker.aget_order_statuses(ids)
        except Exception as err:  # whatever it is, the waiting tasks hear of it (never a dead poll)
            error = self.failures.failed(err)
            if not error.final:
                log.warning("%s: order look-up failed, trying again next cycle: %s", self.conn_id, error.message)
            else:
                self.failures.succeeded()  # the waiting tasks end; whoever comes next starts afresh
            return {order_id: error for order_id in ids}
        self.failures.succeeded()
        return results


class OrderStatusTrigger(BaseTrigger):
    """Wait until an order reaches ``target_status`` (normalized lifecycle), without a worker slot.

    Yields exactly one small event: ``{"status": "success", "order": {...}}`` when the target is
    reached, ``{"status": "failed", "message", "order"}`` when it can no longer be, or
    ``{"status": "error", "message"}`` when the vendor cannot be asked (bad credentials, no such
    order, the connection deleted, an unexpected error repeated cycle after cycle: see
    :class:`~.failures.PollFailures`). Transient errors are logged and the next cycle tries again;
    the task's ``timeout`` bounds the wait.

    :param conn_id: the vendor connection.
    :param order_id: the vendor's order id.
    :param target_status: one of :data:`airflow_provider_kakaclo.lifecycle.TARGETS`.
    :param poll_interval: seconds between two look-ups.
    :param on_abnormal: ``wait`` (keep waiting while the order is abnormal, with a warning; it may
        recover) or ``fail`` (a ``failed`` event at once).
    :param on_attention_states: ``wait`` (keep waiting while the vendor holds the order for a person,
        e.g. BirdSystem ``WAITING_CLIENT_RESPOND``/``PROBLEM``, warning once) or ``fail`` (a ``failed``
        event at once).
    """

    def __init__(self, conn_id: str, order_id: str, target_status: str, poll_interval: float = 60.0,
                 on_abnormal: str = "wait", on_attention_states: str = "wait") -> None:
        super().__init__()
        self.conn_id = conn_id
        self.order_id = str(order_id)
        self.target_status = target_status
        self.poll_interval = float(poll_interval)
        self.on_abnormal = on_abnormal
        self.on_attention_states = on_attention_states

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "conn_id": self.conn_id,
                "order_id": self.order_id,
                "target_status": self.target_status,
                "poll_interval": self.poll_interval,
                "on_abnormal": self.on_abnormal,
                "on_attention_states": self.on_attention_states,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        from airflow_provider_kakaclo.lifecycle import ABNORMAL, reached, unreachable_reason

        warned = False
        watch = _OrderWatch.get(self.conn_id, self.poll_interval)
        async for status in watch.updates(self.order_id):
            if isinstance(status, PollError):
                if not status.final:
                    continue  # the watch logged it once for every waiting order
                yield TriggerEvent({"status": "error", "message": status.message})
                return
            if status is None:
                yield TriggerEvent({"status": "error", "message": f"order {self.order_id} was not found"})
                return
            if reached(status.status, self.target_status):
                yield TriggerEvent({"status": "success", "order": status.to_dict()})
                return
            if status.status == ABNORMAL and self.on_abnormal == "wait":
                if not warned:
                    log.warning("order %s is abnormal (%s); it may recover: waiting on", self.order_id,
                                status.vendor_status)
                warned = True
                continue
            warned = False
            if reason := unreachable_reason(status.status, self.target_status):
                yield TriggerEvent({"status": "failed", "message": reason, "order": status.to_dict()})
                return
            if status.vendor_status.get("needs_attention"):
                if self.on_attention_states == "fail":
                    message = (f"the vendor holds the order for a person to resolve ({status.vendor_status}) "
                               "and on_attention_states='fail'")
                    yield TriggerEvent({"status": "failed", "message": message, "order": status.to_dict()})
                    return
                if not warned:
                    log.warning("order %s needs a person to resolve it at the vendor (%s): waiting on",
                                self.order_id, status.vendor_status)
                warned = True
                continue
            log.debug("order %s is %s, waiting for %s", self.order_id, status.status, self.target_status)
