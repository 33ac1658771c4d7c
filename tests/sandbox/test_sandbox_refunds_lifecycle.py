"""O2-5 refund, O2-6 query refund and the control-driven lifecycle of spec §8.8."""

from __future__ import annotations

from decimal import Decimal

from tests.sandbox.sandbox_helpers import api, data, on_sale_skus, order_body, set_stock

ORDERS = "/openapi/v2/order/orders"


def balance(client) -> Decimal:
    return Decimal(str(client.get("/_sandbox/kakaclo/balance").json()["balance"]))


def two_line_order(client, qty=(1, 2)) -> dict:
    first, second = on_sale_skus(client)[:2]
    set_stock(client, first, G007=50)
    set_stock(client, second, G007=50)
    body = order_body(first, qty[0])
    body["orderItemsList"].append({"sku": second, "quantity": qty[1]})
    order_id = data(api(client, "POST", ORDERS, json=body))
    return data(api(client, "GET", ORDERS, params={"ids": str(order_id)}))["list"][0]


def advance(client, order_id, to, **extra):
    return client.post(f"/_sandbox/kakaclo/orders/{order_id}/advance", json={"to": to, **extra})


def resolve(client, refund_no, outcome="refund_successfully"):
    return client.post(f"/_sandbox/kakaclo/refunds/{refund_no}/resolve", json={"outcome": outcome})


def test_partial_refund_waits_for_review_then_credits_the_items(client):
    order = two_line_order(client)
    item = order["orderItems"][1]
    before = balance(client)
    refund_no = data(api(client, "POST", f"{ORDERS}/{order['id']}/refund", json={
        "remark": "test", "refundReason": "Out Of Stock",
        "orderItems": [{"itemId": item["itemId"], "skuCode": item["skuCode"], "quantity": 1,
                        "countryCode": item["countryCode"]}]}))
    assert isinstance(refund_no, int)
    (pending,) = data(api(client, "GET", f"{ORDERS}/refund/{order['id']}"))["list"]
    assert pending == {"refundNo": str(refund_no), "refundStatus": "pending_review", "id": order["id"],
                       "remark": "test"}
    (now,) = data(api(client, "GET", ORDERS, params={"ids": order["id"]}))["list"]
    assert now["refundStatus"] == "refunding" and now["orderItems"][1]["refundStatus"] == "refunding"
    assert balance(client) == before
    assert resolve(client, refund_no).status_code == 200
    (done,) = data(api(client, "GET", f"{ORDERS}/refund/{refund_no}"))["list"]
    assert done["refundStatus"] == "refund_successfully"
    (after,) = data(api(client, "GET", ORDERS, params={"ids": order["id"]}))["list"]
    assert after["refundStatus"] == "partial_refund" and after["status"] == "processing"
    assert after["orderItems"][1]["refundStatus"] == "refunded" and after["refundDate"]
    assert balance(client) == before + Decimal(str(item["amount"]))
    assert Decimal(str(after["refundableAmount"])) == Decimal(str(after["finalAmount"])) - Decimal(
        str(item["amount"]))


def test_full_refund_cancels_and_credits_everything(client):
    order = two_line_order(client)
    before = balance(client)
    refund_no = data(api(client, "POST", f"{ORDERS}/{order['id']}/refund", json={"remark": "other reason"}))
    resolve(client, refund_no)
    (after,) = data(api(client, "GET", ORDERS, params={"ids": order["id"]}))["list"]
    assert (after["status"], after["refundStatus"]) == ("cancel", "refunded") and after["cancelDate"]
    assert balance(client) == before + Decimal(str(order["finalAmount"]))
    assert api(client, "POST", f"{ORDERS}/{order['id']}/refund", json={}).json()["code"] == 60005


def test_failed_refund_releases_the_items(client):
    order = two_line_order(client)
    refund_no = data(api(client, "POST", f"{ORDERS}/{order['id']}/refund", json={}))
    assert resolve(client, refund_no, "refund_failed").status_code == 200
    (after,) = data(api(client, "GET", ORDERS, params={"ids": order["id"]}))["list"]
    assert after["refundStatus"] == "NULL" and after["status"] == "processing"
    assert resolve(client, refund_no).status_code == 409  # already resolved


def test_refund_number_type_switch(client):
    order = two_line_order(client)
    client.patch("/_sandbox/switches", json={"kakaclo": {"refund_number_type": "string"}})
    assert isinstance(data(api(client, "POST", f"{ORDERS}/{order['id']}/refund", json={})), str)


def test_refund_validation(client):
    order = two_line_order(client)
    item = order["orderItems"][0]
    url = f"{ORDERS}/{order['id']}/refund"
    assert api(client, "POST", url, json={"refundReason": "Changed my mind"}).json()["code"] == 40001
    assert api(client, "POST", url, json={"orderItems": [{"itemId": "nope", "quantity": 1}]}).json()["code"] == 40001
    assert api(client, "POST", url, json={"orderItems": [{"itemId": item["itemId"], "quantity": 0}]}).json()[
        "code"] == 40001
    wrong_country = {"itemId": item["itemId"], "quantity": 1, "countryCode": "US"}
    assert api(client, "POST", url, json={"orderItems": [wrong_country]}).json()["code"] == 40001
    too_many = {"itemId": item["itemId"], "quantity": item["productNum"] + 1}
    assert api(client, "POST", url, json={"orderItems": [too_many]}).json()["code"] == 60005
    assert api(client, "POST", f"{ORDERS}/1234/refund", json={}).json()["code"] == 40400
    assert api(client, "POST", f"{ORDERS}/abc/refund", json={}).json()["code"] == 40001


def test_unknown_refund_query_empty_or_not_found(client):
    assert data(api(client, "GET", f"{ORDERS}/refund/42"))["list"] == []
    client.patch("/_sandbox/switches", json={"kakaclo": {"unknown_refund_query": "not_found"}})
    assert api(client, "GET", f"{ORDERS}/refund/42").json()["code"] == 40400


def test_shipping_lifecycle_and_refund_refused_after_shipment(client):
    order = two_line_order(client)
    first_item = order["orderItems"][0]
    shipped = advance(client, order["id"], "partially_shipped", items=[first_item["id"]]).json()
    assert (shipped["status"], shipped["fulfillmentStatus"]) == ("processing", "partially_shipped")
    (package,) = shipped["fulfillments"]
    assert package["status"] == "shipped" and package["trackingCode"] and package["carrier"]
    assert package["logisticsSearchUrl"].endswith(package["trackingCode"])
    assert [i["id"] for i in package["items"]] == [first_item["id"]]
    refused = api(client, "POST", f"{ORDERS}/{order['id']}/refund", json={})
    assert refused.status_code == 200 and refused.json()["code"] == 60005
    full = advance(client, order["id"], "fully_shipped", carrier="wandexpress", trackingCode="WNB1").json()
    assert full["fulfillmentStatus"] == "fully_shipped" and full["status"] == "processing"
    assert full["fulfillments"][1]["trackingCode"] == "WNB1"
    done = advance(client, order["id"], "delivered").json()
    assert (done["status"], done["fulfillmentStatus"]) == ("completed", "completed")
    assert {p["status"] for p in done["fulfillments"]} == {"completed"}
    assert advance(client, order["id"], "cancelled").status_code == 409


def test_invalid_moves_are_refused(client):
    order = two_line_order(client)
    assert advance(client, order["id"], "delivered").status_code == 409
    assert advance(client, order["id"], "teleported").status_code == 400
    assert advance(client, "1", "paid").status_code == 404
    single = data(api(client, "POST", ORDERS, json=order_body(on_sale_skus(client)[0])))
    assert advance(client, single, "partially_shipped").status_code == 409  # would ship everything


def test_cancel_and_abnormal(client):
    order = two_line_order(client)
    before = balance(client)
    cancelled = advance(client, order["id"], "cancelled").json()
    assert cancelled["status"] == "cancel" and cancelled["cancelDate"]
    assert balance(client) == before + Decimal(str(order["finalAmount"]))
    other = two_line_order(client)
    assert advance(client, other["id"], "abnormal").json()["status"] == "abnormal_order"
    assert advance(client, other["id"], "paid").json()["status"] == "processing"


def test_stock_returns_on_successful_refund(client):
    sku = on_sale_skus(client)[0]
    set_stock(client, sku, G007=5)
    order_id = data(api(client, "POST", ORDERS, json=order_body(sku, 2)))
    assert client.get(f"/_sandbox/kakaclo/skus/{sku}").json()["warehouses"]["G007"] == 3
    refund_no = data(api(client, "POST", f"{ORDERS}/{order_id}/refund", json={}))
    resolve(client, refund_no)
    assert client.get(f"/_sandbox/kakaclo/skus/{sku}").json()["warehouses"]["G007"] == 5
    refunds = client.get("/_sandbox/kakaclo/refunds", params={"orderId": order_id}).json()["refunds"]
    assert [(r["refundNo"], r["status"], r["full"]) for r in refunds] == [(str(refund_no), "refund_successfully",
                                                                          True)]
