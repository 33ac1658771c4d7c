"""C1-C5 custom product, $1 balance and the outdated V1 order endpoints."""

from __future__ import annotations

import pytest

from tests.sandbox.sandbox_helpers import api, data, on_sale_skus, order_body

CUSTOM = "/openapi/v1/product/custom"


@pytest.mark.parametrize(("switch", "answered"), [("GET", {"GET"}), ("POST", {"POST"}), ("both", {"GET", "POST"})])
def test_design_category_names_answer_the_methods_of_the_switch(client, switch, answered):
    client.patch("/_sandbox/switches", json={"kakaclo": {"custom_get_method": switch}})
    for method in ("GET", "POST"):
        reply = api(client, method, f"{CUSTOM}/modelCategoryName/search")
        if method in answered:
            names = data(reply)
            assert names[:3] == ["Fishing Clothes", "Hoodie", "Jacket"] and "T-shirt" in names
        else:
            assert (reply.status_code, reply.json()["code"]) == (405, 40500)


def test_design_models_search_paging_and_detail(client):
    client.patch("/_sandbox/switches", json={"kakaclo": {"custom_get_method": "both"}})
    first = data(api(client, "POST", f"{CUSTOM}/designModel/search", json={}))
    assert first["total"] == 48 and len(first["list"]) == 20
    tees = data(api(client, "POST", f"{CUSTOM}/designModel/search", json={"categoryNames": ["T-shirt"]}))
    assert tees["total"] >= 1 and {m["categoryName"] for m in tees["list"]} == {"T-shirt"}
    model = tees["list"][0]
    assert isinstance(model["createDate"], int) and model["createDate"] > 10**12  # epoch milliseconds
    for method in ("GET", "POST"):
        detail = data(api(client, method, f"{CUSTOM}/designModel/detail/{model['id']}"))
        assert detail["modelCode"] == model["modelCode"] and detail["variants"]
        assert isinstance(detail["enSizeContent"], str) and detail["status"] in (1, 4)
    assert api(client, "GET", f"{CUSTOM}/designModel/detail/1").json()["code"] == 40400
    big = api(client, "POST", f"{CUSTOM}/designModel/search", json={"pageSize": 500})
    assert len(data(big)["list"]) == 48  # clamped to 100
    assert api(client, "POST", f"{CUSTOM}/designModel/search", json={"pageSize": "x"}).json()["code"] == 40001
    assert api(client, "POST", f"{CUSTOM}/designModel/search", json={"modelCodes": "PODQRA020"}).json()[
        "code"] == 40001


def test_save_designed_product_then_list_it(client):
    model_id = data(api(client, "POST", f"{CUSTOM}/designModel/search", json={"pageSize": 1}))["list"][0]["id"]
    saved = api(client, "POST", f"{CUSTOM}/customDesigned/addProduct", json={
        "modelId": str(model_id), "enName": "Sunset tee", "imageUrl": "https://example.com/front.png",
        "materialImages": [{"imageName": "sun", "imageUrl": "https://example.com/sun.png"}], "colorValue": "#A72525"})
    assert saved.json() == {"code": 10000, "message": "Success!", "data": ""}
    listed = data(api(client, "POST", f"{CUSTOM}/customDesigned/search", json={"searchContent": "sunset"}))
    assert listed["total"] == 1 and listed["list"][0]["enName"] == "Sunset tee"
    spu = listed["list"][0]["spu"]
    assert data(api(client, "POST", f"{CUSTOM}/customDesigned/search", json={"spus": [spu]}))["total"] == 1
    assert api(client, "POST", f"{CUSTOM}/customDesigned/addProduct", json={"modelId": "1", "enName": "x",
                                                                           "imageUrl": "y"}).json()["code"] == 40400
    assert api(client, "POST", f"{CUSTOM}/customDesigned/addProduct", json={"enName": "x"}).json()["code"] == 40001


@pytest.mark.parametrize(("shape", "expected"), [
    ("object", {"balance": 10000.0, "currency": "USD"}), ("number", 10000.0),
    ("unknown_key", {"availableAmount": 10000.0, "currencyCode": "USD"}),
    ("per_currency", [{"currency": "USD", "amount": 10000.0}]), ("empty", None)])
def test_balance_shapes(client, shape, expected):
    client.patch("/_sandbox/switches", json={"kakaclo": {"balance_shape": shape}})
    assert data(api(client, "GET", "/openapi/v1/payment/balance")) == expected


def test_v1_orders_share_the_store_with_v1_names(client):
    sku = on_sale_skus(client)[0]
    body = order_body(sku, 2, customOrderId="v1-a")
    del body["channelType"]
    order_id = data(api(client, "POST", "/openapi/v1/order/orders", json=body))
    (v2,) = data(api(client, "GET", "/openapi/v2/order/orders", params={"ids": str(order_id)}))["list"]
    (v1,) = data(api(client, "GET", "/openapi/v1/order/orders", params={"ids": str(order_id)}))["list"]
    assert v1["status"] == "waiting_to_ship" and v1["payAt"] == v2["payDate"]
    assert v1["skusAmount"] == v2["subTotalAmount"] and v1["totalAmount"] == v2["finalAmount"]
    assert v1["orderItems"][0]["subtotal"] == v2["orderItems"][0]["total"]
    assert "financialStatus" not in v1
    assert data(api(client, "GET", "/openapi/v1/order/orders", params={"status": "shipped"}))["total"] == 0
    assert api(client, "POST", f"/openapi/v1/order/orders/{order_id}/refund", json={}).json()["code"] == 40001
    refund_no = data(api(client, "POST", f"/openapi/v1/order/orders/{order_id}/refund", json={"Remark": "bye"}))
    assert data(api(client, "GET", "/openapi/v1/order/orders", params={"status": "refunding"}))["total"] == 1
    (row,) = data(api(client, "GET", f"/openapi/v1/order/orders/refund/{refund_no}"))["list"]
    assert row["refundStatus"] == "pending_review" and row["id"] == str(order_id)
    client.post(f"/_sandbox/kakaclo/refunds/{refund_no}/resolve", json={"outcome": "refund_successfully"})
    (after,) = data(api(client, "GET", "/openapi/v1/order/orders", params={"ids": str(order_id)}))["list"]
    assert after["status"] == "refunded"
    channels = data(api(client, "POST", "/openapi/v1/order/orders/channel",
                        json={"products": [{"sku": sku, "quantity": 1}], "shipToCountry": "US",
                              "warehouseCode": "H008"}))
    assert channels[0]["channelCode"]
