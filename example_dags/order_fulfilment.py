"""The pipeline sellers run: place pending shop orders with KakaClo, wait for shipment, write back.

Every few minutes it claims the rows of ``shop_orders`` still ``pending`` (an embedded SQLite file by
default; set ``SQL_CONN_ID`` to any common-sql connection such as PostgreSQL), places each one as a
mapped ``PlaceOrderOperator`` with the row's own order number as merchant reference, waits for
shipment with mapped deferrable sensors (no worker slot held), and writes the vendor order id,
status and tracking codes back to the row.

An order is never placed twice, even across DAG runs: the row records when it was first attempted,
and ``reconcile_since`` makes the operator look for an order carrying that order number since then
before it places anything.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone

import pendulum
from airflow.sdk import dag, task

from airflow_provider_kakaclo.operators.orders import PlaceOrderOperator
from airflow_provider_kakaclo.sensors.orders import OrderStatusSensor

CONN_ID = "kakaclo_default"
SQL_CONN_ID = os.environ.get("KAKACLO_FULFILMENT_SQL_CONN_ID") or None  # None: embedded SQLite file
TABLE = "shop_orders"
#: A row claimed by a run that died is claimed again after this long.
CLAIM_LEASE = timedelta(minutes=30)
TABLE_DDL = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    merchant_order_id TEXT PRIMARY KEY,
    order_json TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    first_attempted_at TEXT,
    claimed_at TEXT,
    vendor_order_id TEXT,
    vendor_status TEXT,
    tracking_codes TEXT,
    updated_at TEXT
)
"""


def db():
    from airflow_provider_kakaclo.hooks.sql import sql_hook

    return sql_hook(SQL_CONN_ID, "order_fulfilment")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dag(
    dag_id="order_fulfilment",
    schedule="*/5 * * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=3,
    tags=["kakaclo", "example", "orders", "sql"],
    doc_md=__doc__,
)
def order_fulfilment():
    @task
    def claim_pending(limit: int = 50) -> list[dict]:
        """Mark up to ``limit`` pending rows as ``placing`` (one transaction) and return them."""
        now = _now()
        expired = (datetime.now(timezone.utc) - CLAIM_LEASE).isoformat(timespec="seconds")
        hook = db()
        hook.run(TABLE_DDL)
        with hook.get_conn() as conn:
            cur = conn.cursor()
            ph = hook.placeholder
            cur.execute(
                f"SELECT merchant_order_id FROM {TABLE} WHERE status = 'pending' "
                f"OR (status = 'placing' AND claimed_at < {ph}) ORDER BY merchant_order_id LIMIT {int(limit)}",
                (expired,),
            )
            ids = [r[0] for r in cur.fetchall()]
            for merchant_id in ids:
                cur.execute(
                    f"UPDATE {TABLE} SET status = 'placing', claimed_at = {ph}, updated_at = {ph}, "
                    f"first_attempted_at = COALESCE(first_attempted_at, {ph}) WHERE merchant_order_id = {ph}",
                    (now, now, now, merchant_id),
                )
            conn.commit()
            if not ids:
                return []
            cur.execute(
                f"SELECT merchant_order_id, order_json, first_attempted_at FROM {TABLE} "
                f"WHERE merchant_order_id IN ({', '.join([ph] * len(ids))})",
                ids,
            )
            rows = cur.fetchall()
        print(f"claimed {len(rows)} pending orders: {[r[0] for r in rows]}")
        return [
            {"merchant_order_id": r[0], "order": json.loads(r[1]), "reconcile_since": r[2]} for r in rows
        ]

    claimed = claim_pending()

    placed = PlaceOrderOperator.partial(
        task_id="place",
        conn_id=CONN_ID,
        retries=3,
        retry_delay=pendulum.duration(seconds=10),
        map_index_template="{{ task.merchant_order_id }}",
    ).expand_kwargs(claimed)

    @task(trigger_rule="all_done")
    def record_placed(results: list[dict | None]) -> list[str]:
        """Write each placed order's vendor id back; return the ids to wait for."""
        done = [r for r in results if r]
        hook = db()
        for r in done:
            hook.run(
                f"UPDATE {TABLE} SET status = 'placed', vendor_order_id = {hook.placeholder}, "
                f"vendor_status = {hook.placeholder}, updated_at = {hook.placeholder} "
                f"WHERE merchant_order_id = {hook.placeholder}",
                parameters=(r["order_id"], r["status"], _now(), r["merchant_order_id"]),
            )
        print(f"placed {len(done)} orders: {[(r['merchant_order_id'], r['order_id'], r['placed']) for r in done]}")
        return [r["order_id"] for r in done]

    order_ids = record_placed(placed.output)

    shipped = OrderStatusSensor.partial(
        task_id="wait_shipped",
        conn_id=CONN_ID,
        target_status="shipped",
        deferrable=True,
        poke_interval=10,
        timeout=14 * 24 * 3600,
        map_index_template="{{ task.order_id }}",
    ).expand(order_id=order_ids)

    @task(trigger_rule="all_done")
    def record_shipped(shipments: list[dict | None]) -> int:
        """Write status and tracking codes of each shipped order back to its row."""
        hook = db()
        done = [s for s in shipments if s]
        for s in done:
            hook.run(
                f"UPDATE {TABLE} SET status = 'shipped', vendor_status = {hook.placeholder}, "
                f"tracking_codes = {hook.placeholder}, updated_at = {hook.placeholder} "
                f"WHERE vendor_order_id = {hook.placeholder}",
                parameters=(s["status"], json.dumps(s["tracking_codes"]), _now(), s["order_id"]),
            )
        print(f"shipped {len(done)} orders")
        return len(done)

    record_shipped(shipped.output)


order_fulfilment()
