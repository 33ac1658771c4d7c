"""SKU records, the default mappings (units!) and the upsert plan: pure functions."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from airflow_provider_kakaclo.models.kakaclo import Product
from airflow_provider_kakaclo.skus import (
    SkuRecord,
    changed_fields,
    from_kakaclo,
    plan_batch,
    same_value,
    to_birdsystem,
    to_qianyi,
)

PRODUCTS = json.loads((Path(__file__).parent.parent / "fixtures/kakaclo/products.json").read_text(),
                      parse_float=Decimal)


def record() -> SkuRecord:
    (rec,) = from_kakaclo(Product.model_validate(PRODUCTS["data"]["list"][0]))
    return rec


def test_kakaclo_product_to_records_with_options_and_units():
    rec = record()
    assert (rec.sku, rec.spu, rec.color, rec.size, rec.material) == (
        "AMN00769_DGR_XL_AU", "AMN00769", "Charcoal grey", "XL", "100% Cotton")
    assert (rec.weight_g, rec.length_cm, rec.width_cm, rec.height_cm) == (256, 32, 22, 3)
    assert rec.title.startswith("Fashion All-Match")  # the sample's skuName is a placeholder "..."
    assert rec.active and rec.updated_at == "2022-01-07T03:29:18Z"


def test_qianyi_mapping_keeps_grams_and_centimetres_and_says_so():
    body = to_qianyi(record())
    assert (body["weight"], body["weightUnit"], body["length"], body["dimensionUnit"]) == (256, "G", 32, "CM")
    assert (body["categoryName1"], body["categoryName2"], body["categoryName3"]) == ("Women", "Bottoms", "Cropped Pants")
    assert body["enable"] == 1 and body["type"] == "SINGLE"


def test_birdsystem_mapping_converts_centimetres_to_millimetres():
    body = to_birdsystem(record(), name_customs="women's trousers", price_customs_export=Decimal("4.6"),
                         customs_category_id=815)
    assert (body["weight"], body["length"], body["width"], body["depth"]) == (256, 320, 220, 30)
    assert body["client_ref"] == "AMN00769_DGR_XL_AU" and body["customs_category_id"] == 815
    assert body["price_customs_export"] == Decimal("4.6") and "customs_category_code" not in body


@pytest.mark.parametrize("given", [{}, {"name_customs": "trousers"}, {"price_customs_export": 3}])
def test_birdsystem_mapping_invents_no_customs_data(given):
    with pytest.raises(ValueError, match="BirdSystem needs .*nothing is invented"):
        to_birdsystem(record(), **given)


@pytest.mark.parametrize("where", ["extra", "argument", "defaults"])
def test_birdsystem_customs_data_per_sku_or_for_the_catalog(where):
    customs = {"name_customs": "trousers", "price_customs_export": "4.6", "usage": "wearing"}
    rec = record()
    if where == "extra":
        rec = SkuRecord(**{**rec.__dict__, "extra": customs})
        body = to_birdsystem(rec, name_customs="catalog default")  # the SKU's own wins
    elif where == "argument":
        body = to_birdsystem(rec, **customs)
    else:
        body = to_birdsystem(rec, defaults=customs)
    assert (body["name_customs"], body["price_customs_export"], body["usage"]) == ("trousers", "4.6", "wearing")
    placeholders = {"0", "apparel", "unbranded", "unknown"}
    assert not placeholders & {str(v) for v in body.values()}


def test_record_round_trip_and_required_fields():
    rec = record()
    assert SkuRecord.from_dict(rec.to_dict()) == rec
    with pytest.raises(ValueError, match="needs 'sku' and 'title'"):
        SkuRecord.from_dict({"sku": "X"})


@pytest.mark.parametrize(
    ("ours", "theirs", "same"),
    [(256, "256.00", True), (Decimal("1.5"), 1.5, True), ("a", "a", True), ("a", "b", False), (None, "", True),
     (None, "x", False), (1, "x", False), (0, None, False)],
)
def test_same_value(ours, theirs, same):
    assert same_value(ours, theirs) is same


def test_plan_creates_missing_updates_different_leaves_equal_alone():
    payloads = [("A", {"title": "a", "weight": 1}), ("B", {"title": "b", "weight": 2}), ("C", {"title": "c"})]
    existing = {"A": {"title": "a", "weight": "1.00", "extra": 9}, "B": {"title": "b", "weight": 3}}
    plan = plan_batch(payloads, existing)
    assert [s for s, _ in plan.creates] == ["C"]
    assert [(s, f) for s, _, f in plan.updates] == [("B", ["weight"])]
    assert plan.unchanged == 1
    assert changed_fields({"x": None}, {"x": None}) == []
