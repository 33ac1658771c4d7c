"""Property, warehouse, inventory, ODO, ASN and sales-order service types (spec §6-§9)."""

from __future__ import annotations

from tests.sandbox.qianyi.qianyi_helpers import biz_error, ok, order, post

SKU1, SKU2 = "QY-000001", "QY-000002"


def test_customer_field_query(client):
    content = ok(post(client, "property", "CUSTOMER_FIELD_QUERY", {"tableName": "SYS_ITEM"}))
    assert content["total"] == len(content["result"]) == 5
    date_field = content["result"][0]
    assert date_field == {"id": 3, "tableName": "SYS_ITEM", "columType": "DATE", "columName": "Date of manufacture",
                          "defaultValue": "1970/01/01",
                          "remark": "The shelf date is distinguished from the date of manufacture",
                          "required": 0, "isQuery": 1, "isShow": 1}
    select = ok(post(client, "property", "CUSTOMER_FIELD_QUERY", {"tableName": "SYS_ITEM", "columType": "SELECT"}))
    assert select["result"][0]["candidateValue"] == '["A","B","C"]'
    assert ok(post(client, "property", "CUSTOMER_FIELD_QUERY", {"tableName": "SYS_ITEM", "required": 1}))["total"] == 1
    assert ok(post(client, "property", "CUSTOMER_FIELD_QUERY", {"tableName": "SYS_ITEM", "isQuery": 1}))["total"] == 4
    assert ok(post(client, "property", "CUSTOMER_FIELD_QUERY", {"tableName": "SYS_ASN"}))["result"][0]["id"] == 31
    assert biz_error(post(client, "property", "CUSTOMER_FIELD_QUERY", {}))[0] == "DATA_INPUT_ERROR"
    assert biz_error(post(client, "property", "CUSTOMER_FIELD_QUERY", {"tableName": "SYS_X"}))[0] == "DATA_INPUT_ERROR"


def test_warehouse_list_filters(client):
    locked = ok(post(client, "warehouse", "QUERY_WAREHOUSE_LIST", {"status": "LOCK"}))
    assert [w["name"] for w in locked["result"]] == ["Tokyo transfer"] and locked["total"] == 1
    named = ok(post(client, "warehouse", "QUERY_WAREHOUSE_LIST", {"name": "best warehouse(测试用)"}))
    assert named["result"][0]["providerName"] == "百世"
    assert biz_error(post(client, "warehouse", "QUERY_WAREHOUSE_LIST", {"status": "OPEN"}))[0] == "DATA_INPUT_ERROR"


def test_inventory_v2_rows_and_control_edits(client):
    client.put("/_sandbox/qianyi/inventory", json={"warehouse": "Malay warehouse", "sku": SKU1, "available": 7,
                                                   "allocated": 2, "unavailable": 1, "returnShippingQuantity": 4})
    row = ok(post(client, "inventory", "QUERY_SIMPLE_LIST_INVENTORY_V2",
                  {"warehouse": "Malay warehouse", "skuList": [SKU1]}))["result"][0]
    assert row["sku"] == SKU1 and row["warehouse"] == "Malay warehouse" and row["warehouseCode"] == "MY01"
    assert (row["total"], row["available"], row["allocated"], row["unavailable"]) == (10, 7, 2, 1)
    assert row["returnShippingQuantity"] == 4 and row["shippingQuantity"] >= 4
    for name in ("purchaseShippingQuantity", "firstLegShippingQuantity", "transferShippingQuantity",
                 "assemblyShippingQuantity", "manualShippingQuantity", "orderAllocated", "firstLegAllocated",
                 "transferAllocated", "assemblyAllocated", "skuName", "totalCost", "availableCost"):
        assert name in row
    assert biz_error(post(client, "inventory", "QUERY_SIMPLE_LIST_INVENTORY_V2", {"page": 1}))[0] == "DATA_INPUT_ERROR"
    assert biz_error(post(client, "inventory", "QUERY_SIMPLE_LIST_INVENTORY_V2", {"warehouse": "Nowhere"}))[0] == \
        "DATA_INPUT_ERROR"
    assert client.put("/_sandbox/qianyi/inventory", json={"warehouse": "Nowhere", "sku": SKU1, "available": 1}
                      ).status_code == 404
    assert client.put("/_sandbox/qianyi/inventory", json={"warehouse": "FBA美国", "sku": SKU1, "bogus": 1}
                      ).status_code == 400


def test_inventory_paging_counts_the_warehouse_rows(client):
    first = ok(post(client, "inventory", "QUERY_SIMPLE_LIST_INVENTORY_V2", {"warehouse": "FBA美国", "pageSize": 200}))
    assert 0 < first["total"] < 300 and len(first["result"]) == min(200, first["total"])
    rows = {row["sku"] for row in first["result"]}
    stocked = [code for code in rows][:3]
    only = ok(post(client, "inventory", "QUERY_SIMPLE_LIST_INVENTORY_V2",
                   {"warehouse": "FBA美国", "skuList": stocked + ["NOPE"]}))
    assert {row["sku"] for row in only["result"]} == set(stocked) and only["total"] == len(stocked)


def test_odo_list_filters(client):
    everything = ok(post(client, "odo", "QUERY_ODO_LIST", {"page": 1, "pageSize": 200}))
    assert everything["total"] == 20
    odo = everything["result"][0]
    assert {"number", "customNumber", "trackNumber", "warehouseName", "type", "status", "createTime"} <= set(odo)
    assert "outboundCost" not in odo
    by_number = ok(post(client, "odo", "QUERY_ODO_LIST", {"numberParam": odo["customNumber"]}))
    assert [o["number"] for o in by_number["result"]] == [odo["number"]]
    listed = ok(post(client, "odo", "QUERY_ODO_LIST", {"orderNumberList": [odo["number"]], "calculateCost": True}))
    assert listed["total"] == 1 and "outboundCost" in listed["result"][0]
    waiting = ok(post(client, "odo", "QUERY_ODO_LIST", {"status": "WAIT_OUTBOUND", "pageSize": 200}))
    assert all(o["status"] == "WAIT_OUTBOUND" for o in waiting["result"])
    day = odo["createTime"][:10]
    on_day = ok(post(client, "odo", "QUERY_ODO_LIST", {"createTimeFrom": day, "createTimeTo": day, "pageSize": 200}))
    assert odo["number"] in [o["number"] for o in on_day["result"]]
    assert all(o["createTime"].startswith(day) for o in on_day["result"])
    sku = odo["odoSkuList"][0]["sku"]
    assert odo["number"] in [o["number"] for o in ok(post(client, "odo", "QUERY_ODO_LIST",
                                                          {"skuParam": sku, "pageSize": 200}))["result"]]
    too_many = {"customNumberList": [str(i) for i in range(201)]}
    assert biz_error(post(client, "odo", "QUERY_ODO_LIST", too_many))[0] == "DATA_INPUT_ERROR"


def test_create_asn_then_query_and_receive(client):
    sample = {"asnSkuVOList": [{"expectQuantity": "100", "sku": SKU1, "purchasePrice": "10", "transferPrice": "100",
                                "firstLegPrice": "100"}],
              "warehouseName": "best warehouse(测试用)", "customNumber": "xx1224325212", "trackNumber": "xx1223122",
              "remark": "xx122312", "purchasePriceCurrency": "CNY", "firstLegPriceCurrency": "CNY",
              "transferPriceCurrency": "CNY"}  # the documented signing sample (spec §8.2)
    created = ok(post(client, "asn", "CREATE_ASN_ORDER", sample))["result"]
    assert created["status"] == "NEW" and created["asnSkuVOList"][0]["expectQuantity"] == 100
    assert created["customNumber"] == "xx1224325212" and created["asnNumber"] == "ASN00000011"
    found = ok(post(client, "asn", "QUERY_ASN_LIST", {"number": "xx1224325212"}))
    assert [a["asnNumber"] for a in found["result"]] == [created["asnNumber"]]
    before = client.get(f"/_sandbox/qianyi/inventory/{SKU1}").json()["warehouses"].get(
        "best warehouse(测试用)", {"available": 0})["available"]
    moved = client.post(f"/_sandbox/qianyi/asns/{created['asnNumber']}/status", json={"status": "FINISHED"}).json()
    assert moved["status"] == "FINISHED" and "finishTime" in moved and "stockInTime" in moved
    after = client.get(f"/_sandbox/qianyi/inventory/{SKU1}").json()["warehouses"]["best warehouse(测试用)"]["available"]
    assert after == before + 100
    client.post(f"/_sandbox/qianyi/asns/{created['asnNumber']}/status", json={"status": "FINISHED"})
    assert client.get(f"/_sandbox/qianyi/inventory/{SKU1}").json()["warehouses"]["best warehouse(测试用)"][
        "available"] == after  # received once
    finished = ok(post(client, "asn", "QUERY_ASN_LIST", {"status": "FINISHED", "timeType": "FINISH_TIME",
                                                        "timeFrom": moved["finishTime"][:10],
                                                        "timeEnd": moved["finishTime"][:10]}))
    assert created["asnNumber"] in [a["asnNumber"] for a in finished["result"]]


def test_asn_validation(client):
    base = {"warehouseName": "FBA美国", "asnSkuVOList": [{"sku": SKU1, "expectQuantity": 1}]}
    assert ok(post(client, "asn", "CREATE_ASN_ORDER", base))
    code, message = biz_error(post(client, "asn", "CREATE_ASN_ORDER",
                                   {**base, "asnSkuVOList": [{"sku": "GONE", "expectQuantity": 1}]}))
    assert (code, message) == ("SKU_NOT_EXISTS_WITH_ARGS", "sku不存在，具体清单如下: GONE; ")
    for bad in ({**base, "warehouseName": "Nowhere"}, {**base, "asnSkuVOList": []},
                {**base, "asnSkuVOList": [{"sku": SKU1, "expectQuantity": 0}]}, {"asnSkuVOList": base["asnSkuVOList"]},
                {**base, "type": "GIFT"}):
        assert biz_error(post(client, "asn", "CREATE_ASN_ORDER", bad))[0] == "DATA_INPUT_ERROR", bad
    assert biz_error(post(client, "asn", "QUERY_ASN_LIST", {"timeType": "CREATE_TIME"}))[0] == "DATA_INPUT_ERROR"


def test_create_sales_order_and_duplicates(client):
    result = ok(post(client, "salesOrder", "CREATE_SALES_ORDER", order("WS-TEST-1", SKU1)))["result"]
    assert result["orderNumber"].startswith("HE") and len(result["orderNumber"]) == 15
    assert result["status"] == "WAIT_AUDIT" and isinstance(result["createTime"], int)
    assert result["payTime"] == 1716190830000 and result["onlineOrderNumber"] == "WS-TEST-1"
    code, message = biz_error(post(client, "salesOrder", "CREATE_SALES_ORDER", order("WS-TEST-1", SKU2)))
    assert (code, message) == ("order.id.exist", "订单号已存在")
    assert biz_error(post(client, "salesOrder", "CREATE_SALES_ORDER",
                          order("WS-TEST-1", SKU2, shop="Other shop")))[0] == "order.id.exist"
    client.patch("/_sandbox/switches", json={"qianyi": {"online_order_number_scope": "shop"}})
    assert ok(post(client, "salesOrder", "CREATE_SALES_ORDER", order("WS-TEST-1", SKU2, shop="Other shop")))
    assert client.get("/_sandbox/qianyi/sales-orders", params={"onlineOrderNumber": "WS-TEST-1"}).json()["count"] == 2


def test_sales_order_unknown_skus_use_the_observed_message(client):
    body = order("WS-2", "ITEM-1")
    body["skuList"].append({"sku": "ITEM-2", "quantity": 1})
    code, message = biz_error(post(client, "salesOrder", "CREATE_SALES_ORDER", body))
    assert (code, message) == ("SKU_NOT_EXISTS_WITH_ARGS", "sku不存在，具体清单如下: ITEM-1; ITEM-2; ")
    assert client.get("/_sandbox/qianyi/sales-orders").json()["count"] == 0
    for bad in (order("WS-3", SKU1, skuList=[]), order("", SKU1), order("WS-3", SKU1, payTime="tomorrow"),
                order("WS-3", SKU1, skuList=[{"sku": SKU1, "quantity": 0}])):
        assert biz_error(post(client, "salesOrder", "CREATE_SALES_ORDER", bad))[0] == "DATA_INPUT_ERROR"


def test_query_sales_orders(client, wall):
    client.patch("/_sandbox/switches", json={"qianyi": {"timestamp_max_skew_seconds": 0}})  # the wall moves on
    first = ok(post(client, "salesOrder", "CREATE_SALES_ORDER", order("A-1", SKU1)))["result"]
    wall.advance(days=2)
    second = ok(post(client, "salesOrder", "CREATE_SALES_ORDER", order("A-2", SKU2, shop="S2")))["result"]
    listed = ok(post(client, "salesOrder", "QUERY_SALES_ORDER_LIST", {"page": 1, "pageSize": 50, "status": "",
                                                                     "orderNumber": "", "shop": ""}))
    assert [o["orderNumber"] for o in listed["result"]] == [first["orderNumber"], second["orderNumber"]]
    by_numbers = ok(post(client, "salesOrder", "QUERY_SALES_ORDER_LIST",
                         {"orderNumbers": f"{second['orderNumber']},NOPE"}))
    assert [o["onlineOrderNumber"] for o in by_numbers["result"]] == ["A-2"]
    assert ok(post(client, "salesOrder", "QUERY_SALES_ORDER_LIST", {"shop": "S2"}))["total"] == 1
    day = wall().strftime("%Y-%m-%d")
    assert [o["onlineOrderNumber"] for o in ok(post(client, "salesOrder", "QUERY_SALES_ORDER_LIST",
                                                    {"updateTimeFrom": day}))["result"]] == ["A-2"]
    client.post(f"/_sandbox/qianyi/sales-orders/{first['orderNumber']}/status", json={"status": "SHIPPED"})
    assert ok(post(client, "salesOrder", "QUERY_SALES_ORDER_LIST", {"status": "SHIPPED"}))["result"][0][
        "orderNumber"] == first["orderNumber"]
