"""Keep one current stock table, and react to it: two DAGs joined by an Asset.

``kakaclo_stock_sync`` copies KakaClo's stock into ``vendor_stock`` (an embedded SQLite file by
default; set ``KAKACLO_STOCK_SQL_CONN_ID`` to a PostgreSQL or any common-sql connection), writing only
rows that changed, and emits an event on the ``vendor_stock`` Asset. ``low_stock_report`` is
scheduled on that Asset: it runs whenever fresh stock lands and lists what runs low.

For very large catalogs, map the sync over SKU shards and share the vendor's limit with a pool::

    StockSyncOperator.partial(task_id="sync", source_conn_id="kakaclo_default", pool="kakaclo_api")
        .expand(skus=shards)      # shards: a list of SKU lists, e.g. from an upstream task
"""

from __future__ import annotations

import os

import pendulum
from airflow.sdk import Asset, dag, task

from airflow_provider_kakaclo.operators.stock import StockSyncOperator

SQL_CONN_ID = os.environ.get("KAKACLO_STOCK_SQL_CONN_ID") or None  # None: embedded SQLite file
STOCK = Asset(name="vendor_stock", uri="kakaclo-stock://vendor_stock")


@dag(
    dag_id="kakaclo_stock_sync",
    schedule="@hourly",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["kakaclo", "example", "stock", "sql"],
    doc_md=__doc__,
)
def kakaclo_stock_sync():
    StockSyncOperator(
        task_id="sync_stock",
        source_conn_id="kakaclo_default",
        sql_conn_id=SQL_CONN_ID,
        table="vendor_stock",
        mode="full",
        outlets=[STOCK],
    )


@dag(
    dag_id="low_stock_report",
    schedule=[STOCK],
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["kakaclo", "example", "stock", "sql"],
    doc_md=__doc__,
)
def low_stock_report():
    @task
    def report(threshold: int = 5) -> dict:
        from airflow_provider_kakaclo.hooks.sql import sql_hook

        db = sql_hook(SQL_CONN_ID, "stock")
        rows = db.get_records(
            "SELECT sku, SUM(available) FROM vendor_stock GROUP BY sku "
            f"HAVING SUM(available) <= {int(threshold)} ORDER BY 2, 1"
        )
        total = db.get_records("SELECT COUNT(DISTINCT sku), SUM(available) FROM vendor_stock")[0]
        print(f"stock table: {total[0]} SKUs, {total[1]} units; {len(rows)} SKUs at or below {threshold} units")
        for sku, units in rows[:15]:
            print(f"low stock {sku}: {units}")
        return {"skus": total[0], "low": len(rows)}

    report()


@dag(
    dag_id="kakaclo_stock_sync_sharded",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["kakaclo", "example", "stock", "sql", "mapped"],
    doc_md=__doc__,
)
def kakaclo_stock_sync_sharded():
    """Re-sync the SKUs already in the table as parallel shards (dynamic task mapping).

    In production give the mapped tasks a pool (``pool="kakaclo_api"``) sized to what one vendor
    account takes concurrently; each task's client limiter is per process.
    """

    @task
    def shards(count: int = 4) -> list[list[str]]:
        from airflow_provider_kakaclo.hooks.sql import sql_hook

        skus = [r[0] for r in sql_hook(SQL_CONN_ID, "stock").get_records(
            "SELECT DISTINCT sku FROM vendor_stock WHERE vendor = 'kakaclo' ORDER BY sku")]
        size = max(1, -(-len(skus) // count))
        return [skus[i:i + size] for i in range(0, len(skus), size)]

    StockSyncOperator.partial(
        task_id="sync_shard",
        source_conn_id="kakaclo_default",
        sql_conn_id=SQL_CONN_ID,
        table="vendor_stock",
        outlets=[STOCK],
    ).expand(skus=shards())


kakaclo_stock_sync()
low_stock_report()
kakaclo_stock_sync_sharded()
