"""A task wired to a connection whose vendor cannot do the job fails with one complete, typed sentence."""

from __future__ import annotations

import pytest
import requests_mock

from airflow_provider_kakaclo.capabilities import (
    OrderPlacer,
    OrderRefunder,
    OrderTracker,
    SkuWriter,
    StockReader,
    UnsupportedCapability,
    capability,
    hook_for,
)
from tests.conftest import set_connection

CONNECTIONS = {
    "kakaclo_x": dict(conn_type="kakaclo", host="https://kakaclo.test", password="t0k3n-secret"),
    "qianyi_x": dict(conn_type="qianyi", host="https://qianyi.test", login="app", password="s3cret"),
    "birdsystem_x": dict(conn_type="birdsystem", host="https://bird.test", password="k3y",
                         extra={"company_id": 1}),
}
PROTOCOLS = [(OrderPlacer, "place orders"), (OrderTracker, "track orders"), (OrderRefunder, "refund orders"),
             (StockReader, "read stock"), (SkuWriter, "write SKUs")]


@pytest.fixture
def connections(monkeypatch):
    for conn_id, fields in CONNECTIONS.items():
        set_connection(monkeypatch, conn_id, **fields)


@pytest.mark.parametrize("conn_id", sorted(CONNECTIONS))
@pytest.mark.parametrize(("protocol", "what"), PROTOCOLS)
def test_each_pair_either_works_or_says_who_can(connections, conn_id, protocol, what):
    hook = hook_for(conn_id)
    with requests_mock.Mocker() as wire:
        if isinstance(hook, protocol):
            assert capability(hook, protocol, what) is hook
            return
        with pytest.raises(UnsupportedCapability) as caught:
            capability(hook, protocol, what)
    assert wire.call_count == 0
    error = caught.value
    assert isinstance(error, TypeError)
    message = str(error)
    assert f"connection {conn_id!r}" in message and hook.hook_name in message and what in message
    able = [c for c, f in sorted(CONNECTIONS.items()) if isinstance(hook_for(c), protocol)]
    for other in able:
        assert CONNECTIONS[other]["conn_type"] in message
    assert not message.rstrip().endswith(("to", "way to")), message  # a complete sentence
    for fields in CONNECTIONS.values():
        assert fields["password"] not in message


def test_placing_an_order_through_qianyi_fails_before_any_request(connections):
    from airflow_provider_kakaclo.operators.orders import PlaceOrderOperator

    operator = PlaceOrderOperator(task_id="place", conn_id="qianyi_x", order={"orderItemsList": []},
                                  merchant_order_id="REF-1")
    with requests_mock.Mocker() as wire, pytest.raises(UnsupportedCapability, match="qianyi_x"):
        operator.execute({})
    assert wire.call_count == 0


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([("20", "cancelled"), ("31", "paid")], "31"),
        ([("31", "paid"), ("20", "refunded"), ("40", "shipped")], "31"),
        ([("9", "paid"), ("10", "paid")], "9"),  # numeric order: 9 was created before 10
        ([("20", "cancelled"), ("19", "refunded")], "19"),  # none live: still one answer for every try
        ([("7", "pending")], "7"),
    ],
)
def test_representative_prefers_a_live_order_then_the_first_created(statuses, expected):
    from airflow_provider_kakaclo.batches import representative
    from airflow_provider_kakaclo.lifecycle import OrderStatus

    orders = [OrderStatus(order_id=i, status=s, vendor="kakaclo") for i, s in statuses]
    assert representative(orders).order_id == expected
    assert representative(list(reversed(orders))).order_id == expected
