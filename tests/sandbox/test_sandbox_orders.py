"""O2-1 channel, O2-2 automationSplit, O2-3 create order, O2-4 query orders (spec §7)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.sandbox.sandbox_helpers import ADDRESS, api, data, on_sale_skus, order_body, set_stock

ORDERS = "/openapi/v2/order/orders"


def balance(client) -> Decimal:
    return Decimal(str(client.get("/_sandbox/kakaclo/balance").json()["balance"]))


def stock(client, sku) -> dict:
    return client.get(f"/_sandbox/kakaclo/skus/{sku}").json()["warehouses"]


def test_channels_sorted_by_delivery_time_and_split_per_channel_type(client):
    sku = on_sale_skus(client)[0]
    request = {"products": [{"sku": sku, "quantity": 2}], "shipToCountry": "US"}
    channels = data(api(client, "POST", f"{ORDERS}/channel", json=request))
    assert [c["channelType"] for c in channels] == ["Expedited", "Express", "Standard"]
    assert all(c["estimatedFreightCurrency"] == "USD" and isinstance(c["estimatedFreight"], float) for c in channels)
    split = data(api(client, "POST", f"{ORDERS}/channel/automationSplit", json=request))
    assert {row["channelType"] for row in split} == {"Standard", "Express", "Expedited"}
    freight = {row["channelType"]: row["estimatedFreight"] for row in split}
    assert freight["Standard"] < freight["Express"] < freight["Expedited"]
    heavier = data(api(client, "POST", f"{ORDERS}/channel/automationSplit",
                       json={"products": [{"sku": sku, "quantity": 5}], "shipToCountry": "US"}))
    assert {r["channelType"]: r["estimatedFreight"] for r in heavier}["Standard"] > freight["Standard"]
    unknown = api(client, "POST", f"{ORDERS}/channel", json={"products": [{"sku": "NOPE", "quantity": 1}],
                                                             "shipToCountry": "US"})
    assert unknown.status_code == 200 and unknown.json()["code"] == 60001


def test_create_order_debits_items_plus_freight_and_decrements_stock(client):
    sku = on_sale_skus(client)[0]
    set_stock(client, sku, G007=10)
    before = balance(client)
    split = data(api(client, "POST", f"{ORDERS}/channel/automationSplit",
                     json={"products": [{"sku": sku, "quantity": 3}], "shipToCountry": "US"}))
    order_id = data(api(client, "POST", ORDERS, json=order_body(sku, 3, customOrderId="KA10001")))
    assert isinstance(order_id, int) and order_id >= 1_000_000_000_000
    (order,) = data(api(client, "GET", ORDERS, params={"ids": str(order_id)}))["list"]
    assert order["id"] == str(order_id) and order["customOrderId"] == "KA10001"
    assert (order["status"], order["financialStatus"], order["fulfillmentStatus"], order["refundStatus"]) == (
        "processing", "paid", "waiting_to_ship", "NULL")
    assert order["freightAmount"] == {r["channelType"]: r["estimatedFreight"] for r in split}["Standard"]
    final = Decimal(str(order["subTotalAmount"])) + Decimal(str(order["freightAmount"]))
    assert Decimal(str(order["finalAmount"])) == final
    assert balance(client) == before - final
    assert stock(client, sku)["G007"] == 7
    (item,) = order["orderItems"]
    assert (item["skuCode"], item["productNum"], item["countryCode"], item["refundStatus"]) == (sku, 3, "CN", "NULL")
    assert isinstance(item["id"], str) and isinstance(item["itemId"], str)
    assert order["fulfillments"] is None and order["shippingAddress"]["street2"] is None


def test_item_country_is_the_warehouse_holding_the_stock(client):
    sku = on_sale_skus(client)[1]
    set_stock(client, sku, G007=0, G006=0, H008=5)
    order_id = data(api(client, "POST", ORDERS, json=order_body(sku, 2)))
    raw = client.get(f"/_sandbox/kakaclo/orders/{order_id}").json()
    assert raw["orderItems"][0]["countryCode"] == "US" and raw["orderItems"][0]["warehouseCode"] == "H008"
    assert stock(client, sku)["H008"] == 3


def test_order_address_alias_is_accepted(client):
    sku = on_sale_skus(client)[0]
    body = order_body(sku)
    body["orderAddress"] = body.pop("orderAddresses")
    assert data(api(client, "POST", ORDERS, json=body)) >= 1_000_000_000_000


@pytest.mark.parametrize("change", [
    {"orderAddresses": {**ADDRESS, "phone": None}},
    {"orderAddresses": {**ADDRESS, "recipient": "x" * 33}},
    {"orderAddresses": {**ADDRESS, "street1": "x" * 65}},
    {"orderAddresses": {**ADDRESS, "province": "  "}},
    {"orderAddresses": None},
    {"orderItemsList": []},
    {"orderItemsList": [{"sku": "A", "quantity": 0}]},
    {"orderItemsList": [{"sku": "A", "quantity": 1.5}]},
    {"orderItemsList": [{"sku": "A", "quantity": "1"}]},
    {"orderItemsList": [{"quantity": 1}]},
    {"channelType": "Overnight"},
    {"customOrderId": 12},
])
def test_create_order_validation_errors_change_nothing(client, change):
    sku = on_sale_skus(client)[0]
    before = balance(client)
    response = api(client, "POST", ORDERS, json={**order_body(sku), **change})
    assert response.status_code == 200
    assert response.json()["code"] == 40001 and response.json()["message"]
    assert balance(client) == before
    assert client.get("/_sandbox/kakaclo/orders").json()["count"] == 0


def test_malformed_bodies_and_the_400_switch(make_client):
    client = make_client()
    assert api(client, "POST", ORDERS, content=b"{not json").json() == {"code": 40000,
                                                                       "message": "request body is not valid JSON"}
    assert api(client, "POST", ORDERS, json=[1, 2]).json()["code"] == 40000
    strict = make_client(switches={"kakaclo": {"malformed_request_style": "empty_400"}})
    response = api(strict, "POST", ORDERS, content=b"{not json")
    assert (response.status_code, response.content) == (400, b"")


def test_business_errors_http_status_switch(make_client):
    client = make_client(switches={"kakaclo": {"business_error_http_status": 422}})
    response = api(client, "POST", ORDERS, json=order_body("AMN99999_B_S"))
    assert response.status_code == 422 and response.json()["code"] == 60001


def test_channel_type_defaults_to_standard_unless_required(make_client):
    client = make_client()
    sku = on_sale_skus(client)[0]
    body = order_body(sku)
    del body["channelType"]
    order_id = data(api(client, "POST", ORDERS, json=body))
    assert client.get(f"/_sandbox/kakaclo/orders/{order_id}").json()["channelType"] == "Standard"
    strict = make_client(switches={"kakaclo": {"channel_type_required": True}})
    assert api(strict, "POST", ORDERS, json=body).json()["code"] == 40001


def test_unavailable_and_out_of_stock_skus(make_client):
    client = make_client()
    off_shelf = client.get("/_sandbox/kakaclo/skus", params={"status": 0, "limit": 1}).json()["skus"][0]
    assert api(client, "POST", ORDERS, json=order_body(off_shelf)).json()["code"] == 60002
    sku = on_sale_skus(client)[0]
    set_stock(client, sku, G007=1, G006=1, H008=1)
    assert api(client, "POST", ORDERS, json=order_body(sku, 2)).json()["code"] == 60003
    client.patch("/_sandbox/switches", json={"kakaclo": {"insufficient_stock": "backorder",
                                                          "unavailable_sku": "allow"}})
    order_id = data(api(client, "POST", ORDERS, json=order_body(sku, 2)))
    (order,) = data(api(client, "GET", ORDERS, params={"ids": str(order_id)}))["list"]
    assert order["orderItems"][0]["stockStatus"] == "sold_out"
    assert data(api(client, "POST", ORDERS, json=order_body(off_shelf)))


def test_two_lines_of_one_sku_share_the_stock(client):
    sku = on_sale_skus(client)[0]
    set_stock(client, sku, G007=3, G006=0, H008=0)
    body = order_body(sku, 2)
    body["orderItemsList"].append({"sku": sku, "quantity": 2})
    assert api(client, "POST", ORDERS, json=body).json()["code"] == 60003


def test_insufficient_balance_reject_or_waiting_payment(client):
    sku = on_sale_skus(client)[0]
    client.put("/_sandbox/kakaclo/balance", json={"balance": 1})
    response = api(client, "POST", ORDERS, json=order_body(sku))
    assert response.json()["code"] == 60004
    client.patch("/_sandbox/switches", json={"kakaclo": {"insufficient_balance": "waiting_payment"}})
    order_id = data(api(client, "POST", ORDERS, json=order_body(sku)))
    (order,) = data(api(client, "GET", ORDERS, params={"ids": str(order_id)}))["list"]
    assert (order["status"], order["financialStatus"], order["payDate"]) == ("waiting_payment", "waiting", None)
    assert balance(client) == 1
    assert client.post(f"/_sandbox/kakaclo/orders/{order_id}/advance", json={"to": "paid"}).status_code == 409
    client.put("/_sandbox/kakaclo/balance", json={"balance": 500})
    paid = client.post(f"/_sandbox/kakaclo/orders/{order_id}/advance", json={"to": "paid"}).json()
    assert (paid["status"], paid["financialStatus"], paid["fulfillmentStatus"]) == ("processing", "paid",
                                                                                   "waiting_to_ship")
    assert balance(client) == Decimal("500") - Decimal(str(paid["finalAmount"]))


def test_duplicate_custom_order_id_allowed_by_default_rejected_by_switch(client):
    sku = on_sale_skus(client)[0]
    data(api(client, "POST", ORDERS, json=order_body(sku, customOrderId="dup")))
    data(api(client, "POST", ORDERS, json=order_body(sku, customOrderId="dup")))
    assert client.get("/_sandbox/kakaclo/orders", params={"customOrderId": "dup"}).json()["count"] == 2
    client.patch("/_sandbox/switches", json={"kakaclo": {"duplicate_custom_order_id": "reject"}})
    assert api(client, "POST", ORDERS, json=order_body(sku, customOrderId="dup")).json()["code"] == 60006
    assert data(api(client, "POST", ORDERS, json=order_body(sku, customOrderId="other")))


def test_query_orders_envelope_paging_and_windows(client, wall):
    sku = on_sale_skus(client)[0]
    ids = []
    for n in range(12):
        ids.append(data(api(client, "POST", ORDERS, json=order_body(sku, customOrderId=f"c{n}"))))
        wall.advance(minutes=1)
    first = data(api(client, "GET", ORDERS))
    assert (first["vo"], first["totalPageNumber"], first["modifyDate"], first["nextId"]) == (None,) * 4
    assert (first["total"], first["pageNumber"], first["pageSize"], len(first["list"])) == (12, 1, 10, 10)
    assert [o["id"] for o in first["list"]] == [str(i) for i in reversed(ids)][:10]
    second = data(api(client, "GET", ORDERS, params={"pageNumber": 2}))
    assert len(second["list"]) == 2
    window = data(api(client, "GET", ORDERS, params={"createStartTime": "2024-06-10T12:03:00Z",
                                                   "createEndTime": "2024-06-10T12:05:00Z"}))
    assert [o["customOrderId"] for o in window["list"]] == ["c5", "c4", "c3"]
    assert data(api(client, "GET", ORDERS, params={"updateStartTime": "2024-06-10T12:11:00Z"}))["total"] == 1
    picked = data(api(client, "GET", ORDERS, params={"ids": f"{ids[0]},{ids[5]},999"}))
    assert {o["id"] for o in picked["list"]} == {str(ids[0]), str(ids[5])}
    assert api(client, "GET", ORDERS, params={"ids": "abc"}).json()["code"] == 40001
    assert api(client, "GET", ORDERS, params={"pageNumber": 0}).json()["code"] == 40001


def test_page_size_max_250_clamped_or_refused(client):
    assert data(api(client, "GET", ORDERS, params={"pageSize": 1000}))["pageSize"] == 250
    client.patch("/_sandbox/switches", json={"kakaclo": {"page_size_over_max": "error"}})
    assert api(client, "GET", ORDERS, params={"pageSize": 251}).json()["code"] == 40001
    assert data(api(client, "GET", ORDERS, params={"pageSize": 250}))["pageSize"] == 250
