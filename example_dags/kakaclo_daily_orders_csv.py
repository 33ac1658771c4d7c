"""Place a day's orders from a CSV file in one task: one batch, one scan, aggregated pre-checks.

The shop exports the day's orders to ``<KAKACLO_DAILY_ORDERS_DIR>/orders-<ds>.csv`` (default
directory ``$AIRFLOW_HOME/kakaclo/daily_orders``), one line per order line::

    merchant_order_id,sku,quantity,recipient,phone,country,province,city,street1,zip,channel_type
    SHOP-2001,AMN00001_DGR_S,1,Ada Lovelace,+1 555 0100,US,CA,San Francisco,1 Market St,94105,Standard
    SHOP-2001,AMN00002_B_M,2,Ada Lovelace,+1 555 0100,US,CA,San Francisco,1 Market St,94105,Standard

Lines sharing a ``merchant_order_id`` make one order. ``PlaceOrdersOperator`` places the whole file
in one task: the SKUs are checked 30 a call, freight once per distinct order shape and country, the
balance once; then one create per order. A rerun of the day (or a retry after a crash) places only
the orders not placed yet. A line the vendor refuses is reported with its reason; the others go on.
"""

from __future__ import annotations

import os

import pendulum
from airflow.sdk import dag, task

from airflow_provider_kakaclo.operators.orders import PlaceOrdersOperator

CONN_ID = "kakaclo_default"
ADDRESS_FIELDS = ("recipient", "phone", "country", "province", "city", "street1", "zip")


def orders_from_csv(path: str) -> list[dict]:
    """The orders in the vendor's shape, lines grouped by ``merchant_order_id`` (file order kept)."""
    import csv

    orders: dict[str, dict] = {}
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            ref = (row.get("merchant_order_id") or "").strip()
            order = orders.setdefault(ref, {
                "merchant_order_id": ref,
                "orderAddresses": {k: row[k] for k in ADDRESS_FIELDS if row.get(k)},
                "orderItemsList": [],
                "channelType": row.get("channel_type") or "Standard",
            })
            order["orderItemsList"].append({"sku": row["sku"], "quantity": int(row["quantity"])})
    return list(orders.values())


@dag(
    dag_id="kakaclo_daily_orders_csv",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    tags=["kakaclo", "example", "orders"],
    doc_md=__doc__,
)
def kakaclo_daily_orders_csv():
    @task
    def read_orders(ds: str | None = None) -> list[dict]:
        folder = os.environ.get("KAKACLO_DAILY_ORDERS_DIR") or os.path.join(
            os.environ.get("AIRFLOW_HOME", "."), "kakaclo", "daily_orders")
        path = os.path.join(folder, f"orders-{ds}.csv")
        if not os.path.exists(path):
            print(f"no order file {path}: nothing to place today")
            return []
        orders = orders_from_csv(path)
        print(f"{len(orders)} orders in {path}")
        return orders

    placed = PlaceOrdersOperator(
        task_id="place_day",
        conn_id=CONN_ID,
        orders=read_orders(),
        max_failures=10,
        retries=3,
        retry_delay=pendulum.duration(seconds=30),
    )

    @task
    def report(batch: dict) -> None:
        print(f"daily orders: {batch['counts']}; failed: {batch['failed']}")

    report(placed.output)


kakaclo_daily_orders_csv()
