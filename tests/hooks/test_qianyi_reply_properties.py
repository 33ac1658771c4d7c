"""Every QianyiHook method's reply model, under replies of any shape (issue 16 item 2, hypothesis).

A success envelope whose content does not fit the method's model is a ``MalformedResponseError`` naming
qianyi and the service type (after a write: an ``AmbiguousWriteError``); whatever fits comes back typed.
Never a ``TypeError``, ``decimal.InvalidOperation``, ``OverflowError`` or a nonsense value.
"""

from __future__ import annotations

import json
import logging
from decimal import Decimal

import pytest
import requests_mock as rm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airflow_provider_kakaclo.hooks.qianyi import QianyiHook
from airflow_provider_kakaclo.models import qianyi as models
from airflow_provider_kakaclo.transport import AmbiguousWriteError, MalformedResponseError
from tests.conftest import set_connection

BASE = "https://qianyi.test"

junk = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=6),
    st.sampled_from(["abc", "NULL", "", "1e400", "Infinity", "-0", "12", "3.5", " 7 "]),
    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def records(fields: list[str]) -> st.SearchStrategy:
    """Objects with some of a model's fields (junk or plausible values) and some unknown ones."""
    return st.dictionaries(st.sampled_from([*fields, "extraField", "isDeleted"]), junk, max_size=len(fields) + 2)


def contents(fields: list[str]) -> st.SearchStrategy:
    result = st.one_of(st.lists(records(fields), max_size=4), junk)
    listing = st.fixed_dictionaries({"notSuccess": st.just(False), "state": st.just("success")},
                                    optional={"total": st.one_of(st.integers(-3, 6), junk), "result": result})
    return st.one_of(listing, junk)


def envelope(content) -> dict:
    return {"state": "success", "errorCode": "", "errorMsg": "", "bizContent": content if content is None
            else json.dumps(content, allow_nan=True)}


@pytest.fixture
def connection(monkeypatch):
    set_connection(monkeypatch, "qianyi_default", conn_type="qianyi", host=BASE, login="app", password="secret",
                   extra={"max_attempts": 1, "rate_limit_burst": 0})


def _fields(model) -> list[str]:
    return list(model.model_fields)


SKU = {"sku": "S-1", "title": "Mug", "weight": 1, "netWeight": 1, "weightUnit": "KG", "length": 1, "width": 1,
       "height": 1, "dimensionUnit": "CM"}
ORDER = {"shop": "shop", "onlineOrderNumber": "WS-1", "buyer": {"receiverName": "Ada", "country": "GB",
                                                                "address1": "1 Street"},
         "skuList": [{"sku": "S-1", "quantity": 1}]}

#: method name -> (module path, record fields, call, check of a returned value, is a write)
READS = {
    "query_skus": ("sku", _fields(models.SkuRecord), lambda h: h.query_skus().items, models.SkuRecord),
    "iter_skus": ("sku", _fields(models.SkuRecord), lambda h: list(h.iter_skus()), models.SkuRecord),
    "read_skus": ("sku", _fields(models.SkuRecord), lambda h: list(h.read_skus(["S-1"]).values()), dict),
    "query_custom_fields": ("property", _fields(models.CustomField), lambda h: h.query_custom_fields(),
                            models.CustomField),
    "query_inventory": ("inventory", _fields(models.InventoryRecord),
                        lambda h: h.query_inventory(warehouse="W").items, models.InventoryRecord),
    "iter_inventory": ("inventory", _fields(models.InventoryRecord), lambda h: list(h.iter_inventory("W")),
                       models.InventoryRecord),
    "iter_stock": ("inventory", _fields(models.InventoryRecord), lambda h: list(h.iter_stock(warehouses=["W"])),
                   None),
    "query_warehouses": ("warehouse", _fields(models.Warehouse), lambda h: h.query_warehouses().items,
                         models.Warehouse),
    "iter_warehouses": ("warehouse", _fields(models.Warehouse), lambda h: list(h.iter_warehouses()),
                        models.Warehouse),
    "query_odos": ("odo", _fields(models.OdoRecord), lambda h: h.query_odos().items, models.OdoRecord),
    "iter_odos": ("odo", _fields(models.OdoRecord), lambda h: list(h.iter_odos()), models.OdoRecord),
    "query_asns": ("asn", _fields(models.AsnRecord), lambda h: h.query_asns().items, models.AsnRecord),
    "iter_asns": ("asn", _fields(models.AsnRecord), lambda h: list(h.iter_asns()), models.AsnRecord),
    "query_sales_orders": ("salesOrder", _fields(models.SalesOrderRecord), lambda h: h.query_sales_orders().items,
                           models.SalesOrderRecord),
    "iter_sales_orders": ("salesOrder", _fields(models.SalesOrderRecord), lambda h: list(h.iter_sales_orders()),
                          models.SalesOrderRecord),
}
WRITES = {
    "insert_sku": ("sku", ["result"], lambda h: h.insert_sku(SKU)),
    "update_sku": ("sku", ["result"], lambda h: h.update_sku(SKU)),
    "set_sku_status": ("sku", ["result"], lambda h: h.set_sku_status("S-1", 1)),
    "create_asn": ("asn", _fields(models.AsnCreated),
                   lambda h: h.create_asn({"warehouseName": "W", "asnSkuVOList": [{"sku": "S-1", "expectQuantity": 1}]})),
    "create_sales_order": ("salesOrder", _fields(models.SalesOrderCreated), lambda h: h.create_sales_order(ORDER)),
}
EMPTY_PAGE = envelope({"notSuccess": False, "state": "success", "total": 0, "result": []})


def _plain(value) -> bool:
    """A value a typed record may hold: nothing from the junk that does not fit its field."""
    return value is None or isinstance(value, (str, int, Decimal, bool, list, dict))


@pytest.mark.parametrize("method", list(READS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(data=st.data())
def test_a_read_returns_typed_records_or_a_malformed_reply_error(connection, method, data):
    module, fields, call, model = READS[method]
    content = data.draw(contents(fields))
    with rm.Mocker() as mock:
        mock.post(f"{BASE}/api/v1/{module}", [{"json": envelope(content)}, {"json": EMPTY_PAGE}])
        hook = QianyiHook()
        try:
            items = call(hook)
        except MalformedResponseError as err:
            assert err.vendor == "qianyi" and err.endpoint.startswith(f"{module} "), err
            return
    for item in items:
        if model is None:  # stock rows: whole quantities
            assert type(item.available) is int and (item.reserved is None or isinstance(item.reserved, int))
            continue
        assert isinstance(item, model)
        if isinstance(item, models.InventoryRecord):
            assert all(v is None or type(v) is int for v in (item.available, item.allocated, item.total))
        if model is not dict:
            assert all(_plain(getattr(item, name)) for name in model.model_fields)
    if isinstance(content, dict) and isinstance(content.get("result"), list) and model is not None:
        assert len(items) <= len(content["result"])


@pytest.mark.parametrize("method", list(WRITES))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(data=st.data())
def test_a_write_returns_its_result_or_an_ambiguous_write(connection, method, data):
    module, fields, call = WRITES[method]
    content = data.draw(st.one_of(st.none(), st.just(""), contents(fields),
                                  st.fixed_dictionaries({"state": st.just("success")},
                                                        optional={"result": records(fields) | junk})))
    with rm.Mocker() as mock:
        mock.post(f"{BASE}/api/v1/{module}", json=envelope(content) if content != "" else
                  {"state": "success", "bizContent": ""})
        try:
            result = call(QianyiHook())
        except AmbiguousWriteError as err:
            assert err.vendor == "qianyi" and module in err.endpoint
            assert "outcome unknown" in err.message
            assert mock.call_count == 1  # never repeated blindly
            return
    assert isinstance(result, dict)
    if method == "create_sales_order" and result:
        assert isinstance(result["orderNumber"], str) and result["orderNumber"]
    if method == "create_asn" and result.get("asnNumber") is not None:
        assert isinstance(result["asnNumber"], str)


@pytest.mark.parametrize("content", [None, ""])
def test_a_read_without_bizcontent_is_malformed_but_a_write_is_a_success(connection, requests_mock, content):
    requests_mock.post(f"{BASE}/api/v1/warehouse", json={"state": "success", "bizContent": content})
    with pytest.raises(MalformedResponseError, match="warehouse QUERY_WAREHOUSE_LIST"):
        QianyiHook().query_warehouses()
    requests_mock.post(f"{BASE}/api/v1/salesOrder", json={"state": "success", "bizContent": content})
    assert QianyiHook().create_sales_order(ORDER) == {}


def test_a_server_that_ignores_page_is_malformed_not_an_endless_loop(connection, requests_mock):
    page = envelope({"notSuccess": False, "state": "success", "total": 10**9, "result": [{"sku": "A"}]})
    requests_mock.post(f"{BASE}/api/v1/sku", json=page)
    with pytest.raises(MalformedResponseError, match="repeats the rows"):
        list(QianyiHook().iter_skus())
    assert requests_mock.call_count == 2


def test_a_total_larger_than_what_comes_is_said_not_looped_on(connection, requests_mock, caplog):
    first = envelope({"notSuccess": False, "state": "success", "total": 5, "result": [{"sku": "A"}, {"sku": "B"}]})
    requests_mock.post(f"{BASE}/api/v1/sku", [{"json": first}, {"json": EMPTY_PAGE}])
    with caplog.at_level(logging.WARNING, logger="airflow_provider_kakaclo.hooks.qianyi"):
        assert [s.sku for s in QianyiHook().iter_skus()] == ["A", "B"]
    assert requests_mock.call_count == 2
    assert "total said 5 rows but page 2 came back empty after 2" in caplog.text


@pytest.mark.parametrize("number", ["", "   "])
def test_a_created_sales_order_with_a_blank_number_is_an_ambiguous_write(connection, number):
    """Found by the property test above: a success naming a blank orderNumber does not name the order."""
    module, _fields, call = WRITES["create_sales_order"]
    with rm.Mocker() as mock:
        mock.post(f"{BASE}/api/v1/{module}", json=envelope({"state": "success", "result": {"orderNumber": number}}))
        with pytest.raises(AmbiguousWriteError):
            call(QianyiHook())
    assert mock.call_count == 1
