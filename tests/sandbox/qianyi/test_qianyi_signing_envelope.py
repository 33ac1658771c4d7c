"""Qianyi transport: signature (spec §3), the two-layer envelope and outer errors (spec §4)."""

from __future__ import annotations

import hashlib
import json
import random

import pytest

from airflow_provider_kakaclo.sandbox.qianyi.signing import sign, sign_string, signed_form
from tests.sandbox.qianyi.qianyi_helpers import (
    APP_ID,
    APP_SECRET,
    biz_error,
    form,
    ok,
    outer_error,
    post,
)

VECTOR_BIZ = '{"page":1,"pageSize":2}'
VECTOR_STRING = ('appId=sandbox-qianyi-appbizParam={"page":1,"pageSize":2}serviceType=QUERY_WAREHOUSE_LIST'
                 'timestamp=1741593077529sandbox-qianyi-secret')
VECTOR_SIGN = "a66f0169ba31bf89a94ac480c571c76b"


def test_fixed_signing_vector_matches_an_independent_md5():
    assert hashlib.md5(VECTOR_STRING.encode("utf-8")).hexdigest() == VECTOR_SIGN
    fields = {"appId": APP_ID, "serviceType": "QUERY_WAREHOUSE_LIST", "bizParam": VECTOR_BIZ,
              "timestamp": "1741593077529"}
    assert sign_string(fields, APP_SECRET) == VECTOR_STRING
    assert sign(fields, APP_SECRET) == VECTOR_SIGN
    assert signed_form(APP_ID, APP_SECRET, "QUERY_WAREHOUSE_LIST", VECTOR_BIZ, 1741593077529)["sign"] == VECTOR_SIGN


def test_the_fixed_vector_is_accepted_on_the_wire(client):
    client.patch("/_sandbox/switches", json={"qianyi": {"timestamp_max_skew_seconds": 0}})  # a 2025 timestamp
    fields = {"appId": APP_ID, "serviceType": "QUERY_WAREHOUSE_LIST", "bizParam": VECTOR_BIZ,
              "timestamp": "1741593077529", "sign": VECTOR_SIGN}
    response = client.post("/qianyi/api/v1/warehouse", files={k: (None, v) for k, v in fields.items()})
    content = ok(response)
    assert content["total"] == 5 and len(content["result"]) == 2
    assert content["result"][0] == {"id": 13338, "name": "pm国内集货仓", "kind": "SHIP", "providerName": "自定义",
                                    "code": "PMCN01", "codeName": "PM China consolidation", "country": "CN",
                                    "timezoneId": "Asia/Shanghai", "status": "UNLOCK", "isDeleted": 0}


def test_signature_covers_the_exact_biz_param_string(client):
    fields = form("QUERY_WAREHOUSE_LIST", VECTOR_BIZ)
    fields["bizParam"] = '{"page": 1, "pageSize": 2}'  # same JSON, other bytes: the signature no longer holds
    response = client.post("/qianyi/api/v1/warehouse", files={k: (None, v) for k, v in fields.items()})
    body = outer_error(response)
    assert body["errorCode"] == "AUTH_001" and body["bizContent"] is None and body["requestId"] is None
    spaced = '{"page": 1, "pageSize": 2}'
    assert ok(post(client, "warehouse", "QUERY_WAREHOUSE_LIST", spaced))["total"] == 5


def test_non_ascii_biz_param_is_signed_as_utf8(client):
    content = ok(post(client, "inventory", "QUERY_SIMPLE_LIST_INVENTORY_V2",
                      {"warehouse": "best warehouse(测试用)", "page": 1, "pageSize": 1}))
    assert content["result"][0]["warehouse"] == "best warehouse(测试用)"


def test_wrong_secret_uppercase_sign_and_the_sign_case_switch(client):
    assert outer_error(post(client, "warehouse", "QUERY_WAREHOUSE_LIST", {}, secret="nope"))["errorCode"] == "AUTH_001"
    client.patch("/_sandbox/switches", json={"qianyi": {"auth_error_code": "SIGN_ERROR"}})
    upper = form("QUERY_WAREHOUSE_LIST", {})
    upper["sign"] = upper["sign"].upper()
    files = {k: (None, v) for k, v in upper.items()}
    assert outer_error(client.post("/qianyi/api/v1/warehouse", files=files))["errorCode"] == "SIGN_ERROR"
    client.patch("/_sandbox/switches", json={"qianyi": {"sign_case": "any"}})
    assert ok(client.post("/qianyi/api/v1/warehouse", files=files))["total"] == 5
    client.patch("/_sandbox/switches", json={"qianyi": {"verify_signature": False}})
    assert ok(post(client, "warehouse", "QUERY_WAREHOUSE_LIST", {}, sign="0" * 32))["total"] == 5


def test_extra_form_fields_are_signed_in_ascii_order(client):
    fields = form("QUERY_WAREHOUSE_LIST", {})
    fields["version"] = "v1"  # every parameter except sign is signed (spec §3 step 1)
    files = {k: (None, v) for k, v in fields.items()}
    assert outer_error(client.post("/qianyi/api/v1/warehouse", files=files))["errorCode"] == "AUTH_001"
    text = "".join(f"{k}={fields[k]}" for k in sorted(fields) if k != "sign") + APP_SECRET
    fields["sign"] = hashlib.md5(text.encode()).hexdigest()
    files = {k: (None, v) for k, v in fields.items()}
    assert ok(client.post("/qianyi/api/v1/warehouse", files=files))["total"] == 5


def test_unknown_app_answers_the_observed_app_not_exist_body(client):
    response = post(client, "sku", "QUERY_SIMPLE_LIST_SKU", {}, app_id="openApi_TEST")
    assert response.status_code == 200
    assert response.json() == {"errorCode": "APP_NOT_EXIST", "errorMsg": "app不存在", "state": "failure",
                               "success": False}
    missing = client.post("/qianyi/api/v1/sku", files={"serviceType": (None, "QUERY_SIMPLE_LIST_SKU")})
    assert missing.json()["errorCode"] == "APP_NOT_EXIST"


def test_credentials_come_from_settings_and_the_control_api(client):
    client.post("/_sandbox/reset", json={"qianyi": {"app_id": "CSBD_TEST", "app_secret": "s3cret"}})
    assert outer_error(post(client, "warehouse", "QUERY_WAREHOUSE_LIST", {}))["errorCode"] == "APP_NOT_EXIST"
    assert ok(post(client, "warehouse", "QUERY_WAREHOUSE_LIST", {}, app_id="CSBD_TEST", secret="s3cret"))
    assert client.put("/_sandbox/qianyi/apps", json={"appId": "a2", "appSecret": "b2"}).json() == {"apps": {"a2": "b2"}}
    assert ok(post(client, "warehouse", "QUERY_WAREHOUSE_LIST", {}, app_id="a2", secret="b2"))
    client.post("/_sandbox/reset")
    assert client.get("/_sandbox/qianyi/apps").json() == {"apps": {APP_ID: APP_SECRET}}
    assert client.put("/_sandbox/qianyi/apps", json={"apps": {}}).status_code == 400
    assert client.post("/_sandbox/reset", json={"qianyi": {"apps": {"x": 1}}}).status_code == 400


def test_urlencoded_bodies_are_accepted(client):
    response = client.post("/qianyi/api/v1/warehouse", data=form("QUERY_WAREHOUSE_LIST", {"page": 1}))
    assert ok(response)["total"] == 5


@pytest.mark.parametrize("content,content_type", [
    (b'{"appId":"sandbox-qianyi-app"}', "application/json"),
    (b"appId=x", "text/plain"),
    (b"", None),
])
def test_bodies_that_are_not_forms_are_data_input_errors(client, content, content_type):
    headers = {"content-type": content_type} if content_type else {}
    body = outer_error(client.post("/qianyi/api/v1/sku", content=content, headers=headers))
    assert body["errorCode"] == "DATA_INPUT_ERROR" and body["errorMsg"].startswith("The input of Params is incorrect")


def test_missing_fields_and_bad_timestamp(client):
    fields = form("QUERY_WAREHOUSE_LIST", {})
    del fields["timestamp"]
    response = client.post("/qianyi/api/v1/warehouse", files={k: (None, v) for k, v in fields.items()})
    assert outer_error(response)["errorCode"] == "DATA_INPUT_ERROR"
    assert outer_error(post(client, "warehouse", "QUERY_WAREHOUSE_LIST", {}, timestamp="yesterday"))[
        "errorCode"] == "DATA_INPUT_ERROR"


def test_seconds_timestamps_pass_and_the_skew_switch(client, wall):
    now_ms = str(int(wall().timestamp() * 1000))
    stale = str(int(wall().timestamp() * 1000) - 301_000)
    assert outer_error(post(client, "warehouse", "QUERY_WAREHOUSE_LIST", {}, timestamp=stale))["errorCode"] == \
        "TIMESTAMP_EXPIRED"  # the default: the zh guide's 5 minutes
    assert outer_error(post(client, "warehouse", "QUERY_WAREHOUSE_LIST", {}, timestamp="1731742317"))[
        "errorCode"] == "TIMESTAMP_EXPIRED"
    client.patch("/_sandbox/switches", json={"qianyi": {"timestamp_max_skew_seconds": 0}})
    assert ok(post(client, "warehouse", "QUERY_WAREHOUSE_LIST", {}, timestamp="1731742317"))  # doc sample: seconds
    assert ok(post(client, "warehouse", "QUERY_WAREHOUSE_LIST", {}, timestamp=stale))
    client.patch("/_sandbox/switches", json={"qianyi": {"timestamp_max_skew_seconds": 300}})
    assert ok(post(client, "warehouse", "QUERY_WAREHOUSE_LIST", {}, timestamp=now_ms))
    assert ok(post(client, "warehouse", "QUERY_WAREHOUSE_LIST", {}, timestamp=now_ms[:-3]))  # seconds too


def test_service_types_are_bound_to_their_module(client):
    body = outer_error(post(client, "sku", "QUERY_WAREHOUSE_LIST", {}))
    assert body["errorCode"] == "SERVICE_TYPE_NOT_EXIST" and "/api/v1/warehouse" in body["errorMsg"]
    assert outer_error(post(client, "sku", "NO_SUCH_TYPE", {}))["errorCode"] == "SERVICE_TYPE_NOT_EXIST"
    client.patch("/_sandbox/switches", json={"qianyi": {"wrong_module": "accept"}})
    assert ok(post(client, "sku", "QUERY_WAREHOUSE_LIST", {}))["total"] == 5


def test_deprecated_inventory_v1_switch(client):
    biz_param = {"warehouse": "FBA美国", "page": 1, "pageSize": 1}
    row = ok(post(client, "inventory", "QUERY_SIMPLE_LIST_INVENTORY", biz_param))["result"][0]
    assert "skuName" not in row and "unavailable" not in row
    client.patch("/_sandbox/switches", json={"qianyi": {"inventory_v1": "reject"}})
    assert outer_error(post(client, "inventory", "QUERY_SIMPLE_LIST_INVENTORY", biz_param))[
        "errorCode"] == "SERVICE_TYPE_NOT_EXIST"


@pytest.mark.parametrize("text", ["not json", "[1,2]", "null", '"x"', '{"page": NaN}', "{", "1e999999"])
def test_biz_param_that_is_not_a_json_object_is_a_business_data_input_error(client, text):
    code, message = biz_error(post(client, "sku", "QUERY_SIMPLE_LIST_SKU", text))
    assert code == "DATA_INPUT_ERROR" and message.startswith("The input of Params is incorrect")


def test_unknown_paths_and_methods_answer_envelopes(client):
    assert outer_error(client.post("/qianyi/api/v1/nothing"), 404)["errorCode"] == "NOT_FOUND"
    assert outer_error(client.get("/qianyi/api/v1/sku"), 405)["errorCode"] == "METHOD_NOT_ALLOWED"


def test_malformed_multipart_never_gives_a_500(client):
    cases = [
        (b"--zz\r\nContent-Disposition: form-data; name=\"appId\"\r\n\r\nsandbox", "multipart/form-data; boundary=zz",
         "APP_NOT_EXIST"),
        (b"garbage", "multipart/form-data", "DATA_INPUT_ERROR"),
        (b"\xff\xfe\x00", "multipart/form-data; boundary=zz", "DATA_INPUT_ERROR"),
        (b"appId=%ZZ&bizParam=%", "application/x-www-form-urlencoded", "APP_NOT_EXIST"),
    ]
    for content, content_type, code in cases:
        response = client.post("/qianyi/api/v1/sku", content=content, headers={"content-type": content_type})
        assert response.status_code == 200, response.text
        assert response.json()["state"] == "failure" and response.json()["errorCode"] == code


def test_wrong_types_everywhere_never_give_a_500(client):
    values = [None, True, 1, -1, 1.5, "x", "", [], ["a"], {}, {"a": 1}, "9" * 400, [1, 2], [{"x": None}]]
    calls = [("sku", st) for st in ("QUERY_SIMPLE_LIST_SKU", "INSERT_SKU_INFO", "UPDATE_SKU_INFO", "UPDATE_SKU_STATUS")]
    calls += [("property", "CUSTOMER_FIELD_QUERY"), ("inventory", "QUERY_SIMPLE_LIST_INVENTORY_V2"),
              ("warehouse", "QUERY_WAREHOUSE_LIST"), ("odo", "QUERY_ODO_LIST"), ("asn", "QUERY_ASN_LIST"),
              ("asn", "CREATE_ASN_ORDER"), ("salesOrder", "CREATE_SALES_ORDER"),
              ("salesOrder", "QUERY_SALES_ORDER_LIST")]
    keys = ["page", "pageSize", "skus", "titles", "sku", "title", "enable", "weight", "skuSupplierList",
            "singleSkuList", "skuCustomFieldValueSOList", "skuCustomFieldValueVOList", "warehouse", "tableName",
            "asnSkuVOList", "skuList", "buyer", "tag", "timeType", "updateTimeFrom", "orderNumbers", "payTime",
            "calculateCost", "required", "warehouseNameList"]
    combos = [(call, key, value) for call in calls for key in keys for value in values]
    for (module, service_type), key, value in random.Random(7).sample(combos, 700):
        response = post(client, module, service_type, {key: value})
        assert response.status_code == 200, (service_type, key, value, response.text)
        json.loads(response.json()["bizContent"])
