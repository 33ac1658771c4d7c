"""PlaceOrdersOperator and the single placer's request budget, against the sandbox (counters exact)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from airflow_provider_kakaclo.batches import SkuFacts, evaluate_orders, freight_key, summarize, survivor
from airflow_provider_kakaclo.operators.orders import (
    PlaceOrderOperator,
    PlaceOrdersOperator,
    stable_reference,
)
from airflow_provider_kakaclo.transport import RequestValidationError

CREATE = "/openapi/v2/order/orders"
PRODUCTS = "GET /openapi/v1/product/products"
STOCKS = "GET /openapi/v1/product/stocks"
FREIGHT = "POST /openapi/v2/order/orders/channel/automationSplit"
BALANCE = "GET /openapi/v1/payment/balance"
POST_ORDER = "POST /openapi/v2/order/orders"
GET_ORDERS = "GET /openapi/v2/order/orders"


def address(country: str = "US") -> dict:
    return {"country": country, "phone": "+1 555 0100", "recipient": "Ada Lovelace", "province": "CA"}


def order_for(sku: str, quantity: int = 1, country: str = "US", ref: str | None = None) -> dict:
    order = {"orderAddresses": address(country), "orderItemsList": [{"sku": sku, "quantity": quantity}],
             "channelType": "Standard"}
    return {**order, "merchant_order_id": ref} if ref else order


def first_try(make_context, **kwargs):
    context = make_context(**kwargs)
    context["ti"].try_number = 1
    return context


def routes(sandbox) -> dict:
    return {k: v for k, v in sandbox.stats("kakaclo")["by_route"].items() if v}


@pytest.fixture
def skus(sandbox) -> list[str]:
    skus = sandbox.kakaclo.skus(limit=4, status=1)
    for sku in skus:
        sandbox.kakaclo.set_stock(sku, "G007", 500)
    sandbox.kakaclo.set_balance("100000")
    sandbox.reset_stats()
    return skus


# ---------------------------------------------------------------- single order: what a try spends
@pytest.mark.parametrize("freight", [True, False])
@pytest.mark.parametrize("stock", [True, False])
def test_first_try_spends_only_checks_create_and_one_check_after(kakaclo_conn, sandbox, skus, make_context,
                                                                 freight, stock):
    context = first_try(make_context)
    result = PlaceOrderOperator(task_id="place", conn_id="kakaclo_default", order=order_for(skus[0]),
                                check_stock=stock, check_freight=freight).execute(context)
    assert result["placed"] is True and result["status"] == "paid"
    expected = {PRODUCTS: 1, BALANCE: 1, POST_ORDER: 1, GET_ORDERS: 1}  # stock comes with the products
    if freight:
        expected[FREIGHT] = 1
    assert routes(sandbox) == expected
    assert sandbox.kakaclo.order_count(custom_order_id=stable_reference(context)) == 1


def test_a_retry_scans_before_placing(kakaclo_conn, sandbox, skus, make_context):
    context = make_context()
    context["ti"].try_number = 2
    PlaceOrderOperator(task_id="place", conn_id="kakaclo_default", order=order_for(skus[0]),
                       check_freight=False, check_balance=False, check_stock=False).execute(context)
    assert routes(sandbox) == {GET_ORDERS: 2, POST_ORDER: 1}  # the look-up before, the check after


@pytest.mark.parametrize("explicit", ["merchant_order_id", "reconcile_since"])
def test_an_explicit_reference_or_window_is_looked_up_even_on_a_first_try(kakaclo_conn, sandbox, skus,
                                                                          make_context, explicit):
    value = "SHOP-77" if explicit == "merchant_order_id" else "2026-01-01T00:00:00Z"
    op = PlaceOrderOperator(task_id="place", conn_id="kakaclo_default", order=order_for(skus[0]),
                            check_freight=False, check_balance=False, check_stock=False, **{explicit: value})
    op.execute(first_try(make_context))
    assert routes(sandbox)[GET_ORDERS] == 2


def test_the_first_try_cost_does_not_grow_with_the_accounts_other_orders(kakaclo_conn, sandbox, skus,
                                                                         make_context):
    """The look-up before the create is gone; the check after it pages only when the window is busy."""
    for i in range(3):
        PlaceOrderOperator(task_id="other", conn_id="kakaclo_default", order=order_for(skus[1]),
                           merchant_order_id=f"OTHER-{i}", check_freight=False).execute(make_context(run_id=f"o{i}"))
    sandbox.reset_stats()
    PlaceOrderOperator(task_id="place", conn_id="kakaclo_default", order=order_for(skus[0]),
                       check_freight=False).execute(first_try(make_context))
    assert routes(sandbox) == {PRODUCTS: 1, BALANCE: 1, POST_ORDER: 1, GET_ORDERS: 1}


# ---------------------------------------------------------------- two tries at the same moment
def race(n_threads: int, make_op, contexts) -> list:
    barrier = threading.Barrier(n_threads)
    results: list = [None] * n_threads

    def run(i):
        barrier.wait()
        try:
            results[i] = make_op().execute(contexts[i])
        except Exception as err:  # surfaced by the assertion below
            results[i] = err

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def live_orders(sandbox, reference: str) -> list[dict]:
    return [o for o in sandbox.kakaclo.orders(custom_order_id=reference)
            if not sandbox.kakaclo.refunds(o["id"]) and o.get("status") != "cancel"]


@pytest.mark.parametrize("explicit", [True, False])
def test_two_tries_at_once_leave_one_live_order(kakaclo_conn, sandbox, skus, make_context, explicit):
    """Two DAG runs sharing an order number, or a rerun while the old try still runs (both first tries)."""
    contexts = [first_try(make_context), first_try(make_context)]
    reference = "SHOP-RACE-1" if explicit else stable_reference(contexts[0])

    def make_op():
        return PlaceOrderOperator(task_id="place", conn_id="kakaclo_default", order=order_for(skus[0]),
                                  merchant_order_id=reference if explicit else None)

    for _ in range(3):
        sandbox.reset_stats()
        results = race(2, make_op, contexts)
        assert not [r for r in results if isinstance(r, Exception)], results
        (live,) = live_orders(sandbox, reference)
        assert {r["order_id"] for r in results} == {str(live["id"])}
        created = sandbox.kakaclo.orders(custom_order_id=reference)
        cancelled = [r for r in results if r.get("duplicates_cancelled")]
        assert len(created) == 1 or cancelled  # a second order was cancelled and the task says so
        for refund in (rf for o in created for rf in sandbox.kakaclo.refunds(o["id"])):
            sandbox.kakaclo.resolve_refund(refund["refundNo"])
        contexts = [first_try(make_context, run_id=f"again-{_}"), first_try(make_context, run_id=f"again-{_}")]
        if not explicit:
            reference = stable_reference(contexts[0])
        else:
            reference = f"SHOP-RACE-{_ + 2}"


@pytest.fixture
def redis_url():
    import os

    url = os.environ.get("KAKACLO_TEST_REDIS_URL")
    if not url:
        pytest.fail("KAKACLO_TEST_REDIS_URL is not set: run with `make test` (scripts/redis.sh) or -m 'not redis'")
    return url


@pytest.fixture
def kakaclo_leased(monkeypatch, sandbox, redis_url):
    import json
    import os

    conn = json.loads(os.environ["AIRFLOW_CONN_KAKACLO_DEFAULT"])
    conn["extra"]["rate_limit_backend"] = redis_url
    monkeypatch.setenv("AIRFLOW_CONN_KAKACLO_DEFAULT", json.dumps(conn))
    return "kakaclo_default"


@pytest.mark.redis
def test_with_a_shared_backend_two_tries_take_turns_and_create_once(kakaclo_conn, kakaclo_leased, sandbox, skus,
                                                                    make_context):
    import uuid

    contexts = [first_try(make_context, run_id=uuid.uuid4().hex) for _ in range(2)]
    contexts[1]["ti"].run_id = contexts[0]["ti"].run_id
    reference = stable_reference(contexts[0])
    results = race(2, lambda: PlaceOrderOperator(task_id="place", conn_id="kakaclo_default",
                                                 order=order_for(skus[0])), contexts)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sandbox.kakaclo.order_count(custom_order_id=reference) == 1  # never even created twice
    assert results[0]["order_id"] == results[1]["order_id"]
    assert sorted(r["placed"] for r in results) == [False, True]
    # the lease holder spent no scan after its create; the other found the marker, no scan either
    assert sandbox.stats("kakaclo")["by_route"].get(GET_ORDERS, 0) == 1  # the second's check by id


# ---------------------------------------------------------------- the batch placer
def batch(orders, **kwargs) -> PlaceOrdersOperator:
    return PlaceOrdersOperator(task_id="batch", conn_id="kakaclo_default", orders=orders, **kwargs)


def test_batch_request_count_is_exact(kakaclo_conn, sandbox, skus, make_context):
    """6 orders, 3 SKUs, 2 countries, 4 distinct (lines, country): 1 products call, 4 freight trials,
    1 balance, 6 creates, one scan before and one after. A regression is a red test."""
    orders = [order_for(skus[0], 1, "US", "B-1"), order_for(skus[0], 1, "US", "B-2"),
              order_for(skus[1], 2, "US", "B-3"), order_for(skus[1], 2, "GB", "B-4"),
              order_for(skus[2], 1, "GB", "B-5"), order_for(skus[2], 1, "GB", "B-6")]
    context = make_context()
    result = batch(orders).execute(context)
    assert result["counts"] == {"placed": 6, "found": 0, "failed": 0, "unknown": 0}
    assert routes(sandbox) == {PRODUCTS: 1, FREIGHT: 4, BALANCE: 1, POST_ORDER: 6, GET_ORDERS: 2}
    assert {o["customOrderId"]: str(o["id"]) for o in sandbox.kakaclo.orders()} == result["order_ids"]

    sandbox.reset_stats()
    again = batch(orders).execute(context)  # a retry: everything was recorded, nothing is asked
    assert again["counts"] == {"placed": 0, "found": 6, "failed": 0, "unknown": 0}
    assert routes(sandbox) == {}


@pytest.mark.parametrize("freight", [True, False])
def test_batch_without_a_state_store_reconciles_in_one_scan(kakaclo_conn, sandbox, skus, make_context, freight):
    orders = [order_for(skus[i % 3], 1, "US", f"N-{i}") for i in range(9)]
    batch(orders, check_freight=freight).execute(make_context(state_store=False))
    sandbox.reset_stats()
    again = batch(orders, check_freight=freight).execute(make_context(state_store=False))
    assert again["counts"]["found"] == 9 and again["order_ids"] == batch_ids(sandbox)
    assert routes(sandbox) == {GET_ORDERS: 1}
    assert sandbox.kakaclo.order_count() == 9


def batch_ids(sandbox) -> dict:
    return {o["customOrderId"]: str(o["id"]) for o in sandbox.kakaclo.orders()}


def test_a_bad_order_a_refused_order_and_a_crash_then_the_retry_places_every_good_order_once(
        kakaclo_conn, sandbox, skus, make_context, monkeypatch):
    from airflow_provider_kakaclo.hooks.kakaclo import KakaCloHook

    good = [order_for(skus[i % 3], 1, "US", f"G-{i}") for i in range(8)]
    bad = {**order_for(skus[0], 0, "US", "BAD-QTY")}  # quantity 0: invalid, never sent
    unknown = order_for("NOPE_X_L", 1, "US", "BAD-SKU")  # refused by the pre-check
    orders = good[:3] + [bad] + good[3:5] + [unknown] + good[5:]
    context = make_context()

    real_create, calls = KakaCloHook.create_order, []

    def crash_on_fifth(self, order):
        calls.append(order["customOrderId"])
        if len(calls) == 5:
            raise RuntimeError("worker died")  # after four creates
        if len(calls) == 3:  # the vendor refuses this one
            sandbox.add_fault("kakaclo", "POST", CREATE, "envelope", code=30001, message="order refused")
        return real_create(self, order)

    monkeypatch.setattr(KakaCloHook, "create_order", crash_on_fifth)
    with pytest.raises(RuntimeError, match="worker died"):
        batch(orders, max_failures=3).execute(context)
    assert sandbox.kakaclo.order_count() == 3  # 4 creates, the third refused
    refused = calls[2]

    monkeypatch.setattr(KakaCloHook, "create_order", real_create)
    result = batch(orders, max_failures=3).execute(context)  # the retry, same task instance
    placed = batch_ids(sandbox)
    assert sorted(placed) == sorted(o["merchant_order_id"] for o in good)
    assert all(sandbox.kakaclo.order_count(custom_order_id=ref) == 1 for ref in placed)
    assert result["order_ids"] == placed
    assert set(result["failed"]) == {"BAD-QTY", "BAD-SKU"}
    assert "quantity" in result["failed"]["BAD-QTY"] and "does not exist" in result["failed"]["BAD-SKU"]
    assert result["counts"] == {"placed": 5, "found": 3, "failed": 2, "unknown": 0}
    assert refused in result["order_ids"]  # refused on the first try, placed on the retry


def test_past_max_failures_the_task_fails_after_placing_the_others(kakaclo_conn, sandbox, skus, make_context):
    from airflow.exceptions import AirflowException

    orders = [order_for(skus[0], 1, "US", "OK-1"), order_for("NOPE_X_L", 1, "US", "NO-1"),
              order_for(skus[1], 1, "US", "OK-2")]
    context = make_context()
    with pytest.raises(AirflowException, match="1 orders failed .max_failures=0.*NO-1: SKU NOPE_X_L does not exist"):
        batch(orders).execute(context)
    assert sorted(batch_ids(sandbox)) == ["OK-1", "OK-2"]
    assert context["ti"].xcom["batch_result"]["counts"]["placed"] == 2


def test_balance_is_read_once_and_debited_order_by_order(kakaclo_conn, sandbox, skus, make_context):
    from airflow_provider_kakaclo.hooks.kakaclo import KakaCloHook

    (product,) = KakaCloHook().iter_products(skus=[skus[0]])
    price = next(s.price for s in product.skuDetails if s.sku == skus[0])
    (trial,) = [c for c in KakaCloHook().trial_split_freight([{"sku": skus[0], "quantity": 1}], "US")
                if c.channelType == "Standard"]
    sandbox.reset_stats()
    each = price + Decimal(str(trial.estimatedFreight))
    sandbox.kakaclo.set_balance(str(each * 2 + Decimal("0.01")))  # two orders, not three
    orders = [order_for(skus[0], 1, "US", f"M-{i}") for i in range(3)]
    result = batch(orders, max_failures=1).execute(make_context())
    assert result["counts"]["placed"] == 2 and list(result["failed"]) == ["M-2"]
    assert "does not cover" in result["failed"]["M-2"]
    assert routes(sandbox)[BALANCE] == 1


def test_stock_is_debited_across_the_batch(kakaclo_conn, sandbox, skus, make_context):
    for warehouse in ("G007", "G006", "H008", "G004"):
        try:
            sandbox.kakaclo.set_stock(skus[0], warehouse, 0)
        except Exception:
            continue
    sandbox.kakaclo.set_stock(skus[0], "G007", 3)
    orders = [order_for(skus[0], 2, "US", "S-1"), order_for(skus[0], 2, "US", "S-2")]
    result = batch(orders, check_freight=False, max_failures=1).execute(make_context())
    assert list(result["order_ids"]) == ["S-1"] and "has 1 in stock, 2 wanted" in result["failed"]["S-2"]


@pytest.mark.parametrize("orders", [
    [order_for("A", 1)],  # no merchant_order_id
    [order_for("A", 1, ref="X"), order_for("B", 1, ref="X")],  # the same reference twice
    [order_for("A", 1, ref="   ")],  # a blank one
    {"not": "a list"},
    ["not a mapping"],
])
def test_a_batch_without_unique_references_is_refused_before_any_request(kakaclo_conn, sandbox, make_context,
                                                                         orders):
    with pytest.raises(RequestValidationError, match="orders"):
        batch(orders).execute(make_context())
    assert sandbox.stats("kakaclo")["requests"] == 0


def test_the_batch_result_stays_small():
    outcomes = {f"REF-{i:05d}": ("placed", str(1000000000000 + i), None) for i in range(10_000)}
    outcomes["REF-X"] = ("failed", None, "x" * 5000)
    import json

    result = summarize(outcomes, "kakaclo")
    assert len(json.dumps(result)) < 400_000 and len(result["failed"]["REF-X"]) == 300


def test_a_twin_order_placed_by_a_concurrent_batch_is_cancelled_the_later_one(kakaclo_conn, sandbox, skus,
                                                                              make_context, monkeypatch):
    """Another try placed the same reference between this batch's scan and its create."""
    from airflow_provider_kakaclo.hooks.kakaclo import KakaCloHook

    real_create = KakaCloHook.create_order
    twin: list = []

    def create_after_a_twin(self, order):
        if not twin:
            twin.append(real_create(self, order))  # the concurrent try's order, created first
        return real_create(self, order)

    monkeypatch.setattr(KakaCloHook, "create_order", create_after_a_twin)
    result = batch([order_for(skus[0], 1, "US", "TWIN-1")], check_freight=False).execute(make_context())
    (first, second) = sorted(sandbox.kakaclo.orders(custom_order_id="TWIN-1"), key=lambda o: int(o["id"]))
    assert result["order_ids"] == {"TWIN-1": str(first["id"])} and result["counts"]["found"] == 1
    assert sandbox.kakaclo.refunds(second["id"]) and not sandbox.kakaclo.refunds(first["id"])


# ---------------------------------------------------------------- pure logic
@pytest.mark.parametrize("available,expected", [(Decimal("100"), [[], [], []]), (Decimal("25"), [[], [], ["x"]]),
                                                (None, [[], [], []])])
def test_evaluate_orders_debits_balance_in_order(available, expected):
    facts = {"A": SkuFacts(1, Decimal("10"), 100)}
    bodies = [{"orderItemsList": [{"sku": "A", "quantity": 1}], "orderAddresses": {"country": c},
               "channelType": "Standard"} for c in ("US", "US", "GB")]
    trials = {freight_key(bodies[0]): {"Standard": 2}, freight_key(bodies[2]): {"Standard": Decimal("3")}}
    verdicts = evaluate_orders(bodies, facts, trials, available, stock=True, freight=True, balance=True)
    assert [bool(p) for p, _ in verdicts] == [bool(e) for e in expected]
    assert verdicts[0][1]["freight"] == "2" and verdicts[2][1]["items_amount"] == "10"


def test_survivor_is_the_first_created_whatever_the_order_seen():
    assert survivor(["1000000000010", "999999999999", "1000000000002"]) == "999999999999"
    assert survivor(reversed(["1000000000010", "999999999999", "1000000000002"])) == "999999999999"


def test_a_twin_that_already_shipped_fails_the_task_naming_both_orders(kakaclo_conn, sandbox, skus, make_context,
                                                                       monkeypatch):
    from airflow_provider_kakaclo._compat import AirflowFailException
    from airflow_provider_kakaclo.hooks.kakaclo import KakaCloHook

    real_create = KakaCloHook.create_order

    def ours_then_a_shipped_twin(self, order):
        ours = real_create(self, order)
        twin = real_create(self, order)
        sandbox.kakaclo.advance_order(twin, "fully_shipped")
        return ours

    monkeypatch.setattr(KakaCloHook, "create_order", ours_then_a_shipped_twin)
    op = PlaceOrderOperator(task_id="place", conn_id="kakaclo_default", order=order_for(skus[0]),
                            check_freight=False)
    with pytest.raises(AirflowFailException, match=r"order (\d+) duplicates order (\d+) .*cancel it by hand"):
        op.execute(first_try(make_context))
