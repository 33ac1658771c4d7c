"""Bad input to every QianyiHook method is refused before any request, naming the field (issue 16 item 3)."""

from __future__ import annotations

import pytest

from airflow_provider_kakaclo.hooks.qianyi import QianyiHook
from airflow_provider_kakaclo.transport import RequestValidationError
from tests.conftest import set_connection

BASE = "https://qianyi.test"
SKU = {"sku": "S-1", "title": "Mug", "weight": 1, "netWeight": 1, "weightUnit": "KG", "length": 1, "width": 1,
       "height": 1, "dimensionUnit": "CM"}
LINE = {"sku": "S-1", "expectQuantity": 5}
ASN = {"warehouseName": "FBA美国", "asnSkuVOList": [LINE]}
ORDER = {"shop": "shop", "onlineOrderNumber": "WS-1", "buyer": {"receiverName": "Ada", "country": "GB",
                                                                "address1": "1 Street"},
         "skuList": [{"sku": "S-1", "quantity": 1}]}
ARABIC_3 = "\u0663"  # ARABIC-INDIC DIGIT THREE: str.isdigit() says True


@pytest.fixture
def hook(monkeypatch):
    set_connection(monkeypatch, "qianyi_default", conn_type="qianyi", host=BASE, login="app", password="secret-Qx",
                   extra={"backoff_initial": 0.001, "backoff_max": 0.01})
    return QianyiHook()


def with_line(**change):
    return {**ASN, "asnSkuVOList": [{**LINE, **change}]}


def with_order_line(**change):
    return {**ORDER, "skuList": [{**ORDER["skuList"][0], **change}]}


CASES = [
    # quantities <= 0, not whole, booleans, non-ASCII digits
    *[(f"create_asn expectQuantity={v!r}", lambda h, v=v: h.create_asn(with_line(expectQuantity=v)),
       "asnSkuVOList.0.expectQuantity") for v in (0, -5, 1.9, "1.5", True, ARABIC_3, "")],
    *[(f"create_sales_order quantity={v!r}", lambda h, v=v: h.create_sales_order(with_order_line(quantity=v)),
       "skuList.0.quantity") for v in (0, -1, 2.5, False, ARABIC_3)],
    *[(f"insert_sku singleSkuList quantity={v!r}",
       lambda h, v=v: h.insert_sku({**SKU, "singleSkuList": [{"sku": "C-1", "quantity": v}]}),
       "singleSkuList.0.quantity") for v in (0, -2, 0.5, True)],
    ("insert_sku batteryType=1.5", lambda h: h.insert_sku({**SKU, "batteryType": 1.5}), "batteryType"),
    # unknown enums
    ("set_sku_status enable=2", lambda h: h.set_sku_status("S-1", 2), "enable"),
    ("set_sku_status enable=0.5", lambda h: h.set_sku_status("S-1", 0.5), "enable"),
    ("set_sku_status enable='yes'", lambda h: h.set_sku_status("S-1", "yes"), "enable"),
    ("update_sku enable=3", lambda h: h.update_sku({**SKU, "enable": 3}), "enable"),
    ("insert_sku cdPriceMethod", lambda h: h.insert_sku({**SKU, "cdPriceMethod": "PERCENT"}), "cdPriceMethod"),
    ("query_custom_fields tableName", lambda h: h.query_custom_fields(tableName="SYS_FOO"), "tableName"),
    ("query_custom_fields columType", lambda h: h.query_custom_fields(columType="TEXT"), "columType"),
    ("query_custom_fields required=2", lambda h: h.query_custom_fields(required=2), "required"),
    ("query_warehouses status", lambda h: h.query_warehouses(status="OPEN"), "status"),
    ("query_asns timeType", lambda h: h.query_asns(timeType="SHIP_TIME", timeFrom="2024-01-01",
                                                   timeEnd="2024-01-02"), "timeType"),
    ("query_asns tag flag", lambda h: h.query_asns(tag={"sendWms": 2}), "tag.sendWms"),
    # empty id lists
    ("iter_skus skus=[]", lambda h: list(h.iter_skus(skus=[])), "skus"),
    ("query_skus skus=[]", lambda h: h.query_skus(skus=[]), "skus"),
    ("query_skus titles=[]", lambda h: h.query_skus(titles=[]), "titles"),
    ("query_skus custom filters=[]", lambda h: h.query_skus(skuCustomFieldValueSOList=[]),
     "skuCustomFieldValueSOList"),
    ("iter_inventory skus=[]", lambda h: list(h.iter_inventory("FBA美国", skus=[])), "skus"),
    ("query_inventory skuList=[]", lambda h: h.query_inventory(warehouse="FBA美国", skuList=[]), "skuList"),
    ("query_odos orderNumberList=[]", lambda h: h.query_odos(orderNumberList=[]), "orderNumberList"),
    ("query_odos customNumberList=[]", lambda h: h.query_odos(customNumberList=[]), "customNumberList"),
    ("query_sales_orders orderNumbers=[]", lambda h: h.query_sales_orders(orderNumbers=[]), "orderNumbers"),
    ("iter_stock skus=[]", lambda h: list(h.iter_stock(skus=[])), "skus"),
    ("iter_stock warehouses=[]", lambda h: list(h.iter_stock(warehouses=[])), "warehouses"),
    ("create_asn no lines", lambda h: h.create_asn({**ASN, "asnSkuVOList": []}), "asnSkuVOList"),
    ("create_sales_order no lines", lambda h: h.create_sales_order({**ORDER, "skuList": []}), "skuList"),
    ("insert_sku warehouseNameList=[]", lambda h: h.insert_sku({**SKU, "warehouseNameList": []}),
     "warehouseNameList"),
    ("query_skus 201 skus", lambda h: h.query_skus(skus=[f"S{i}" for i in range(201)]), "skus"),
    # commas in values the vendor may read as comma-joined
    ("query_sales_orders orderNumbers comma", lambda h: h.query_sales_orders(orderNumbers=["HE1,HE2"]),
     "orderNumbers.0"),
    ("query_sales_orders orderNumber comma", lambda h: h.query_sales_orders(orderNumber="HE1,HE2"), "orderNumber"),
    # non-ASCII digits as ids
    ("query_skus customFieldId", lambda h: h.query_skus(skuCustomFieldValueSOList=[{"customFieldId": ARABIC_3}]),
     "skuCustomFieldValueSOList.0.customFieldId"),
    ("insert_sku customFieldId", lambda h: h.insert_sku({**SKU, "skuCustomFieldValueVOList": [
        {"customFieldId": "\uff13", "value": "x"}]}), "skuCustomFieldValueVOList.0.customFieldId"),
    ("query_skus page", lambda h: h.query_skus(page=ARABIC_3), "page"),
    ("query_skus pageSize=0", lambda h: h.query_skus(pageSize=0), "pageSize"),
    ("query_skus pageSize=201", lambda h: h.query_skus(pageSize=201), "pageSize"),
    # whitespace-only references
    *[(f"create_sales_order {field} blank", lambda h, f=field: h.create_sales_order({**ORDER, f: "   "}), field)
      for field in ("onlineOrderNumber", "shop")],
    ("create_sales_order buyer blank name", lambda h: h.create_sales_order(
        {**ORDER, "buyer": {**ORDER["buyer"], "receiverName": " "}}), "buyer.receiverName"),
    ("create_sales_order buyer blank country", lambda h: h.create_sales_order(
        {**ORDER, "buyer": {**ORDER["buyer"], "country": "   "}}), "buyer.country"),
    ("create_sales_order line sku blank", lambda h: h.create_sales_order(with_order_line(sku="\t")), "skuList.0.sku"),
    *[(f"create_asn {field} blank", lambda h, f=field: h.create_asn({**ASN, f: "  "}), field)
      for field in ("warehouseName", "customNumber", "trackNumber", "type")],
    ("create_asn line sku blank", lambda h: h.create_asn(with_line(sku=" ")), "asnSkuVOList.0.sku"),
    ("insert_sku sku blank", lambda h: h.insert_sku({**SKU, "sku": "  "}), "sku"),
    ("update_sku title blank", lambda h: h.update_sku({**SKU, "title": " "}), "title"),
    ("insert_sku weightUnit blank", lambda h: h.insert_sku({**SKU, "weightUnit": " "}), "weightUnit"),
    ("set_sku_status sku blank", lambda h: h.set_sku_status(" ", 1), "sku"),
    ("query_inventory warehouse blank", lambda h: h.query_inventory(warehouse="  "), "warehouse"),
    ("iter_inventory warehouse blank", lambda h: list(h.iter_inventory(" ")), "warehouse"),
    ("iter_skus blank sku", lambda h: list(h.iter_skus(skus=["A", " "])), "skus.1"),
    ("query_odos blank number", lambda h: h.query_odos(customNumberList=[" "]), "customNumberList.0"),
    ("iter_stock blank warehouse", lambda h: list(h.iter_stock(warehouses=[""])), "warehouses.0"),
    # documented formats and limits
    ("query_odos date", lambda h: h.query_odos(createTimeFrom="yesterday"), "createTimeFrom"),
    ("query_asns partial time triplet", lambda h: h.query_asns(timeType="CREATE_TIME"), "timeType"),
    ("query_warehouses name length", lambda h: h.query_warehouses(name="w" * 51), "name"),
    ("insert_sku title length", lambda h: h.insert_sku({**SKU, "title": "t" * 256}), "title"),
    ("create_sales_order buyer missing", lambda h: h.create_sales_order(
        {k: v for k, v in ORDER.items() if k != "buyer"}), "buyer"),
]


@pytest.mark.parametrize(("name", "call", "field"), CASES, ids=[case[0] for case in CASES])
def test_bad_input_is_refused_before_any_request_naming_the_field(hook, requests_mock, name, call, field):
    with pytest.raises(RequestValidationError) as info:
        call(hook)
    assert field in str(info.value), str(info.value)
    assert info.value.vendor == "qianyi"
    assert requests_mock.call_count == 0


def test_an_unusable_status_service_type_extra_is_refused_before_any_request(monkeypatch, requests_mock):
    set_connection(monkeypatch, "qianyi_default", conn_type="qianyi", host=BASE, login="app", password="s",
                   extra={"sku_status_service_type": "DISABLE_SKU"})
    with pytest.raises(RequestValidationError, match="sku_status_service_type"):
        QianyiHook().set_sku_status("S-1", 1)
    assert requests_mock.call_count == 0


@pytest.mark.parametrize(("value", "sent"), [(True, 1), (False, 0), (1, 1), (0, 0), ("1", 1)])
def test_enable_flags_are_sent_as_0_or_1(hook, requests_mock, value, sent):
    import json

    from tests.hooks.test_qianyi_wire import form_of

    requests_mock.post(f"{BASE}/api/v1/sku", json={"state": "success", "bizContent": None})
    assert hook.set_sku_status("S-1", value) == {}
    assert json.loads(form_of(requests_mock.last_request)["bizParam"]) == {"sku": "S-1", "enable": sent}
