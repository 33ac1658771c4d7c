"""SkuUpsertOperator against the Qianyi and BirdSystem sandboxes: only what changed is written."""

from __future__ import annotations

from decimal import Decimal

import pytest

from airflow_provider_kakaclo._compat import AirflowFailException
from airflow_provider_kakaclo.operators.skus import SkuUpsertOperator


def records(n: int, *, start: int = 0, title: str = "Tee") -> list[dict]:
    return [{"sku": f"UPS-{i:05d}", "title": f"{title} {i}", "color": "Black", "size": "M",
             "weight_g": "180", "length_cm": "30", "width_cm": "20", "height_cm": "2", "price": "9.90",
             "category": "Women/Tops/T-shirts"} for i in range(start, start + n)]


def upsert(conn_id: str, skus, **kwargs) -> dict:
    return SkuUpsertOperator(task_id="upsert", conn_id=conn_id, skus=skus, **kwargs).execute({})


def test_qianyi_5000_skus_500_changed_exactly_500_writes_and_25_queries(qianyi_conn, sandbox):
    catalog = records(5000)
    first = upsert("qianyi_default", catalog)
    assert (first["created"], first["updated"], first["failed"]) == (5000, 0, 0)
    sandbox.qianyi.reset_calls()

    for rec in catalog[::10]:
        rec["title"] += " v2"
    second = upsert("qianyi_default", catalog)
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 500, 4500)
    calls = sandbox.qianyi.calls()
    assert calls.get("UPDATE_SKU_INFO") == 500 and "INSERT_SKU_INFO" not in calls
    assert calls["QUERY_SIMPLE_LIST_SKU"] <= 25
    sandbox.qianyi.reset_calls()

    third = upsert("qianyi_default", catalog)
    assert (third["created"], third["updated"], third["unchanged"]) == (0, 0, 5000)
    assert set(sandbox.qianyi.calls()) == {"QUERY_SIMPLE_LIST_SKU"}


def test_bad_records_are_reported_while_the_rest_land(qianyi_conn, sandbox):
    catalog = records(20)
    catalog[3]["title"] = "T" * 256
    catalog[7]["extra"] = {}
    bad_mapping_record = catalog[11]["sku"]

    def mapping(rec):
        from airflow_provider_kakaclo.skus import to_qianyi

        body = to_qianyi(rec)
        if rec.sku == bad_mapping_record:
            body["dangerousTransportGoodsType"] = "RADIOACTIVE"
        return body

    with pytest.raises(AirflowFailException, match="2 SKUs failed"):
        upsert("qianyi_default", catalog, mapping=mapping)
    stored = set(sandbox.qianyi.skus(limit=10000))
    assert {r["sku"] for r in catalog} - stored == {catalog[3]["sku"], bad_mapping_record}
    result = upsert("qianyi_default", catalog, mapping=mapping, max_failures=5)
    assert result["failed"] == 2 and result["unchanged"] == 18
    reasons = {f["sku"]: f["reason"] for f in result["failures"]}
    assert "255" in reasons[catalog[3]["sku"]] and "dangerousTransportGoodsType" in reasons[bad_mapping_record]


def test_dry_run_writes_nothing_and_reports_the_plan(qianyi_conn, sandbox):
    result = upsert("qianyi_default", records(30), dry_run=True)
    assert (result["created"], result["dry_run"]) == (30, True)
    assert set(sandbox.qianyi.calls()) == {"QUERY_SIMPLE_LIST_SKU"}


def test_birdsystem_target_with_units_in_millimetres(birdsystem_conn, sandbox):
    catalog = [{**r, "extra": {"name_customs": "cotton T-shirt", "price_customs_export": "3.5"}}
               for r in records(5, start=900)]
    result = upsert("birdsystem_default", catalog)
    assert result["created"] == 5
    from airflow_provider_kakaclo.hooks.birdsystem import BirdSystemHook

    product = BirdSystemHook().get_product(client_ref="UPS-00900")
    assert (product.weight, product.length, product.width, product.depth) == (180, 300, 200, 20)
    catalog[0]["weight_g"] = "200"
    again = upsert("birdsystem_default", catalog)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 1, 4)
    assert BirdSystemHook().get_product(client_ref="UPS-00900").weight == Decimal(200)


def test_skus_or_source_not_both(qianyi_conn, sandbox):
    with pytest.raises(ValueError, match="either skus or source_conn_id"):
        SkuUpsertOperator(task_id="u", conn_id="qianyi_default", skus=[], source_conn_id="kakaclo_default").execute({})
