"""The SKU module (seed §1): QUERY_SIMPLE_LIST_SKU filters and paging, insert/update/status validation."""

from __future__ import annotations

import pytest

from tests.sandbox.qianyi.qianyi_helpers import biz_error, new_sku, ok, outer_error, post


def query(client, **biz_param):
    return ok(post(client, "sku", "QUERY_SIMPLE_LIST_SKU", biz_param))


def skus_page(client, offset=0, limit=100):
    return client.get("/_sandbox/qianyi/skus", params={"offset": offset, "limit": limit}).json()["skus"]


def sku_state(client, code):
    return client.get(f"/_sandbox/qianyi/skus/{code}").json()


def test_paging_defaults_total_and_order(client):
    everything = query(client, page=1, pageSize=200)
    assert everything["total"] == 300 and len(everything["result"]) == 200
    assert [r["sku"] for r in everything["result"]] == skus_page(client, 0, 200)
    assert query(client)["total"] == 300 and len(query(client)["result"]) == 100  # documented defaults
    last = query(client, page=2, pageSize=200)
    assert [r["sku"] for r in last["result"]] == skus_page(client, 200, 100)
    assert query(client, page=99, pageSize=50) == {"notSuccess": False, "state": "success", "total": 300, "result": []}


def test_page_size_over_200_and_paging_required(client):
    code, message = biz_error(post(client, "sku", "QUERY_SIMPLE_LIST_SKU", {"page": 1, "pageSize": 201}))
    assert code == "DATA_INPUT_ERROR" and "200" in message
    assert biz_error(post(client, "sku", "QUERY_SIMPLE_LIST_SKU", {"page": 0}))[0] == "DATA_INPUT_ERROR"
    client.patch("/_sandbox/switches", json={"qianyi": {"page_size_over_max": "clamp", "paging_required": True}})
    assert len(query(client, page=1, pageSize=500)["result"]) == 200
    assert biz_error(post(client, "sku", "QUERY_SIMPLE_LIST_SKU", {"pageSize": 10}))[0] == "DATA_INPUT_ERROR"


def test_sku_record_carries_the_seed_fields(client):
    record = query(client, skus=[skus_page(client, 0, 1)[0]])["result"][0]
    for name in ("sku", "title", "barcode", "type", "weight", "netWeight", "weightUnit", "length", "width", "height",
                 "dimensionUnit", "enable", "categoryName1", "categoryName2", "categoryName3", "skuSupplierList",
                 "skuCustomFieldValueVOList", "singleSkuList", "cdPriceMethod", "dangerousTransportGoodsType",
                 "batteryType", "customsDeclarationPrice", "purchaseCost", "price", "priceUnit"):
        assert name in record, name
    assert record["type"] == "SINGLE" and record["enable"] in (0, 1) and record["batteryType"] in range(6)
    value = record["skuCustomFieldValueVOList"][0]
    assert set(value) == {"customFieldId", "value", "tableName", "columType", "columName"}
    supplier = record["skuSupplierList"][0]
    assert {"name", "isDefault", "purchaserList", "deliveryCycle"} <= set(supplier)


def test_skus_filter_ignores_unknown_codes_and_keeps_list_order(client):
    codes = skus_page(client, 0, 10)
    found = query(client, skus=[codes[5], "NOPE", codes[2], codes[5]], pageSize=10)
    assert [r["sku"] for r in found["result"]] == [codes[2], codes[5]] and found["total"] == 2
    assert query(client, skus=[])["total"] == 300  # empty list = no filter (PALI sends skus: [])
    too_many = [f"X{i}" for i in range(201)]
    assert biz_error(post(client, "sku", "QUERY_SIMPLE_LIST_SKU", {"skus": too_many}))[0] == "DATA_INPUT_ERROR"
    assert query(client, skus=too_many[:200])["total"] == 0
    assert biz_error(post(client, "sku", "QUERY_SIMPLE_LIST_SKU", {"skus": "QY-000001"}))[0] == "DATA_INPUT_ERROR"


def test_titles_categories_and_empty_string_filters(client):
    first = query(client, pageSize=1)["result"][0]
    by_title = query(client, titles=[first["title"]])
    assert [r["sku"] for r in by_title["result"]] == [first["sku"]]
    assert query(client, titles=[first["title"][:-1]])["total"] == 0
    client.patch("/_sandbox/switches", json={"qianyi": {"title_match": "contains"}})
    assert query(client, titles=[first["title"][:-1]])["total"] >= 1
    in_category = query(client, categoryName1=first["categoryName1"], categoryName3=first["categoryName3"],
                        pageSize=200)
    assert in_category["total"] >= 1 and all(
        r["categoryName1"] == first["categoryName1"] and r["categoryName3"] == first["categoryName3"]
        for r in in_category["result"])
    assert query(client, categoryName1="", categoryName2="")["total"] == 300


def test_update_time_filter_is_by_local_day_inclusive(client):
    code = skus_page(client, 0, 1)[0]
    day = sku_state(client, code)["_sandbox"]["updateTime"][:10]
    found = query(client, updateTimeFrom=day, updateTimeTo=day, pageSize=200)
    assert code in [r["sku"] for r in found["result"]]
    assert all(sku_state(client, r["sku"])["_sandbox"]["updateTime"].startswith(day) for r in found["result"][:20])
    assert query(client, updateTimeFrom="2030-01-01")["total"] == 0
    assert biz_error(post(client, "sku", "QUERY_SIMPLE_LIST_SKU", {"updateTimeFrom": "26/09/2022"}))[0] == \
        "DATA_INPUT_ERROR"


def test_custom_field_filters(client):
    grade_a = query(client, skuCustomFieldValueSOList=[{"customFieldId": 5, "value": "A"}], pageSize=200)
    assert 0 < grade_a["total"] < 300
    for record in grade_a["result"]:
        assert {"customFieldId": 5, "value": "A"}.items() <= next(
            v for v in record["skuCustomFieldValueVOList"] if v["customFieldId"] == 5).items()
    dated = query(client, skuCustomFieldValueSOList=[{"customFieldId": 3, "from": "2020/01/01", "to": "2020/12/31"}],
                  pageSize=200)
    for record in dated["result"]:
        value = next(v["value"] for v in record["skuCustomFieldValueVOList"] if v["customFieldId"] == 3)
        assert "2020/01/01" <= value <= "2020/12/31"
    shelf = query(client, skuCustomFieldValueSOList=[{"customFieldId": 6, "from": "100", "to": "200"}], pageSize=200)
    for record in shelf["result"]:
        value = next(v["value"] for v in record["skuCustomFieldValueVOList"] if v["customFieldId"] == 6)
        assert 100 <= float(value) <= 200
    both = query(client, skuCustomFieldValueSOList=[{"customFieldId": 5, "value": "A"},
                                                      {"customFieldId": 6, "from": "100", "to": "200"}], pageSize=200)
    assert {r["sku"] for r in both["result"]} == {r["sku"] for r in grade_a["result"]} & {r["sku"] for r in shelf["result"]}
    assert query(client, skuCustomFieldValueSOList=[{"customFieldId": 999, "value": "A"}])["total"] == 0
    assert biz_error(post(client, "sku", "QUERY_SIMPLE_LIST_SKU",
                          {"skuCustomFieldValueSOList": [{"value": "A"}]}))[0] == "DATA_INPUT_ERROR"


def test_insert_then_query_back(client):
    body = new_sku("NEW-1", barcode="123", skuSupplierList=[
        {"name": "S", "isDefault": True, "purchaserList": ["buyer01"], "deliveryCycle": 3, "purchasePrice": 1.005}],
        skuCustomFieldValueVOList=[{"customFieldId": 4, "value": "Steel"}], warehouseNameList=["FBA美国"],
        cartonLength="30", batteryType=2, dangerousTransportGoodsType="ELECTRIC")
    content = ok(post(client, "sku", "INSERT_SKU_INFO", body))
    assert "result" not in content  # the seed's response table: errorCode, errorMsg, state (switch write_reply)
    record = query(client, skus=["NEW-1"])["result"][0]
    assert record["title"] == "Title NEW-1" and record["cartonLength"] == 30 and record["isDeleted"] == 0
    assert record["skuSupplierList"][0]["purchasePrice"] == 1.01  # "two digits ... round up or down"
    assert "warehouseNameList" not in record
    assert client.get("/_sandbox/qianyi/inventory/NEW-1").json()["warehouses"]["FBA美国"]["total"] == 0
    assert query(client)["total"] == 301 and skus_page(client, 300, 5) == ["NEW-1"]


@pytest.mark.parametrize("missing", ["sku", "title", "type", "weight", "netWeight", "weightUnit", "length", "width",
                                     "height", "dimensionUnit", "enable"])
def test_insert_requires_the_documented_y_fields(client, missing):
    body = new_sku("NEW-2")
    del body[missing]
    code, message = biz_error(post(client, "sku", "INSERT_SKU_INFO", body))
    assert code == "DATA_INPUT_ERROR" and missing in message
    assert query(client, skus=["NEW-2"])["total"] == 0


@pytest.mark.parametrize("field,bad,good", [
    ("sku", "S" * 256, "S" * 255), ("title", "t" * 256, "t" * 255), ("barcode", "1" * 256, "1" * 255),
    ("picUrl", "u" * 256, "u" * 255), ("saleStatus", "s" * 51, "s" * 50), ("brand", "b" * 51, "b" * 50),
    ("unit", "u" * 129, "u" * 128), ("description", "d" * 2049, "d" * 2048),
    ("descriptionEn", "d" * 2049, "d" * 2048), ("functionDescription", "d" * 2049, "d" * 2048),
    ("abbrTitle", "a" * 256, "a" * 255), ("color", "c" * 256, "c" * 255), ("size", "s" * 256, "s" * 255),
    ("cdPriceMethod", "FIXED", "RATE"), ("ccPriceMethod", "rate", "CONSTANT"),
    ("dangerousTransportGoodsType", "GAS", "POWDER"), ("batteryType", 6, 5), ("batteryType", -1, 0),
    ("enable", 2, 0), ("enable", True, 1), ("weight", "heavy", "2.5"), ("weight", [1], 2),
    ("needQualityInspection", "yes", True), ("priceUnit", "usd", "USD"), ("title", 5, "five"),
    ("singleSkuList", [{"sku": "QY-000001", "quantity": 0}], [{"sku": "QY-000001", "quantity": 2}]),
    ("skuSupplierList", [{"name": "S", "isDefault": True, "purchaserList": [], "deliveryCycle": 1,
                          "minimumPurchaseQuantity": 0}],
     [{"name": "S", "isDefault": True, "purchaserList": [], "deliveryCycle": 1, "minimumPurchaseQuantity": 1}]),
    ("skuSupplierList", [{"name": "S", "purchaserList": [], "deliveryCycle": 1}],
     [{"name": "S", "isDefault": False, "purchaserList": [], "deliveryCycle": 1}]),
    ("skuCustomFieldValueVOList", [{"customFieldId": 4}], [{"customFieldId": 4, "value": "x"}]),
    ("skuCustomFieldValueVOList", [{"customFieldId": 11, "value": "x"}], [{"customFieldId": 5, "value": "A"}]),
])
def test_insert_validates_the_field_tables(client, field, bad, good):
    code, message = biz_error(post(client, "sku", "INSERT_SKU_INFO", {**new_sku("V-1"), field: bad}))
    assert code == "DATA_INPUT_ERROR" and field in message
    sku = good if field == "sku" else "V-1"
    ok(post(client, "sku", "INSERT_SKU_INFO", {**new_sku(sku, title="T"), field: good}))
    assert [r["sku"] for r in query(client, skus=[sku])["result"]] == [sku]


def test_unit_lists_are_enforced_only_with_the_switch(client):
    assert ok(post(client, "sku", "INSERT_SKU_INFO", new_sku("U-1", cartonWeightUnit="LB", ccPriceUnit="JPY")))
    client.patch("/_sandbox/switches", json={"qianyi": {"strict_unit_enums": True}})
    assert biz_error(post(client, "sku", "INSERT_SKU_INFO", new_sku("U-2", cartonWeightUnit="LB")))[0] == \
        "DATA_INPUT_ERROR"
    assert ok(post(client, "sku", "INSERT_SKU_INFO", new_sku("U-2", cartonWeightUnit="G", ccPriceUnit="JRY")))


def test_numeric_strings_and_unknown_keys_switches(client):
    assert ok(post(client, "sku", "INSERT_SKU_INFO", new_sku("N-1", weight="1.25", enable="1", extraKey=1)))
    assert query(client, skus=["N-1"])["result"][0]["weight"] == 1.25
    client.patch("/_sandbox/switches", json={"qianyi": {"numeric_strings": "reject", "unknown_biz_keys": "reject"}})
    assert biz_error(post(client, "sku", "INSERT_SKU_INFO", new_sku("N-2", weight="1.25")))[0] == "DATA_INPUT_ERROR"
    code, message = biz_error(post(client, "sku", "INSERT_SKU_INFO", new_sku("N-2", extraKey=1)))
    assert code == "DATA_INPUT_ERROR" and "extraKey" in message
    assert biz_error(post(client, "sku", "QUERY_SIMPLE_LIST_SKU", {"sku": "N-1"}))[0] == "DATA_INPUT_ERROR"


def test_combination_components_must_exist(client):
    code, message = biz_error(post(client, "sku", "INSERT_SKU_INFO", new_sku(
        "C-1", type="COMBINATION", singleSkuList=[{"sku": "QY-000001", "quantity": 1}, {"sku": "GONE", "quantity": 2}])))
    assert code == "SKU_NOT_EXISTS_WITH_ARGS" and message == "sku不存在，具体清单如下: GONE; "


def test_duplicate_insert_code_switch(client):
    existing = skus_page(client, 0, 1)[0]
    assert biz_error(post(client, "sku", "INSERT_SKU_INFO", new_sku(existing)))[0] == "DATA_INPUT_ERROR"
    client.patch("/_sandbox/switches", json={"qianyi": {"duplicate_sku": "sku.exist"}})
    assert biz_error(post(client, "sku", "INSERT_SKU_INFO", new_sku(existing)))[0] == "sku.exist"


def test_update_merges_by_default_and_replaces_with_the_switch(client):
    ok(post(client, "sku", "INSERT_SKU_INFO", new_sku("M-1", brand="Acme", color="Red")))
    ok(post(client, "sku", "UPDATE_SKU_INFO", new_sku("M-1", title="Renamed", color="Blue")))
    record = query(client, skus=["M-1"])["result"][0]
    assert (record["title"], record["color"], record["brand"]) == ("Renamed", "Blue", "Acme")
    client.patch("/_sandbox/switches", json={"qianyi": {"update_mode": "replace"}})
    ok(post(client, "sku", "UPDATE_SKU_INFO", new_sku("M-1", title="Replaced")))
    record = query(client, skus=["M-1"])["result"][0]
    assert record["title"] == "Replaced" and "brand" not in record and "color" not in record


def test_update_required_fields_and_unknown_sku_switches(client):
    code = skus_page(client, 0, 1)[0]
    assert biz_error(post(client, "sku", "UPDATE_SKU_INFO", {"sku": code, "title": "Only"}))[0] == "DATA_INPUT_ERROR"
    client.patch("/_sandbox/switches", json={"qianyi": {"update_required_fields": "sku_only"}})
    assert ok(post(client, "sku", "UPDATE_SKU_INFO", {"sku": code, "title": "Only"}))
    assert query(client, skus=[code])["result"][0]["title"] == "Only"
    code_, message = biz_error(post(client, "sku", "UPDATE_SKU_INFO", new_sku("GHOST")))
    assert code_ == "SKU_NOT_EXISTS_WITH_ARGS" and "GHOST; " in message
    client.patch("/_sandbox/switches", json={"qianyi": {"update_unknown_sku": "insert"}})
    assert biz_error(post(client, "sku", "UPDATE_SKU_INFO", {"sku": "GHOST", "title": "x"}))[0] == "DATA_INPUT_ERROR"
    assert ok(post(client, "sku", "UPDATE_SKU_INFO", new_sku("GHOST")))
    assert query(client, skus=["GHOST"])["total"] == 1


def test_update_bumps_the_update_time_used_by_the_filter(client, wall):
    client.patch("/_sandbox/switches", json={"qianyi": {"timestamp_max_skew_seconds": 0}})  # the wall moves on
    code = skus_page(client, 0, 1)[0]
    wall.advance(days=40)
    today = sku_state(client, code)["_sandbox"]["updateTime"][:10]
    ok(post(client, "sku", "UPDATE_SKU_STATUS", {"sku": code, "enable": 0}))
    state = sku_state(client, code)
    assert state["enable"] == 0 and state["_sandbox"]["updateTime"][:10] != today
    day = state["_sandbox"]["updateTime"][:10]
    assert [r["sku"] for r in query(client, updateTimeFrom=day)["result"]] == [code]


def test_status_update_and_the_enable_sku_alias(client):
    code = skus_page(client, 0, 1)[0]
    assert ok(post(client, "sku", "UPDATE_SKU_STATUS", {"sku": code, "enable": 0}))
    assert query(client, skus=[code])["result"][0]["enable"] == 0
    assert ok(post(client, "sku", "ENABLE_SKU", {"sku": code, "enable": 1}))
    assert query(client, skus=[code])["result"][0]["enable"] == 1
    assert biz_error(post(client, "sku", "UPDATE_SKU_STATUS", {"sku": code, "enable": 3}))[0] == "DATA_INPUT_ERROR"
    assert biz_error(post(client, "sku", "UPDATE_SKU_STATUS", {"sku": "NOPE", "enable": 1}))[0] == \
        "SKU_NOT_EXISTS_WITH_ARGS"
    client.patch("/_sandbox/switches", json={"qianyi": {"enable_sku_alias": False}})
    assert outer_error(post(client, "sku", "ENABLE_SKU", {"sku": code, "enable": 1}))["errorCode"] == \
        "SERVICE_TYPE_NOT_EXIST"
