"""QianyiHook at the wire (requests-mock with the documented payloads): signing, both envelope layers."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from airflow_provider_kakaclo.hooks.qianyi import QianyiHook, sign
from airflow_provider_kakaclo.transport import (
    AmbiguousWriteError,
    AuthenticationError,
    BusinessError,
    MalformedResponseError,
    NotFoundError,
    RequestValidationError,
    ServerError,
)
from tests.conftest import set_connection

BASE = "https://qianyi.test"
FIXTURES = Path(__file__).parent.parent / "fixtures" / "qianyi"
APP_ID, SECRET = "openApi_TEST", "test-qianyi-secret-x1"


def sample(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


@pytest.fixture
def hook(monkeypatch):
    set_connection(monkeypatch, "qianyi_default", conn_type="qianyi", host=BASE, login=APP_ID, password=SECRET,
                   extra={"backoff_initial": 0.001, "backoff_max": 0.01})
    return QianyiHook()


def form_of(request) -> dict[str, str]:
    """Decode the multipart body the hook sent."""
    from email.parser import BytesParser
    from email.policy import default

    raw = b"Content-Type: " + request.headers["Content-Type"].encode() + b"\r\n\r\n" + request.body
    message = BytesParser(policy=default).parsebytes(raw)
    return {part.get_param("name", header="content-disposition"): part.get_content()
            for part in message.iter_parts()}


def test_fixed_signing_vector_matches_an_independent_md5():
    biz = '{"page":1,"pageSize":2}'
    text = "appId=CSBD_TEST" + "bizParam=" + biz + "serviceType=QUERY_ASN_LIST" + "timestamp=1741593077529" + "s3cret"
    # the hex below was computed once with coreutils' md5sum over the same string
    assert hashlib.md5(text.encode()).hexdigest() == "c14c914ce3b29ba67b265d806c3334ce"
    assert sign("CSBD_TEST", "QUERY_ASN_LIST", biz, "1741593077529", "s3cret") == "c14c914ce3b29ba67b265d806c3334ce"


def test_request_is_a_signed_multipart_post_of_the_exact_bizparam(hook, requests_mock):
    requests_mock.post(f"{BASE}/api/v1/warehouse", json=sample("warehouse_list"))
    page = hook.query_warehouses(page=1, pageSize=1)
    assert page.items[0].name == "pm国内集货仓" and page.items[0].id == "13338"
    request = requests_mock.last_request
    assert request.headers["Content-Type"].startswith("multipart/form-data")
    form = form_of(request)
    assert form["appId"] == APP_ID and form["serviceType"] == "QUERY_WAREHOUSE_LIST"
    assert form["bizParam"] == '{"page":1,"pageSize":1}'  # compact JSON, signed exactly as sent
    expected = hashlib.md5(
        f"appId={APP_ID}bizParam={form['bizParam']}serviceType=QUERY_WAREHOUSE_LIST"
        f"timestamp={form['timestamp']}{SECRET}".encode()).hexdigest()
    assert form["sign"] == expected and len(form["timestamp"]) == 13
    assert SECRET not in request.body.decode("utf-8", "replace")


def test_every_retry_is_signed_again_with_a_fresh_timestamp(hook, requests_mock, monkeypatch):
    clock = iter([1700000000.000, 1700000001.000, 1700000002.000])
    hook.transport.wire._clock = lambda: next(clock)
    requests_mock.post(f"{BASE}/api/v1/warehouse",
                       [{"status_code": 503, "text": "busy"}, {"json": sample("system_error")},
                        {"json": sample("warehouse_list")}])
    hook.query_warehouses()
    forms = [form_of(r) for r in requests_mock.request_history]
    assert [f["timestamp"] for f in forms] == ["1700000000000", "1700000001000", "1700000002000"]
    assert len({f["sign"] for f in forms}) == 3
    assert len({f["bizParam"] for f in forms}) == 1


@pytest.mark.parametrize(
    ("payload", "error", "code"),
    [
        ("app_not_exist", AuthenticationError, "APP_NOT_EXIST"),
        ("sku_not_exists", NotFoundError, "SKU_NOT_EXISTS_WITH_ARGS"),
        ("order_id_exist", BusinessError, "order.id.exist"),
    ],
)
def test_documented_errors_are_typed_with_the_code_verbatim(hook, requests_mock, payload, error, code):
    requests_mock.post(f"{BASE}/api/v1/sku", json=sample(payload))
    with pytest.raises(error) as info:
        hook.query_skus(skus=["ITEM-1"])
    assert info.value.code == code and info.value.vendor == "qianyi"
    assert info.value.endpoint == "sku QUERY_SIMPLE_LIST_SKU"
    assert requests_mock.call_count == 1  # none of these is worth repeating


def test_system_error_is_retried(hook, requests_mock):
    requests_mock.post(f"{BASE}/api/v1/sku", [{"json": sample("system_error")}, {"json": sample("sku_list")}])
    assert [s.sku for s in hook.query_skus().items] == ["SKU-001"]
    assert requests_mock.call_count == 2


def test_wrong_secret_is_an_authentication_error_naming_qianyi_and_the_service_type(hook, requests_mock):
    requests_mock.post(f"{BASE}/api/v1/sku", json={"state": "failure", "errorCode": "SIGN_ERROR",
                                                     "errorMsg": "sign mismatch", "bizContent": None})
    with pytest.raises(AuthenticationError, match=r"qianyi sku INSERT_SKU_INFO: sign mismatch"):
        hook.insert_sku(VALID_SKU)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"state": "success", "errorCode": "", "bizContent": "{not json"}, "bizContent is not JSON"),
        ({"state": "success", "errorCode": "", "bizContent": None}, "bizContent is missing"),
        ({"state": "success", "bizContent": "[1, 2]"}, "not a JSON object"),
    ],
)
def test_malformed_inner_layer_is_its_own_typed_error(hook, requests_mock, body, problem):
    requests_mock.post(f"{BASE}/api/v1/warehouse", json=body)
    with pytest.raises(MalformedResponseError, match=problem):
        hook.query_warehouses()


def test_outer_failure_without_bizcontent_and_inner_notsuccess_differ(hook, requests_mock):
    requests_mock.post(f"{BASE}/api/v1/sku", json={"state": "failure", "errorCode": "SOME_PLATFORM_ERROR",
                                                     "errorMsg": "platform says no"})
    with pytest.raises(BusinessError, match="platform says no") as outer:
        hook.query_skus()
    requests_mock.post(f"{BASE}/api/v1/sku", json={"state": "success", "bizContent": json.dumps(
        {"notSuccess": True, "state": "failure", "errorCode": "DATA_INPUT_ERROR",
         "errorMsg": "The input of Params is incorrect"})})
    with pytest.raises(BusinessError, match="The input of Params is incorrect") as inner:
        hook.query_skus()
    assert (outer.value.code, inner.value.code) == ("SOME_PLATFORM_ERROR", "DATA_INPUT_ERROR")


def test_html_error_page_is_a_server_error(hook, requests_mock):
    requests_mock.post(f"{BASE}/api/v1/sku", status_code=502, text="<html>Bad Gateway</html>")
    with pytest.raises(ServerError):
        hook.query_skus()


def test_insert_is_not_repeated_blindly(hook, requests_mock):
    requests_mock.post(f"{BASE}/api/v1/sku", status_code=502, text="<html>Bad Gateway</html>")
    with pytest.raises(AmbiguousWriteError):
        hook.insert_sku(VALID_SKU)
    assert requests_mock.call_count == 1


VALID_SKU = {"sku": "SKU-1", "title": "Mug", "weight": 0.5, "netWeight": 0.45, "weightUnit": "KG",
             "length": 10, "width": 8, "height": 12, "dimensionUnit": "CM"}


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"title": "t" * 256}, "title: String should have at most 255"),
        ({"batteryType": 7}, "batteryType"),
        ({"dangerousTransportGoodsType": "RADIOACTIVE"}, "dangerousTransportGoodsType"),
        ({"cdPriceMethod": "PERCENT"}, "cdPriceMethod"),
        ({"enable": 2}, "enable"),
        ({"saleStatus": "s" * 51}, "saleStatus"),
        ({"brand": "b" * 51}, "brand"),
        ({"unit": "u" * 129}, "unit"),
        ({"description": "d" * 2049}, "description"),
        ({"weight": None}, "weight"),
        ({"sku": ""}, "sku"),
        ({"skuSupplierList": [{"name": "ACME"}]}, "skuSupplierList.0.isDefault"),
    ],
)
def test_seed_limits_refused_before_any_request(hook, requests_mock, change, problem):
    with pytest.raises(RequestValidationError) as info:
        hook.insert_sku({**VALID_SKU, **change})
    assert problem in str(info.value) and "qianyi sku INSERT_SKU_INFO" in str(info.value)
    assert requests_mock.call_count == 0


def test_paging_asks_200_a_page_until_total(hook, requests_mock):
    def page(n, count, total=450):
        rows = [{"sku": f"S{n}-{i}", "title": "t"} for i in range(count)]
        biz = {"notSuccess": False, "state": "success", "total": total, "result": rows}
        return {"json": {"state": "success", "bizContent": json.dumps(biz)}}

    requests_mock.post(f"{BASE}/api/v1/sku", [page(1, 200), page(2, 200), page(3, 50)])
    assert len(list(hook.iter_skus())) == 450
    pages = [json.loads(form_of(r)["bizParam"]) for r in requests_mock.request_history]
    assert [(p["page"], p["pageSize"]) for p in pages] == [(1, 200), (2, 200), (3, 200)]


def test_sku_status_switch_for_the_enable_sku_spelling(monkeypatch, requests_mock):
    set_connection(monkeypatch, "qianyi_default", conn_type="qianyi", host=BASE, login=APP_ID, password=SECRET,
                   extra={"sku_status_service_type": "ENABLE_SKU"})
    requests_mock.post(f"{BASE}/api/v1/sku", json={"state": "success", "bizContent": '{"state":"success"}'})
    QianyiHook().set_sku_status("SKU-1", False)
    form = form_of(requests_mock.last_request)
    assert form["serviceType"] == "ENABLE_SKU" and json.loads(form["bizParam"]) == {"sku": "SKU-1", "enable": 0}
