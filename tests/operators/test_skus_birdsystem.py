"""SkuUpsertOperator into BirdSystem as the current wiki documents it: edits by POST with id, no invented
customs data, a second sync of an unchanged catalog writes nothing."""

from __future__ import annotations

import functools
import json

import pytest

from airflow_provider_kakaclo.hooks.birdsystem import BirdSystemHook
from airflow_provider_kakaclo.operators.skus import SkuUpsertOperator
from airflow_provider_kakaclo.skus import to_birdsystem

PLACEHOLDERS = {"0", "apparel", "unbranded", "unknown"}


def catalog(n: int, *, start: int = 0, **extra) -> list[dict]:
    return [{"sku": f"LN-{i:05d}", "title": f"Linen shirt {i}", "color": "White", "weight_g": "210",
             "length_cm": "30", "width_cm": "22", "height_cm": "3",
             "extra": {"name_customs": "linen shirt", "price_customs_export": "6.5", **extra}}
            for i in range(start, start + n)]


def upsert(skus, **kwargs) -> dict:
    return SkuUpsertOperator(task_id="upsert", conn_id="birdsystem_default", skus=skus, **kwargs).execute({})


@pytest.fixture
def sent(monkeypatch):
    """Every call the BirdSystem hook sends: (method, path, body)."""
    calls: list[tuple[str, str, dict]] = []
    original = BirdSystemHook.call

    def spy(self, method, path, **kwargs):
        calls.append((method, path, kwargs.get("json") or kwargs.get("form") or {}))
        return original(self, method, path, **kwargs)

    monkeypatch.setattr(BirdSystemHook, "call", spy)
    return calls


def writes(sent) -> list[tuple[str, str, dict]]:
    return [c for c in sent if c[0] != "GET"]


@pytest.mark.parametrize("put_route", ["off", "on"])
def test_updates_and_status_changes_go_through_post_with_id(birdsystem_conn, sandbox, sent, put_route):
    sandbox.set_switches("birdsystem", product_put_route=put_route)
    skus = catalog(6)
    assert upsert(skus)["created"] == 6
    for rec in skus[:2]:
        rec["weight_g"] = "250"
    sent.clear()
    result = upsert(skus)
    assert (result["created"], result["updated"], result["unchanged"], result["failed"]) == (0, 2, 4, 0)
    edits = writes(sent)
    assert [(m, p) for m, p, _ in edits] == [("POST", "/client/Product/")] * 2
    assert all(set(body) == {"id", "weight"} for _, _, body in edits)  # the id plus what changed, nothing else
    hook = BirdSystemHook()
    product = hook.get_product(client_ref="LN-00000")
    assert product.weight == 250
    hook.change_product_status(product.id, "PENDING")
    assert hook.get_product(product.id).status == "PENDING"
    assert not any(m == "PUT" for m, _, _ in sent)
    assert not any(route.startswith("PUT ") for route in sandbox.stats("birdsystem")["by_route"])


@pytest.mark.parametrize("customs", [
    {},
    {"customs_category_id": 815, "usage": "wearing", "material": "linen"},
    {"customs_category_id": 702, "customs_properties": [3], "brand": "Kite", "country_of_origin": "CN"},
])
def test_second_sync_of_an_unchanged_catalog_writes_nothing(birdsystem_conn, sandbox, sent, customs):
    skus = catalog(8, **customs)
    first = upsert(skus)
    assert (first["created"], first["failed"]) == (8, 0)
    sent.clear()
    again = upsert(skus)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 8)
    assert writes(sent) == []
    if "customs_category_id" in customs:  # the server derived the code from the id; never compared
        stored = sandbox.birdsystem.product(int(BirdSystemHook().get_product(client_ref="LN-00000").id))["product"]
        assert stored["customs_category_code"] and stored["customs_category_id"] == customs["customs_category_id"]


def test_no_request_carries_a_placeholder_customs_value(birdsystem_conn, sandbox, sent):
    skus = catalog(4)
    mapping = functools.partial(to_birdsystem, defaults={"customs_category_id": 815})
    upsert(skus, mapping=mapping)
    skus[0]["title"] = "Linen shirt, relaxed"
    upsert(skus, mapping=mapping)
    bodies = [body for _, _, body in writes(sent)]
    assert len(bodies) == 5
    for body in bodies:
        values = {str(v) for v in body.values()}
        assert not PLACEHOLDERS & values, body
        assert not {"customs_category_code", "usage", "brand", "material", "price_customs_import"} & set(body)
    stored = sandbox.birdsystem.product(int(BirdSystemHook().get_product(client_ref="LN-00001").id))["product"]
    assert (stored["usage"], stored["brand"], stored["material"]) == (None, None, None)


def test_a_sku_without_customs_data_fails_alone_and_says_what_is_missing(birdsystem_conn, sandbox, sent):
    skus = catalog(3)
    skus[1]["extra"] = {"name_customs": "linen shirt"}  # no declared export value
    result = upsert(skus, max_failures=1)
    assert (result["created"], result["failed"]) == (2, 1)
    (failure,) = result["failures"]
    assert failure["sku"] == "LN-00001" and "price_customs_export" in failure["reason"]
    assert "nothing is invented" in failure["reason"]
    assert not any(json.dumps(body, default=str).count("LN-00001") for _, _, body in writes(sent))


@pytest.mark.parametrize("rows", ["current", "seed"])
def test_company_fields_compare_equal_under_both_row_readings(birdsystem_conn, sandbox, sent, rows):
    sandbox.set_switches("birdsystem", company_fields_in_rows=rows)

    def mapping(record):
        return {**to_birdsystem(record), "price": "12.50", "low_stock_level": 3}

    skus = catalog(3)
    assert upsert(skus, mapping=mapping)["created"] == 3
    created = [body for _, _, body in writes(sent)]
    assert all(float(body["company_product-price"]) == 12.5 and "price" not in body for body in created)
    sent.clear()
    assert upsert(skus, mapping=mapping)["unchanged"] == 3 and writes(sent) == []
