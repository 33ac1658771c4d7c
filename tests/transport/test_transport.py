"""Retry matrix, Retry-After, auth per attempt, credential refresh, masking: at the wire, with requests-mock."""

from __future__ import annotations

import logging
import pickle

import pytest
import requests

from airflow_provider_kakaclo.hooks.kakaclo import KakaCloHook
from airflow_provider_kakaclo.transport import (
    AmbiguousWriteError,
    AuthenticationError,
    BusinessError,
    ServerError,
    ThrottledError,
    TransportError,
    VendorError,
)
from airflow_provider_kakaclo.transport.core import Call, TransportSettings, backoff_seconds, should_retry
from tests.conftest import TEST_TOKEN, set_connection

BASE = "https://kakaclo.test"
WAREHOUSES = f"{BASE}/openapi/v1/product/countryAndWarehouse"
ORDERS = f"{BASE}/openapi/v2/order/orders"
OK = {"json": {"code": 10000, "message": "success", "data": {"list": [{"warehouseCode": "G007"}]}}}
ORDER = {
    "orderAddresses": {"country": "US", "phone": "1", "recipient": "R", "province": "P"},
    "orderItemsList": [{"sku": "AMN00432_B_M", "quantity": 1}],
    "customOrderId": "ref-1",
}


@pytest.fixture
def hook(kakaclo_mock_conn):
    h = KakaCloHook()
    h.transport.sleep = lambda seconds: None
    return h


@pytest.mark.parametrize(
    "first",
    [
        {"status_code": 429},
        {"status_code": 503, "text": "<html>Service Unavailable</html>"},
        {"status_code": 500, "json": {"code": 50000, "message": "boom"}},
        {"exc": requests.exceptions.ConnectionError("connection reset")},
        {"exc": requests.exceptions.ReadTimeout("read timed out")},
        {"status_code": 200, "text": '{"code": 10000, "data": {"li'},  # truncated JSON
    ],
)
def test_reads_are_retried_on_transient_failures(hook, requests_mock, first):
    requests_mock.get(WAREHOUSES, [first, OK])
    assert [w.warehouseCode for w in hook.get_warehouses()] == ["G007"]
    assert requests_mock.call_count == 2


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        ({"status_code": 401, "text": ""}, AuthenticationError),
        ({"status_code": 200, "json": {"code": 20001, "message": "sku not exist"}}, BusinessError),
    ],
)
def test_final_errors_are_not_retried(hook, requests_mock, reply, error):
    requests_mock.get(WAREHOUSES, [reply, OK])
    with pytest.raises(error) as info:
        hook.get_warehouses()
    assert requests_mock.call_count == 1
    assert info.value.vendor == "kakaclo"
    assert info.value.endpoint == "GET /openapi/v1/product/countryAndWarehouse"


def test_business_error_keeps_vendor_code_and_message_verbatim(hook, requests_mock):
    requests_mock.get(WAREHOUSES, json={"code": 20001, "message": "sku not exist"})
    with pytest.raises(BusinessError) as info:
        hook.get_warehouses()
    assert (info.value.code, info.value.message, info.value.http_status) == ("20001", "sku not exist", 200)


def test_retries_stop_after_max_attempts(hook, requests_mock):
    requests_mock.get(WAREHOUSES, status_code=503, text="down")
    with pytest.raises(ServerError):
        hook.get_warehouses()
    assert requests_mock.call_count == hook.transport.settings.max_attempts == 5


@pytest.mark.parametrize(
    "failure",
    [
        {"status_code": 502, "text": "bad gateway"},
        {"exc": requests.exceptions.ReadTimeout("read timed out")},
        {"exc": requests.exceptions.ChunkedEncodingError("connection broken: IncompleteRead")},
        {"status_code": 200, "text": "<html>gateway</html>"},
    ],
)
def test_unsafe_write_with_unknown_outcome_is_ambiguous_not_retried(hook, requests_mock, failure):
    requests_mock.post(ORDERS, [failure, {"json": {"code": 10000, "data": 1000000371651}}])
    with pytest.raises(AmbiguousWriteError) as info:
        hook.create_order(ORDER)
    assert requests_mock.call_count == 1
    assert isinstance(info.value.cause, VendorError)


@pytest.mark.parametrize(
    "refused",
    [{"status_code": 429}, {"exc": requests.exceptions.ConnectTimeout("connect timed out")}],
)
def test_unsafe_write_is_retried_when_the_vendor_certainly_did_not_act(hook, requests_mock, refused):
    requests_mock.post(ORDERS, [refused, {"json": {"code": 10000, "data": 1000000371651}}])
    assert hook.create_order(ORDER) == "1000000371651"
    assert requests_mock.call_count == 2


def test_retry_after_is_honoured(kakaclo_mock_conn, requests_mock):
    hook = KakaCloHook()
    slept = []
    hook.transport.sleep = slept.append
    requests_mock.get(WAREHOUSES, [{"status_code": 429, "headers": {"Retry-After": "0.2"}}, OK])
    hook.get_warehouses()
    assert len(slept) == 1 and slept[0] >= 0.2


def test_backoff_is_exponential_jittered_and_capped():
    settings = TransportSettings("https://x", backoff_initial=1, backoff_max=8)
    err = ServerError("v", "e", "m")
    for attempt, ceiling in [(1, 1), (2, 2), (3, 4), (4, 8), (9, 8)]:
        waits = [backoff_seconds(err, attempt, settings) for _ in range(50)]
        assert all(0 <= w <= ceiling for w in waits)
    throttled = ThrottledError("v", "e", "m", retry_after=5)
    assert backoff_seconds(throttled, 1, settings) >= 5


def test_should_retry_matrix():
    read, write = Call("GET", "/x"), Call("POST", "/x", retry_safe=False)
    assert should_retry(ServerError("v", "e", "m"), read)
    assert not should_retry(ServerError("v", "e", "m"), write)
    assert should_retry(ThrottledError("v", "e", "m"), write)
    assert should_retry(TransportError("v", "e", "m", not_processed=True), write)
    assert not should_retry(TransportError("v", "e", "m"), write)
    assert not should_retry(AuthenticationError("v", "e", "m"), read)
    assert not should_retry(ValueError("x"), read)


def test_bearer_token_applied_on_every_attempt(hook, requests_mock):
    requests_mock.get(WAREHOUSES, [{"status_code": 503}, {"status_code": 503}, OK])
    hook.get_warehouses()
    assert [r.headers["Authorization"] for r in requests_mock.request_history] == [f"Bearer {TEST_TOKEN}"] * 3
    assert requests_mock.request_history[0].headers["User-Agent"].startswith("airflow-provider-kakaclo/")


def test_rotated_token_is_picked_up_without_restart(hook, requests_mock, monkeypatch):
    hook.get_connection  # noqa: B018
    requests_mock.get(WAREHOUSES, [OK, {"status_code": 401}, OK])
    hook.get_warehouses()
    set_connection(monkeypatch, "kakaclo_default", conn_type="kakaclo", host=BASE, password="rotated-token",
                   extra={"rate_limit_burst": 0})
    hook.get_warehouses()  # 401 with the old token, connection re-read, retried with the new one
    tokens = [r.headers["Authorization"] for r in requests_mock.request_history]
    assert tokens == [f"Bearer {TEST_TOKEN}", f"Bearer {TEST_TOKEN}", "Bearer rotated-token"]


def test_unchanged_token_401_is_final(hook, requests_mock):
    requests_mock.get(WAREHOUSES, status_code=401)
    with pytest.raises(AuthenticationError, match="kakaclo"):
        hook.get_warehouses()
    assert requests_mock.call_count == 1


def test_token_is_masked_in_logs(hook, requests_mock, caplog):
    from airflow.sdk.log import mask_secret  # noqa: F401  (masker is set up by this import path)

    requests_mock.get(WAREHOUSES, **OK)
    hook.get_warehouses()
    try:
        from airflow.sdk._shared.secrets_masker import redact
    except ImportError:  # Airflow < 3.2
        from airflow.sdk.execution_time.secrets_masker import redact
    assert redact(f"token is {TEST_TOKEN}") == "token is ***"


def test_no_log_line_carries_the_token(hook, requests_mock, caplog):
    caplog.set_level(logging.DEBUG)
    requests_mock.get(WAREHOUSES, [{"status_code": 503}, OK])
    hook.get_warehouses()
    assert TEST_TOKEN not in caplog.text


def test_errors_survive_pickling():
    err = ThrottledError("kakaclo", "GET /x", "rate limited", code="429", http_status=429, retry_after=1.5)
    back = pickle.loads(pickle.dumps(err))
    assert (type(back), back.vendor, back.endpoint, back.code, back.retry_after, str(back)) == (
        ThrottledError, "kakaclo", "GET /x", "429", 1.5, str(err))
    amb = pickle.loads(pickle.dumps(AmbiguousWriteError(err)))
    assert isinstance(amb.cause, ThrottledError)


def test_tls_verification_on_by_default_and_off_only_when_asked(monkeypatch, caplog):
    set_connection(monkeypatch, "kakaclo_default", conn_type="kakaclo", host=BASE, password="t")
    assert KakaCloHook().transport.settings.verify is True
    set_connection(monkeypatch, "kakaclo_default", conn_type="kakaclo", host=BASE, password="t",
                   extra={"verify": "false"})
    with caplog.at_level(logging.WARNING):
        assert KakaCloHook().transport.settings.verify is False
    assert "TLS certificate verification is OFF" in caplog.text
