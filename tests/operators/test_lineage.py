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


PG_URI = os.environ.get("KAKACLO_TEST_POSTGRES_URI")
needs_openlineage = pytest.mark.skipif(not OPENLINEAGE, reason="the OpenLineage provider is not installed")


def sync(tmp_path, monkeypatch, **kwargs) -> StockSyncOperator:
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path))
    op = StockSyncOperator(task_id="stock", source_conn_id="kakaclo_default", skus=["AMN00001_DGR_S"], **kwargs)
    op.execute({})
    return op


def common_sql_datasets(hook, conn, sql: str):
    """The (inputs, outputs) that OpenLineage's SQL parser gives ``sql`` on ``hook``'s connection."""
    from airflow.providers.openlineage.sqlparser import SQLParser

    parser = SQLParser(dialect=hook.get_openlineage_database_dialect(conn),
                       default_schema=hook.get_openlineage_default_schema())
    lineage = parser.generate_openlineage_metadata_from_sql(
        sql=sql, hook=hook, database_info=hook.get_openlineage_database_info(conn), use_connection=False)
    return [(d.namespace, d.name) for d in lineage.inputs], [(d.namespace, d.name) for d in lineage.outputs]


def test_stock_sync_lineage_matches_what_is_installed(kakaclo_conn, sandbox, tmp_path, monkeypatch):
    lineage = sync(tmp_path, monkeypatch).get_openlineage_facets_on_complete(None)
    if OPENLINEAGE:  # .venv (Airflow 3.3) installs the extra [lineage]
        assert [(d.namespace, d.name) for d in lineage.inputs] == [
            (f"kakaclo://{sandbox.base_url.split('://')[1]}/kakaclo", "stock")]
        (output,) = lineage.outputs
        # The embedded SQLite file: sqlite://<absolute path>, main.<table> (documented in hooks/sql.py).
        assert (output.namespace, output.name) == (
            f"sqlite://{(tmp_path / 'kakaclo' / 'stock.db').resolve()}", "main.vendor_stock")
    else:  # .venv-floor (Airflow 3.1) does not: the operator ran and reports nothing
        assert lineage is None


@needs_openlineage
@pytest.mark.parametrize("table", ["vendor_stock", "erp_stock", "Erp_Stock2"])
@pytest.mark.parametrize("sql", ["UPDATE {t} SET quantity = 0", "INSERT INTO {t} SELECT * FROM staging",
                                 "DELETE FROM {t} WHERE sku = 'A'"])
def test_sqlite_table_is_the_dataset_other_sql_tasks_write(kakaclo_conn, sandbox, tmp_path, monkeypatch,
                                                             table, sql):
    op = sync(tmp_path, monkeypatch, table=table)
    (output,) = op.get_openlineage_facets_on_complete(None).outputs
    db = op._lineage[1]
    _, written = common_sql_datasets(db, db.connection, sql.format(t=table))
    assert written == [(output.namespace, output.name)]


@needs_openlineage
@pytest.mark.parametrize("uri,namespace,name", [
    ("postgresql://u:p@127.0.0.2/shop", "postgres://127.0.0.2:5432", "shop.public.vendor_stock"),
    ("postgresql://u:p@db.example:6543/shop", "postgres://db.example:6543", "shop.public.vendor_stock"),
    ("postgres://u@10.0.0.7/erp", "postgres://10.0.0.7:5432", "erp.public.vendor_stock"),
])
def test_postgres_naming_has_the_default_port_database_and_schema(monkeypatch, uri, namespace, name):
    # No server here: the default schema (SELECT CURRENT_SCHEMA) is the only query, stubbed for both sides.
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    from airflow_provider_kakaclo.hooks.sql import sql_hook
    from airflow_provider_kakaclo.lineage import table_dataset

    monkeypatch.setenv("AIRFLOW_CONN_OL_PG", uri)
    monkeypatch.setattr(PostgresHook, "get_openlineage_default_schema", lambda self: "public")
    hook = sql_hook("ol_pg", "unused")
    ours = table_dataset(hook, "vendor_stock")
    assert ours == (namespace, name)
    assert common_sql_datasets(hook, hook.connection, "SELECT * FROM vendor_stock")[0] == [ours]


@pytest.mark.postgres
@needs_openlineage
@pytest.mark.parametrize("qualified", [False, True])
def test_postgres_table_joins_a_sql_task_reading_it(kakaclo_conn, sandbox, tmp_path, monkeypatch, qualified):
    """A real SQLExecuteQueryOperator reading the table names it as the stock sync's output."""
    from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator

    from airflow_provider_kakaclo.hooks.sql import sql_hook

    if not PG_URI:
        pytest.fail("KAKACLO_TEST_POSTGRES_URI is not set: `make test` starts PostgreSQL (scripts/postgres.sh)")
    monkeypatch.setenv("AIRFLOW_CONN_STOCK_PG", PG_URI)
    schema = f"ol_{os.getpid()}"
    table = f"{schema}.stock" if qualified else f"ol_stock_{os.getpid()}"
    hook = sql_hook("stock_pg", "unused")
    hook.run(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    hook.run(f"DROP TABLE IF EXISTS {table}")
    try:
        op = sync(tmp_path, monkeypatch, sql_conn_id="stock_pg", table=table)
        (output,) = op.get_openlineage_facets_on_complete(None).outputs
        reader = SQLExecuteQueryOperator(task_id="read", conn_id="stock_pg", sql=f"SELECT * FROM {table}")
        (read,) = reader.get_openlineage_facets_on_complete(None).inputs
    finally:
        hook.run(f"DROP SCHEMA {schema} CASCADE")
        hook.run(f"DROP TABLE IF EXISTS {table}")
        hook.run(f"DROP TABLE IF EXISTS {table}_watermark")
    assert (output.namespace, output.name) == (read.namespace, read.name)
    database = PG_URI.rsplit("/", 1)[1].split("?")[0]
    assert output.name == (f"{database}.{table}" if qualified else f"{database}.public.{table}")
    assert read.facets.get("schema"), "common-sql did read the table's columns from the server"


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
