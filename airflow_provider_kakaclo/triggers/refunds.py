"""Deferrable waiting for a refund's outcome."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

log = logging.getLogger(__name__)


class RefundStatusTrigger(BaseTrigger):
    """Poll a refund until it succeeds or fails; yield one event ``{"status", "refund_id", ...}``.

    :param conn_id: the vendor connection.
    :param order_id: the refunded order.
    :param refund_id: the refund's id (KakaClo: the refund number).
    :param poll_interval: seconds between two look-ups.
    """

    def __init__(self, conn_id: str, order_id: str, refund_id: str, poll_interval: float = 60.0) -> None:
        super().__init__()
        self.conn_id = conn_id
        self.order_id = str(order_id)
        self.refund_id = str(refund_id)
        self.poll_interval = float(poll_interval)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {"conn_id": self.conn_id, "order_id": self.order_id, "refund_id": self.refund_id,
             "poll_interval": self.poll_interval},
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        from airflow_provider_kakaclo.capabilities import ahook_for
        from airflow_provider_kakaclo.triggers.failures import PollFailures

        base = {"order_id": self.order_id, "refund_id": self.refund_id}
        failures = PollFailures(self.conn_id)
        while True:
            # The operator saw "pending" just before deferring: look again one interval later (an
            # immediate event can race the scheduler's handling of the deferral: apache/airflow#66374).
            await asyncio.sleep(self.poll_interval)
            try:
                status = await (await ahook_for(self.conn_id)).aget_refund_status(self.order_id, self.refund_id)
            except Exception as err:  # never out of run(): the task hears why, or the next cycle retries
                error = failures.failed(err)
                if error.final:
                    yield TriggerEvent({**base, "status": "error", "message": error.message})
                    return
                log.warning("refund %s: look-up failed, trying again: %s", self.refund_id, error.message)
                continue
            failures.succeeded()
            if status is None:
                yield TriggerEvent({**base, "status": "error", "message": f"refund {self.refund_id} not found"})
                return
            if status != "pending":
                yield TriggerEvent({**base, "status": status})
                return
