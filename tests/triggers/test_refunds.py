"""RefundStatusTrigger: one event with the refund's outcome, kwargs free of secrets."""

from __future__ import annotations

import asyncio
import json

from airflow_provider_kakaclo.hooks.kakaclo import KakaCloHook
from airflow_provider_kakaclo.triggers.refunds import RefundStatusTrigger
from tests.conftest import SANDBOX_TOKEN
from tests.triggers.conftest import first_event

ADDRESS = {"country": "US", "phone": "+1 555 0100", "recipient": "Ada Lovelace", "province": "CA"}


def test_refund_outcome_event(kakaclo_conn, sandbox):
    hook = KakaCloHook()
    sku = sandbox.kakaclo.skus(limit=1, status=1)[0]
    order_id = hook.create_order({"orderAddresses": ADDRESS, "orderItemsList": [{"sku": sku, "quantity": 1}]})
    refund_no = hook.refund_order(order_id, {})
    classpath, kwargs = RefundStatusTrigger("kakaclo_default", order_id, refund_no, 0.05).serialize()
    assert SANDBOX_TOKEN not in json.dumps(kwargs)
    trigger = RefundStatusTrigger(**kwargs)
    event = asyncio.run(first_event(trigger, lambda: sandbox.kakaclo.resolve_refund(refund_no, "refund_failed")))
    assert event == {"order_id": order_id, "refund_id": refund_no, "status": "failed"}
