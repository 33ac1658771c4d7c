"""The normalized lifecycle and KakaClo's mapping onto it: pure functions, tested directly."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from airflow_provider_kakaclo import lifecycle as lc
from airflow_provider_kakaclo.hooks.kakaclo import order_status
from airflow_provider_kakaclo.models.kakaclo import Order

SAMPLE = json.loads((Path(__file__).parent.parent / "fixtures/kakaclo/orders_waiting_to_ship.json").read_text(),
                    parse_float=Decimal)


def kakaclo_order(**fields):
    return Order.model_validate({**SAMPLE["data"]["list"][0], **fields})


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, lc.PAID),  # the documented "Waiting to ship" sample
        ({"status": "waiting_payment", "financialStatus": "waiting"}, lc.PENDING),
        ({"financialStatus": "NULL"}, lc.PENDING),
        ({"fulfillmentStatus": "partially_shipped"}, lc.PARTIALLY_SHIPPED),
        ({"fulfillmentStatus": "fully_shipped"}, lc.SHIPPED),
        ({"status": "completed", "fulfillmentStatus": "completed"}, lc.DELIVERED),
        ({"status": "cancel"}, lc.CANCELLED),
        ({"status": "cancel", "refundStatus": "refunded"}, lc.REFUNDED),
        ({"refundStatus": "refund"}, lc.REFUNDED),  # the status table's spelling
        ({"refundStatus": "partial_refund"}, lc.PAID),  # a partial refund does not end the order
        ({"refundStatus": "refunding"}, lc.PAID),
        ({"status": "abnormal_order"}, lc.ABNORMAL),
    ],
)
def test_kakaclo_status_mapping(fields, expected):
    assert order_status(kakaclo_order(**fields)).status == expected


def test_tracking_comes_from_packages():
    status = order_status(kakaclo_order(fulfillmentStatus="fully_shipped", fulfillments=[
        {"id": "KA1_1", "status": "shipped", "carrier": "Yanwen", "trackingCode": "WNBAA0202970436YQ",
         "logisticsSearchUrl": "https://t.17track.net/en?v=2#nums=WNBAA0202970436YQ"},
        {"id": "KA1_2", "status": "preparing", "carrier": None, "trackingCode": None},
    ]))
    assert status.tracking_codes == ["WNBAA0202970436YQ"]
    assert status.carriers == ["Yanwen"]
    assert status.tracking_urls == ["https://t.17track.net/en?v=2#nums=WNBAA0202970436YQ"]
    assert status.merchant_order_id == "1003"
    assert status.amounts == {"items": "13.1100", "freight": "9.1000", "total": "22.2100"}
    json.dumps(status.to_dict())  # small and JSON-safe: it goes to XCom and trigger events


@pytest.mark.parametrize(
    ("status", "target", "done"),
    [
        (lc.PAID, lc.PAID, True),
        (lc.SHIPPED, lc.PAID, True),
        (lc.PARTIALLY_SHIPPED, lc.SHIPPED, False),
        (lc.DELIVERED, lc.SHIPPED, True),
        (lc.REFUNDED, lc.REFUNDED, True),
        (lc.CANCELLED, lc.SHIPPED, False),
    ],
)
def test_reached(status, target, done):
    assert lc.reached(status, target) is done


@pytest.mark.parametrize(
    ("status", "target", "why"),
    [
        (lc.CANCELLED, lc.SHIPPED, "cancelled"),
        (lc.ABNORMAL, lc.DELIVERED, "abnormal"),
        (lc.REFUNDED, lc.SHIPPED, "refunded"),
        (lc.SHIPPED, lc.REFUNDED, "only possible before shipment"),
        (lc.PARTIALLY_SHIPPED, lc.CANCELLED, "no longer be cancelled"),
        (lc.PAID, lc.SHIPPED, None),
        (lc.PENDING, lc.REFUNDED, None),
        (lc.SHIPPED, lc.SHIPPED, None),
    ],
)
def test_unreachable_reason(status, target, why):
    reason = lc.unreachable_reason(status, target)
    assert (reason is None) if why is None else (why in reason)


def test_check_target():
    assert lc.check_target("shipped") == "shipped"
    with pytest.raises(ValueError, match="target_status must be one of"):
        lc.check_target("arrived")
