"""The sandbox's switches for KakaClo's open points (spec §15 S1-S11), at the wire: each value serves its reading."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.sandbox.sandbox_helpers import api, data, on_sale_skus, order_body, set_stock

ORDERS = "/openapi/v2/order/orders"


def switch(client, **values) -> None:
    assert client.patch("/_sandbox/switches", json={"kakaclo": values}).status_code == 200


def place(client, n: int = 1, **extra) -> list[int]:
    sku = on_sale_skus(client)[0]
    set_stock(client, sku, G007=500)
    return [data(api(client, "POST", ORDERS, json=order_body(sku, **extra))) for _ in range(n)]


def test_every_kakaclo_switch_is_in_the_readme_table_and_invented_ones_say_so():
    import airflow_provider_kakaclo.sandbox as sandbox_package
    from airflow_provider_kakaclo.sandbox.kakaclo.switches import SWITCHES

    text = (Path(sandbox_package.__file__).parent / "README.md").read_text()
    section = text[text.index("## Switches (KakaClo)"):text.index("## Error codes")]
    for spec in SWITCHES:
        row = re.search(rf"^\| `{spec.name}` \| `{re.escape(json.dumps(spec.default))}` \|.*$", section, re.M)
        assert row is not None, spec.name
        assert not spec.invented or "INVENTED" in row.group(0), spec.name
        for choice in spec.choices or ():
            assert f'"{choice}"' in row.group(0), (spec.name, choice)


@pytest.mark.parametrize(("cap", "paging"), [(250, "as_named"), (4, "as_named"), (250, "swapped"), (4, "swapped")])
def test_order_pages_follow_the_cap_and_the_paging_reading(client, cap, paging):
    switch(client, order_page_size_max=cap, order_paging_params=paging)
    ids = place(client, 6)
    number, size = ("pageSize", "pageNumber") if paging == "swapped" else ("pageNumber", "pageSize")
    seen = []
    for page in (1, 2):
        body = data(api(client, "GET", ORDERS, params={"ids": ",".join(map(str, ids)), number: page, size: 250}))
        assert body["total"] == 6 and (body[number], body[size]) == (page, min(cap, 250))
        seen += [order["id"] for order in body["list"]]
    assert len(seen) == min(6, 2 * cap) and len(set(seen)) == len(seen)
    if paging == "swapped":  # a client reading the parameters as named asks for page 250 of size 1
        literal = data(api(client, "GET", ORDERS, params={"ids": ",".join(map(str, ids)), "pageNumber": 1,
                                                          "pageSize": 250}))
        assert literal["list"] == [] and literal["total"] == 6


@pytest.mark.parametrize(("reply", "expected"), [("number", int), ("string", str), ("list", list),
                                                 ("null", type(None))])
def test_create_reply_shapes_all_create_the_order(client, reply, expected):
    switch(client, create_order_reply=reply)
    (created,) = place(client, customOrderId="r-1")
    assert isinstance(created, expected)
    assert client.get("/_sandbox/kakaclo/orders", params={"customOrderId": "r-1"}).json()["orders"]


@pytest.mark.parametrize("query_by", ["either", "order_id", "refund_no"])
@pytest.mark.parametrize(("nothing", "status", "code"), [("empty", 200, 10000), ("not_found", 200, 40400),
                                                         ("http_404", 404, 40400)])
def test_query_refund_reads_its_id_one_way_and_says_nothing_its_way(client, query_by, nothing, status, code):
    switch(client, refund_query_by=query_by, unknown_refund_query=nothing, refund_call_number="refund_no")
    order_id, bare = place(client, 2)
    refund_no = data(api(client, "POST", f"{ORDERS}/{order_id}/refund", json={}))
    found = {ref: api(client, "GET", f"{ORDERS}/refund/{ref}") for ref in (order_id, refund_no, bare)}
    for ref, looked_up in ((order_id, query_by != "refund_no"), (refund_no, query_by != "order_id"),
                           (bare, False)):
        reply = found[ref]
        if looked_up:
            assert [r["refundNo"] for r in data(reply)["list"]] == [str(refund_no)]
        else:
            assert (reply.status_code, reply.json()["code"]) == (status, code)
            if nothing == "empty":
                assert reply.json()["data"]["list"] == []


def test_a_short_refund_number_is_never_listed(client):
    switch(client, refund_call_number="short")
    (order_id,) = place(client)
    short = data(api(client, "POST", f"{ORDERS}/{order_id}/refund", json={}))
    listed = data(api(client, "GET", f"{ORDERS}/refund/{order_id}"))["list"]
    assert short < 10**6 and [r["refundNo"] for r in listed] != [str(short)] and len(listed) == 1


@pytest.mark.parametrize("setting", ["reject", "clamp"])
def test_future_end_times(client, setting):
    switch(client, future_end_time=setting)
    window = {"dateStartTime": "2024-06-01T00:00:00Z", "dateEndTime": "2024-06-11T00:00:00Z", "pageNumber": 1}
    for path in ("/openapi/v1/product/stocks", "/openapi/v1/product/products"):
        code = api(client, "GET", path, params=window).json()["code"]
        assert code == (40001 if setting == "reject" else 10000)
    same_day = {**window, "dateEndTime": "2024-06-10T23:00:00Z"}  # products check the date only
    assert api(client, "GET", "/openapi/v1/product/products", params=same_day).json()["code"] == 10000


def test_v1_naming_on_the_v2_list(client):
    switch(client, order_list_naming="v1")
    (order_id,) = place(client)
    (order,) = data(api(client, "GET", ORDERS, params={"ids": order_id}))["list"]
    assert order["status"] == "waiting_to_ship" and "payAt" in order and "skusAmount" in order
    assert "financialStatus" not in order and "subtotal" in order["orderItems"][0]


@pytest.mark.parametrize("split", ["whole", "by_warehouse"])
def test_a_line_no_warehouse_holds_is_split_or_refused(client, split):
    switch(client, order_line_split=split)
    sku = on_sale_skus(client)[0]
    set_stock(client, sku, G007=1, G006=0, H008=2)
    reply = api(client, "POST", ORDERS, json=order_body(sku, 3)).json()
    if split == "whole":
        assert reply["code"] == 60003
        return
    (order,) = data(api(client, "GET", ORDERS, params={"ids": reply["data"]}))["list"]
    items = order["orderItems"]
    assert [(i["countryCode"], i["productNum"]) for i in items] == [("CN", 1), ("US", 2)]
    assert len({i["itemId"] for i in items}) == 1 and len({i["id"] for i in items}) == 2
    url = f"{ORDERS}/{order['id']}/refund"
    no_country = {"orderItems": [{"itemId": items[0]["itemId"], "quantity": 1}]}
    assert api(client, "POST", url, json=no_country).json()["code"] == 40001
    us = {"orderItems": [{"itemId": items[0]["itemId"], "quantity": 2, "countryCode": "US"}]}
    assert data(api(client, "POST", url, json=us))


@pytest.mark.parametrize("setting", ["refuse", "accept"])
def test_expedited_on_create(client, setting):
    switch(client, expedited_on_create=setting)
    reply = api(client, "POST", ORDERS, json=order_body(on_sale_skus(client)[0], channelType="Expedited")).json()
    assert reply["code"] == (40001 if setting == "refuse" else 10000)


@pytest.mark.parametrize(("limit", "code"), [(0, 10000), (40, 40001)])
def test_custom_order_id_length(client, limit, code):
    switch(client, custom_order_id_max_length=limit)
    body = order_body(on_sale_skus(client)[0], customOrderId="R" * 41)
    assert api(client, "POST", ORDERS, json=body).json()["code"] == code


@pytest.mark.parametrize("reading", ["recoverable", "final"])
def test_abnormal_recovers_or_not(client, reading):
    switch(client, abnormal_order=reading)
    (order_id,) = place(client)
    move = lambda to: client.post(f"/_sandbox/kakaclo/orders/{order_id}/advance", json={"to": to})  # noqa: E731
    assert move("abnormal").json()["status"] == "abnormal_order"
    recovered = move("recover")
    if reading == "recoverable":
        assert recovered.json()["status"] == "processing"
    else:
        assert recovered.status_code == 409 and move("paid").status_code == 409
