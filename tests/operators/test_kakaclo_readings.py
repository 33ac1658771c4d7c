"""The KakaClo readings matrix (spec §15, S1-S11): every value of every sandbox switch for a point the docs
leave open, and the flows users run under it: connection test, stock sync, place, track, refund.

Each reading either lets every flow work, or stops a flow with an error that names the reading and what
to set. Unit-level against the sandbox over loopback HTTP, limits off: a few dozen requests a reading.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import pytest

from airflow_provider_kakaclo.hooks.kakaclo import KakaCloHook, OrderPagingError
from airflow_provider_kakaclo.operators.orders import PlaceOrderOperator, RefundOrderOperator
from airflow_provider_kakaclo.transport import BusinessError
from tests.conftest import SANDBOX_TOKEN, set_connection

ADDRESS = {"country": "US", "phone": "+1 555 0100", "recipient": "Ada Lovelace", "province": "CA"}

#: Every value of every switch of an open point (the default first).
READINGS = {
    "balance_shape": ["object", "number", "unknown_key", "per_currency", "empty"],  # S1
    "refund_query_by": ["either", "order_id", "refund_no"],  # S2
    "unknown_refund_query": ["empty", "not_found", "http_404"],  # S2
    "refund_call_number": ["refund_no", "short"],  # S2
    "abnormal_order": ["recoverable", "final"],  # S3
    "order_page_size_max": [250, 1],  # S4
    "future_end_time": ["reject", "clamp"],  # S5
    "order_list_naming": ["v2", "v1"],  # S6
    "order_line_split": ["whole", "by_warehouse"],  # S7
    "custom_get_method": ["GET", "POST", "both"],  # S8
    "expedited_on_create": ["refuse", "accept"],  # S9
    "create_order_reply": ["number", "string", "list", "null"],  # S10
    "custom_order_id_max_length": [0, 40],  # S11
}
MATRIX = [(switch, value) for switch, values in READINGS.items() for value in values]


def order_for(sku: str, quantity: int = 1, channel: str = "Standard") -> dict:
    return {"orderAddresses": ADDRESS, "orderItemsList": [{"sku": sku, "quantity": quantity}], "channelType": channel}


@pytest.fixture
def conn(monkeypatch, sandbox):
    """The sandbox without rate limits (the matrix is about readings, not throughput)."""
    sandbox.patch_switches({"kakaclo": {"rate_limit_enabled": False}})

    def connect(**extra):
        set_connection(monkeypatch, "kakaclo_default", conn_type="kakaclo", host=f"{sandbox.base_url}/kakaclo",
                       password=SANDBOX_TOKEN, extra={"rate_limit_burst": 0, "backoff_initial": 0.01,
                                                      "backoff_max": 0.05, **extra})
        return KakaCloHook()

    return connect


@pytest.fixture
def warnings_logged(caplog):
    """Every warning logged meanwhile, through stdlib logging (models) or structlog (hooks' ``self.log``)."""
    import structlog.testing

    caplog.set_level(logging.WARNING)
    with structlog.testing.capture_logs() as captured:
        yield lambda: [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] + [
            str(e["event"]) for e in captured if e.get("log_level") in ("warning", "error")]


def run_flows(sandbox, make_context, hook: KakaCloHook) -> dict:
    """Connection test, custom-product read, stock sync, place, track and refund; returns what happened."""
    ok, message = hook.test_connection()
    assert ok, message
    assert "T-shirt" in hook.get_design_category_names()

    sku, other = sandbox.kakaclo.skus(limit=2, status=1)
    sandbox.kakaclo.set_stock(sku, "G007", 500)
    by_sku = {(row.sku, row.warehouse): row.available for row in hook.iter_stock(skus=[sku, other])}
    assert by_sku[(sku, "G007")] == 500
    recent = list(hook.iter_stock(updated_from=datetime.now(timezone.utc) - timedelta(hours=1)))
    assert (sku, "G007", 500) in {(row.sku, row.warehouse, row.available) for row in recent}

    placed = PlaceOrderOperator(task_id="place", conn_id="kakaclo_default", order=order_for(sku)).execute(
        make_context())
    order_id = placed["order_id"]
    assert order_id.isdigit() and sandbox.kakaclo.order_count(custom_order_id=placed["merchant_order_id"]) == 1
    assert hook.get_order_statuses([order_id])[order_id].status == "paid"

    refund = RefundOrderOperator(task_id="refund", conn_id="kakaclo_default", order_id=order_id,
                                 wait_for_completion=False)
    assert refund.execute(make_context("refund"))["status"] == "pending"
    assert refund.execute(make_context("refund"))["status"] == "pending"  # a retry does not ask twice
    (made,) = sandbox.kakaclo.refunds(order_id)
    sandbox.kakaclo.resolve_refund(made["refundNo"], "refund_successfully")
    assert refund.execute(make_context("refund"))["status"] == "succeeded"
    assert hook.get_order_statuses([order_id])[order_id].status == "refunded"
    return placed


@pytest.mark.parametrize(("switch", "value"), MATRIX, ids=[f"{s}={v}" for s, v in MATRIX])
def test_every_flow_works_under_every_reading(sandbox, conn, make_context, switch, value):
    sandbox.patch_switches({"kakaclo": {switch: value}})
    placed = run_flows(sandbox, make_context, conn())
    assert placed["placed"] is True


@pytest.mark.parametrize("query_by", ["either", "order_id", "refund_no"])
@pytest.mark.parametrize("nothing", ["empty", "not_found", "http_404"])
def test_refund_flows_with_a_short_refund_number_under_every_lookup(sandbox, conn, make_context, query_by,
                                                                     nothing):
    """S2's worst case: the refund call's number is never listed, and query-refund reads {id} one way."""
    sandbox.patch_switches({"kakaclo": {"refund_call_number": "short", "refund_query_by": query_by,
                                        "unknown_refund_query": nothing}})
    run_flows(sandbox, make_context, conn())


def test_swapped_paging_stops_with_the_setting_to_change_then_works_with_it(sandbox, conn, make_context):
    """S4: a server reading pageNumber/pageSize as their (swapped) descriptions say."""
    sandbox.patch_switches({"kakaclo": {"order_paging_params": "swapped"}})
    sku = sandbox.kakaclo.skus(limit=1, status=1)[0]
    order_id = str(conn().create_order({**order_for(sku), "customOrderId": "swap-1"}))
    with pytest.raises(OrderPagingError, match="order_paging=swapped") as info:
        conn().get_order_statuses([order_id])
    assert "pageNumber/pageSize" in str(info.value) and not info.value.retryable
    run_flows(sandbox, make_context, conn(order_paging="swapped"))


@pytest.mark.parametrize("cap", [1, 7, 250])
@pytest.mark.parametrize("paging", ["as_named", "swapped"])
def test_status_look_up_of_more_ids_than_a_page_holds_returns_every_one(sandbox, conn, cap, paging):
    """S4: a server honouring fewer orders a page than asked still yields every id (paged by total)."""
    sandbox.patch_switches({"kakaclo": {"order_page_size_max": cap, "order_paging_params": paging}})
    hook = conn(order_paging=paging)
    sku = sandbox.kakaclo.skus(limit=1, status=1)[0]
    ids = [hook.create_order({**order_for(sku), "customOrderId": f"cap-{n}"}) for n in range(12)]
    sandbox.reset_stats()
    statuses = hook.get_order_statuses(ids)
    assert sorted(statuses) == sorted(ids) and {s.status for s in statuses.values()} == {"paid"}
    assert sandbox.stats("kakaclo")["by_route"]["GET /openapi/v2/order/orders"] == -(-12 // min(cap, 250))
    found = hook.find_order("cap-11", since=datetime.now(timezone.utc) - timedelta(hours=1))
    assert found is not None and found.order_id == ids[-1]


def test_unreadable_balance_never_blocks_an_order_and_says_so(sandbox, conn, make_context, warnings_logged):
    """S1: a balance under a key the provider has never seen: the order is placed, the check skipped."""
    sandbox.patch_switches({"kakaclo": {"balance_shape": "unknown_key"}})
    sandbox.kakaclo.set_balance("1.00")  # would fail a balance check it could read
    sandbox.patch_switches({"kakaclo": {"insufficient_balance": "waiting_payment"}})
    conn()
    sku = sandbox.kakaclo.skus(limit=1, status=1)[0]
    placed = PlaceOrderOperator(task_id="place", conn_id="kakaclo_default", order=order_for(sku)).execute(
        make_context())
    assert placed["placed"] is True and sandbox.kakaclo.order_count() == 1
    skipped = [m for m in warnings_logged() if "balance check skipped" in m]
    assert skipped and "availableAmount" in skipped[0] and "currencyCode" in skipped[0]


@pytest.mark.parametrize(("shape", "blocks"), [("object", True), ("number", True), ("per_currency", True),
                                               ("unknown_key", False), ("empty", False)])
def test_a_readable_short_balance_still_stops_the_order(sandbox, conn, make_context, shape, blocks):
    from airflow_provider_kakaclo.transport import PrecheckError

    sandbox.patch_switches({"kakaclo": {"balance_shape": shape, "insufficient_balance": "waiting_payment"}})
    sandbox.kakaclo.set_balance("1.00")
    conn()
    sku = sandbox.kakaclo.skus(limit=1, status=1)[0]
    operator = PlaceOrderOperator(task_id="place", conn_id="kakaclo_default", order=order_for(sku))
    if blocks:
        with pytest.raises(PrecheckError, match="does not cover"):
            operator.execute(make_context())
        assert sandbox.kakaclo.order_count() == 0
    else:
        assert operator.execute(make_context())["placed"] is True


@pytest.mark.parametrize("reply", ["number", "string", "list", "null"])
def test_create_reply_is_one_id_or_an_ambiguous_write_that_reconciles(sandbox, conn, make_context, reply):
    """S10: never the string 'None'; a null reply is reconciled to the order the vendor did create."""
    from airflow_provider_kakaclo.transport import AmbiguousWriteError

    sandbox.patch_switches({"kakaclo": {"create_order_reply": reply}})
    hook = conn()
    sku = sandbox.kakaclo.skus(limit=1, status=1)[0]
    if reply == "null":
        with pytest.raises(AmbiguousWriteError, match="not one id but null"):
            hook.create_order({**order_for(sku), "customOrderId": "s10"})
    else:
        assert hook.create_order({**order_for(sku), "customOrderId": "s10"}) == str(
            sandbox.kakaclo.orders("s10")[0]["id"])
    context = make_context()
    placed = PlaceOrderOperator(task_id="place", conn_id="kakaclo_default", order=order_for(sku)).execute(context)
    assert placed["order_id"] == str(sandbox.kakaclo.orders(placed["merchant_order_id"])[0]["id"])
    assert sandbox.kakaclo.order_count(custom_order_id=placed["merchant_order_id"]) == 1


@pytest.mark.parametrize("setting", ["refuse", "accept"])
def test_expedited_on_create_works_or_names_the_reading(sandbox, conn, setting, warnings_logged):
    """S9: Expedited is sent (with a warning); a server that refuses it gets a hint in the error."""
    sandbox.patch_switches({"kakaclo": {"expedited_on_create": setting}})
    hook = conn()
    sku = sandbox.kakaclo.skus(limit=1, status=1)[0]
    if setting == "refuse":
        with pytest.raises(BusinessError, match="allows channelType Standard or Express only") as info:
            hook.create_order(order_for(sku, channel="Expedited"))
        assert info.value.code == "40001" and sandbox.kakaclo.order_count() == 0
    else:
        assert hook.create_order(order_for(sku, channel="Expedited")).isdigit()
    assert any("channelType Expedited" in m for m in warnings_logged())


@pytest.mark.parametrize("limit", [0, 40])
def test_a_long_user_reference_is_sent_with_a_warning(sandbox, conn, make_context, limit, warnings_logged):
    """S11: a user's 41+ character reference is not refused by us; a server that refuses it says so."""
    sandbox.patch_switches({"kakaclo": {"custom_order_id_max_length": limit}})
    conn()
    sku = sandbox.kakaclo.skus(limit=1, status=1)[0]
    reference = "R" * 41
    operator = PlaceOrderOperator(task_id="place", conn_id="kakaclo_default", order=order_for(sku),
                                  merchant_order_id=reference)
    if limit:
        with pytest.raises(BusinessError, match="customOrderId"):
            operator.execute(make_context())
    else:
        assert operator.execute(make_context())["merchant_order_id"] == reference
    assert any("41 characters" in m for m in warnings_logged())
    assert sandbox.kakaclo.order_count(custom_order_id=reference) == (0 if limit else 1)


@pytest.mark.parametrize("naming", ["v2", "v1"])
def test_statuses_of_both_namings_map_to_the_same_lifecycle(sandbox, conn, naming):
    """S6: V1 names and statuses on the V2 list give the same normalized statuses and amounts."""
    sandbox.patch_switches({"kakaclo": {"order_list_naming": naming}})
    hook = conn()
    sku, other = sandbox.kakaclo.skus(limit=2, status=1)
    ids = [hook.create_order({"orderAddresses": ADDRESS, "channelType": "Standard",
                              "orderItemsList": [{"sku": sku, "quantity": 1}, {"sku": other, "quantity": 1}]})
           for _ in range(3)]
    first = sandbox.kakaclo.order(ids[0])["orderItems"][0]["id"]
    sandbox.kakaclo.advance_order(ids[0], "partially_shipped", items=[first])
    sandbox.kakaclo.advance_order(ids[1], "fully_shipped")
    statuses = hook.get_order_statuses(ids)
    assert [statuses[i].status for i in ids] == ["partially_shipped", "shipped", "paid"]
    assert statuses[ids[1]].tracking_codes and set(statuses[ids[2]].amounts) >= {"items", "total"}


def test_a_line_split_across_warehouses_is_refunded_by_item_and_country(sandbox, conn):
    """S7: split lines share an itemId; a partial refund names (itemId, countryCode)."""
    sandbox.patch_switches({"kakaclo": {"order_line_split": "by_warehouse"}})
    hook = conn()
    sku = sandbox.kakaclo.skus(limit=1, status=1)[0]
    sandbox.kakaclo.set_stock(sku, "G007", 1)
    sandbox.kakaclo.set_stock(sku, "G006", 0)
    sandbox.kakaclo.set_stock(sku, "H008", 2)
    order_id = hook.create_order(order_for(sku, 3))
    (order,) = hook.get_orders(ids=[order_id]).items
    lines = {(item.itemId, item.countryCode): item.productNum for item in order.orderItems}
    assert len(order.orderItems) == 2 and len({item.itemId for item in order.orderItems}) == 1
    item_id = order.orderItems[0].itemId
    assert lines == {(item_id, "CN"): 1, (item_id, "US"): 2}
    refund_no = hook.refund_order(order_id, {"orderItems": [
        {"itemId": item_id, "skuCode": sku, "quantity": 2, "countryCode": "US"}]})
    sandbox.kakaclo.resolve_refund(refund_no, "refund_successfully")
    (order,) = hook.get_orders(ids=[order_id]).items
    refunded = {(item.countryCode, item.refundStatus) for item in order.orderItems}
    assert refunded == {("CN", None), ("US", "refunded")}
    assert hook.get_refund_status(order_id, refund_no) == "succeeded"


@pytest.mark.parametrize("method", ["GET", "POST", "both"])
def test_custom_product_reads_answer_on_either_method(sandbox, conn, method, warnings_logged):
    """S8: GET first; a 405 switches to POST once (with a warning naming the extra to set)."""
    sandbox.patch_switches({"kakaclo": {"custom_get_method": method}})
    hook = conn()
    assert "Hoodie" in hook.get_design_category_names()
    model_id = hook.search_design_models(pageSize=1).items[0].id
    assert hook.get_design_model(model_id).id == model_id
    routes = sandbox.stats("kakaclo")["by_route_status"]
    refused = sum(by_status.get("405", 0) for by_status in routes.values())
    assert refused == (1 if method == "POST" else 0)  # the hook remembers the method that worked
    assert any("custom_product_method=POST" in m for m in warnings_logged()) == (method == "POST")
    assert conn(custom_product_method=method if method != "both" else "GET").get_design_category_names()


@pytest.mark.parametrize("setting", ["reject", "clamp"])
def test_no_end_time_in_the_future_is_ever_sent(sandbox, conn, setting, warnings_logged):
    """S5: a window end later than now is sent as now (with a warning), so both readings answer."""
    sandbox.patch_switches({"kakaclo": {"future_end_time": setting}})
    hook = conn()
    future = (datetime.now(timezone.utc) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    page = hook.get_stocks(dateStartTime="2000-01-01T00:00:00Z", dateEndTime=future, pageNumber=1)
    products = hook.get_products(dateStartTime="2000-01-01T00:00:00Z", dateEndTime=future, pageNumber=1)
    assert page.total and products.total
    assert any("is in the future" in m for m in warnings_logged())
    rows = list(hook.iter_stock(updated_to=datetime.now(timezone.utc) + timedelta(hours=3),
                                updated_from=datetime.now(timezone.utc) - timedelta(days=40)))
    assert rows


@pytest.mark.parametrize(("cap", "paging"), [(2, "as_named"), (3, "swapped")])
def test_the_async_status_look_up_pages_by_total_too(sandbox, conn, cap, paging):
    """S4 on the triggers' path: every id comes back from a server capping its pages."""
    import asyncio

    sandbox.patch_switches({"kakaclo": {"order_page_size_max": cap, "order_paging_params": paging}})
    hook = conn(order_paging=paging)
    sku = sandbox.kakaclo.skus(limit=1, status=1)[0]
    ids = [hook.create_order(order_for(sku)) for _ in range(7)]
    statuses = asyncio.run(hook.aget_order_statuses(ids))
    assert sorted(statuses) == sorted(ids)


@pytest.mark.parametrize(("query_by", "number"), [("either", "refund_no"), ("order_id", "short"),
                                                  ("refund_no", "short"), ("refund_no", "refund_no")])
def test_the_async_refund_status_follows_every_lookup(sandbox, conn, query_by, number):
    """S2 on the triggers' path (RefundStatusTrigger): pending, then the outcome, whatever {id} means."""
    import asyncio

    sandbox.patch_switches({"kakaclo": {"refund_query_by": query_by, "refund_call_number": number,
                                        "unknown_refund_query": "http_404"}})
    hook = conn()
    order_id = hook.create_order(order_for(sandbox.kakaclo.skus(limit=1, status=1)[0]))
    refund_id = hook.refund_order(order_id)
    assert asyncio.run(hook.aget_refund_status(order_id, refund_id)) == "pending"
    (made,) = sandbox.kakaclo.refunds(order_id)
    sandbox.kakaclo.resolve_refund(made["refundNo"], "refund_failed")
    assert asyncio.run(hook.aget_refund_status(order_id, refund_id)) == hook.get_refund_status(order_id, refund_id)
