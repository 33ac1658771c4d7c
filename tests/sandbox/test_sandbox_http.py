"""Over real HTTP (uvicorn on a thread): dropped connections as a ``requests`` client sees them, and
every ``SandboxClient`` method."""

from __future__ import annotations

import time

import pytest
import requests

from airflow_provider_kakaclo.sandbox import SandboxClient, ThreadedSandbox
from airflow_provider_kakaclo.sandbox.client import SandboxControlError
from tests.sandbox.sandbox_helpers import AUTH, order_body

ORDERS = "/openapi/v2/order/orders"


@pytest.fixture(scope="module")
def server():
    with ThreadedSandbox(catalog_size=300, seed=4) as running:
        yield running


@pytest.fixture
def control(server) -> SandboxClient:
    client = server.client
    client.reset()
    return client


def create(server, body, timeout=5.0):
    return requests.post(server.kakaclo_url + ORDERS, json=body, headers=AUTH, timeout=timeout)


def test_url_and_state(server, control):
    assert server.url.startswith("http://127.0.0.1:") and server.kakaclo_url == server.url + "/kakaclo"
    assert control.info()["vendors"]["kakaclo"]["prefix"] == "/kakaclo"
    assert server.state.kakaclo.catalog.size == 300


def test_drop_after_commit_is_a_connection_error_and_the_order_exists(server, control):
    sku = control.kakaclo.skus(limit=1, status=1)[0]
    control.fail_next("kakaclo", "POST", ORDERS, after_commit=True)
    with pytest.raises(requests.exceptions.ConnectionError):
        create(server, order_body(sku, customOrderId="lost-1"))
    assert control.kakaclo.order_count("lost-1") == 1
    assert create(server, order_body(sku)).json()["code"] == 10000  # the next call is normal
    assert control.stats("kakaclo")["by_status"] == {"dropped": 1, "200": 1}


def test_truncated_drop_is_a_chunked_encoding_error(server, control):
    sku = control.kakaclo.skus(limit=1, status=1)[0]
    control.add_fault("kakaclo", "POST", ORDERS, "drop_after_commit", style="truncate")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        create(server, order_body(sku, customOrderId="lost-2"))
    assert control.kakaclo.order_count("lost-2") == 1


def test_drop_before_and_hang_do_not_process(server, control):
    sku = control.kakaclo.skus(limit=1, status=1)[0]
    control.fail_next("kakaclo", "POST", ORDERS)
    with pytest.raises(requests.exceptions.ConnectionError):
        create(server, order_body(sku, customOrderId="never"))
    control.add_fault("kakaclo", "POST", ORDERS, "hang", seconds=1.0)
    with pytest.raises(requests.exceptions.ReadTimeout):  # not the drop the hang ends in: the client gave up first
        create(server, order_body(sku, customOrderId="never"), timeout=0.2)
    deadline = time.monotonic() + 60
    while control.stats("kakaclo")["by_status"].get("dropped", 0) < 2:  # the hang has ended, in its drop
        assert time.monotonic() < deadline, "the hung request never ended"
        time.sleep(0.05)
    assert control.kakaclo.order_count("never") == 0


def test_status_fault_with_retry_after_over_http(server, control):
    control.fail_next("kakaclo", "GET", "/openapi/v1/payment/balance", status=429, retry_after=3)
    response = requests.get(server.kakaclo_url + "/openapi/v1/payment/balance", headers=AUTH, timeout=5)
    assert (response.status_code, response.headers["Retry-After"], response.content) == (429, "3", b"")


def test_every_client_method(server, control):
    kk = control.kakaclo
    assert kk.url == server.kakaclo_url
    assert control.set_switches("kakaclo", retry_after_header=True)["kakaclo"]["retry_after_header"] is True
    assert control.patch_switches({"kakaclo": {"retry_after_header": False}})["kakaclo"]["retry_after_header"] is False
    assert control.switches()["kakaclo"]["rate_limit_enabled"] is True
    assert any(spec["name"] == "balance_shape" for spec in control.switch_specs()["kakaclo"])
    rule = control.add_fault("kakaclo", "GET", "/openapi/v1/payment/balance", "delay", seconds=0.01, count=2)
    assert control.faults()[0]["id"] == rule["id"]
    assert control.clear_faults("kakaclo") == 1 and control.faults() == []

    skus = kk.skus(limit=2, status=1)
    assert len(skus) == 2 and kk.sku(skus[0])["skuStatus"] == 1
    assert kk.set_stock(skus[0], "G007", 9)["warehouses"]["G007"] == 9
    assert kk.set_sku_status(skus[1], 0)["skuStatus"] == 0
    assert kk.set_balance(250) == 250.0 and kk.balance() == 250.0

    order_id = create(server, order_body(skus[0], 2, customOrderId="m-1")).json()["data"]
    assert kk.order_count() == 1 and kk.orders("m-1")[0]["id"] == str(order_id)
    assert kk.order(order_id)["customOrderId"] == "m-1"
    refund_no = requests.post(f"{server.kakaclo_url}{ORDERS}/{order_id}/refund", json={}, headers=AUTH,
                              timeout=5).json()["data"]
    assert kk.refunds(order_id)[0]["status"] == "pending_review"
    assert kk.resolve_refund(refund_no, "refund_failed")["status"] == "refund_failed"
    assert kk.advance_order(order_id, "fully_shipped")["fulfillmentStatus"] == "fully_shipped"

    assert kk.tokens() == ["sandbox-kakaclo-token"]
    assert kk.rotate_token("sandbox-kakaclo-token", "fresh") == ["fresh"]
    assert kk.set_tokens(["a", "b"]) == ["a", "b"]
    assert control.stats()["kakaclo"]["requests"] >= 2
    control.reset_stats()
    assert control.stats("kakaclo")["requests"] == 0
    with pytest.raises(SandboxControlError) as raised:
        kk.advance_order(order_id, "paid")
    assert raised.value.status == 409
    assert control.reset(catalog_size=50)["reset"] is True
    assert len(kk.skus(limit=100)) == 50


def test_answers_every_request_of_a_burst_with_limits_off(server, control):
    """Far past the 120 burst, back to back: nothing throttled (its speed is bench material)."""
    control.set_switches("kakaclo", rate_limit_enabled=False)
    sku = control.kakaclo.skus(limit=1)[0]
    session = requests.Session()
    for _ in range(300):
        response = session.get(server.kakaclo_url + "/openapi/v1/product/stocks", params={"skus": sku},
                               headers=AUTH, timeout=30)
        assert response.status_code == 200
    assert control.stats("kakaclo")["by_route_status"]["GET /openapi/v1/product/stocks"] == {"200": 300}
