"""BirdSystemHook over real HTTP against the sandbox."""

from __future__ import annotations

import pytest

from airflow_provider_kakaclo.hooks.birdsystem import BirdSystemHook
from airflow_provider_kakaclo.transport import AuthenticationError, RequestValidationError
from tests.conftest import set_connection


def test_products_paged_and_found_by_client_ref(birdsystem_conn, sandbox):
    hook = BirdSystemHook()
    products = list(hook.iter_products())
    assert len(products) == len({p.id for p in products}) == 300
    own = [p for p in products if str(p.client_id) == "4790"]
    one = own[17]
    assert hook.get_product(client_ref=one.client_ref).id == one.id
    assert hook.get_product(client_ref=one.client_ref.lower()) is None  # the filter is case-blind; we are not
    parent = next(p for p in products if str(p.client_id) == "4700")
    assert hook.get_product(client_ref=parent.client_ref) is None  # not ours, as in full syncs
    assert hook.get_product(client_ref="NO-SUCH-REF") is None


def test_wrong_api_key_is_an_authentication_error_naming_birdsystem(birdsystem_conn, sandbox, monkeypatch):
    set_connection(monkeypatch, "birdsystem_default", conn_type="birdsystem", host=f"{sandbox.base_url}/birdsystem",
                   password="wrong-key", extra={"company_id": 1001})
    with pytest.raises(AuthenticationError, match="birdsystem GET /client/Product: Login Required!"):
        BirdSystemHook().get_product(client_ref="BS-00001")
    ok, message = BirdSystemHook().test_connection()
    assert not ok and "Login Required!" in message


def test_product_life_from_create_to_active(birdsystem_conn, sandbox):
    hook = BirdSystemHook()
    product_id = hook.create_product({
        "name": "Test mug", "name_customs": "mug", "customs_category_id": 702, "material": "ceramic",
        "usage": "drinking", "brand": "Acme", "price_customs_import": 3, "price_customs_export": 3,
        "client_ref": "MUG-1", "weight": 350, "length": 120, "width": 90, "depth": 100})
    assert hook.get_product(product_id).status == "PREPARING"
    hook.change_product_status(product_id, "PENDING")
    with pytest.raises(RequestValidationError, match="from PENDING to ACTIVE; allowed from PENDING"):
        hook.change_product_status(product_id, "ACTIVE")
    sandbox.birdsystem.set_product_status(product_id, "REVIEWING")  # the warehouse's side
    sandbox.birdsystem.set_product_status(product_id, "ACTIVE")
    before = sandbox.stats("birdsystem")["requests"]
    with pytest.raises(RequestValidationError, match="from ACTIVE to PENDING; allowed from ACTIVE: DELETED, PROBLEM"):
        hook.change_product_status(product_id, "PENDING")
    assert sandbox.stats("birdsystem")["requests"] == before + 1  # the status read, no write
    hook.update_product(product_id, {"weight": 360, "color": "white"})
    assert hook.get_product(product_id).weight == 360


def test_available_quantity_is_live_minus_locked(birdsystem_conn, sandbox):
    hook = BirdSystemHook()
    product = next(hook.iter_products(status="ACTIVE"))
    sandbox.birdsystem.set_stock(product.id, company_id=1001, live=20, locked=6)
    assert hook.get_available_quantity([product.id])[product.id].available == 14
    rows = hook.get_stock_info(product.id, group_by_warehouse=True)
    assert any(r.warehouse_name for r in rows)
