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


def reserve_order_url(context) -> None:
    """Push an empty order URL first thing: a task that fails before the order is known still has the
    key, so Airflow's link look-up at the end of the task finds it instead of logging "XCom not found"."""
    ti = context.get("ti") if hasattr(context, "get") else None
    if ti is not None:
        ti.xcom_push(key=ORDER_URL_KEY, value="")


def push_order_url(context, url: str | None) -> None:
    """Push the order's URL for :class:`VendorOrderLink` (empty when the vendor has no page: no link)."""
    context["ti"].xcom_push(key=ORDER_URL_KEY, value=url or "")
