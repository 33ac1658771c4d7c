"""README feature rows that said "yes" without a test of their own: KakaClo's POD custom-product calls
(C1-C5) end to end on the sandbox, BirdSystem's cancel, and the connection time-outs' values on the
wire (sync and async)."""

from __future__ import annotations

import asyncio

import pytest

from airflow_provider_kakaclo.hooks.birdsystem import BirdSystemHook
from airflow_provider_kakaclo.hooks.kakaclo import KakaCloHook
from airflow_provider_kakaclo.hooks.qianyi import QianyiHook
from airflow_provider_kakaclo.transport import RequestValidationError, VendorError
from tests.conftest import TEST_TOKEN, set_connection

C5 = "POST /openapi/v1/product/custom/customDesigned/addProduct"


# --------------------------------------------------------------------- KakaClo custom products
@pytest.mark.parametrize("id_type", [int, str])
def test_designed_products_are_saved_and_then_listed(kakaclo_conn, sandbox, id_type):
    """C1 categories, C2 models (every page), C3 one model, C5 save, C4 list (every page)."""
    hook = KakaCloHook()
    models = list(hook.iter_design_models())
    assert models and len({m.id for m in models}) == len(models)
    assert {m.categoryName for m in models} <= set(hook.get_design_category_names())
    before = {p.id for p in hook.iter_custom_designed()}
    chosen = models[:3]
    for n, model in enumerate(chosen):
        detail = hook.get_design_model(id_type(model.id))
        assert (detail.id, detail.modelCode) == (model.id, model.modelCode)
        hook.add_designed_product({"modelId": id_type(model.id), "enName": f"README row tee {n} {id_type.__name__}",
                                   "imageUrl": f"https://img.example/{n}.png"})
    assert sandbox.stats("kakaclo")["by_route"][C5] == len(chosen)
    added = [p for p in hook.iter_custom_designed() if p.id not in before]
    assert sorted(p.enName for p in added) == [f"README row tee {n} {id_type.__name__}" for n in range(len(chosen))]
    assert sorted(p.modelCode for p in added) == sorted(m.modelCode for m in chosen)
    found = hook.search_custom_designed(searchContent=f"README row tee 1 {id_type.__name__}")
    assert [p.modelCode for p in found.items] == [chosen[1].modelCode]


@pytest.mark.parametrize("product", [
    {"enName": "no model", "imageUrl": "https://img.example/x.png"},
    {"modelId": "", "enName": "empty model", "imageUrl": "https://img.example/x.png"},
    {"modelId": 1, "imageUrl": "https://img.example/x.png"},
    {"modelId": 1, "enName": "no image"},
])
def test_a_designed_product_missing_a_documented_field_is_refused_before_sending(kakaclo_conn, sandbox, product):
    with pytest.raises(RequestValidationError):
        KakaCloHook().add_designed_product(product)
    assert sandbox.stats("kakaclo")["requests"] == 0


# --------------------------------------------------------------------- BirdSystem cancel
@pytest.fixture
def consignment_id(birdsystem_conn, sandbox) -> str:
    """A consignment placed (PENDING: in the warehouse's hands) through the hook."""
    hook = BirdSystemHook()
    service = next(s for s in hook.get_delivery_services() if s["name"] == "Royal Mail Tracked 48")
    product = next(p for p in hook.iter_products(status="ACTIVE")
                   if hook.get_available_quantity([p.id])[p.id].available >= 1)
    order = {"consignment": {"delivery_service_id": int(service["id"]), "contact": "Ada Lovelace",
                             "address_line1": "1 Market St", "city": "London", "country_iso": "GB",
                             "post_code": "N1 9GU"},
             "lines": [{"client_ref": product.client_ref, "quantity": 1}]}
    placed = hook.place_order(order, "readme-row-cancel")
    assert sandbox.birdsystem.consignment(placed)["status"] == "PENDING"
    return placed


def test_cancel_a_pending_consignment(consignment_id, sandbox):
    BirdSystemHook().cancel_consignment(consignment_id)
    assert sandbox.birdsystem.consignment(consignment_id)["status"] == "CANCELLED"  # the sandbox's own state
    assert BirdSystemHook().get_consignment(consignment_id).status == "CANCELLED"


@pytest.mark.parametrize("stage", ["PICKING", "FINISHED"])
def test_cancel_too_late_is_the_vendors_error_and_changes_nothing(consignment_id, sandbox, stage):
    sandbox.birdsystem.advance_consignment(consignment_id, stage)
    with pytest.raises(VendorError, match="can not be cancelled"):
        BirdSystemHook().cancel_consignment(consignment_id)
    assert sandbox.birdsystem.consignment(consignment_id)["status"] == stage


# --------------------------------------------------------------------- connection time-outs
TIMEOUTS = [
    ({}, (10.0, 60.0)),  # the README's defaults
    ({"connect_timeout": 3, "read_timeout": 7.5}, (3.0, 7.5)),
    ({"connect_timeout": "4", "read_timeout": "90"}, (4.0, 90.0)),  # the connection form saves strings
]


@pytest.mark.parametrize(("extra", "expected"), TIMEOUTS)
def test_sync_requests_carry_the_connections_time_outs(monkeypatch, requests_mock, extra, expected):
    set_connection(monkeypatch, "kakaclo_default", conn_type="kakaclo", host="https://kakaclo.test",
                   password=TEST_TOKEN, extra={"rate_limit_burst": 0, **extra})
    requests_mock.get("https://kakaclo.test/openapi/v1/product/countryAndWarehouse",
                      json={"code": 10000, "data": {"list": [{"warehouseCode": "G007"}]}})
    KakaCloHook().get_warehouses()
    assert requests_mock.last_request.timeout == expected


@pytest.mark.parametrize(("extra", "expected"), TIMEOUTS)
def test_async_clients_carry_the_connections_time_outs(monkeypatch, extra, expected):
    set_connection(monkeypatch, "kakaclo_default", conn_type="kakaclo", host="https://kakaclo.test",
                   password=TEST_TOKEN, extra={"rate_limit_burst": 0, **extra})

    async def timeouts():
        transport = KakaCloHook().async_transport()
        try:
            return transport.client.timeout.connect, transport.client.timeout.read
        finally:
            await transport.aclose()

    assert asyncio.run(timeouts()) == expected


@pytest.mark.parametrize(("extra", "expected"), TIMEOUTS)
@pytest.mark.parametrize(("hook_class", "fields"), [
    (QianyiHook, {"conn_type": "qianyi", "login": "app", "password": "secret"}),
    (BirdSystemHook, {"conn_type": "birdsystem", "password": "key", "extra_base": {"company_id": 1001}}),
])
def test_every_vendors_transport_reads_the_same_time_out_extras(monkeypatch, hook_class, fields, extra, expected):
    fields = dict(fields)
    base = fields.pop("extra_base", {})
    set_connection(monkeypatch, hook_class.default_conn_name, host="https://vendor.test", **fields,
                   extra={**base, **extra})
    settings = hook_class().transport.settings
    assert (settings.connect_timeout, settings.read_timeout) == expected
