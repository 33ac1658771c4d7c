"""BirdSystemHook at the wire (requests-mock with the documented payloads)."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from airflow_provider_kakaclo.hooks.birdsystem import BirdSystemHook, consignment_status
from airflow_provider_kakaclo.models.birdsystem import CONSIGNMENT_STATUSES, Consignment
from airflow_provider_kakaclo.transport import (
    AuthenticationError,
    BusinessError,
    NotFoundError,
    RequestValidationError,
    ServerError,
)
from tests.conftest import set_connection

BASE = "https://bird.test"
FIXTURES = Path(__file__).parent.parent / "fixtures" / "birdsystem"
KEY = "test-birdsystem-key-b1"


def sample(name: str):
    return json.loads((FIXTURES / f"{name}.json").read_text())


@pytest.fixture
def hook(monkeypatch):
    set_connection(monkeypatch, "birdsystem_default", conn_type="birdsystem", host=BASE, password=KEY,
                   extra={"company_id": 36, "backoff_initial": 0.001, "backoff_max": 0.01})
    return BirdSystemHook()


def test_headers_and_product_sample(hook, requests_mock):
    requests_mock.get(f"{BASE}/client/Product", json=sample("product_list"))
    product = hook.get_product(client_ref="4790-2989356")
    assert (product.id, product.status, product.live_stock, product.weight) == ("2989356", "ACTIVE", 1, 50)
    request = requests_mock.last_request
    assert request.headers["api_key"] == KEY and request.headers["company_id"] == "36"
    assert request.qs["client_ref"] == ["4790-2989356"]


def test_available_quantity_both_documented_shapes(hook, requests_mock):
    requests_mock.get(f"{BASE}/client/Product/Get-Product-Available-Quantity",
                      [{"json": sample("available_quantity")}, {"json": sample("available_quantity_old")}])
    new = hook.get_available_quantity([2989354])
    assert new["2989354"].available == 91 - 28
    old = hook.get_available_quantity(["77"])
    assert old["77"].available == 8


@pytest.mark.parametrize("ids", [range(1, 2501), range(2989001, 2991001), [10**15 + i for i in range(300)],
                                 [7, 10**17, 33] * 40])
def test_available_quantity_keeps_ids_within_their_255_characters(hook, requests_mock, ids):
    requests_mock.get(f"{BASE}/client/product/Get-Product-Available-Quantity", json={"data": [], "success": True})
    hook.get_available_quantity(ids)
    sent = [r.qs["ids"][0] for r in requests_mock.request_history]
    assert all(len(text) <= 255 for text in sent)
    assert [int(i) for text in sent for i in text.split(",")] == list(dict.fromkeys(ids))  # each once, in order
    for text, following in zip(sent, sent[1:], strict=False):  # each call as full as 255 characters allow
        assert len(text) + 1 + len(following.split(",")[0]) > 255
    assert requests_mock.last_request.path == "/client/product/get-product-available-quantity"


def test_stock_info_with_frozen_row_and_warehouse_grouping(hook, requests_mock):
    requests_mock.get(f"{BASE}/client/Container-Product/Get-Product-Stock-Info", json=sample("stock_info"))
    rows = hook.get_stock_info(499154, group_by_warehouse=True)
    assert [(r.company_site_name, r.quantity) for r in rows] == [("空运动态仓", 11), ("Frozen Stock", 3)]
    qs = requests_mock.last_request.qs
    assert qs["groupbywarehouse"] == ["true"]
    assert json.loads(qs["filter"][0]) == [{"type": "numeric", "comparison": "eq", "value": 499154, "field": "product_id"}]


def test_login_required_is_an_authentication_error_not_a_generic_500(hook, requests_mock):
    requests_mock.get(f"{BASE}/client/Product", status_code=500, json=sample("login_required"))
    with pytest.raises(AuthenticationError, match="birdsystem GET /client/Product: Login Required!"):
        hook.get_product(1)
    assert requests_mock.call_count == 1


def test_http_500_with_success_false_is_final(hook, requests_mock):
    requests_mock.get(f"{BASE}/client/Product/Get-Product-Available-Quantity", status_code=500,
                      json=sample("not_yours"))
    with pytest.raises(NotFoundError, match="does not belong to you"):
        hook.get_available_quantity([2989])
    assert requests_mock.call_count == 1
    requests_mock.post(f"{BASE}/client/Consignment", status_code=500,
                       json={"success": False, "message": "Cannot find delivery service, please check."})
    with pytest.raises(BusinessError, match="Cannot find delivery service"):
        hook.create_consignment(CONSIGNMENT)
    assert requests_mock.call_count == 2


def test_a_real_server_fault_is_retried(hook, requests_mock):
    requests_mock.get(f"{BASE}/client/Product", [{"status_code": 502, "text": "<html>gateway</html>"},
                                                 {"json": sample("product_list")}])
    assert hook.get_product(2989356).id == "2989356"
    with pytest.raises(ServerError):
        requests_mock.get(f"{BASE}/client/Product", status_code=503, text="<html>down</html>")
        hook.get_product(2989356)


CONSIGNMENT = {"delivery_service_id": 12010433, "contact": "Ada Lovelace", "address_line1": "1 Market St",
               "city": "London", "country_iso": "GB", "post_code": "N1 9GU"}


def test_step_by_step_consignment_is_form_encoded(hook, requests_mock):
    requests_mock.post(f"{BASE}/client/Consignment", json=sample("consignment_created"))
    requests_mock.post(f"{BASE}/client/Consignment-Product", json=sample("consignment_line_created"))
    requests_mock.post(f"{BASE}/client/Consignment/Batch-Update-Status", json={"success": True})
    consignment_id = hook.create_consignment({**CONSIGNMENT, "sales_reference": "SHOP-1"})
    assert consignment_id == "2006143004830001"
    assert hook.add_consignment_line(consignment_id, 334422, 2) == "1124955"
    hook.update_consignment_status([consignment_id], "PENDING")
    first, second, third = requests_mock.request_history
    assert first.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(first.text)["sales_reference"] == ["SHOP-1"]
    assert parse_qs(second.text) == {"consignment_id": ["2006143004830001"], "product_id": ["334422"],
                                     "quantity": ["2"], "product_type": ["NORMAL"]}
    assert parse_qs(third.text) == {"ids": ["2006143004830001"], "status": ["PENDING"]}


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [("ACTIVE", "PENDING", "DELETED, PROBLEM"), ("REVIEWING", "ACTIVE", "nothing"), ("PROBLEM", "ACTIVE", "DELETED, RECHECK")],
)
def test_illegal_status_transitions_refused_before_the_write(hook, requests_mock, current, target, allowed):
    with pytest.raises(RequestValidationError, match=f"from {current} to {target}; allowed from {current}: {allowed}"):
        hook.change_product_status(1, target, current=current)
    assert requests_mock.call_count == 0


def test_legal_transition_is_sent_as_the_documented_post_with_id(hook, requests_mock):
    requests_mock.post(f"{BASE}/client/Product/", json={"success": True})
    hook.change_product_status(5, "PENDING", current="PREPARING")
    assert requests_mock.last_request.json() == {"id": 5, "status": "PENDING"}
    hook.update_product(5, {"weight": 360, "company_product-low_stock_level": 4})
    assert requests_mock.last_request.json() == {"id": 5, "weight": 360, "company_product-low_stock_level": 4}


def test_put_only_when_the_connection_asks_for_it(monkeypatch, requests_mock):
    set_connection(monkeypatch, "birdsystem_default", conn_type="birdsystem", host=BASE, password=KEY,
                   extra={"company_id": 36, "product_update_style": "put"})
    requests_mock.put(f"{BASE}/client/Product/5", json={"success": True})
    BirdSystemHook().update_product(5, {"note": "x"})
    assert requests_mock.last_request.json() == {"note": "x"}


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        ({**CONSIGNMENT, "contact": ""}, "contact"),
        ({**CONSIGNMENT, "country_iso": "GBR"}, "country_iso"),
        ({**CONSIGNMENT, "post_code": "X" * 11}, "post_code"),
        ({k: v for k, v in CONSIGNMENT.items() if k != "delivery_service_id"}, "delivery_service_id"),
    ],
)
def test_bad_consignment_refused_before_any_request(hook, requests_mock, bad, problem):
    with pytest.raises(RequestValidationError, match=problem):
        hook.create_consignment(bad)
    assert requests_mock.call_count == 0


def test_missing_company_id_is_a_clear_error(monkeypatch, requests_mock):
    set_connection(monkeypatch, "birdsystem_default", conn_type="birdsystem", host=BASE, password=KEY)
    with pytest.raises(RequestValidationError, match="needs the extra company_id"):
        BirdSystemHook().get_product(1)
    assert requests_mock.call_count == 0


def test_every_consignment_status_maps_to_the_lifecycle():
    mapped = {s: consignment_status(Consignment(id="1", status=s)) for s in CONSIGNMENT_STATUSES}
    assert len(mapped) == 15
    stages = {s: m.status for s, m in mapped.items()}
    assert stages["FINISHED"] == "shipped" and stages["CANCELLED"] == "cancelled" and stages["PENDING"] == "paid"
    assert stages["PREPARING"] == "pending"
    assert stages["ADDRESS_LABEL_PRINTED"] == stages["CONFIRMED_BY_WAREHOUSE"] == "paid"
    # a person resolves these: the order keeps its stage and says it needs attention
    assert {s for s, m in mapped.items() if m.vendor_status.get("needs_attention")} == \
        {"PROBLEM", "WAITING_CLIENT_RESPOND"}
    assert stages["PROBLEM"] == stages["WAITING_CLIENT_RESPOND"] == "paid"
    shipped = consignment_status(Consignment(id="1", status="FINISHED", delivery_reference="RM123GB"))
    assert shipped.tracking_codes == ["RM123GB"]


@pytest.mark.parametrize("last", ["pending", "paid", "shipped"])
def test_an_undocumented_status_keeps_the_last_known_stage(hook, requests_mock, last):
    statuses = {"pending": "PREPARING", "paid": "PICKING", "shipped": "FINISHED"}
    requests_mock.get(f"{BASE}/client/Consignment", [
        {"json": {"success": True, "total": 1, "data": [{"id": "2006143004830001", "status": statuses[last]}]}},
        {"json": {"success": True, "total": 1, "data": [{"id": "2006143004830001", "status": "ON_THE_MOON"}]}}])
    assert hook.get_order_statuses(["2006143004830001"])["2006143004830001"].status == last
    later = hook.get_order_statuses(["2006143004830001"])["2006143004830001"]
    assert later.status == last and later.vendor_status == {"status": "ON_THE_MOON", "undocumented_status": True}
