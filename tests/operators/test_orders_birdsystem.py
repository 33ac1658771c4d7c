"""The same order operators with a BirdSystem connection: consignments, no vendor-specific parameter."""

from __future__ import annotations

import pytest

from airflow_provider_kakaclo._compat import AirflowFailException
from airflow_provider_kakaclo.hooks.birdsystem import ALL_IN_ONE, BirdSystemHook
from airflow_provider_kakaclo.operators.orders import PlaceOrderOperator, stable_reference
from airflow_provider_kakaclo.sensors.orders import OrderStatusSensor
from airflow_provider_kakaclo.transport import AmbiguousWriteError, PrecheckError
from tests.operators.conftest import FakeTI


@pytest.fixture
def order(birdsystem_conn, sandbox):
    hook = BirdSystemHook()
    service = next(s for s in hook.get_delivery_services() if s["name"] == "Royal Mail Tracked 48")
    product = next(p for p in hook.iter_products(status="ACTIVE")
                   if hook.get_available_quantity([p.id])[p.id].available >= 2)
    return {
        "consignment": {"delivery_service_id": int(service["id"]), "contact": "Ada Lovelace",
                        "address_line1": "1 Market St", "city": "London", "country_iso": "GB", "post_code": "N1 9GU"},
        "lines": [{"client_ref": product.client_ref, "quantity": 2}],
    }


def place(order) -> PlaceOrderOperator:
    return PlaceOrderOperator(task_id="place", conn_id="birdsystem_default", order=order)


def writes(sandbox) -> dict[str, int]:
    return {route: n for route, n in sandbox.stats("birdsystem")["by_route"].items() if not route.startswith("GET ")}


@pytest.mark.parametrize("reply", ["map", "list"])
def test_place_once_in_one_request_then_wait_until_finished(order, sandbox, make_context, reply):
    sandbox.set_switches("birdsystem", all_in_one_response=reply)
    sandbox.reset_stats()
    context = make_context()
    result = place(order).execute(context)
    reference = stable_reference(context)
    assert result["vendor"] == "birdsystem" and result["status"] == "paid"  # PENDING: in the warehouse's hands
    assert writes(sandbox) == {f"POST {ALL_IN_ONE}": 1}  # one request creates it, straight to PENDING
    (made,) = sandbox.birdsystem.consignments(sales_reference=reference)
    assert (made["custom_identity_reference"], made["status"], str(made["id"])) == (reference, "PENDING",
                                                                                    result["order_id"])
    assert place(order).execute(make_context())["order_id"] == result["order_id"]  # a retry finds it
    assert sandbox.birdsystem.consignment_count(sales_reference=reference) == 1

    sensor = OrderStatusSensor(task_id="wait", conn_id="birdsystem_default", order_id=result["order_id"],
                               target_status="shipped", poke_interval=1, timeout=60)
    assert sensor.poke({"ti": FakeTI("wait")}) is False
    sandbox.birdsystem.advance_consignment(result["order_id"], "FINISHED")
    done = sensor.poke({"ti": FakeTI("wait")})
    assert done.xcom_value["status"] == "shipped" and done.xcom_value["tracking_codes"]


@pytest.mark.parametrize("reply", ["map", "list"])
def test_connection_dropped_after_commit_still_one_consignment(order, sandbox, make_context, reply):
    sandbox.set_switches("birdsystem", all_in_one_response=reply)
    sandbox.fail_next("birdsystem", "POST", ALL_IN_ONE, after_commit=True)
    context = make_context()
    result = place(order).execute(context)
    reference = stable_reference(context)
    (consignment,) = sandbox.birdsystem.consignments(sales_reference=reference)
    assert consignment["status"] == "PENDING" and result["order_id"] == str(consignment["id"])
    lines = BirdSystemHook().get_consignment_lines(result["order_id"])
    assert [int(line["quantity"]) for line in lines] == [2]


def test_a_retry_after_a_lost_reply_is_refused_by_the_vendor_and_resolves_to_the_same(order, sandbox):
    hook = BirdSystemHook()
    sandbox.fail_next("birdsystem", "POST", ALL_IN_ONE, after_commit=True)
    with pytest.raises(AmbiguousWriteError):
        hook.place_order(order, "SHOP-1001")
    (committed,) = sandbox.birdsystem.consignments(sales_reference="SHOP-1001")
    sandbox.reset_stats()
    assert hook.place_order(order, "SHOP-1001") == str(committed["id"])  # "Duplicate consignment identity ..."
    assert writes(sandbox) == {f"POST {ALL_IN_ONE}": 1}  # the vendor refused it; nothing else was written
    assert sandbox.birdsystem.consignment_count(sales_reference="SHOP-1001") == 1


def test_a_consignment_an_older_version_left_preparing_is_completed_not_duplicated(order, sandbox, make_context):
    context = make_context()
    reference = stable_reference(context)
    hook = BirdSystemHook()
    half_made = hook.create_consignment({**order["consignment"], "sales_reference": reference})  # no lines
    result = place(order).execute(context)
    assert result["order_id"] == half_made and result["placed"] is False
    (consignment,) = sandbox.birdsystem.consignments(sales_reference=reference)
    assert consignment["status"] == "PENDING" and [int(x["quantity"]) for x in consignment["lines"]] == [2]


def test_a_product_that_is_not_active_is_refused_before_any_write(order, sandbox, make_context):
    hook = BirdSystemHook()
    product = hook.get_product(client_ref=order["lines"][0]["client_ref"])
    sandbox.birdsystem.set_product_status(product.id, "HOLD_OUTBOUND")
    sandbox.reset_stats()
    with pytest.raises(PrecheckError, match="is HOLD_OUTBOUND, not ACTIVE"):
        place(order).execute(make_context())
    assert all(route.startswith("GET ") for route in sandbox.stats("birdsystem")["by_route"])
    assert sandbox.birdsystem.consignments() == []


def test_cancelled_consignment_fails_the_sensor_at_once(order, sandbox, make_context):
    result = place(order).execute(make_context())
    sandbox.birdsystem.advance_consignment(result["order_id"], "CANCELLED")
    sensor = OrderStatusSensor(task_id="wait", conn_id="birdsystem_default", order_id=result["order_id"],
                               target_status="shipped", poke_interval=1, timeout=60)
    with pytest.raises(AirflowFailException, match="cancelled"):
        sensor.poke({"ti": FakeTI("wait")})


@pytest.mark.parametrize("status", ["WAITING_CLIENT_RESPOND", "PROBLEM"])
def test_states_a_person_resolves_keep_the_sensor_waiting_unless_asked_to_fail(order, sandbox, make_context,
                                                                                  status, capsys):
    result = place(order).execute(make_context())
    sandbox.birdsystem.advance_consignment(result["order_id"], status)
    waiting = OrderStatusSensor(task_id="wait", conn_id="birdsystem_default", order_id=result["order_id"],
                                target_status="shipped", poke_interval=1, timeout=60)
    assert waiting.poke({"ti": FakeTI("wait")}) is False
    logged = capsys.readouterr().out
    assert "needs a person" in logged and status in logged
    sandbox.birdsystem.advance_consignment(result["order_id"], "FINISHED")  # resolved, then shipped
    assert waiting.poke({"ti": FakeTI("wait")}).xcom_value["status"] == "shipped"
    other = place(order).execute(make_context(run_id="another"))
    sandbox.birdsystem.advance_consignment(other["order_id"], status)
    failing = OrderStatusSensor(task_id="wait", conn_id="birdsystem_default", order_id=other["order_id"],
                                target_status="shipped", poke_interval=1, timeout=60, on_attention_states="fail")
    with pytest.raises(AirflowFailException, match="needs a person"):
        failing.poke({"ti": FakeTI("wait")})


@pytest.mark.parametrize("status", ["WAITING_CLIENT_RESPOND", "PROBLEM"])
def test_the_deferred_wait_follows_on_attention_states_too(order, sandbox, make_context, status):
    """In the triggerer: 'fail' ends the wait at the first look-up that sees the state; 'wait' waits on
    until the warehouse moves on."""
    import asyncio

    from airflow_provider_kakaclo.triggers.orders import OrderStatusTrigger
    from tests.triggers.conftest import first_event

    held = place(order).execute(make_context())["order_id"]
    sandbox.birdsystem.advance_consignment(held, status)
    failing = OrderStatusTrigger("birdsystem_default", held, "shipped", 0.05, on_attention_states="fail")
    event = asyncio.run(first_event(failing))
    assert event["status"] == "failed" and "on_attention_states='fail'" in event["message"]
    waiting = OrderStatusTrigger(**OrderStatusTrigger("birdsystem_default", held, "shipped", 0.05).serialize()[1])
    event = asyncio.run(first_event(waiting, lambda: sandbox.birdsystem.advance_consignment(held, "FINISHED")))
    assert event["status"] == "success" and event["order"]["status"] == "shipped"


def test_every_hook_path_is_spelled_as_the_pages_spell_it(order, sandbox, make_context):
    """The docs call paths case-sensitive: with the sandbox serving only documented spellings, the
    provider's calls (orders, stock, products, look-ups) all still land."""
    sandbox.set_switches("birdsystem", path_case="exact")
    hook = BirdSystemHook()
    result = place(order).execute(make_context())
    assert hook.get_order_statuses([result["order_id"]])[result["order_id"]].status == "paid"
    product = hook.get_product(client_ref=order["lines"][0]["client_ref"])
    assert hook.get_available_quantity([product.id])[product.id].available >= 0
    assert hook.get_stock_info(product.id) is not None
    new = hook.create_product({"name": "cup", "name_customs": "cup", "price_customs_export": 1, "client_ref": "CUP"})
    hook.update_product(new, {"note": "exact paths"})
    hook.change_product_status(new, "PENDING")
    assert hook.get_customs_categories() and hook.get_product_customs_properties()
    assert hook.get_customs_category(int(hook.get_customs_categories()[0]["id"]))
    assert set(sandbox.stats("birdsystem")["by_status"]) == {"200"}  # no 404 for a misspelled path
