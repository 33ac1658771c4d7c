"""OpenLineage facets when the OpenLineage provider is there; the same run works when it is not."""

from __future__ import annotations

import importlib.util
import os
import sys

import pytest

from airflow_provider_kakaclo.operators.stock import StockSyncOperator

OPENLINEAGE = importlib.util.find_spec("airflow.providers.openlineage") is not None
#: Set by the Makefile: 1 in test-latest (the [lineage] extra is installed), 0 in test-floor.
EXPECTED = os.environ.get("KAKACLO_EXPECT_OPENLINEAGE")


@pytest.mark.skipif(EXPECTED is None, reason="KAKACLO_EXPECT_OPENLINEAGE is not set (make test sets it per venv)")
def test_openlineage_is_installed_exactly_where_the_run_expects_it():
    """Without this, a venv that lost the OpenLineage provider would pass every lineage test below
    through their 'not installed' branch, and the facets would go untested."""
    expected = EXPECTED.strip().lower() in ("1", "true", "yes")
    assert OPENLINEAGE == expected, (
        f"KAKACLO_EXPECT_OPENLINEAGE={EXPECTED} but apache-airflow-providers-openlineage is "
        f"{'installed' if OPENLINEAGE else 'missing'} in {sys.prefix}: "
        + ("install the [lineage] extra" if expected else "this venv should be the one without it"))


def sync(tmp_path, monkeypatch) -> StockSyncOperator:
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path))
    op = StockSyncOperator(task_id="stock", source_conn_id="kakaclo_default", skus=["AMN00001_DGR_S"])
    op.execute({})
    return op


def test_stock_sync_lineage_matches_what_is_installed(kakaclo_conn, sandbox, tmp_path, monkeypatch):
    lineage = sync(tmp_path, monkeypatch).get_openlineage_facets_on_complete(None)
    if OPENLINEAGE:  # .venv (Airflow 3.3) installs the extra [lineage]
        assert [(d.namespace, d.name) for d in lineage.inputs] == [
            (f"kakaclo://{sandbox.base_url.split('://')[1]}/kakaclo", "stock")]
        (output,) = lineage.outputs
        assert output.namespace.startswith("sqlite://") and output.name == "vendor_stock"
    else:  # .venv-floor (Airflow 3.1) does not: the operator ran and reports nothing
        assert lineage is None


def test_without_the_openlineage_provider_everything_still_runs(kakaclo_conn, sandbox, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "airflow.providers.openlineage.extractors", None)  # import fails
    op = sync(tmp_path, monkeypatch)
    assert op.get_openlineage_facets_on_complete(None) is None


def test_operator_modules_do_not_import_openlineage():
    for name in list(sys.modules):
        if name.startswith("airflow_provider_kakaclo.operators"):
            del sys.modules[name]
    before = {m for m in sys.modules if "openlineage" in m}
    importlib.import_module("airflow_provider_kakaclo.operators.stock")
    importlib.import_module("airflow_provider_kakaclo.operators.skus")
    assert {m for m in sys.modules if "openlineage" in m} == before


def test_sku_upsert_lineage(qianyi_conn, sandbox):
    from airflow_provider_kakaclo.operators.skus import SkuUpsertOperator

    op = SkuUpsertOperator(task_id="u", conn_id="qianyi_default", skus=[{"sku": "L-1", "title": "Lineage"}])
    op.execute({})
    lineage = op.get_openlineage_facets_on_complete(None)
    if OPENLINEAGE:
        assert lineage.inputs == [] and [d.name for d in lineage.outputs] == ["skus"]
        assert lineage.outputs[0].namespace.startswith("qianyi://")
    else:
        assert lineage is None
