"""Each pre-check a batch is told to skip is skipped, and each it is told to run runs: the three switches
reach the vendor hook's aggregated pre-check (a dropped switch falls back to the hook's default, "check").

Found by `make mutate`: dropping ``stock=`` on the way to the hook survived every other test."""

from __future__ import annotations

import itertools

import pytest

from airflow_provider_kakaclo.operators.orders import PlaceOrdersOperator
from tests.operators import test_orders_batch
from tests.operators.test_orders_batch import (
    BALANCE,
    FREIGHT,
    GET_ORDERS,
    POST_ORDER,
    PRODUCTS,
    order_for,
    routes,
)

skus = test_orders_batch.skus  # the fixture: 4 SKUs on sale with stock, the balance set


@pytest.mark.parametrize(("stock", "freight", "balance"), list(itertools.product([True, False], repeat=3)))
def test_the_batch_asks_the_vendor_exactly_for_the_checks_it_was_told_to_run(
        kakaclo_conn, sandbox, skus, make_context, stock, freight, balance):
    orders = [order_for(skus[0], 1, "US", "F-1"), order_for(skus[1], 2, "US", "F-2"),
              order_for(skus[1], 2, "GB", "F-3")]
    result = PlaceOrdersOperator(task_id="batch", conn_id="kakaclo_default", orders=orders, check_stock=stock,
                                 check_freight=freight, check_balance=balance).execute(make_context())
    assert result["counts"] == {"placed": 3, "found": 0, "failed": 0, "unknown": 0}
    expected = {POST_ORDER: 3, GET_ORDERS: 2}
    if stock or balance:  # stock and prices both come with the products, one call for the batch
        expected[PRODUCTS] = 1
    if freight:  # one trial per distinct (lines, country)
        expected[FREIGHT] = 3
    if balance:
        expected[BALANCE] = 1
    assert routes(sandbox) == expected


@pytest.mark.parametrize("stock", [True, False])
def test_a_batch_told_not_to_check_stock_sends_what_the_stock_check_would_stop(
        kakaclo_conn, sandbox, skus, make_context, stock):
    """Stock short of the quantity: checked, the order fails before any create; not checked, the create is
    sent and the vendor has the last word."""
    for warehouse in ("G007", "G006", "H008", "G004"):
        try:
            sandbox.kakaclo.set_stock(skus[0], warehouse, 0)
        except Exception:  # a warehouse the sandbox does not stock this SKU in
            continue
    sandbox.kakaclo.set_stock(skus[0], "G007", 1)
    sandbox.reset_stats()
    result = PlaceOrdersOperator(task_id="batch", conn_id="kakaclo_default", max_failures=1,
                                 orders=[order_for(skus[0], 5, "US", "S-1")], check_stock=stock,
                                 check_freight=False).execute(make_context())
    if stock:
        assert "has 1 in stock, 5 wanted" in result["failed"]["S-1"]
        assert routes(sandbox).get(POST_ORDER, 0) == 0
    else:
        assert routes(sandbox)[POST_ORDER] == 1  # sent: whatever happens now is the vendor's answer
        assert "in stock" not in str(result.get("failed", {}).get("S-1", ""))
