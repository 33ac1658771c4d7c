"""Keep the SKU master in step: KakaClo's catalog into Qianyi ERP and BirdSystem, every 30 minutes.

Each run reads the KakaClo products updated since the last run, following KakaClo's pull advice:
the window ends at least 10 minutes before now (its search index lags), and the next window starts
at the largest update time seen. Only SKUs whose mapped fields differ are written; a SKU that fails
is reported and the rest still land.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import partial

import pendulum
from airflow.providers.common.compat.sdk import AirflowSkipException
from airflow.sdk import Variable, dag, task

from airflow_provider_kakaclo.operators.skus import SkuUpsertOperator
from airflow_provider_kakaclo.skus import to_birdsystem

WATERMARK = "kakaclo_catalog_sync_watermark"
FIRST_LOOKBACK = timedelta(days=1)


@dag(
    dag_id="kakaclo_catalog_sync",
    schedule="*/30 * * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["kakaclo", "qianyi", "birdsystem", "example", "skus"],
    doc_md=__doc__,
)
def kakaclo_catalog_sync():
    @task
    def window(data_interval_end=None) -> dict:
        now = datetime.now(timezone.utc)
        end = min(data_interval_end or now, now - timedelta(minutes=10))
        start = Variable.get(WATERMARK, default=None) or (end - FIRST_LOOKBACK).isoformat()
        if datetime.fromisoformat(start) >= end:
            # The last run already saw updates this recent, and KakaClo's index lags 10 minutes:
            # nothing can be read yet. Skipping (not reading an inverted window) leaves the mark as is.
            raise AirflowSkipException(
                f"nothing to read yet: the last run saw KakaClo updates up to {start}, and this window "
                f"would end at {end.isoformat()} (now minus KakaClo's 10-minute lag)")
        print(f"KakaClo products updated from {start} to {end.isoformat()}")
        return {"updated_from": start, "updated_to": end.isoformat()}

    span = window()
    to_qianyi = SkuUpsertOperator(task_id="upsert_qianyi", conn_id="qianyi_default",
                                  source_conn_id="kakaclo_default", source_filter=span)
    to_bird = SkuUpsertOperator(
        task_id="upsert_birdsystem", conn_id="birdsystem_default", source_conn_id="kakaclo_default",
        source_filter=span,
        # BirdSystem needs customs data KakaClo does not carry: say what your goods are (customs name,
        # category id from GET /client/customs-category); the declared export value (USD) is yours to give:
        # per SKU in the record's extra, or here for the whole catalog. Nothing is made up.
        mapping=partial(to_birdsystem, name_customs="women's cotton clothing", customs_category_id=815,
                        usage="wearing", brand="KakaClo", price_customs_export="5.00"),
    )

    @task
    def advance_watermark(span: dict, results: list[dict]) -> str:
        seen = [r["max_updated_at"] for r in results if r and r.get("max_updated_at")]
        # next start: the largest update time seen; nothing seen: the end of this window
        mark = max(seen) if seen else span["updated_to"]
        Variable.set(WATERMARK, mark)
        for r in results:
            print(f"{r['target']}: created {r['created']}, updated {r['updated']}, unchanged {r['unchanged']}, "
                  f"failed {r['failed']}")
        return mark

    advance_watermark(span, [to_qianyi.output, to_bird.output])


kakaclo_catalog_sync()
