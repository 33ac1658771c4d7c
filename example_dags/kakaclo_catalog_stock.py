"""Read-only tour of the KakaClo catalog: warehouses, recently updated products, their stock.

Runs against the sandbox by default (``make demo``); point the ``kakaclo_default`` connection at
``https://developer.kakaclo.com`` with your access token to run it against the real API unchanged.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, task

CONN_ID = "kakaclo_default"


@dag(
    dag_id="kakaclo_catalog_stock",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["kakaclo", "example", "read-only"],
    params={
        "max_products": Param(25, type="integer", minimum=1, maximum=1000,
                              description="How many recently updated products to read"),
        "days": Param(30, type="integer", minimum=1, maximum=365, description="Update window, in days"),
    },
    doc_md=__doc__,
)
def kakaclo_catalog_stock():
    @task
    def read_warehouses() -> list[dict]:
        from airflow_provider_kakaclo.hooks.kakaclo import KakaCloHook

        warehouses = KakaCloHook(CONN_ID).get_warehouses()
        for w in warehouses:
            print(f"warehouse {w.warehouseCode:6} {w.countryCode or '':4} status={w.status}")
        return [{"code": w.warehouseCode, "country": w.countryCode, "status": w.status} for w in warehouses]

    @task
    def read_catalog(params: dict | None = None) -> list[str]:
        from itertools import islice

        from airflow_provider_kakaclo.hooks.kakaclo import KakaCloHook

        # Follow KakaClo's pull advice: the search index lags up to 5 minutes, so end 10 minutes ago.
        end = pendulum.now("UTC").subtract(minutes=10)
        start = end.subtract(days=params["days"])
        fmt = "YYYY-MM-DDTHH:mm:ss[Z]"
        products = KakaCloHook(CONN_ID).iter_products(
            date_start=start.format(fmt), date_end=end.format(fmt), sort_type="updateTime", sort_by="desc"
        )
        skus: list[str] = []
        for product in islice(products, params["max_products"]):
            print(f"{product.spu:10} {len(product.skuDetails)} SKUs  {product.price} USD  "
                  f"level={product.supplierLevel!r}  {product.productName}")
            skus.extend(s.sku for s in product.skuDetails)
        print(f"read {params['max_products']} products with {len(skus)} SKUs")
        return skus

    @task
    def read_stock(skus: list[str]) -> dict:
        from collections import Counter

        from airflow_provider_kakaclo.hooks.kakaclo import KakaCloHook

        per_warehouse: Counter[str] = Counter()
        out_of_stock = 0
        for row in KakaCloHook(CONN_ID).iter_stocks(skus=skus):
            out_of_stock += row.total == 0
            for w in row.warehouseStockList:
                per_warehouse[w.warehouseCode or "?"] += w.qty
        summary = {"skus": len(skus), "out_of_stock": out_of_stock, "units_per_warehouse": dict(per_warehouse)}
        print(f"stock: {summary}")
        return summary

    read_warehouses() >> read_stock(read_catalog())


kakaclo_catalog_stock()
