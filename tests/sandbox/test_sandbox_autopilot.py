"""The autopilot plays the vendors' staff on a timer (issue #19): each step waits its own delay from the
moment it became possible, nothing moves while it is off, and a reset keeps the app's setting."""

from __future__ import annotations

import pytest

from airflow_provider_kakaclo.sandbox import create_app
from tests.sandbox.birdsystem.bs_helpers import new_consignment
from tests.sandbox.sandbox_helpers import api, data, on_sale_skus, order_body, set_stock

ORDERS = "/openapi/v2/order/orders"


@pytest.fixture
def autopilot_client(make_client):
    """A sandbox whose autopilot is driven by the test's ticks and fake clock, never by its thread."""

    def make(**settings):
        client = make_client(**settings)
        client.app.sandbox.autopilot.stop()
        return client

    return make


def order_state(client, order_id) -> tuple[str, str]:
    (order,) = data(api(client, "GET", ORDERS, params={"ids": str(order_id)}))["list"]
    return order["status"], order["fulfillmentStatus"]


def place(client, custom_order_id="AUTO-1") -> int:
    sku = on_sale_skus(client)[0]
    set_stock(client, sku, G007=10)
    return data(api(client, "POST", ORDERS, json=order_body(sku, 1, customOrderId=custom_order_id)))


def test_nothing_moves_while_off(autopilot_client, monotonic):
    client = autopilot_client()
    order_id = place(client)
    pilot = client.app.sandbox.autopilot
    for _ in range(3):
        monotonic.advance(3600)
        assert pilot.tick() == []
    assert order_state(client, order_id) == ("processing", "waiting_to_ship")


@pytest.mark.parametrize("seconds", [1, 15, 90])
def test_a_paid_order_ships_after_the_delay_not_before(autopilot_client, monotonic, seconds):
    client = autopilot_client(autopilot=seconds)
    order_id = place(client)
    pilot = client.app.sandbox.autopilot
    assert pilot.tick() == []  # first seen now
    monotonic.advance(seconds * 0.9)
    assert pilot.tick() == []
    assert order_state(client, order_id) == ("processing", "waiting_to_ship")
    monotonic.advance(seconds * 0.2)
    (move,) = pilot.tick()
    assert str(order_id) in move and "fully_shipped" in move
    assert order_state(client, order_id)[1] == "fully_shipped"
    monotonic.advance(seconds * 10)
    assert pilot.tick() == []  # shipped orders are left alone


def test_an_unpaid_order_is_paid_then_shipped_one_delay_each(autopilot_client, monotonic):
    client = autopilot_client(autopilot=10, kakaclo={"balance": 0},
                              switches={"kakaclo": {"insufficient_balance": "waiting_payment"}})
    order_id = place(client)
    pilot = client.app.sandbox.autopilot
    assert order_state(client, order_id)[0] == "waiting_payment"
    pilot.tick()
    monotonic.advance(11)
    assert pilot.tick() == []  # the balance cannot pay: refused, tried again later
    client.put("/_sandbox/kakaclo/balance", json={"balance": 10000})
    assert any("-> paid" in move for move in pilot.tick())
    assert order_state(client, order_id) == ("processing", "waiting_to_ship")
    assert pilot.tick() == []  # shipping is a step of its own, with its own delay
    monotonic.advance(11)
    assert any("fully_shipped" in move for move in pilot.tick())


def test_a_refund_under_review_is_approved_after_the_delay(autopilot_client, monotonic):
    client = autopilot_client(autopilot=5)
    order_id = place(client)
    (order,) = data(api(client, "GET", ORDERS, params={"ids": str(order_id)}))["list"]
    item = order["orderItems"][0]
    refund_no = data(api(client, "POST", f"{ORDERS}/{order_id}/refund", json={
        "remark": "autopilot", "refundReason": "Out Of Stock",
        "orderItems": [{"itemId": item["itemId"], "skuCode": item["skuCode"], "quantity": 1,
                        "countryCode": item["countryCode"]}]}))
    pilot = client.app.sandbox.autopilot
    pilot.tick()
    monotonic.advance(6)
    moves = pilot.tick()
    assert f"refund {refund_no} -> refund_successfully" in " ".join(moves)
    refunds = client.get("/_sandbox/kakaclo/refunds", params={"orderId": order_id}).json()
    rows = refunds.get("refunds", refunds) if isinstance(refunds, dict) else refunds
    assert [row["status"] for row in rows] == ["refund_successfully"]


def test_a_pending_consignment_is_finished_after_the_delay(autopilot_client, monotonic):
    client = autopilot_client(autopilot=4)
    consignment_id = new_consignment(client)
    pilot = client.app.sandbox.autopilot
    monotonic.advance(100)
    assert pilot.tick() == []  # still being prepared by the client: not the warehouse's move
    client.post(f"/_sandbox/birdsystem/consignments/{consignment_id}/advance", json={"to": "PENDING"})
    pilot.tick()
    monotonic.advance(5)
    assert pilot.tick() == [f"BirdSystem consignment {consignment_id} -> FINISHED"]
    assert client.get(f"/_sandbox/birdsystem/consignments/{consignment_id}").json()["status"] == "FINISHED"


def test_control_api_turns_it_on_and_off_and_refuses_nonsense(autopilot_client):
    client = autopilot_client()
    assert client.get("/_sandbox/autopilot").json() == {"seconds": None, "on": False}
    assert client.put("/_sandbox/autopilot", json={"seconds": 15}).json() == {"seconds": 15.0, "on": True}
    client.app.sandbox.autopilot.stop()
    for bad in (-1, "soon", True, [1]):
        assert client.put("/_sandbox/autopilot", json={"seconds": bad}).status_code == 400
    assert client.put("/_sandbox/autopilot", json={}).status_code == 400
    assert client.put("/_sandbox/autopilot", json={"seconds": 0}).json() == {"seconds": None, "on": False}


def test_reset_restores_the_app_setting(autopilot_client):
    client = autopilot_client(autopilot=7)
    client.put("/_sandbox/autopilot", json={"seconds": 30})
    client.post("/_sandbox/reset", json={})
    client.app.sandbox.autopilot.stop()
    assert client.get("/_sandbox/autopilot").json()["seconds"] == 7.0


def test_a_bad_setting_is_refused_at_start():
    with pytest.raises(ValueError, match="autopilot"):
        create_app({"autopilot": "fast"})


def test_the_server_thread_ships_on_its_own(sandbox):
    """Over real HTTP, with the background thread: an order placed through the API ships unattended."""
    import time

    import requests

    sandbox.autopilot(0.5)
    base = sandbox.vendor_url("kakaclo")
    headers = {"Authorization": "Bearer sandbox-kakaclo-token"}
    sku = sandbox.kakaclo.skus(limit=1, status=1)[0]
    sandbox.kakaclo.set_stock(sku, "G007", 5)
    reply = requests.post(f"{base}{ORDERS}", headers=headers, timeout=10,
                          json=order_body(sku, 1, customOrderId="AUTO-THREAD")).json()
    assert reply["code"] == 10000, reply
    deadline = time.monotonic() + 60  # a hang guard, not a speed goal: the move needs two ticks
    while time.monotonic() < deadline:
        (order,) = sandbox.kakaclo.orders(custom_order_id="AUTO-THREAD")
        if order.get("fulfillmentStatus") == "fully_shipped":
            break
        time.sleep(0.2)
    assert order.get("fulfillmentStatus") == "fully_shipped", order
