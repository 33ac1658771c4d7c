"""QianyiHook's property, warehouse, inventory, ODO, ASN and sales-order methods against the sandbox.

Expected values come from the sandbox's own state (its control API), never from the hook under test
(issue 22: a hook reading the wrong field must make these fail).
"""

from __future__ import annotations

import pytest

from airflow_provider_kakaclo.hooks.qianyi import QianyiHook
from airflow_provider_kakaclo.transport import BusinessError, NotFoundError


def test_custom_fields_are_the_sandbox_ones_per_table(qianyi_conn, sandbox):
    every = sandbox.qianyi.custom_fields()
    for table in ("SYS_ITEM", "SYS_ORDER", "SYS_ODO", "SYS_ASN"):
        got = [(f.id, f.columType, f.columName) for f in QianyiHook().query_custom_fields(tableName=table)]
        assert got == [(str(f["id"]), f["columType"], f["columName"]) for f in every if f["tableName"] == table]
        assert got
    selects = QianyiHook().query_custom_fields(tableName="SYS_ITEM", columType="SELECT")
    assert {f.columType for f in selects} == {"SELECT"} and selects[0].candidateValue


def test_warehouses_are_the_sandbox_ones(qianyi_conn, sandbox):
    truth = sandbox.qianyi.warehouses()
    got = list(QianyiHook().iter_warehouses())
    assert [(w.id, w.name, w.status, w.code) for w in got] == [(str(w["id"]), w["name"], w["status"], w["code"])
                                                             for w in truth]
    assert [w.name for w in QianyiHook().iter_warehouses(status="LOCK")] == [w["name"] for w in truth
                                                                           if w["status"] == "LOCK"]


@pytest.mark.parametrize("quantities", [{"available": 7, "allocated": 3, "unavailable": 11},
                                        {"available": 0, "allocated": 9, "unavailable": 0},
                                        {"available": 250, "allocated": 0, "unavailable": 4,
                                         "purchaseShippingQuantity": 60}])
def test_stock_available_and_reserved_come_from_the_right_fields(qianyi_conn, sandbox, quantities):
    sku = sandbox.qianyi.skus(offset=5, limit=1)[0]
    sandbox.qianyi.set_inventory("Malay warehouse", sku, **quantities)
    (row,) = [r for r in QianyiHook().iter_stock(skus=[sku], warehouses=["Malay warehouse"])]
    assert (row.sku, row.warehouse, row.available, row.reserved) == (sku, "Malay warehouse", quantities["available"],
                                                                     quantities["allocated"])
    (record,) = QianyiHook().iter_inventory("Malay warehouse", skus=[sku])
    truth = sandbox.qianyi.inventory(sku)["Malay warehouse"]
    assert (record.total, record.available, record.allocated, record.unavailable) == (
        truth["total"], truth["available"], truth["allocated"], truth["unavailable"])
    assert record.total == sum(quantities[k] for k in ("available", "allocated", "unavailable"))


def test_every_stock_row_of_every_warehouse_matches_the_sandbox(qianyi_conn, sandbox):
    sandbox.reset(qianyi={"sku_count": 30})
    rows = sorted((r.sku, r.warehouse, r.available, r.reserved) for r in QianyiHook().iter_stock())
    truth = sorted((sku, warehouse, row["available"], row["allocated"])
                   for sku in sandbox.qianyi.skus(limit=100)
                   for warehouse, row in sandbox.qianyi.inventory(sku).items())
    assert rows == truth and len({r[2] for r in rows}) > 1


def test_odos_are_the_sandbox_ones_and_filters_narrow_them(qianyi_conn, sandbox):
    truth = sandbox.qianyi.odos()
    hook = QianyiHook()
    odos = list(hook.iter_odos())
    assert [(o.number, o.customNumber, o.status, o.warehouseName) for o in odos] == [
        (o["number"], o["customNumber"], o["status"], o["warehouseName"]) for o in truth]
    one = truth[3]
    assert [o.number for o in hook.iter_odos(customNumberList=[one["customNumber"]])] == [one["number"]]
    assert [o.number for o in hook.iter_odos(orderNumberList=[one["number"], truth[0]["number"]])] == [
        truth[0]["number"], one["number"]]
    waiting = [o["number"] for o in truth if o["status"] == "WAIT_OUTBOUND"]
    assert [o.number for o in hook.iter_odos(status="WAIT_OUTBOUND")] == waiting
    assert "outboundCost" in hook.query_odos(calculateCost=True, pageSize=1).items[0].model_extra


def test_asn_create_list_receive_and_stock(qianyi_conn, sandbox):
    hook = QianyiHook()
    sku = sandbox.qianyi.skus(limit=1)[0]
    before = sandbox.qianyi.inventory(sku).get("FBA美国", {"available": 0})["available"]
    created = hook.create_asn({"warehouseName": "FBA美国", "customNumber": "PO-77", "trackNumber": "TRK-1",
                               "asnSkuVOList": [{"sku": sku, "expectQuantity": 12, "purchasePrice": "1.5"}]})
    (stored,) = sandbox.qianyi.asns("PO-77")
    assert created["asnNumber"] == stored["asnNumber"] and stored["status"] == "NEW"
    assert [(line["sku"], int(line["expectQuantity"])) for line in stored["asnSkuVOList"]] == [(sku, 12)]
    listed = [a.asnNumber for a in hook.iter_asns()]
    assert listed == [a["asnNumber"] for a in sandbox.qianyi.asns()]
    assert [a.asnNumber for a in hook.iter_asns(number="PO-77")] == [stored["asnNumber"]]
    sandbox.qianyi.set_asn_status(stored["asnNumber"], "FINISHED")
    assert stored["asnNumber"] in [a.asnNumber for a in hook.iter_asns(status="FINISHED")]
    (row,) = hook.iter_stock(skus=[sku], warehouses=["FBA美国"])
    assert row.available == before + 12 == sandbox.qianyi.inventory(sku)["FBA美国"]["available"]
    with pytest.raises(NotFoundError):
        hook.create_asn({"warehouseName": "FBA美国", "asnSkuVOList": [{"sku": "NO-SUCH", "expectQuantity": 1}]})


def test_sales_orders_create_find_and_status(qianyi_conn, sandbox):
    hook = QianyiHook()
    sku = sandbox.qianyi.skus(limit=1)[0]
    order = {"shop": "demo-shop", "onlineOrderNumber": "WS-22", "currency": "GBP",
             "buyer": {"receiverName": "Ada", "country": "GB", "address1": "1 Street"},
             "skuList": [{"sku": sku, "quantity": 3, "payAmount": "4.50"}]}
    created = hook.create_sales_order(order)
    (stored,) = sandbox.qianyi.sales_orders("WS-22")
    assert (created["orderNumber"], created["status"]) == (stored["orderNumber"], stored["status"])
    assert [(line["sku"], line["quantity"]) for line in stored["skuList"]] == [(sku, 3)]
    found = list(hook.iter_sales_orders(orderNumbers=[stored["orderNumber"]]))
    assert [(o.orderNumber, o.onlineOrderNumber, o.shop) for o in found] == [(stored["orderNumber"], "WS-22",
                                                                              "demo-shop")]
    sandbox.qianyi.set_sales_order_status(stored["orderNumber"], "SHIPPED")
    assert [o.orderNumber for o in hook.iter_sales_orders(status="SHIPPED")] == [stored["orderNumber"]]
    with pytest.raises(BusinessError) as info:
        hook.create_sales_order(order)
    assert info.value.code == "order.id.exist" and sandbox.qianyi.sales_order_count("WS-22") == 1


def test_sku_status_and_update_reach_the_sandbox(qianyi_conn, sandbox):
    hook = QianyiHook()
    sku = sandbox.qianyi.skus(limit=1)[0]
    hook.set_sku_status(sku, False)
    assert sandbox.qianyi.sku(sku)["enable"] == 0
    hook.set_sku_status(sku, True)
    assert sandbox.qianyi.sku(sku)["enable"] == 1
    with pytest.raises(NotFoundError):
        hook.set_sku_status("NO-SUCH-SKU", 1)
