"""Place a supplier order exactly once, and refund one, with any vendor's connection."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from airflow.configuration import conf
from airflow.sdk import BaseOperator

from airflow_provider_kakaclo.links import VendorOrderLink
from airflow_provider_kakaclo.retry_policy import VendorRetryPolicyMixin

if TYPE_CHECKING:
    from airflow.sdk import Context

#: Clock skew allowed between this worker and the vendor when scanning for an earlier attempt.
RECONCILE_SKEW = timedelta(minutes=15)
STATE_KEY = "kakaclo_place_order"


def stable_reference(context: Context, prefix: str = "af") -> str:
    """A merchant reference that is the same on every try of one task instance, and differs between them.

    Built from dag_id, run_id, task_id and map_index; hashed so it fits the vendors' reference
    fields (KakaClo ``customOrderId``: 40 characters).
    """
    ti = context["ti"]
    key = f"{ti.dag_id}|{ti.run_id}|{ti.task_id}|{getattr(ti, 'map_index', -1)}"
    return f"{prefix}-{hashlib.sha256(key.encode()).hexdigest()[:32]}"


def _parse_time(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


class PlaceOrderOperator(VendorRetryPolicyMixin, BaseOperator):
    """Place one order with the vendor of ``conn_id``, at most once per merchant reference.

    The vendor has no idempotency key, so before creating, and again after any failure that leaves
    the outcome unknown (timeout, dropped connection, 5xx on the create), the operator looks for an
    order already carrying the reference, created since the first attempt. A retry after a crash
    (even a SIGKILL between the vendor's commit and our reading its reply) finds that order instead
    of placing another.

    :param conn_id: the vendor connection; its type picks the vendor. (templated)
    :param order: the order, in the vendor's documented shape (KakaClo: ``orderAddresses``,
        ``orderItemsList``, ``channelType``...), or an XCom. (templated)
    :param merchant_order_id: your own order number, sent as the vendor's reference; default a
        reference stable across retries (dag_id, run_id, task_id, map_index). (templated)
    :param check_stock: before placing, check the SKUs exist, are on sale and in stock.
    :param check_freight: before placing, check the channel is offered and get its freight.
    :param check_balance: before placing, check the balance covers items and freight.
    :param reconcile_since: how far back to look for an earlier attempt (datetime or ISO string),
        e.g. when an order row was first attempted in an earlier DAG run; default: the first
        attempt of this task instance. (templated)
    :return: ``order_id``, ``merchant_order_id``, ``vendor``, ``status``, ``amounts``, ``placed``
        (False when an earlier attempt's order was found).
    """

    template_fields: Sequence[str] = ("conn_id", "order", "merchant_order_id", "reconcile_since")
    template_fields_renderers = {"order": "json"}
    operator_extra_links = (VendorOrderLink(),)
    ui_color = "#ffd9b3"

    def __init__(
        self,
        *,
        conn_id: str,
        order: dict[str, Any] | str,
        merchant_order_id: str | None = None,
        check_stock: bool = True,
        check_freight: bool = True,
        check_balance: bool = True,
        reconcile_since: datetime | str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.conn_id = conn_id
        self.order = order
        self.merchant_order_id = merchant_order_id
        self.check_stock = check_stock
        self.check_freight = check_freight
        self.check_balance = check_balance
        self.reconcile_since = reconcile_since

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider_kakaclo.capabilities import OrderPlacer, capability, hook_for
        from airflow_provider_kakaclo.links import push_order_url

        placer = capability(hook_for(self.conn_id), OrderPlacer, "place orders")
        order = placer.validate_order(self._order())
        reference = str(self.merchant_order_id or stable_reference(context)).strip()
        placer.validate_order({**order, "customOrderId": reference})
        since = self._window_start(context)
        self.log.info("placing order %s with %s (looking for earlier attempts since %s)", reference,
                      placer.vendor, since.isoformat())
        found = self._recorded(context, placer, reference) or self._find(placer, order, reference, since)
        placed = found is None
        if found is None:
            checks = placer.precheck_order(
                order, stock=self.check_stock, freight=self.check_freight, balance=self.check_balance
            )
            self.log.info("pre-checks passed: %s", checks)
            found = self._place(placer, order, reference, since)
        else:
            self.log.info("order %s already exists for %s: not placing another", found.order_id, reference)
        self._remember(context, reference, found.order_id)
        push_order_url(context, placer.order_url(found.order_id))
        return {
            "order_id": found.order_id,
            "merchant_order_id": reference,
            "vendor": placer.vendor,
            "status": found.status,
            "amounts": found.amounts,
            "placed": placed,
        }

    def _order(self) -> dict[str, Any]:
        import json

        order = json.loads(self.order) if isinstance(self.order, str) else self.order
        if not isinstance(order, dict) or not order:
            raise ValueError(f"order must be a non-empty mapping (or its JSON), got {type(order).__name__}")
        return order

    def _place(self, placer, order: dict[str, Any], reference: str, since: datetime):
        from airflow_provider_kakaclo.transport.errors import AmbiguousWriteError

        try:
            order_id = placer.place_order(order, reference)
        except AmbiguousWriteError as err:
            self.log.warning("placing %s had an unknown outcome (%s); looking it up", reference, err.cause)
            found = self._find(placer, order, reference, since)
            if found is None:
                raise  # not committed as far as the vendor shows: Airflow's retry looks again first
            self.log.info("the vendor did commit it: order %s", found.order_id)
            return found
        self.log.info("placed order %s for %s", order_id, reference)
        status = placer.find_order(reference, since=since)
        if status is None or status.order_id != order_id:
            from airflow_provider_kakaclo.lifecycle import OrderStatus

            status = OrderStatus(order_id=order_id, status="pending", vendor=placer.vendor,
                                 merchant_order_id=reference)
        return status

    @staticmethod
    def _find(placer, order: dict[str, Any], reference: str, since: datetime):
        """An order already carrying the reference, finished if an earlier try stopped half-way."""
        found = placer.find_order(reference, since=since)
        if found is not None and hasattr(placer, "resume_order"):
            found = placer.resume_order(found, order)
        return found

    def _window_start(self, context: Context) -> datetime:
        """Since when an earlier attempt could have created the order (minus clock skew)."""
        explicit = _parse_time(self.reconcile_since)
        if explicit is not None:
            return explicit - RECONCILE_SKEW
        store = context.get("task_state_store")
        first = None
        if store is not None:
            state: Any = store.get(STATE_KEY) or {}
            first = _parse_time(state.get("first_attempt_at"))
            if first is None:
                first = datetime.now(timezone.utc)
                store.set(STATE_KEY, {"first_attempt_at": first.isoformat()})
        if first is None:
            dag_run = context.get("dag_run")
            first = _parse_time(getattr(dag_run, "start_date", None) or getattr(dag_run, "queued_at", None))
        if first is None:
            ti = context.get("ti")
            first = _parse_time(getattr(ti, "start_date", None)) or datetime.now(timezone.utc)
            first -= timedelta(days=1)  # nothing better known: look back a day
        return first - RECONCILE_SKEW

    def _recorded(self, context: Context, placer, reference: str):
        """The order an earlier try recorded in the task state store (Airflow 3.3+), checked at the vendor."""
        store = context.get("task_state_store")
        state: Any = (store.get(STATE_KEY) or {}) if store is not None else {}
        if state.get("reference") != reference or not state.get("order_id"):
            return None
        from airflow_provider_kakaclo.capabilities import OrderTracker

        if not isinstance(placer, OrderTracker):
            return None
        status = placer.get_order_statuses([state["order_id"]]).get(state["order_id"])
        if status is not None and status.merchant_order_id in (None, reference):
            self.log.info("an earlier try recorded order %s for %s", status.order_id, reference)
            return status
        return None

    def _remember(self, context: Context, reference: str, order_id: str) -> None:
        store = context.get("task_state_store")
        if store is not None:
            state: Any = store.get(STATE_KEY) or {}
            store.set(STATE_KEY, {**state, "reference": reference, "order_id": order_id})


class RefundOrderOperator(VendorRetryPolicyMixin, BaseOperator):
    """Refund an order (whole, or some items) before it ships, then wait for the refund's outcome.

    Refused before any refund request when the order has shipped. Asking twice is avoided: an open
    or successful refund of the order (from an earlier try) is waited on instead of a new request.

    :param conn_id: the vendor connection. (templated)
    :param order_id: the vendor's order id. (templated)
    :param items: for a partial refund, the items (KakaClo: ``itemId``, ``skuCode``, ``quantity``,
        ``countryCode`` from the order); omit for the whole order. (templated)
    :param refund_reason: one of the vendor's documented reasons (KakaClo default ``Other``). (templated)
    :param remark: free text for the vendor. (templated)
    :param wait_for_completion: wait until the refund succeeds or fails.
    :param deferrable: wait in the triggerer; defaults to ``[operators] default_deferrable``.
    :param poll_interval: seconds between two look-ups while waiting.
    :param timeout: seconds to wait at most (KakaClo: refunds resolve within 24 hours).
    :return: ``order_id``, ``refund_id``, ``status`` (``pending``, ``succeeded``).
    """

    template_fields: Sequence[str] = ("conn_id", "order_id", "items", "refund_reason", "remark")
    template_fields_renderers = {"items": "json"}
    operator_extra_links = (VendorOrderLink(),)

    def __init__(
        self,
        *,
        conn_id: str,
        order_id: str,
        items: list[dict[str, Any]] | None = None,
        refund_reason: str = "Other",
        remark: str | None = None,
        wait_for_completion: bool = True,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        poll_interval: float = 300.0,
        timeout: float = 36 * 3600.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.conn_id = conn_id
        self.order_id = order_id
        self.items = items
        self.refund_reason = refund_reason
        self.remark = remark
        self.wait_for_completion = wait_for_completion
        self.deferrable = deferrable
        self.poll_interval = poll_interval
        self.timeout = timeout

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider_kakaclo._compat import AirflowFailException
        from airflow_provider_kakaclo.capabilities import OrderRefunder, OrderTracker, capability, hook_for
        from airflow_provider_kakaclo.lifecycle import PARTIALLY_SHIPPED, PROGRESSION
        from airflow_provider_kakaclo.links import push_order_url

        hook = hook_for(self.conn_id)
        refunder = capability(hook, OrderRefunder, "refund orders")
        order_id = str(self.order_id).strip()
        body = refunder.validate_refund(
            {"refundReason": self.refund_reason, "remark": self.remark, "orderItems": self.items or None}
        )
        push_order_url(context, hook.order_url(order_id))
        existing = refunder.find_refund(order_id)
        if existing is None:
            status = capability(hook, OrderTracker, "track orders").get_order_statuses([order_id]).get(order_id)
            if status is None:
                raise AirflowFailException(f"order {order_id} was not found at {self.conn_id}")
            if status.status in PROGRESSION[PROGRESSION.index(PARTIALLY_SHIPPED):]:
                raise AirflowFailException(
                    f"order {order_id} is {status.status}: a refund is only possible before shipment")
            refund_id, outcome = refunder.request_refund(order_id, body), "pending"
            self.log.info("refund %s requested for order %s", refund_id, order_id)
        else:
            refund_id, outcome = existing
            self.log.info("order %s already has refund %s (%s): not asking again", order_id, refund_id, outcome)
        result = {"order_id": order_id, "refund_id": refund_id, "status": outcome}
        if outcome != "pending" or not self.wait_for_completion:
            return self._finish(result)
        if self.deferrable:
            from airflow_provider_kakaclo.triggers.refunds import RefundStatusTrigger

            self.defer(
                trigger=RefundStatusTrigger(self.conn_id, order_id, refund_id, self.poll_interval),
                method_name="execute_complete",
                timeout=timedelta(seconds=self.timeout),
            )
        return self._finish(self._wait(refunder, result))

    def _wait(self, refunder, result: dict[str, Any]) -> dict[str, Any]:
        import time

        from airflow_provider_kakaclo._compat import AirflowFailException

        deadline = time.monotonic() + self.timeout
        while True:
            outcome = refunder.get_refund_status(result["order_id"], result["refund_id"])
            if outcome != "pending":
                return {**result, "status": outcome or "not found"}
            if time.monotonic() > deadline:
                raise AirflowFailException(f"refund {result['refund_id']} still pending after {self.timeout} s")
            time.sleep(self.poll_interval)

    def execute_complete(self, context: Context, event: dict[str, Any]) -> dict[str, Any]:
        return self._finish({k: event.get(k) for k in ("order_id", "refund_id", "status")}, event.get("message"))

    def _finish(self, result: dict[str, Any], message: str | None = None) -> dict[str, Any]:
        from airflow_provider_kakaclo._compat import AirflowFailException

        if result["status"] in ("pending", "succeeded"):
            return result
        raise AirflowFailException(
            f"refund {result['refund_id']} of order {result['order_id']}: {result['status']}"
            + (f" ({message})" if message else "")
        )
