"""Keep one current stock table in your own database, from any vendor that can read stock."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

from airflow_provider_kakaclo.retry_policy import VendorRetryPolicyMixin

if TYPE_CHECKING:
    from airflow.sdk import Context


class StockSyncOperator(VendorRetryPolicyMixin, BaseOperator):
    """Copy current stock from a vendor into a SQL table, writing only the rows that changed.

    Pages are streamed from the vendor (through its rate limiter) and written in transactions of
    ``batch_size`` rows, so memory stays flat in catalog size and an interrupted run leaves no
    duplicate or half-written batch; rerunning converges to the vendor's figures.

    For catalogs too large for one task, map it over SKU shards
    (``StockSyncOperator.partial(...).expand(skus=shards)``) and give the tasks one Airflow pool with
    as many slots as the vendor account can take concurrently: the client limiter is per process,
    the vendor's limit per account.

    :param source_conn_id: a vendor connection whose hook can read stock (KakaClo, Qianyi, BirdSystem). (templated)
    :param sql_conn_id: any common-sql database connection; default an embedded SQLite file
        ``$AIRFLOW_HOME/kakaclo/stock.db``. (templated)
    :param table: the table (created if missing; see :class:`~airflow_provider_kakaclo.stock.StockTable`). (templated)
    :param skus: only these SKUs (a shard). (templated)
    :param warehouses: only these warehouses. (templated)
    :param mode: ``full`` (everything) or ``incremental`` (what changed since the last run's window
        end, up to the data interval's end, never later than the vendor's lag allows). (templated)
    :param batch_size: rows per transaction.
    :param report_changes: how many changed rows to list in the result.
    :return: ``read``, ``inserted``, ``updated``, ``unchanged``, ``changed`` (the SKUs of the first
        changed rows), ``changed_rows`` (the same rows as ``{"sku", "warehouse"}``: the table holds one
        row per SKU and warehouse), ``window`` (incremental), ``table``.
    """

    template_fields: Sequence[str] = ("source_conn_id", "sql_conn_id", "table", "skus", "warehouses", "mode")
    ui_color = "#d6f0e0"

    def __init__(
        self,
        *,
        source_conn_id: str,
        sql_conn_id: str | None = None,
        table: str = "vendor_stock",
        skus: list[str] | None = None,
        warehouses: list[str] | None = None,
        mode: str = "full",
        batch_size: int = 500,
        report_changes: int = 20,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.source_conn_id = source_conn_id
        self.sql_conn_id = sql_conn_id
        self.table = table
        self.skus = skus
        self.warehouses = warehouses
        self.mode = mode
        self.batch_size = batch_size
        self.report_changes = report_changes

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider_kakaclo.capabilities import StockReader, capability, hook_for
        from airflow_provider_kakaclo.hooks.sql import sql_hook
        from airflow_provider_kakaclo.progress import Progress
        from airflow_provider_kakaclo.stock import StockTable, batched, check_identifier

        if self.mode not in ("full", "incremental"):
            raise ValueError(f"mode must be 'full' or 'incremental', got {self.mode!r}")
        check_identifier(self.table)
        reader = capability(hook_for(self.source_conn_id), StockReader, "read stock")
        totals = {"read": 0, "inserted": 0, "updated": 0, "unchanged": 0}
        changed: list[dict[str, str]] = []
        db = sql_hook(self.sql_conn_id, "stock")
        self._lineage = (reader, db)
        with StockTable(db, self.table) as table:
            table.ensure()
            window = self._window(context, reader, table)
            rows = reader.iter_stock(skus=self.skus, warehouses=self.warehouses, **(window or {}))
            progress = Progress(self.log, f"stock sync {self.source_conn_id} -> {self.table}", unit="rows")
            for batch in batched(rows, self.batch_size):
                inserted, updated, unchanged = table.apply(batch)
                totals["read"] += len(batch)
                totals["inserted"] += len(inserted)
                totals["updated"] += len(updated)
                totals["unchanged"] += unchanged
                changed.extend({"sku": r.sku, "warehouse": r.warehouse} for r in (*inserted, *updated))
                del changed[self.report_changes:]
                progress.add(len(batch))
            if window:
                table.set_watermark(reader.vendor, self.source_conn_id, window["updated_to"].isoformat())
        self.log.info("stock sync %s -> %s: %s", self.source_conn_id, self.table, totals)
        result = {**totals, "changed": [c["sku"] for c in changed], "changed_rows": changed,
                  "table": self.table, "vendor": reader.vendor,
                  "window": {k: v.isoformat() for k, v in window.items()} if window else None}
        self._annotate_outlets(context, result)
        return result

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """Input: the vendor's stock; output: the table (only with the OpenLineage provider installed)."""
        from airflow_provider_kakaclo.lineage import operator_lineage, table_dataset, vendor_namespace

        reader, db = getattr(self, "_lineage", (None, None))
        if reader is None:
            return None
        return operator_lineage(inputs=[(vendor_namespace(reader), "stock")],
                                outputs=[table_dataset(db, self.table)])

    def _window(self, context: Context, reader, table) -> dict[str, datetime] | None:
        """The update-time window of an incremental run: from the last window's end (or the data
        interval's start) to the data interval's end, never later than now minus the vendor's lag."""
        if self.mode == "full":
            return None
        lag = getattr(reader, "stock_update_lag_seconds", None)
        if lag is None:
            raise ValueError(f"{reader.vendor} cannot filter stock by update time: use mode='full'")
        now = datetime.now(timezone.utc)
        interval_end = context.get("data_interval_end") or now
        end = min(_aware(interval_end), now - timedelta(seconds=lag))
        previous = table.watermark(reader.vendor, self.source_conn_id)
        start = _aware(datetime.fromisoformat(previous)) if previous else _aware(
            context.get("data_interval_start") or end - timedelta(days=1))
        return {"updated_from": min(start, end), "updated_to": end}

    def _annotate_outlets(self, context: Context, result: dict[str, Any]) -> None:
        """Put the counts on the asset events of this task's outlets (Airflow emits them on success)."""
        events = context.get("outlet_events")
        if not events:
            return
        for outlet in self.outlets or []:
            try:
                events[outlet].extra = {k: result[k] for k in ("read", "inserted", "updated", "vendor", "table")}
            except (KeyError, TypeError, AttributeError):
                continue


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
