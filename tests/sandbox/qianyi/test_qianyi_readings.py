"""The sandbox side of spec 11b Q1-Q6: each switch value serves its reading, on the wire, exactly."""

from __future__ import annotations

import json

import pytest

from tests.sandbox.qianyi.qianyi_helpers import biz_error, new_sku, ok, order, outer_error, post


def switch(client, **values) -> None:
    assert client.patch("/_sandbox/switches", json={"qianyi": values}).status_code == 200


STATUS_ONLY = {"errorCode": "", "errorMsg": "", "notSuccess": False, "state": "success"}


@pytest.mark.parametrize(("reading", "expected"), [
    ("status", json.dumps(STATUS_ONLY, separators=(",", ":"))),
    ("result", None),
    ("null", None),
    ("empty", ""),
    ("absent", "-"),
])
@pytest.mark.parametrize(("service_type", "body"), [
    ("INSERT_SKU_INFO", new_sku("R-9")),
    ("UPDATE_SKU_INFO", new_sku("QY-000001")),
    ("UPDATE_SKU_STATUS", {"sku": "QY-000001", "enable": 0}),
])
def test_q1_write_reply_shapes(client, reading, expected, service_type, body):
    switch(client, write_reply=reading)
    response = post(client, "sku", service_type, body)
    assert response.status_code == 200
    outer = response.json()
    assert outer["state"] == "success" and outer["errorCode"] == ""
    if reading == "result":
        assert json.loads(outer["bizContent"]) == {**STATUS_ONLY, "result": body["sku"]}
    elif reading == "absent":
        assert "bizContent" not in outer
    else:
        assert outer["bizContent"] == expected
    state = client.get(f"/_sandbox/qianyi/skus/{body['sku']}").json()
    assert state["sku"] == body["sku"]  # whatever the reply says, the write happened
    assert ok(post(client, "warehouse", "QUERY_WAREHOUSE_LIST", {}))["total"] == 5  # reads keep their content


@pytest.mark.parametrize("reading", ["ignore", "reject"])
def test_q2_fields_a_production_client_sends_are_known_and_others_follow_the_switch(client, reading):
    switch(client, unknown_biz_keys=reading)
    body = order("Q2-1", "QY-000001", buyerMessage="hi", sellerRemarks="gift")
    body["buyer"]["buyerId"] = "B-1"
    assert ok(post(client, "salesOrder", "CREATE_SALES_ORDER", body))["result"]["sellerRemarks"] == "gift"
    asn = {"warehouseName": "FBA美国", "type": "PURCHASE", "asnSkuVOList": [{"sku": "QY-000001", "expectQuantity": 1}]}
    assert ok(post(client, "asn", "CREATE_ASN_ORDER", asn))["result"]["type"] == "PURCHASE"
    odd = post(client, "salesOrder", "CREATE_SALES_ORDER", order("Q2-2", "QY-000001", giftWrap=True))
    if reading == "ignore":
        assert "giftWrap" not in ok(odd)["result"]
    else:
        code, message = biz_error(odd)
        assert code == "DATA_INPUT_ERROR" and "giftWrap" in message


@pytest.mark.parametrize("reading", ["AUTH_001", "SIGN_ERROR"])
def test_q3_the_code_of_a_wrong_sign(client, reading):
    switch(client, auth_error_code=reading)
    assert outer_error(post(client, "warehouse", "QUERY_WAREHOUSE_LIST", {}, secret="nope"))["errorCode"] == reading


@pytest.mark.parametrize(("reading", "expected"), [("as_sent", ("Kg", "cm")), ("upper", ("KG", "CM")),
                                                   ("lower", ("kg", "cm"))])
def test_q4_units_are_echoed_in_the_case_the_switch_says(client, reading, expected):
    switch(client, unit_echo=reading)
    ok(post(client, "sku", "INSERT_SKU_INFO", new_sku("U-9", weightUnit="Kg", dimensionUnit="cm")))
    record = ok(post(client, "sku", "QUERY_SIMPLE_LIST_SKU", {"skus": ["U-9"]}))["result"][0]
    assert (record["weightUnit"], record["dimensionUnit"]) == expected
    stored = client.get("/_sandbox/qianyi/skus/U-9").json()
    assert (stored["weightUnit"], stored["dimensionUnit"]) == ("Kg", "cm")  # stored as sent


@pytest.mark.parametrize("cap", [200, 150, 37, 1])
def test_q5_pages_are_capped_and_count_in_the_capped_size(client, cap):
    switch(client, page_size_served_max=cap)
    codes = client.get("/_sandbox/qianyi/skus", params={"limit": 1000}).json()["skus"]
    first = ok(post(client, "sku", "QUERY_SIMPLE_LIST_SKU", {"page": 1, "pageSize": 200}))
    second = ok(post(client, "sku", "QUERY_SIMPLE_LIST_SKU", {"page": 2, "pageSize": 200}))
    size = min(cap, 200)
    assert first["total"] == second["total"] == len(codes) == 300
    assert [r["sku"] for r in first["result"]] == codes[:size]
    assert [r["sku"] for r in second["result"]] == codes[size:2 * size]
    small = ok(post(client, "warehouse", "QUERY_WAREHOUSE_LIST", {"pageSize": 2}))
    assert len(small["result"]) == min(2, cap) and small["total"] == 5


@pytest.mark.parametrize(("window", "offset_seconds", "accepted"), [
    (300, 0, True), (300, 299, True), (300, -299, True), (300, 301, False), (300, -3600, False),
    (0, 3600, True), (0, -86400 * 400, True), (60, 61, False),
])
def test_q6_the_timestamp_window(client, wall, window, offset_seconds, accepted):
    switch(client, timestamp_max_skew_seconds=window)
    timestamp = str(int((wall().timestamp() + offset_seconds) * 1000))
    response = post(client, "warehouse", "QUERY_WAREHOUSE_LIST", {}, timestamp=timestamp)
    if accepted:
        assert ok(response)["total"] == 5
    else:
        assert outer_error(response)["errorCode"] == "TIMESTAMP_EXPIRED"
