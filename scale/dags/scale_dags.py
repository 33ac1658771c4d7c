"""DAGs of ``make scale`` (scale/run.py triggers them through the REST API, with their inputs as conf).

Not examples: they take their work (SKU shards, orders, order ids) from the run's conf so that the
driver decides the sizes, and they run on the CeleryExecutor of the scale stack.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, task

from airflow_provider_kakaclo.operators.orders import PlaceOrderOperator, PlaceOrdersOperator
from airflow_provider_kakaclo.operators.stock import StockSyncOperator
from airflow_provider_kakaclo.sensors.orders import OrderStatusSensor

COMMON = {"schedule": None, "start_date": pendulum.datetime(2026, 1, 1, tz="UTC"), "catchup": False,
          "tags": ["kakaclo", "scale"], "max_active_tasks": 64}
RETRIES = {"retries": 4, "retry_delay": pendulum.duration(seconds=3)}


@task(**RETRIES)
def from_conf(key: str, dag_run=None) -> list:
    return dag_run.conf[key]


@dag(dag_id="scale_stock_sync", **COMMON)
def scale_stock_sync():
    """A full stock sync as mapped shards: conf ``conn_id``, ``table``, ``shards`` (lists of SKUs)."""
    StockSyncOperator.partial(
        task_id="sync", source_conn_id="{{ dag_run.conf['conn_id'] }}", sql_conn_id="scale_db",
        table="{{ dag_run.conf['table'] }}", mode="full", priority_weight=10, **RETRIES,
    ).expand(skus=from_conf("shards"))


@dag(dag_id="scale_orders", **COMMON)
def scale_orders():
    """Orders: conf ``conn_id``, ``batches`` (lists of orders with merchant_order_id) placed by
    PlaceOrdersOperator, and ``singles`` (orders) placed one per mapped PlaceOrderOperator."""
    PlaceOrdersOperator.partial(
        task_id="place_batch", conn_id="{{ dag_run.conf['conn_id'] }}", pool="kakaclo_orders", **RETRIES,
    ).expand(orders=from_conf.override(task_id="batches")("batches"))
    PlaceOrderOperator.partial(
        task_id="place_one", conn_id="{{ dag_run.conf['conn_id'] }}", pool="kakaclo_orders", **RETRIES,
    ).expand(order=from_conf.override(task_id="singles")("singles"))


@dag(dag_id="scale_sensors", **COMMON)
def scale_sensors():
    """Deferred waits: conf ``conn_id``, ``order_ids``; one OrderStatusSensor per order, in the triggerers."""
    OrderStatusSensor.partial(
        task_id="wait_shipped", conn_id="{{ dag_run.conf['conn_id'] }}", target_status="shipped",
        deferrable=True, poke_interval=5, timeout=3600, pool="kakaclo_sensors", **RETRIES,
    ).expand(order_id=from_conf("order_ids"))


scale_stock_sync()
scale_orders()
scale_sensors()
