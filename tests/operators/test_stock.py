"""StockSyncOperator against the sandbox, into SQLite (embedded) and a real PostgreSQL server."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

import pytest

from airflow_provider_kakaclo.hooks.kakaclo import KakaCloHook
from airflow_provider_kakaclo.hooks.sql import sql_hook
from airflow_provider_kakaclo.operators.stock import StockSyncOperator
from airflow_provider_kakaclo.stock import StockRow, StockTable, diff_batch

PG_URI = os.environ.get("KAKACLO_TEST_POSTGRES_URI")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request, monkeypatch, tmp_path):
    """``None`` (the embedded SQLite file) or a PostgreSQL connection id, with a fresh table name."""
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path))
    if request.param == "sqlite":
        return None, f"stock_{os.getpid()}"
    if not PG_URI:
        pytest.fail("KAKACLO_TEST_POSTGRES_URI is not set: run the suite with `make test`, which starts "
                    "PostgreSQL (scripts/postgres.sh), or deselect with -m 'not postgres'")
    monkeypatch.setenv("AIRFLOW_CONN_STOCK_PG", PG_URI)
    table = f"stock_{request.node.name.split('[')[0][-20:]}_{os.getpid()}".replace("-", "_")
    hook = sql_hook("stock_pg", "unused")
    hook.run(f"DROP TABLE IF EXISTS {table}")
    hook.run(f"DROP TABLE IF EXISTS {table}_watermark")
    return "stock_pg", table


def sync(database, **kwargs) -> dict:
    conn_id, table = database
    return StockSyncOperator(task_id="stock", source_conn_id="kakaclo_default", sql_conn_id=conn_id,
                             table=table, **kwargs).execute({})


def stored(database) -> list[tuple]:
    conn_id, table = database
    with StockTable(sql_hook(conn_id, "stock"), table) as t:
        return t.rows("kakaclo")


def vendor_truth(sandbox, skus) -> list[tuple]:
    rows = []
    for sku in skus:
        for warehouse, qty in sandbox.kakaclo.sku(sku)["warehouses"].items():
            rows.append(("kakaclo", sku, warehouse, qty, None))
    return sorted(rows)


@pytest.fixture
def catalog(kakaclo_conn, sandbox):
    sandbox.reset(catalog_size=600)
    return sandbox.kakaclo.skus(limit=600)


def test_full_sync_equals_the_vendor_then_a_rerun_writes_nothing(database, catalog, sandbox):
    first = sync(database)
    assert first["inserted"] == first["read"] > 0 and first["updated"] == 0
    assert stored(database) == vendor_truth(sandbox, catalog)
    assert sandbox.stats("kakaclo")["by_status"].get("429", 0) == 0

    second = sync(database)
    assert (second["inserted"], second["updated"], second["changed"]) == (0, 0, [])
    assert second["unchanged"] == first["read"]


def test_changes_are_detected_and_reported(database, catalog, sandbox):
    sync(database)
    sandbox.kakaclo.set_stock(catalog[5], "G007", 1)
    sandbox.kakaclo.set_stock(catalog[9], "G007", 2)
    result = sync(database)
    assert result["updated"] + result["inserted"] == 2
    assert sorted(result["changed"]) == sorted([catalog[5], catalog[9]])
    assert sorted(result["changed_rows"], key=lambda r: r["sku"]) == sorted(
        [{"sku": catalog[5], "warehouse": "G007"}, {"sku": catalog[9], "warehouse": "G007"}], key=lambda r: r["sku"])
    assert stored(database) == vendor_truth(sandbox, catalog)


def test_changed_rows_name_the_warehouse_that_moved(database, catalog, sandbox):
    """Stock is a row per SKU and warehouse: the result says which of a SKU's warehouses changed."""
    sync(database)
    many = [s for s in catalog if len(sandbox.kakaclo.sku(s)["warehouses"]) > 1][:3]
    if not many:  # the sandbox's catalog keeps every SKU in one warehouse: give one a second
        sandbox.kakaclo.set_stock(catalog[0], "G999", 1)
        sync(database)
        many = [catalog[0]]
    moved = []
    for n, sku in enumerate(many):
        warehouses = sorted(sandbox.kakaclo.sku(sku)["warehouses"])
        warehouse = warehouses[n % len(warehouses)]  # not always the first one
        sandbox.kakaclo.set_stock(sku, warehouse, sandbox.kakaclo.sku(sku)["warehouses"][warehouse] + 7)
        moved.append({"sku": sku, "warehouse": warehouse})
    result = sync(database, report_changes=2)
    assert result["updated"] == len(moved)
    assert len(result["changed_rows"]) == min(2, len(moved))
    assert all(row in moved for row in result["changed_rows"])
    assert result["changed"] == [row["sku"] for row in result["changed_rows"]]
    assert stored(database) == vendor_truth(sandbox, catalog)


def test_interrupted_run_then_rerun_converges_without_duplicates(database, catalog, sandbox, monkeypatch):
    real = KakaCloHook.iter_stock

    def dies_midway(self, **kwargs):
        for n, row in enumerate(real(self, **kwargs)):
            if n == 777:
                raise RuntimeError("worker lost mid-run")
            yield row

    monkeypatch.setattr(KakaCloHook, "iter_stock", dies_midway)
    with pytest.raises(RuntimeError):
        sync(database, batch_size=100)
    partial = stored(database)
    assert len(partial) == 700  # whole batches only: 7 committed, the 8th rolled back
    monkeypatch.setattr(KakaCloHook, "iter_stock", real)
    sandbox.kakaclo.set_stock(partial[0][1], partial[0][2], 4)  # the vendor moved on meanwhile
    sync(database, batch_size=100)
    assert stored(database) == vendor_truth(sandbox, catalog)


def test_sku_shard_and_warehouse_filter(database, catalog, sandbox):
    shard = catalog[:45]
    result = sync(database, skus=shard, warehouses=["G007"])
    rows = stored(database)
    assert {r[1] for r in rows} <= set(shard) and {r[2] for r in rows} == {"G007"}
    assert sorted(rows) == [r for r in vendor_truth(sandbox, shard) if r[2] == "G007"]
    assert sandbox.stats("kakaclo")["by_route"]["GET /openapi/v1/product/stocks"] == 2  # 45 SKUs: 30 + 15
    assert result["read"] == len(rows)


def test_incremental_reads_only_the_window_and_moves_the_watermark(database, catalog, sandbox, monkeypatch):
    monkeypatch.setattr(KakaCloHook, "stock_update_lag_seconds", 0)  # the sandbox's index has no lag
    sync(database)
    sandbox.kakaclo.set_stock(catalog[3], "G007", 3)
    now = datetime.now(timezone.utc)
    context = {"data_interval_start": now - timedelta(minutes=5), "data_interval_end": now + timedelta(minutes=5)}
    conn_id, table = database
    op = StockSyncOperator(task_id="stock", source_conn_id="kakaclo_default", sql_conn_id=conn_id, table=table,
                           mode="incremental")
    first = op.execute(context)
    assert first["read"] < 20 and first["changed"] == [catalog[3]]
    assert stored(database) == vendor_truth(sandbox, catalog)
    second = op.execute(context)  # starts at the first run's window end: nothing new
    assert second["window"]["updated_from"] == first["window"]["updated_to"]
    assert second["inserted"] + second["updated"] == 0


def test_incremental_respects_the_vendor_lag(kakaclo_conn, sandbox, tmp_path, monkeypatch):
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path))
    now = datetime.now(timezone.utc)
    op = StockSyncOperator(task_id="stock", source_conn_id="kakaclo_default", mode="incremental")
    result = op.execute({"data_interval_start": now - timedelta(hours=1), "data_interval_end": now})
    end = datetime.fromisoformat(result["window"]["updated_to"])
    assert end <= datetime.now(timezone.utc) - timedelta(minutes=10)


@pytest.mark.parametrize("bad", [{"mode": "sometimes"}, {"table": "stock; DROP TABLE x"}])
def test_bad_parameters_fail_before_any_request(kakaclo_conn, sandbox, tmp_path, monkeypatch, bad):
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path))
    with pytest.raises(ValueError):
        StockSyncOperator(task_id="stock", source_conn_id="kakaclo_default", **bad).execute({})
    assert sandbox.stats("kakaclo")["requests"] == 0


def test_diff_batch_is_pure_and_counts_repeats_once():
    rows = [StockRow("v", "A", "W", 1), StockRow("v", "B", "W", 2), StockRow("v", "C", "W", 3),
            StockRow("v", "C", "W", 4)]
    inserts, updates, unchanged = diff_batch({("v", "A", "W"): (1, None), ("v", "B", "W"): (5, None)}, rows)
    assert ([r.sku for r in inserts], [r.sku for r in updates], unchanged) == (["C"], ["B"], 1)
    assert inserts[0].available == 4




def test_qianyi_as_a_stock_source(qianyi_conn, sandbox, tmp_path, monkeypatch):
    from airflow_provider_kakaclo.hooks.qianyi import QianyiHook

    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path))
    op = StockSyncOperator(task_id="stock", source_conn_id="qianyi_default", table="erp_stock")
    first = op.execute({})
    truth = sorted(("qianyi", r.sku, r.warehouse, r.available or 0, r.allocated)
                   for w in QianyiHook().iter_warehouses() for r in QianyiHook().iter_inventory(w.name))
    with StockTable(sql_hook(None, "stock"), "erp_stock") as table:
        assert table.rows("qianyi") == truth
    assert first["inserted"] == len(truth) > 0
    assert op.execute({})["inserted"] + op.execute({})["updated"] == 0
    with pytest.raises(ValueError, match="cannot filter stock by update time"):
        StockSyncOperator(task_id="s", source_conn_id="qianyi_default", mode="incremental").execute({})


def test_birdsystem_as_a_stock_source(birdsystem_conn, sandbox, tmp_path, monkeypatch):
    from airflow_provider_kakaclo.hooks.birdsystem import BirdSystemHook

    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path))
    product = next(BirdSystemHook().iter_products(status="ACTIVE"))
    sandbox.birdsystem.set_stock(product.id, company_id=1001, live=40, locked=15)
    result = StockSyncOperator(task_id="stock", source_conn_id="birdsystem_default", table="bird_stock").execute({})
    own = list(BirdSystemHook().iter_products(with_parent_client_product=0))
    assert result["read"] == len(own) > 0
    with StockTable(sql_hook(None, "stock"), "bird_stock") as table:
        rows = {r[1]: r for r in table.rows("birdsystem")}
    assert rows[product.client_ref][2:] == ("site-1001", 25, 15)
    calls = sandbox.stats("birdsystem")["by_route"]
    ids_text = len(",".join(p.id for p in own))  # as many ids a call as fit the documented 255 characters
    assert calls["GET /client/Product/Get-Product-Available-Quantity"] <= -(-ids_text // 240) + len(own) // 200 + 1
