"""P1 category, P2 products, P3 countryAndWarehouse, P4 stocks (spec §7)."""

from __future__ import annotations

import json

from tests.sandbox.sandbox_helpers import api, data, set_stock

PRODUCTS = "/openapi/v1/product/products"
STOCKS = "/openapi/v1/product/stocks"


def all_skus(client):
    return client.get("/_sandbox/kakaclo/skus", params={"limit": 100000}).json()["skus"]


def test_category_tree_is_recursive_with_documented_fields(client):
    tree = data(api(client, "GET", "/openapi/v1/product/category"))["list"]
    women = next(node for node in tree if node["name"] == "Women")
    assert women["parentId"] == 0 and women["level"] == 1
    bottoms = next(node for node in women["child"] if node["name"] == "Bottoms")
    cropped = next(node for node in bottoms["child"] if node["categoryId"] == 3658)
    assert cropped["fullCategoryId"] == "3500/3520/3658" and cropped["level"] == 3 and cropped["child"] == []
    assert set(cropped) == {"categoryId", "name", "parentId", "level", "fullCategoryId", "imgUrl", "child"}


def test_products_by_skus_use_sku_details_and_json_string_options(client):
    sku = all_skus(client)[7]
    payload = data(api(client, "GET", PRODUCTS, params={"skus": sku}))
    assert payload["total"] == 1 and payload["pageNumber"] == 1
    (product,) = payload["list"]
    assert sku.startswith(product["spu"] + "_")
    assert product["supplierLevel"] in ("A", "B", "C", "")
    (detail,) = product["skuDetails"]
    assert detail["sku"] == sku
    assert json.loads(detail["option1"])["name"] == "color" and json.loads(detail["option2"])["name"] == "size"
    assert isinstance(detail["packageWeight"], int) and detail["price"] > detail["cost"] > 0
    assert product["updateTime"].endswith("Z") and "skuList" not in product


def test_all_skus_switch_and_spus_query(make_client):
    client = make_client(switches={"kakaclo": {"product_sku_details": "all"}})
    sku = all_skus(client)[0]
    (product,) = data(api(client, "GET", PRODUCTS, params={"skus": sku}))["list"]
    assert len(product["skuDetails"]) >= 3
    assert product["stock"] == sum(d["stock"] for d in product["skuDetails"])
    assert product["price"] == min(d["price"] for d in product["skuDetails"])
    (same,) = data(api(client, "GET", PRODUCTS, params={"spus": product["spu"]}))["list"]
    assert same["skuDetails"] == product["skuDetails"]


def test_products_need_a_filter_and_page_number_for_time_or_category(client):
    assert api(client, "GET", PRODUCTS).json()["code"] == 40001
    assert api(client, "GET", PRODUCTS, params={"categoryId": 3500}).json()["code"] == 40001
    assert api(client, "GET", PRODUCTS, params={"categoryId": 3500, "pageNumber": 0}).json()["code"] == 40001
    too_many = ",".join(f"AMN{n:05d}" for n in range(1, 32))
    assert api(client, "GET", PRODUCTS, params={"spus": too_many}).json()["code"] == 40001
    reversed_range = {"dateStartTime": "2024-05-10T00:00:00Z", "dateEndTime": "2024-05-09T00:00:00Z",
                      "pageNumber": 1}
    assert api(client, "GET", PRODUCTS, params=reversed_range).json()["code"] == 40001
    assert api(client, "GET", PRODUCTS, params={"dateStartTime": "yesterday", "pageNumber": 1}).json()["code"] == 40001
    assert api(client, "GET", PRODUCTS, params={"skus": "X", "sortType": "bogus"}).json()["code"] == 40001


def test_time_range_pages_cover_the_catalog_once(client):
    seen, page = [], 1
    while True:
        payload = data(api(client, "GET", PRODUCTS, params={
            "dateStartTime": "2024-05-01T00:00:00Z", "dateEndTime": "2024-06-01T00:00:00Z", "pageNumber": page}))
        if not payload["list"]:
            break
        assert payload["pageSize"] == 30
        seen.extend(payload["list"])
        page += 1
    assert len(seen) == payload["total"]
    times = [p["updateTime"] for p in seen]
    assert times == sorted(times, reverse=True)  # default: updateTime descending
    assert {d["sku"] for p in seen for d in p["skuDetails"]} == set(all_skus(client))


def test_date_range_compares_days_only(client):
    payload = data(api(client, "GET", PRODUCTS, params={"dateStartTime": "2024-05-20T23:59:59Z",
                                                      "dateEndTime": "2024-05-20T00:00:00Z", "pageNumber": 1}))
    assert payload["total"] > 0
    assert all(p["updateTime"].startswith("2024-05-20") for p in payload["list"])


def test_sort_by_price_ascending_and_category_filter(client):
    payload = data(api(client, "GET", PRODUCTS, params={"categoryId": 3500, "pageNumber": 1, "sortType": "price",
                                                      "sortBy": "asc"}))
    prices = [p["price"] for p in payload["list"]]
    assert prices == sorted(prices)
    assert all(p["fullCategoryName"].startswith("Women/") for p in payload["list"])


def test_stock_change_bumps_update_times(client, wall):
    sku = all_skus(client)[3]
    set_stock(client, sku, G007=4321)
    # the window ends at the (pinned) wall clock: a later end is refused (switch future_end_time, S5)
    window = {"dateStartTime": "2024-06-10T00:00:00Z", "dateEndTime": "2024-06-10T12:00:00Z", "pageNumber": 1}
    (product,) = data(api(client, "GET", PRODUCTS, params=window))["list"]
    assert product["updateTime"] == "2024-06-10T12:00:00Z"
    stocks = data(api(client, "GET", STOCKS, params=window))
    assert stocks["total"] == 1
    (row,) = stocks["list"]
    assert row["sku"] == sku
    assert {"countryCode": "CN", "qty": 4321, "warehouseCode": "G007"} in row["warehouseStockList"]


def test_warehouses(client):
    rows = data(api(client, "GET", "/openapi/v1/product/countryAndWarehouse"))["list"]
    by_code = {row["warehouseCode"]: row for row in rows}
    assert by_code["G007"]["countryCode"] == "CN" and by_code["G007"]["status"] == 1
    assert by_code["H008"]["countryCode"] == "US"
    assert {row["status"] for row in rows} == {0, 1}
    assert set(rows[0]) == {"warehouseId", "warehouseCode", "warehouseNameExt", "countryCode", "countryCn", "status"}


def test_stocks_by_skus_with_warehouse_filter_and_limits(client):
    skus = all_skus(client)[:3]
    payload = data(api(client, "GET", STOCKS, params={"skus": ",".join(skus)}))
    assert [row["sku"] for row in payload["list"]] == skus and payload["pageSize"] == 30
    filtered = data(api(client, "GET", STOCKS, params={"skus": ",".join(skus), "warehouseCode": "G007"}))
    assert all(entry["warehouseCode"] == "G007" for row in filtered["list"] for entry in row["warehouseStockList"])
    assert api(client, "GET", STOCKS, params={"skus": ",".join(all_skus(client)[:31])}).json()["code"] == 40001
    assert api(client, "GET", STOCKS, params={"dateStartTime": "2024-05-01T00:00:00Z"}).json()["code"] == 40001


def test_stocks_time_range_pages_of_30(client):
    window = {"dateStartTime": "2024-05-01T00:00:00Z", "dateEndTime": "2024-06-01T00:00:00Z"}
    first = data(api(client, "GET", STOCKS, params={**window, "pageNumber": 1}))
    last_page = -(-first["total"] // 30)
    last = data(api(client, "GET", STOCKS, params={**window, "pageNumber": last_page}))
    assert first["total"] == 600 and len(first["list"]) == 30
    assert len(last["list"]) == first["total"] - 30 * (last_page - 1)
