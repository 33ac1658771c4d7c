"""BirdSystem stock (spec §5.5): available quantity, stock info per site and warehouse, frozen stock."""

from __future__ import annotations

from tests.sandbox.birdsystem.bs_helpers import (
    active_product,
    available,
    bs,
    control,
    failed,
    filter_param,
    ok,
    products,
)

AVAILABLE = "/client/Product/Get-Product-Available-Quantity"
STOCK_INFO = "/client/Container-Product/Get-Product-Stock-Info"


def switch(client, **values):
    assert client.patch("/_sandbox/switches", json={"birdsystem": values}).status_code == 200


def stock_info(client, product_id, **params):
    return ok(bs(client, "GET", STOCK_INFO, params={"filter": filter_param(
        {"type": "numeric", "comparison": "eq", "value": product_id, "field": "product_id"}), **params}))


def test_available_quantity_is_live_minus_locked_of_the_site(client):
    product_id = active_product(client, live=10, locked=3)
    row = available(client, product_id)
    assert row == {"live_stock": 10, "current_locked_stock": 3, "dynamic_warehouse_available_stock": 0,
                   "id": product_id}
    control(client, "PUT", "/stock", json={"product_id": product_id, "warehouse_id": 12, "live": 5})
    assert available(client, product_id)["live_stock"] == 15  # both UK warehouses count
    control(client, "PUT", "/stock", json={"product_id": product_id, "warehouse_id": 35, "live": 7, "locked": 2})
    assert available(client, product_id)["dynamic_warehouse_available_stock"] == 5


def test_available_quantity_envelope_and_order(client):
    ids = [p["id"] for p in products(client, client_id=4790)[:5]]
    body = ok(bs(client, "GET", AVAILABLE, params={"ids": ",".join(map(str, reversed(ids)))}))
    assert list(body) == ["data", "success", "refresh", "moduleName"]
    assert [row["id"] for row in body["data"]] == list(reversed(ids))
    assert all(isinstance(row["live_stock"], int) for row in body["data"])


def test_available_quantity_of_a_foreign_product_is_the_documented_error(client):
    parent = products(client, client_id=4700)[0]["id"]
    child = products(client, client_id=4791)[0]["id"]
    assert failed(bs(client, "GET", AVAILABLE, params={"ids": "2989"})) == \
        "Product with id 2989 does not belong to you."
    assert failed(bs(client, "GET", AVAILABLE, params={"ids": f"{child},{parent}"})) == \
        f"Product with id {parent} does not belong to you."
    assert available(client, child)["id"] == child  # a parent account sees its sub-accounts' stock


def test_available_quantity_old_single_id_form(client):
    product_id = active_product(client, live=10, locked=2)
    body = ok(bs(client, "GET", AVAILABLE, params={"id": product_id}))
    assert body["data"] == {"live_stock": "10", "current_locked_stock": "2"}


def test_available_quantity_defaults_to_50_and_caps_at_1000(make_client):
    client = make_client(birdsystem={"product_count": 1400})
    assert len(ok(bs(client, "GET", AVAILABLE))["data"]) == 50
    assert len(ok(bs(client, "GET", AVAILABLE, params={"limit": 5000}))["data"]) == 1000
    own = [p["id"] for p in client.get("/_sandbox/birdsystem/products",
                                       params={"limit": 2000, "client_id": 4790}).json()["products"]]
    child = [p["id"] for p in client.get("/_sandbox/birdsystem/products",
                                         params={"limit": 2000, "client_id": 4791}).json()["products"]]
    ids = ",".join(map(str, own + child))
    fits = ids[:255].rpartition(",")[0]
    assert len(ok(bs(client, "GET", AVAILABLE, params={"ids": fits}))["data"]) == fits.count(",") + 1
    assert "255" in failed(bs(client, "GET", AVAILABLE, params={"ids": ids[:256]}))  # ids is VARCHAR(255)
    switch(client, available_quantity_ids_width="truncate")  # cut at 255 characters, as a MySQL column
    answer = bs(client, "GET", AVAILABLE, params={"ids": ids[:300]})
    kept = ids[:255].split(",")
    if answer.status_code == 200:  # the cut id happened to be one of ours
        assert [str(r["id"]) for r in answer.json()["data"]] == list(dict.fromkeys(kept))
    else:
        assert failed(answer) == f"Product with id {kept[-1]} does not belong to you."


def test_available_quantity_paging_without_ids_is_a_switch(make_client):
    client = make_client(birdsystem={"product_count": 120})
    first = [r["id"] for r in ok(bs(client, "GET", AVAILABLE, params={"limit": 50}))["data"]]
    second = [r["id"] for r in ok(bs(client, "GET", AVAILABLE, params={"start": 50, "limit": 50}))["data"]]
    assert first and second and not set(first) & set(second)
    switch(client, available_quantity_paging="first_page")
    assert [r["id"] for r in ok(bs(client, "GET", AVAILABLE, params={"start": 50, "limit": 50}))["data"]] == first


def test_stock_info_rows_per_site_with_frozen_stock(client):
    product_id = active_product(client, live=11, locked=4)
    control(client, "PUT", "/stock", json={"product_id": product_id, "warehouse_id": 35, "live": 3, "frozen": 2})
    control(client, "PUT", "/stock", json={"product_id": product_id, "warehouse_id": 12, "frozen": 1})
    for company in ("1002", "1003", "1036"):
        control(client, "PUT", "/stock", json={"product_id": product_id, "company_id": int(company), "live": 0,
                                               "frozen": 0})
    body = stock_info(client, product_id)
    rows = {(row["company_id"], row["company_site_name"]): row for row in body["data"]}
    assert set(rows) == {(1001, "UK Site 英国站"), (1035, "空运动态仓"), ("0", "Frozen Stock")}
    assert rows[(1001, "UK Site 英国站")]["quantity"] == "11"  # live, locked included
    assert rows[(1035, "空运动态仓")]["is_dynamic_warehouse"] == 1
    assert rows[("0", "Frozen Stock")]["quantity"] == "3"
    assert all(row["product_id"] == product_id and "warehouse_id" not in row for row in body["data"])
    assert body["total"] == 3 and body["refresh"] is False


def test_stock_info_group_by_warehouse_and_permission_switch(client):
    product_id = active_product(client, live=8)
    control(client, "PUT", "/stock", json={"product_id": product_id, "warehouse_id": 12, "live": 4, "frozen": 1})
    grouped = stock_info(client, product_id, groupByWarehouse="true")["data"]
    uk = [row for row in grouped if row["company_id"] == 1001]
    assert {(row["warehouse_id"], row["quantity"]) for row in uk} == {(11, "8"), (12, "4")}
    frozen = [row for row in grouped if row["company_id"] == "0"]
    assert [(row["warehouse_id"], row["quantity"]) for row in frozen] == [(12, "1")]
    switch(client, stock_info_warehouse_permission=False)
    plain = stock_info(client, product_id, groupByWarehouse="true")["data"]
    assert all("warehouse_id" not in row for row in plain)
    assert [row["quantity"] for row in plain if row["company_id"] == 1001] == ["12"]


def test_stock_info_old_ids_variant(client):
    product_id = active_product(client, live=6)
    body = ok(bs(client, "GET", STOCK_INFO, params={"ids": f"{product_id}|D"}))
    row = next(row for row in body["data"] if row["company_id"] == 1001)
    assert "product_client_ref" in row and "client_ref" not in row


def test_product_rows_show_site_and_total_stock(client):
    product_id = active_product(client, live=9)
    control(client, "PUT", "/stock", json={"product_id": product_id, "warehouse_id": 21, "live": 30, "frozen": 2})
    control(client, "PUT", "/credentials", json={"company_ids": [1001, 1002]})
    row_uk = ok(bs(client, "GET", "/client/Product", params={"id": product_id}))["data"][0]
    row_us = ok(bs(client, "GET", "/client/Product", params={"id": product_id}, company_id="1002"))["data"][0]
    assert row_uk["company_product-live_stock"] == "9" and row_us["company_product-live_stock"] == "30"
    assert row_uk["live_stock"] == row_us["live_stock"] and int(row_uk["live_stock"]) >= 39
    assert row_uk["last_stock_update_time"] is not None


def test_control_stock_errors(client):
    missing = {"product_id": 1, "warehouse_id": 11, "live": 1}
    assert client.put("/_sandbox/birdsystem/stock", json=missing).status_code == 404
    product_id = products(client)[0]["id"]
    assert client.put("/_sandbox/birdsystem/stock", json={"product_id": product_id, "warehouse_id": 99,
                                                          "live": 1}).status_code == 400
    assert client.put("/_sandbox/birdsystem/stock", json={"product_id": product_id, "warehouse_id": 11,
                                                          "live": -1}).status_code == 400
