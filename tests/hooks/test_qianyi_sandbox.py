"""QianyiHook over real HTTP against the sandbox (an independent reading of the same docs)."""

from __future__ import annotations

import pytest

from airflow_provider_kakaclo.hooks.qianyi import QianyiHook
from airflow_provider_kakaclo.transport import AuthenticationError, BusinessError, RequestValidationError
from tests.conftest import set_connection

NEW_SKU = {"sku": "MUG-001", "title": "Mug", "weight": 350, "netWeight": 320, "weightUnit": "G",
           "length": 12, "width": 9, "height": 10, "dimensionUnit": "CM", "batteryType": 0,
           "dangerousTransportGoodsType": "NONE", "cdPriceMethod": "RATE",
           "skuSupplierList": [{"name": "Acme", "isDefault": True, "purchaserList": ["ann"], "deliveryCycle": 3}]}


def test_listing_1000_skus_takes_exactly_5_requests_of_200(qianyi_conn, sandbox):
    sandbox.reset(qianyi={"sku_count": 1000})
    skus = list(QianyiHook().iter_skus())
    assert len(skus) == len({s.sku for s in skus}) == 1000
    assert sandbox.qianyi.calls() == {"QUERY_SIMPLE_LIST_SKU": 5}


def test_wrong_secret_is_an_authentication_error_naming_qianyi_and_the_service_type(qianyi_conn, sandbox, monkeypatch):
    set_connection(monkeypatch, "qianyi_default", conn_type="qianyi", host=f"{sandbox.base_url}/qianyi",
                   login="sandbox-qianyi-app", password="not-the-secret")
    with pytest.raises(AuthenticationError, match=r"qianyi warehouse QUERY_WAREHOUSE_LIST") as info:
        QianyiHook().query_warehouses()
    assert info.value.code  # the sandbox's (invented) signature code, verbatim
    ok, message = QianyiHook().test_connection()
    assert not ok and "refused the credentials" in message and "appId and appSecret" in message


def test_unknown_app_is_app_not_exist(qianyi_conn, sandbox, monkeypatch):
    set_connection(monkeypatch, "qianyi_default", conn_type="qianyi", host=f"{sandbox.base_url}/qianyi",
                   login="someone-else", password="x")
    with pytest.raises(AuthenticationError) as info:
        QianyiHook().query_warehouses()
    assert info.value.code == "APP_NOT_EXIST"


def test_insert_then_query_then_update_then_disable(qianyi_conn, sandbox):
    hook = QianyiHook()
    hook.insert_sku(NEW_SKU)
    (stored,) = hook.query_skus(skus=["MUG-001"]).items
    assert (stored.title, stored.weight, stored.enable) == ("Mug", 350, 1)
    hook.update_sku({**NEW_SKU, "title": "Big mug"})
    assert hook.query_skus(skus=["MUG-001"]).items[0].title == "Big mug"
    hook.set_sku_status("MUG-001", False)
    assert hook.query_skus(skus=["MUG-001"]).items[0].enable == 0
    with pytest.raises(BusinessError):
        hook.insert_sku(NEW_SKU)  # a duplicate SKU is refused by the vendor


@pytest.mark.parametrize("change", [{"title": "t" * 256}, {"batteryType": 7}, {"dangerousTransportGoodsType": "GAS"}])
def test_seed_limits_refused_before_any_request(qianyi_conn, sandbox, change):
    with pytest.raises(RequestValidationError):
        QianyiHook().insert_sku({**NEW_SKU, **change})
    assert sandbox.qianyi.calls() == {}
    assert sandbox.stats("qianyi")["requests"] == 0


def test_inventory_warehouses_and_connection_test(qianyi_conn, sandbox):
    hook = QianyiHook()
    warehouses = list(hook.iter_warehouses())
    assert warehouses
    name = warehouses[0].name
    rows = list(hook.iter_inventory(name))
    assert all(r.warehouse in (None, name) for r in rows)
    ok, message = hook.test_connection()
    assert ok and "signature accepted" in message


def test_sales_order_duplicate_is_order_id_exist(qianyi_conn, sandbox):
    hook = QianyiHook()
    sku = sandbox.qianyi.skus(limit=1)[0]
    order = {"shop": "demo-shop", "onlineOrderNumber": "WS-1", "buyer": {
        "receiverName": "Ada", "country": "GB", "address1": "1 Street", "city": "London"},
        "skuList": [{"sku": sku, "quantity": 1}]}
    hook.create_sales_order(order)
    with pytest.raises(BusinessError) as info:
        hook.create_sales_order(order)
    assert info.value.code == "order.id.exist"
