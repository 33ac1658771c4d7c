"""Malformed vendor replies end in a typed error naming vendor and endpoint, never anything else.

Property-based (hypothesis) over the three decoders, plus replies that decode but do not fit the
documented shapes, through the hooks.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airflow_provider_kakaclo.hooks.birdsystem import BirdSystemHook, decode_birdsystem
from airflow_provider_kakaclo.hooks.kakaclo import KakaCloHook, decode_kakaclo
from airflow_provider_kakaclo.hooks.qianyi import QianyiHook, decode_qianyi
from airflow_provider_kakaclo.transport import MalformedResponseError, VendorError
from airflow_provider_kakaclo.transport.core import RawResponse
from tests.conftest import set_connection

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
    | st.sampled_from(["NULL", "success", "failure", "10000", "Login Required!"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["code", "data", "message", "state", "bizContent", "success", "total", "list", "result",
                         "errorCode", "notSuccess", "id"]), children, max_size=5),
    max_leaves=15,
)
bodies = st.one_of(
    st.binary(max_size=200),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.sampled_from([b"", b"<html><body>502 Bad Gateway</body></html>", b'{"code": 10000, "data": {"li',
                     b'{"state":"success","bizContent":"{not json"}', b"null", b"[]"]),
)
statuses = st.sampled_from([200, 201, 400, 401, 403, 404, 429, 500, 502, 503, 504])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=bodies, status=statuses)
@pytest.mark.parametrize("decode", [decode_kakaclo, decode_qianyi, decode_birdsystem])
def test_decoders_return_data_or_raise_a_typed_error(decode, body, status):
    try:
        decode("GET /x", RawResponse(status, {}, body))
    except VendorError as err:
        assert err.vendor in ("kakaclo", "qianyi", "birdsystem") and err.endpoint == "GET /x"


@pytest.fixture
def connections(monkeypatch):
    for conn_id, conn_type, extra in [("kakaclo_default", "kakaclo", {}), ("qianyi_default", "qianyi", {}),
                                      ("birdsystem_default", "birdsystem", {"company_id": 1})]:
        set_connection(monkeypatch, conn_id, conn_type=conn_type, host=f"https://{conn_type}.test", login="app",
                       password="secret", extra={**extra, "rate_limit_burst": 0, "max_attempts": 1})


@pytest.mark.parametrize(
    ("url", "reply", "call"),
    [
        ("https://kakaclo.test/openapi/v2/order/orders", {"code": 10000, "data": {"list": [{"status": "paid"}]}},
         lambda: KakaCloHook().get_orders(ids=["1"])),  # an order without its id
        ("https://kakaclo.test/openapi/v1/product/stocks", {"code": 10000, "data": {"list": [{"qty": 1}]}},
         lambda: list(KakaCloHook().iter_stocks(skus=["A"]))),
        ("https://qianyi.test/api/v1/sku", {"state": "success", "bizContent": json.dumps(
            {"state": "success", "result": [{"title": "no sku"}]})}, lambda: list(QianyiHook().iter_skus())),
        ("https://birdsystem.test/client/Consignment", {"success": True, "data": [{"status": "PENDING"}]},
         lambda: BirdSystemHook().get_consignment(5)),
    ],
)
def test_replies_that_miss_documented_fields_are_typed_errors(connections, requests_mock, url, reply, call):
    requests_mock.register_uri("GET" if "order" in url or "stock" in url or "Consign" in url else "POST", url,
                               json=reply)
    with pytest.raises(MalformedResponseError, match="reply does not have the documented shape") as info:
        call()
    assert info.value.vendor in url and info.value.endpoint != "reply"
