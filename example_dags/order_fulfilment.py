"""The pipeline sellers run: place pending shop orders with KakaClo, wait for shipment, write back.

Every few minutes it claims the rows of ``shop_orders`` still ``pending`` (an embedded SQLite file by
default; set ``SQL_CONN_ID`` to any common-sql connection such as PostgreSQL), places them in one
``PlaceOrdersOperator`` batch with each row's own order number as merchant reference (one
reconciliation scan and aggregated pre-checks for the whole batch, then one create per order), waits
for shipment with mapped deferrable sensors (no worker slot held), and writes the vendor order id,
status and tracking codes back to the row. A row the vendor refuses is marked ``failed`` with the
reason; the others go on.

An order is never placed twice, even across DAG runs: the row records when it was first attempted,
and ``reconcile_since`` (the earliest first attempt of the claimed rows) makes the batch look for
orders carrying those order numbers since then before it places anything.
"""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone

import pendulum
from airflow.sdk import dag, task

from airflow_provider_kakaclo.operators.orders import PlaceOrdersOperator
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
    @task(multiple_outputs=True)
    def claim_pending(limit: int = 50) -> dict:
        """Mark up to ``limit`` pending rows as ``placing`` (one transaction); return them as one batch."""
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
            rows = []
            if ids:
                cur.execute(
                    f"SELECT merchant_order_id, order_json, first_attempted_at FROM {TABLE} "
                    f"WHERE merchant_order_id IN ({', '.join([ph] * len(ids))})",
                    ids,
                )
                rows = cur.fetchall()
        print(f"claimed {len(rows)} pending orders: {[r[0] for r in rows]}")
        return {
            "orders": [{**json.loads(r[1]), "merchant_order_id": r[0]} for r in rows],
            "since": min((r[2] for r in rows), default=now),
        }

    claimed = claim_pending()

    placed = PlaceOrdersOperator(
        task_id="place",
        conn_id=CONN_ID,
        orders=claimed["orders"],
        reconcile_since=claimed["since"],
        max_failures=50,  # a refused row is marked failed below; the batch goes on
        retries=3,
        retry_delay=pendulum.duration(seconds=10),
    )

    @task(trigger_rule="all_done")
    def record_placed(batch: dict | None) -> list[str]:
        """Write each placed order's vendor id (and each refusal) back; return the ids to wait for."""
        batch = batch or {"order_ids": {}, "found": [], "failed": {}}
        hook = db()
        ph = hook.placeholder
        for ref, order_id in batch["order_ids"].items():
            hook.run(
                f"UPDATE {TABLE} SET status = 'placed', vendor_order_id = {ph}, vendor_status = 'placed', "
                f"updated_at = {ph} WHERE merchant_order_id = {ph}",
                parameters=(order_id, _now(), ref),
            )
        for ref, reason in batch["failed"].items():
            hook.run(f"UPDATE {TABLE} SET status = 'failed', vendor_status = {ph}, updated_at = {ph} "
                     f"WHERE merchant_order_id = {ph}", parameters=(reason[:500], _now(), ref))
        found = set(batch["found"])
        done = [(ref, order_id, ref not in found) for ref, order_id in sorted(batch["order_ids"].items())]
        print(f"placed {len(done)} orders: {done}; failed: {batch['failed']}")
        return list(batch["order_ids"].values())

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
