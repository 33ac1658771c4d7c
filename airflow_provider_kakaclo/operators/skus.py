"""Keep a SKU catalog in step across systems: write only what changed, never let one SKU block the rest."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta, timezone
from functools import partial
from itertools import islice
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

from airflow_provider_kakaclo.retry_policy import VendorRetryPolicyMixin

if TYPE_CHECKING:
    from airflow.sdk import Context


class SkuUpsertOperator(VendorRetryPolicyMixin, BaseOperator):
    """Create missing SKUs and update those whose mapped fields differ, at any SKU-writing vendor.

    Input is either ``skus`` (normalized records, e.g. from XCom) or a source connection read in
    batches (KakaClo products by SPU, category or update window), so a 100,000-SKU catalog never sits
    in memory or in XCom. Each batch is read back from the target in as few calls as it allows
    (Qianyi: one query per 200 SKUs), compared field by field, and only differing records are
    written. A SKU that fails (its own limits, or the vendor's refusal) is collected; the others
    still land, and the task fails at the end if more than ``max_failures`` failed.

    :param conn_id: the target connection (Qianyi or BirdSystem). (templated)
    :param skus: normalized SKU records (dicts of :class:`~airflow_provider_kakaclo.skus.SkuRecord`
        fields). (templated)
    :param source_conn_id: instead of ``skus``, read them from this connection (KakaClo). (templated)
    :param source_filter: for the source: ``spus``, ``category_id``, or ``updated_from``/``updated_to``
        (default: the DAG run's data interval, ending at least 10 minutes ago). (templated)
    :param mapping: a callable ``SkuRecord -> dict`` replacing the target's default mapping.
    :param dry_run: read and compare, report the plan, write nothing.
    :param max_failures: how many SKUs may fail before the task fails (default 0).
    :param report_failures: how many failures to list in the result.
    :return: ``created``, ``updated``, ``unchanged``, ``failed``, ``failures`` (the first few, with
        their reason), ``dry_run``; and ``max_updated_at`` of the source records.
    """

    template_fields: Sequence[str] = ("conn_id", "skus", "source_conn_id", "source_filter")
    template_fields_renderers = {"skus": "json", "source_filter": "json"}
    ui_color = "#e3e0f7"

    def __init__(
        self,
        *,
        conn_id: str,
        skus: list[dict[str, Any]] | None = None,
        source_conn_id: str | None = None,
        source_filter: dict[str, Any] | None = None,
        mapping: Callable[[Any], dict[str, Any]] | None = None,
        dry_run: bool = False,
        max_failures: int = 0,
        report_failures: int = 20,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.conn_id = conn_id
        self.skus = skus
        self.source_conn_id = source_conn_id
        self.source_filter = source_filter
        self.mapping = mapping
        # Shadows the method BaseOperator.dry_run() (kept: it is this operator's documented argument).
        self.dry_run = dry_run  # type: ignore[method-assign, assignment]
        self.max_failures = max_failures
        self.report_failures = report_failures

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider_kakaclo._compat import AirflowFailException
        from airflow_provider_kakaclo.capabilities import SkuWriter, capability, hook_for
        from airflow_provider_kakaclo.progress import Progress
        from airflow_provider_kakaclo.skus import plan_batch
        from airflow_provider_kakaclo.transport.errors import VendorError

        if (self.skus is None) == (self.source_conn_id is None):
            raise ValueError("give either skus or source_conn_id")
        writer = capability(hook_for(self.conn_id), SkuWriter, "write SKUs")
        self._lineage_target = writer
        mapping = self.mapping or writer.default_sku_mapping()
        counts = {"created": 0, "updated": 0, "unchanged": 0, "failed": 0}
        failures: list[dict[str, str]] = []
        max_updated_at = None

        def fail(sku: str, reason: str) -> None:
            counts["failed"] += 1
            if len(failures) < self.report_failures:
                failures.append({"sku": sku, "reason": reason[:500]})

        records = self._records(context)
        total = len(self.skus) if isinstance(self.skus, (list, tuple)) else None
        progress = Progress(self.log, f"SKU upsert into {self.conn_id}", unit="SKUs", total=total)
        while batch := list(islice(records, writer.sku_batch_size)):
            payloads = []
            for record in batch:
                if record.updated_at and (max_updated_at is None or record.updated_at > max_updated_at):
                    max_updated_at = record.updated_at
                try:
                    payloads.append((record.sku, writer.validate_sku(mapping(record))))
                except (VendorError, ValueError) as err:
                    fail(record.sku, str(err))
            existing = writer.read_skus([sku for sku, _ in payloads]) if payloads else {}
            plan = plan_batch(payloads, existing, getattr(writer, "sku_caseless_fields", ()))
            counts["unchanged"] += plan.unchanged
            for sku, payload in plan.creates:
                counts["created"] += self._write(partial(writer.create_sku, payload), sku, fail)
            for sku, payload, _fields in plan.updates:
                counts["updated"] += self._write(
                    partial(writer.write_sku_update, sku, payload, existing[sku]), sku, fail)
            progress.add(len(batch))
        result = {**counts, "failures": failures, "dry_run": self.dry_run, "max_updated_at": max_updated_at,
                  "target": writer.vendor}
        self.log.info("SKU upsert into %s: %s", self.conn_id, {k: v for k, v in result.items() if k != "failures"})
        if counts["failed"] > self.max_failures:
            raise AirflowFailException(
                f"{counts['failed']} SKUs failed (tolerated: {self.max_failures}); the others landed. "
                f"First failures: {failures[:5]}")
        return result

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """Input: the source catalog (when read from a vendor); output: the target's SKU master."""
        from airflow_provider_kakaclo.capabilities import hook_for
        from airflow_provider_kakaclo.lineage import operator_lineage, vendor_namespace

        target = getattr(self, "_lineage_target", None)
        if target is None:
            return None
        inputs = [(vendor_namespace(hook_for(self.source_conn_id)), "products")] if self.source_conn_id else []
        return operator_lineage(inputs=inputs, outputs=[(vendor_namespace(target), "skus")])

    def _write(self, action: Callable[[], None], sku: str, fail: Callable[[str, str], None]) -> int:
        from airflow_provider_kakaclo.transport.errors import VendorError

        if self.dry_run:  # type: ignore[truthy-function]
            return 1
        try:
            action()
        except VendorError as err:  # this SKU failed; the rest of the catalog still goes through
            fail(sku, str(err))
            return 0
        return 1

    def _records(self, context: Context) -> Iterator[Any]:
        from airflow_provider_kakaclo.skus import SkuRecord

        if self.skus is not None:
            for item in self.skus:
                yield item if isinstance(item, SkuRecord) else SkuRecord.from_dict(item)
            return
        yield from self._source_records(context)

    def _source_records(self, context: Context) -> Iterator[Any]:
        from airflow_provider_kakaclo.capabilities import hook_for
        from airflow_provider_kakaclo.skus import from_kakaclo

        assert self.source_conn_id is not None  # only called when there is a source
        source = hook_for(self.source_conn_id)
        if not hasattr(source, "iter_products") or source.vendor != "kakaclo":
            raise TypeError(f"{self.source_conn_id} is not a catalog source this operator can read (KakaClo)")
        flt = dict(self.source_filter or {})
        if flt.get("spus"):
            products = source.iter_products(spus=flt["spus"])
        elif flt.get("category_id"):
            products = source.iter_products(category_id=flt["category_id"])
        else:
            now = datetime.now(timezone.utc)
            end = min(_time(flt.get("updated_to") or context.get("data_interval_end") or now),
                      now - timedelta(minutes=10))  # KakaClo's index lags: end at least 10 minutes ago
            start = _time(flt.get("updated_from") or context.get("data_interval_start") or end - timedelta(days=1))
            products = source.iter_products(date_start=_iso(min(start, end)), date_end=_iso(end))
        for product in products:
            yield from from_kakaclo(product)


def _time(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
