"""Units compared without regard to case (spec 11b Q4), and only the fields the writer names."""

from __future__ import annotations

import pytest

from airflow_provider_kakaclo.hooks.qianyi import QianyiHook
from airflow_provider_kakaclo.skus import changed_fields, plan_batch

CASELESS = QianyiHook.sku_caseless_fields


@pytest.mark.parametrize("field", sorted(CASELESS))
@pytest.mark.parametrize(("ours", "theirs"), [("KG", "kg"), ("cm", "CM"), ("Usd", "USD"), ("g", "G")])
def test_a_unit_in_another_case_is_no_change(field, ours, theirs):
    assert changed_fields({field: ours}, {field: theirs}, CASELESS) == []
    assert changed_fields({field: ours}, {field: theirs}) == [field]  # without the writer's word it differs


@pytest.mark.parametrize(("ours", "theirs"), [("KG", "G"), ("cm", "m"), ("KG", None), ("KG", 1)])
def test_a_different_unit_is_still_a_change(ours, theirs):
    assert changed_fields({"weightUnit": ours}, {"weightUnit": theirs}, CASELESS) == ["weightUnit"]


def test_only_the_named_fields_ignore_case():
    payload = {"sku": "A", "title": "Mug", "weightUnit": "KG", "dimensionUnit": "CM"}
    existing = {"sku": "A", "title": "MUG", "weightUnit": "kg", "dimensionUnit": "cm"}
    assert changed_fields(payload, existing, CASELESS) == ["title"]
    plan = plan_batch([("A", payload), ("B", {"sku": "B", "weightUnit": "G"})],
                      {"A": {**existing, "title": "Mug"}, "B": {"sku": "B", "weightUnit": "g"}}, CASELESS)
    assert (plan.creates, plan.updates, plan.unchanged) == ([], [], 2)
