"""KakaCloHook over real HTTP against the sandbox, with the documented rate limit on."""

from __future__ import annotations

from decimal import Decimal

import pytest

from airflow_provider_kakaclo.hooks.kakaclo import KakaCloHook
from airflow_provider_kakaclo.transport import AuthenticationError, BusinessError, RequestValidationError
from tests.conftest import set_connection

ADDRESS = {"country": "US", "phone": "+1 555 0100", "recipient": "Ada Lovelace", "province": "CA",
           "city": "San Francisco", "street1": "1 Market St", "zip": "94105"}


def order_for(sku: str, quantity: int = 1, **extra):
    return {"orderAddresses": ADDRESS, "orderItemsList": [{"sku": sku, "quantity": quantity}],
            "channelType": "Standard", **extra}


def in_stock_sku(sandbox) -> str:
    return sandbox.kakaclo.skus(limit=1, status=1)[0]


def test_stock_for_3000_skus_is_100_calls_of_30_without_a_single_429(kakaclo_conn, sandbox):
    sandbox.reset(catalog_size=3000)
    skus = sandbox.kakaclo.skus(limit=3000)
    assert len(skus) == 3000
    rows = list(KakaCloHook().iter_stocks(skus=skus))
    assert {r.sku for r in rows} == set(skus)
    stats = sandbox.stats("kakaclo")
    assert stats["by_route"]["GET /openapi/v1/product/stocks"] == 100
    assert stats["by_status"].get("429", 0) == 0


def test_without_our_limiter_the_sandbox_does_throttle(kakaclo_conn, sandbox, monkeypatch):
    """Control for the test above: the same burst past 120 with our limiter off meets 429s."""
    set_connection(monkeypatch, "kakaclo_default", conn_type="kakaclo", host=f"{sandbox.base_url}/kakaclo",
                   password="sandbox-kakaclo-token", extra={"rate_limit_burst": 0, "max_attempts": 1})
    hook = KakaCloHook()
    skus = sandbox.kakaclo.skus(limit=30)
    outcomes = []
    for _ in range(130):
        try:
            hook.get_stocks(skus=skus)
            outcomes.append("ok")
        except Exception as err:
            outcomes.append(type(err).__name__)
    assert outcomes.count("ThrottledError") >= 1
    assert sandbox.stats("kakaclo")["by_status"].get("429", 0) == outcomes.count("ThrottledError")


def test_connection_test_reports_success_and_bad_token(kakaclo_conn, sandbox, monkeypatch):
    ok, message = KakaCloHook().test_connection()
    assert ok and "access token was accepted" in message
    set_connection(monkeypatch, "kakaclo_default", conn_type="kakaclo", host=f"{sandbox.base_url}/kakaclo",
                   password="wrong-token")
    ok, message = KakaCloHook().test_connection()
    assert not ok and "refused the credentials" in message and "access token" in message


def test_bad_token_is_an_authentication_error(kakaclo_conn, sandbox, monkeypatch):
    set_connection(monkeypatch, "kakaclo_default", conn_type="kakaclo", host=f"{sandbox.base_url}/kakaclo",
                   password="wrong-token")
    with pytest.raises(AuthenticationError, match="kakaclo GET /openapi/v1/product/countryAndWarehouse"):
        KakaCloHook().get_warehouses()


def test_rotated_token_used_by_the_next_call_without_restart(kakaclo_conn, sandbox, monkeypatch):
    hook = KakaCloHook()
    hook.get_warehouses()
    sandbox.kakaclo.rotate_token("sandbox-kakaclo-token", "rotated-kakaclo-token")
    set_connection(monkeypatch, "kakaclo_default", conn_type="kakaclo", host=f"{sandbox.base_url}/kakaclo",
                   password="rotated-kakaclo-token")
    assert hook.get_warehouses()  # 401 on the old token, connection re-read, succeeded


def test_invalid_request_sends_nothing(kakaclo_conn, sandbox):
    hook = KakaCloHook()
    with pytest.raises(RequestValidationError):
        hook.create_order(order_for("X", quantity=0))
    with pytest.raises(RequestValidationError):
        hook.create_order({**order_for("X"), "orderAddresses": {**ADDRESS, "recipient": "x" * 33}})
    assert sandbox.stats("kakaclo")["requests"] == 0


def test_catalog_paging_by_update_window(kakaclo_conn, sandbox):
    hook = KakaCloHook()
    products = list(hook.iter_products(date_start="2000-01-01T00:00:00Z", date_end="2100-01-01T00:00:00Z"))
    skus = {s.sku for p in products for s in p.skuDetails}
    assert len({p.spu for p in products}) == len(products)
    assert skus == set(sandbox.kakaclo.skus(limit=10000))


def test_order_round_trip(kakaclo_conn, sandbox):
    hook = KakaCloHook()
    sku = in_stock_sku(sandbox)
    before = Decimal(str(sandbox.kakaclo.balance()))
    order_id = hook.create_order(order_for(sku, customOrderId="merchant-1"))
    assert order_id.isdigit()
    (order,) = hook.get_orders(ids=[order_id]).items
    assert (order.id, order.customOrderId, order.financialStatus) == (order_id, "merchant-1", "paid")
    assert Decimal(str(sandbox.kakaclo.balance())) == before - order.finalAmount
    found = hook.find_order("merchant-1", since="2000-01-01T00:00:00Z")
    assert found.order_id == order_id and found.status == "paid"

    sandbox.kakaclo.advance_order(order_id, "fully_shipped")
    status = hook.get_order_statuses([order_id])[order_id]
    assert status.status == "shipped" and status.tracking_codes


@pytest.mark.parametrize("cancelled", [(), (0,), (1,), (0, 1)], ids=["none", "first", "second", "both"])
def test_find_order_reports_a_live_twin_before_a_cancelled_one(kakaclo_conn, sandbox, cancelled):
    """Two orders carry one reference (two tries at once): the look-up reports the live one, the first
    created among the live ones, and the first created when every one was cancelled."""
    hook = KakaCloHook()
    sku = in_stock_sku(sandbox)
    ids = [hook.create_order(order_for(sku, customOrderId="twin-1")) for _ in range(2)]
    for n in cancelled:
        refund_no = hook.refund_order(ids[n], {"remark": "duplicate"})
        sandbox.kakaclo.resolve_refund(refund_no, "refund_successfully")
    live = [order_id for n, order_id in enumerate(ids) if n not in cancelled]
    found = hook.find_order("twin-1", since="2000-01-01T00:00:00Z")
    expected = min(live or ids, key=lambda i: (len(i), i))
    assert found.order_id == expected
    assert (found.status == "refunded") == (not live)


def test_refund_before_shipment_then_refused_after(kakaclo_conn, sandbox):
    hook = KakaCloHook()
    sku = in_stock_sku(sandbox)
    first = hook.create_order(order_for(sku))
    refund_no = hook.refund_order(first, {"remark": "customer cancelled"})
    (refund,) = hook.get_refunds(first)
    assert (refund.refundNo, refund.refundStatus) == (refund_no, "pending_review")
    sandbox.kakaclo.resolve_refund(refund_no, "refund_successfully")
    assert hook.get_order_statuses([first])[first].status == "refunded"

    second = hook.create_order(order_for(sku))
    sandbox.kakaclo.advance_order(second, "fully_shipped")
    with pytest.raises(BusinessError):
        hook.refund_order(second, {})
