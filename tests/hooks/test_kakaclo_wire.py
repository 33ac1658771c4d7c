"""KakaCloHook at the wire, against the documented sample payloads (tests/fixtures/kakaclo)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from airflow_provider_kakaclo.hooks.kakaclo import KakaCloHook
from airflow_provider_kakaclo.transport import RequestValidationError

BASE = "https://kakaclo.test"
FIXTURES = Path(__file__).parent.parent / "fixtures" / "kakaclo"


def sample(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


@pytest.fixture
def hook(kakaclo_mock_conn):
    return KakaCloHook()


def test_products_sample_parses_with_its_quirks(hook, requests_mock):
    requests_mock.get(f"{BASE}/openapi/v1/product/products", json=sample("products"))
    page = hook.get_products(spus=["AMN00769"])
    product = page.items[0]
    assert requests_mock.last_request.qs == {"spus": ["amn00769"]}
    assert product.kkProductId == "1177295"  # a JSON number, compared as a string
    assert product.attributesJson == {"season": "Spring-Summer", "waistline": "Mid waist"}
    sku = product.skuDetails[0]
    assert (sku.sku, sku.option("color"), sku.option("size"), sku.option("print")) == (
        "AMN00769_DGR_XL_AU", "Charcoal grey", "XL", None)
    assert sku.packageWeight == Decimal("256") and sku.price == Decimal("5.98")
    assert (page.total, page.pageSize) == (1, 1)


def test_products_accepts_skulist_spelling(hook, requests_mock):
    body = sample("products")
    body["data"]["list"][0]["skuList"] = body["data"]["list"][0].pop("skuDetails")
    requests_mock.get(f"{BASE}/openapi/v1/product/products", json=body)
    assert hook.get_products(skus=["AMN00769_DGR_XL_AU"]).items[0].skuDetails[0].sku == "AMN00769_DGR_XL_AU"


def test_stock_sample(hook, requests_mock):
    requests_mock.get(f"{BASE}/openapi/v1/product/stocks", json=sample("stocks"))
    page = hook.get_stocks(skus=["FSZW03961_Y_S_NUB"])
    assert page.items[0].total == 65
    assert [(w.warehouseCode, w.qty) for w in page.items[0].warehouseStockList] == [("G006", 45), ("G007", 20)]


def test_iter_stocks_sends_skus_thirty_at_a_time(hook, requests_mock):
    requests_mock.get(f"{BASE}/openapi/v1/product/stocks", json={"code": 10000, "data": {"list": []}})
    skus = [f"SKU{i:04d}" for i in range(65)]
    list(hook.iter_stocks(skus=skus))
    sent = [r.qs["skus"][0].upper().split(",") for r in requests_mock.request_history]
    assert [len(s) for s in sent] == [30, 30, 5]
    assert sum(sent, []) == skus


def test_iter_stocks_window_walks_pages_until_total(hook, requests_mock):
    def page(n, count, total):
        rows = [{"sku": f"S{n}-{i}", "warehouseStockList": []} for i in range(count)]
        return {"json": {"code": 10000, "data": {"total": total, "pageNumber": n, "pageSize": 30, "list": rows}}}

    requests_mock.get(f"{BASE}/openapi/v1/product/stocks", [page(1, 30, 65), page(2, 30, 65), page(3, 5, 65)])
    rows = list(hook.iter_stocks(date_start="2022-08-01T00:00:00Z", date_end="2022-08-02T00:00:00Z"))
    assert len(rows) == 65
    assert [r.qs["pagenumber"] for r in requests_mock.request_history] == [["1"], ["2"], ["3"]]


def test_order_sample_tolerates_null_literal_and_string_ids(hook, requests_mock):
    requests_mock.get(f"{BASE}/openapi/v2/order/orders", json=sample("orders_waiting_to_ship"))
    order = hook.get_orders(ids=[1000000463303]).items[0]
    assert requests_mock.last_request.qs["ids"] == ["1000000463303"]
    assert (order.id, order.customOrderId, order.refundStatus, order.fulfillments) == (
        "1000000463303", "1003", None, None)
    assert order.finalAmount == Decimal("22.2100")
    assert [i.countryCode for i in order.orderItems] == ["CN", "US"]
    assert order.orderItems[0].option1.value == "Champlain color"
    assert order.modifyDate == "2022-09-29T09:18:22Z"


def test_refund_status_refund_spelling_means_refunded(hook, requests_mock):
    body = sample("orders_waiting_to_ship")
    body["data"]["list"][0]["refundStatus"] = "refund"
    body["data"]["list"][0]["updateDate"] = body["data"]["list"][0].pop("modifyDate")
    requests_mock.get(f"{BASE}/openapi/v2/order/orders", json=body)
    order = hook.get_orders(ids=["1000000463303"]).items[0]
    assert order.refundStatus == "refunded" and order.modifyDate == "2022-09-29T09:18:22Z"


def test_create_order_returns_numeric_id_as_string_and_sends_order_addresses(hook, requests_mock):
    requests_mock.post(f"{BASE}/openapi/v2/order/orders", json=sample("create_order"))
    order_id = hook.create_order({
        "orderAddress": {"country": "US", "city": "Orlafasns", "phone": "07 82 24 67 93",
                         "recipient": "Lffsollia Odfsdlena", "street1": " 7 rue  Rabelais",
                         "province": " de Lofasfasire", "zip": "vsvs00v30"},
        "remark": "best order", "orderItemsList": [{"sku": "AMB01682_W_M_AU", "quantity": 1}],
        "salePlatform": "KA", "customOrderId": "KA10001", "channelType": "Standard",
    })
    assert order_id == "1000000371651"
    sent = requests_mock.last_request.json()
    assert "orderAddresses" in sent and "orderAddress" not in sent
    assert sent["orderAddresses"]["street1"] == " 7 rue  Rabelais"  # sent as given


def test_refund_and_query_refund(hook, requests_mock):
    requests_mock.post(f"{BASE}/openapi/v2/order/orders/1000000387523/refund", json=sample("refund"))
    requests_mock.get(f"{BASE}/openapi/v2/order/orders/refund/1000000387523", json=sample("query_refund"))
    assert hook.refund_order("1000000387523", {"remark": "other reason"}) == "10002"
    assert requests_mock.request_history[0].json() == {"remark": "other reason", "refundReason": "Other"}
    refund = hook.get_refunds(1000000387523)[0]
    assert (refund.refundNo, refund.id, refund.refundStatus) == (
        "1560897343230267394", "1000000387523", "refund_successfully")


def test_freight_trial(hook, requests_mock):
    requests_mock.post(f"{BASE}/openapi/v2/order/orders/channel/automationSplit", json=sample("automation_split"))
    trial = hook.trial_split_freight([{"sku": "FSZW06578_P_L_NUB", "quantity": 1}], "US")
    assert {c.channelType: c.estimatedFreight for c in trial} == {
        "Express": Decimal("6.1600"), "Expedited": Decimal("24.2500"), "Standard": Decimal("5.0400")}
    assert requests_mock.last_request.json() == {
        "shipToCountry": "US", "products": [{"sku": "FSZW06578_P_L_NUB", "quantity": 1}]}


def test_custom_product_samples(hook, requests_mock):
    requests_mock.get(f"{BASE}/openapi/v1/product/custom/modelCategoryName/search", json=sample("design_category_names"))
    requests_mock.post(f"{BASE}/openapi/v1/product/custom/designModel/search", json=sample("design_models"))
    requests_mock.get(f"{BASE}/openapi/v1/product/custom/designModel/detail/73", json=sample("design_model_detail"))
    assert "T-shirt" in hook.get_design_category_names()
    models = list(hook.iter_design_models(categoryNames=["T-shirt"]))
    assert [(m.id, m.modelCode) for m in models] == [("73", "PODQRA028")]
    detail = hook.get_design_model(73)
    assert detail.enSizeContent[0]["sheet_name"] == "Size Chart" and len(detail.variants) == 2


def test_placeholder_category_sample(hook, requests_mock):
    requests_mock.get(f"{BASE}/openapi/v1/product/category", json=sample("category"))
    (category,) = hook.get_categories()
    assert category.categoryId is None and category.child == []


@pytest.mark.parametrize("data", [{"balance": 12.5, "currency": "USD"}, 12.5, "12.5"])
def test_balance_tolerates_object_or_bare_number(hook, requests_mock, data):
    requests_mock.get(f"{BASE}/openapi/v1/payment/balance", json={"code": 10000, "data": data})
    assert hook.get_balance().balance == Decimal("12.5")


def test_base_url_with_documented_openapi_suffix_is_not_doubled(monkeypatch, requests_mock):
    from tests.conftest import set_connection

    set_connection(monkeypatch, "kakaclo_default", conn_type="kakaclo", host="https://kakaclo.test/openapi/",
                   password="t", extra={"rate_limit_burst": 0})
    requests_mock.get(f"{BASE}/openapi/v1/product/countryAndWarehouse", json={"code": 10000, "data": {"list": []}})
    assert KakaCloHook().get_warehouses() == []


GOOD_ADDRESS = {"country": "US", "phone": "1", "recipient": "R", "province": "P"}


@pytest.mark.parametrize(
    ("order", "problem"),
    [
        ({"orderItemsList": [{"sku": "A", "quantity": 1}]}, "orderAddresses: Field required"),
        ({"orderAddresses": {**GOOD_ADDRESS, "recipient": ""}, "orderItemsList": [{"sku": "A", "quantity": 1}]},
         "orderAddresses.recipient"),
        ({"orderAddresses": {**GOOD_ADDRESS, "recipient": "x" * 33}, "orderItemsList": [{"sku": "A", "quantity": 1}]},
         "at most 32 characters"),
        ({"orderAddresses": {**GOOD_ADDRESS, "street1": "x" * 65}, "orderItemsList": [{"sku": "A", "quantity": 1}]},
         "orderAddresses.street1"),
        ({"orderAddresses": GOOD_ADDRESS, "orderItemsList": []}, "orderItemsList"),
        ({"orderAddresses": GOOD_ADDRESS, "orderItemsList": [{"sku": "A", "quantity": 0}]}, "greater than 0"),
        ({"orderAddresses": GOOD_ADDRESS, "orderItemsList": [{"sku": "A", "quantity": -2}]}, "greater than 0"),
        ({"orderAddresses": GOOD_ADDRESS, "orderItemsList": [{"sku": "A" * 65, "quantity": 1}]}, "sku"),
        ({"orderAddresses": GOOD_ADDRESS, "orderItemsList": [{"sku": "A", "quantity": 1}], "channelType": "Slow"},
         "channelType"),
        ({"orderAddresses": GOOD_ADDRESS, "orderItemsList": [{"sku": "A", "quantity": 1}], "customOrderId": " \t"},
         "customOrderId"),
        ({"orderAddresses": GOOD_ADDRESS, "orderItemsList": [{"sku": "A", "quantity": 1.9}]}, "quantity"),
        ({"orderAddresses": GOOD_ADDRESS, "orderItemsList": [{"sku": "A", "quantity": True}]}, "quantity"),
    ],
)
def test_bad_order_refused_before_any_request(hook, requests_mock, order, problem):
    with pytest.raises(RequestValidationError, match="kakaclo POST /openapi/v2/order/orders") as info:
        hook.create_order(order)
    assert problem in str(info.value)
    assert requests_mock.call_count == 0


@pytest.mark.parametrize(
    ("call", "problem"),
    [
        (lambda h: h.get_products(), "give spus, skus, categoryId"),
        (lambda h: h.get_products(spus=[f"S{i}" for i in range(31)]), "at most 30"),
        (lambda h: h.get_products(categoryId=3654), "pageNumber"),
        (lambda h: h.get_products(dateStartTime="2022-02-01T00:00:00Z", dateEndTime="2022-01-01T00:00:00Z",
                                  pageNumber=1), "must not be later"),
        (lambda h: h.get_stocks(), "give skus"),
        (lambda h: h.get_stocks(dateStartTime="2022-08-01T00:00:00Z", dateEndTime="2022-08-02T00:00:00Z"),
         "pageNumber"),
        (lambda h: h.get_orders(pageSize=251), "pageSize"),
        (lambda h: h.refund_order("1000000387523", {"refundReason": "Changed my mind"}), "refundReason"),
        (lambda h: h.refund_order("1000000387523", {"orderItems": [
            {"itemId": "1", "skuCode": "A", "quantity": 1, "countryCode": "FR"}]}), "countryCode"),
        (lambda h: h.refund_order("1000000387523", {"orderItems": []}), "at least one item"),
        (lambda h: h.refund_order("../etc", {}), "id must be digits"),
        (lambda h: h.trial_split_freight([], "US"), "products"),
        (lambda h: h.search_design_models(pageSize=101), "pageSize"),
    ],
)
def test_bad_queries_refused_before_any_request(hook, requests_mock, call, problem):
    with pytest.raises(RequestValidationError) as info:
        call(hook)
    assert problem in str(info.value)
    assert requests_mock.call_count == 0


def test_v1_endpoints_warn_as_legacy(hook, requests_mock):
    requests_mock.get(f"{BASE}/openapi/v1/order/orders", json={"code": 10000, "data": {"list": []}})
    with pytest.warns(DeprecationWarning, match="outdated"):
        hook.v1_get_orders(status=["waiting_payment", "cancel"])
    assert requests_mock.last_request.qs["status"] == ["waiting_payment,cancel"]
