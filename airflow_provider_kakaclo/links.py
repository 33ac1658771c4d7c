"""Operator extra links: the vendor's page for the order a task placed or waits for."""

from __future__ import annotations

from airflow.sdk import BaseOperatorLink

ORDER_URL_KEY = "order_url"


class VendorOrderLink(BaseOperatorLink):
    """Link to the order's page at the vendor, pushed to XCom before any waiting.

    Works for running, deferred and failed tasks alike, because the URL is in XCom as soon as the
    order id is known.
    """

    name = "Vendor order"

    def get_link(self, operator, *, ti_key) -> str:
        from airflow.sdk.execution_time.xcom import XCom

        return XCom.get_value(ti_key=ti_key, key=ORDER_URL_KEY) or ""


def push_order_url(context, url: str | None) -> None:
    """Push the order's URL for :class:`VendorOrderLink` (empty when the vendor has no page: no link)."""
    context["ti"].xcom_push(key=ORDER_URL_KEY, value=url or "")
