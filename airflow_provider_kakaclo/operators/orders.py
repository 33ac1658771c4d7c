"""Place a supplier order exactly once, and refund one, with any vendor's connection."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import conf
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


def window_start(context: Context, reconcile_since: Any, state_key: str) -> datetime:
    """Since when an earlier attempt could have created an order (minus clock skew).

    ``reconcile_since`` when given; else the first attempt recorded in the task state store under
    ``state_key`` (recorded now if absent); else the DAG run's start; else a day before the task.
    """
    explicit = _parse_time(reconcile_since)
    if explicit is not None:
        return explicit - RECONCILE_SKEW
    store = context.get("task_state_store")
    first = None
    if store is not None:
        state: Any = store.get(state_key) or {}
        first = _parse_time(state.get("first_attempt_at"))
        if first is None:
            first = datetime.now(timezone.utc)
            store.set(state_key, {**state, "first_attempt_at": first.isoformat()})
    if first is None:
        dag_run = context.get("dag_run")
        first = _parse_time(getattr(dag_run, "start_date", None) or getattr(dag_run, "queued_at", None))
    if first is None:
        ti = context.get("ti")
        first = _parse_time(getattr(ti, "start_date", None)) or datetime.now(timezone.utc)
        first -= timedelta(days=1)  # nothing better known: look back a day
    return first - RECONCILE_SKEW


def settle_duplicates(placer, reference: str, statuses: list, ours: str | None, log) -> tuple[Any, list[str]]:
    """Of the orders carrying ``reference``, keep the first created and cancel the others (before shipment).

    :return: the status of the order kept (None when none is visible yet) and the ids cancelled.
    :raises AirflowFailException: when a duplicate exists and the vendor offers no way to cancel it.
    """
    from airflow_provider_kakaclo._compat import AirflowFailException
    from airflow_provider_kakaclo.batches import survivor
    from airflow_provider_kakaclo.lifecycle import CANCELLED, REFUNDED
    from airflow_provider_kakaclo.transport.errors import VendorError

    live = {s.order_id: s for s in statuses if s.status not in (CANCELLED, REFUNDED)}
    ids = set(live) | ({ours} if ours else set())
    if not ids:
        return None, []
    keep = survivor(ids)
    extra = sorted(ids - {keep})
    if extra and not hasattr(placer, "cancel_order"):
        raise AirflowFailException(f"{len(ids)} {placer.vendor} orders carry reference {reference} ({sorted(ids)}) "
                                   f"and the provider cannot cancel one: keep {keep}, cancel {extra} by hand")
    for order_id in extra:
        try:
            refund = placer.cancel_order(order_id, f"duplicate of order {keep} (merchant reference {reference})")
        except VendorError as err:
            raise AirflowFailException(f"order {order_id} duplicates order {keep} (reference {reference}) and "
                                       f"could not be cancelled ({err.message}): cancel it by hand") from err
        log.warning("order %s duplicated order %s for reference %s (two tries at once): cancelled, refund %s",
                    order_id, keep, reference, refund)
    return live.get(keep), extra


class PlaceOrderOperator(VendorRetryPolicyMixin, BaseOperator):
    """Place one order with the vendor of ``conn_id``, at most once per merchant reference.

    The vendor has no idempotency key. A retry (or a first try given an explicit reference or
    ``reconcile_since``) first looks for an order already carrying the reference, created since the
    first attempt; so does any failure that leaves the outcome unknown (timeout, dropped connection,
    5xx on the create). A retry after a crash (even a SIGKILL between the vendor's commit and our
    reading its reply) finds that order instead of placing another. The first try of a task instance
    with its generated reference skips that look-up: the reference is new.

    Two tries at the same moment: with a shared backend (the connection extra ``rate_limit_backend``)
    they take turns on a short lease per reference; without one, a check after the create finds a
    twin and cancels the later order (a refund before shipment), saying so in the log and the result.

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
        (False when an earlier attempt's order was found), and ``duplicates_cancelled`` when a twin
        try's order had to be cancelled.
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
        from airflow_provider_kakaclo.links import push_order_url, reserve_order_url
        from airflow_provider_kakaclo.locks import reference_lease

        reserve_order_url(context)
        placer = capability(hook_for(self.conn_id), OrderPlacer, "place orders")
        order = placer.validate_order(self._order())
        reference = str(self.merchant_order_id or stable_reference(context)).strip()
        placer.validate_order({**order, "customOrderId": reference})
        since = window_start(context, self.reconcile_since, STATE_KEY)
        fresh = self._first_try(context)
        self.log.info("placing order %s with %s (%s)", reference, placer.vendor,
                      "first try, new reference" if fresh else f"looking for earlier attempts since {since.isoformat()}")
        with reference_lease(placer, reference) as lease:
            found = (self._recorded(context, placer, reference) or self._marked(placer, lease)
                     or (None if fresh else self._find(placer, order, reference, since)))
            placed, cancelled = found is None, []
            if found is None:
                self._precheck(placer, order)
                found, cancelled = self._place(context, placer, order, reference, since, lease)
            else:
                self.log.info("order %s already exists for %s: not placing another", found.order_id, reference)
        self._remember(context, reference, found.order_id)
        push_order_url(context, placer.order_url(found.order_id))
        result = {
            "order_id": found.order_id,
            "merchant_order_id": reference,
            "vendor": placer.vendor,
            "status": found.status,
            "amounts": found.amounts,
            "placed": placed and not cancelled,
        }
        return {**result, "duplicates_cancelled": cancelled} if cancelled else result

    def _order(self) -> dict[str, Any]:
        import json

        order = json.loads(self.order) if isinstance(self.order, str) else self.order
        if not isinstance(order, dict) or not order:
            raise ValueError(f"order must be a non-empty mapping (or its JSON), got {type(order).__name__}")
        return order

    def _first_try(self, context: Context) -> bool:
        """The first try of a task instance with its generated reference: no earlier order can exist."""
        if self.merchant_order_id or self.reconcile_since:
            return False
        return getattr(context.get("ti"), "try_number", None) == 1

    def _precheck(self, placer, order: dict[str, Any]) -> None:
        checks = placer.precheck_order(order, stock=self.check_stock, freight=self.check_freight,
                                       balance=self.check_balance)
        self.log.info("pre-checks passed: %s", checks)

    def _place(self, context: Context, placer, order: dict[str, Any], reference: str, since: datetime, lease):
        from airflow_provider_kakaclo.capabilities import find_orders
        from airflow_provider_kakaclo.lifecycle import OrderStatus
        from airflow_provider_kakaclo.transport.errors import AmbiguousWriteError

        try:
            order_id = placer.place_order(order, reference)
        except AmbiguousWriteError as err:
            self.log.warning("placing %s had an unknown outcome (%s); looking it up", reference, err.cause)
            found = self._find(placer, order, reference, since)
            if found is None:
                raise  # not committed as far as the vendor shows: Airflow's retry looks again first
            self.log.info("the vendor did commit it: order %s", found.order_id)
            order_id = found.order_id
        else:
            self.log.info("placed order %s for %s", order_id, reference)
        marked = lease.mark_placed(order_id)
        self._remember(context, reference, order_id)
        pending = OrderStatus(order_id=order_id, status="pending", vendor=placer.vendor, merchant_order_id=reference)
        if marked and lease.still_held():
            return pending, []  # no twin could create meanwhile: nothing to ask that the create's reply told
        statuses = find_orders(placer, [reference], since=since).get(reference, [])
        kept, cancelled = settle_duplicates(placer, reference, statuses, order_id, self.log)
        if kept is None or kept.order_id == order_id:
            return kept or pending, cancelled
        return kept, cancelled

    @staticmethod
    def _find(placer, order: dict[str, Any], reference: str, since: datetime):
        """An order already carrying the reference, finished if an earlier try stopped half-way."""
        found = placer.find_order(reference, since=since)
        if found is not None and hasattr(placer, "resume_order"):
            found = placer.resume_order(found, order)
        return found

    def _marked(self, placer, lease):
        """The order a try holding the lease before us recorded for this reference (no scan needed)."""
        order_id = lease.placed()
        if order_id is None:
            return None
        from airflow_provider_kakaclo.capabilities import OrderTracker

        status = placer.get_order_statuses([order_id]).get(order_id) if isinstance(placer, OrderTracker) else None
        if status is None:
            from airflow_provider_kakaclo.lifecycle import OrderStatus

            status = OrderStatus(order_id=order_id, status="pending", vendor=placer.vendor)
        self.log.info("a try holding this reference's lease before placed order %s", order_id)
        return status

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
            if state.get("order_id") != order_id:
                store.set(STATE_KEY, {**state, "reference": reference, "order_id": order_id})


BATCH_STATE_KEY = "kakaclo_place_orders"
#: References per progress record in the task state store (each placement rewrites one record).
PROGRESS_CHUNK = 100


class BatchProgress:
    """What a batch placed so far, in the task state store (Airflow 3.3+): records of 100 references.

    Without a store it only remembers in memory; the batch's reconciliation scan covers a retry.
    """

    def __init__(self, store: Any) -> None:
        self.store = store
        meta = (store.get(BATCH_STATE_KEY) or {}) if store is not None else {}
        self.chunks = int(meta.get("chunks") or 0)
        self.recorded: dict[str, str] = {}
        self.current: dict[str, str] = {}
        for index in range(self.chunks):
            self.current = dict(store.get(f"{BATCH_STATE_KEY}:{index}") or {})
            self.recorded.update(self.current)
        if len(self.current) >= PROGRESS_CHUNK or not self.chunks:
            self.current, self.chunks = {}, self.chunks + 1

    def record(self, reference: str, order_id: str) -> None:
        self.recorded[reference] = order_id
        if self.store is None:
            return
        if len(self.current) >= PROGRESS_CHUNK:
            self.current, self.chunks = {}, self.chunks + 1
        self.current[reference] = order_id
        meta = self.store.get(BATCH_STATE_KEY) or {}
        if meta.get("chunks") != self.chunks:
            self.store.set(BATCH_STATE_KEY, {**meta, "chunks": self.chunks})
        self.store.set(f"{BATCH_STATE_KEY}:{self.chunks - 1}", self.current)


def batch_entries(orders: Any) -> list[tuple[str, dict[str, Any]]]:
    """``(merchant_order_id, order without it)`` per order; the whole batch refused if one lacks a
    reference or two share one (nothing is sent)."""
    import json

    from airflow_provider_kakaclo.transport.errors import RequestValidationError

    orders = json.loads(orders) if isinstance(orders, str) else orders
    if not isinstance(orders, list | tuple):
        raise RequestValidationError("provider", "orders", f"must be a list of orders, got {type(orders).__name__}")
    entries, seen = [], set()
    for index, order in enumerate(orders):
        if not isinstance(order, dict):
            raise RequestValidationError("provider", "orders", f"orders[{index}] is not a mapping")
        reference = str(order.get("merchant_order_id") or "").strip()
        if not reference:
            raise RequestValidationError("provider", "orders", f"orders[{index}].merchant_order_id is required")
        if reference in seen:
            raise RequestValidationError("provider", "orders", f"merchant_order_id {reference} appears twice")
        seen.add(reference)
        entries.append((reference, {k: v for k, v in order.items() if k != "merchant_order_id"}))
    return entries


class PlaceOrdersOperator(VendorRetryPolicyMixin, BaseOperator):
    """Place a batch of orders with the vendor of ``conn_id``, each at most once per merchant reference.

    One reconciliation scan for the whole batch (every reference matched in one pass), pre-checks
    aggregated (distinct SKUs 30 a call, freight once per distinct lines and country, the balance read
    once and debited as orders pass), then one create per order. Progress is recorded as it goes
    (task state store on Airflow 3.3+, else the scan), so a retry after a crash places only what was
    not placed. One order that fails its checks or is refused does not stop the others. After the
    creates one more scan finds orders a concurrent try placed with the same reference, and cancels
    the later one before shipment.

    :param conn_id: the vendor connection. (templated)
    :param orders: the orders (or their JSON, or an XCom), in the vendor's shape, each with its own
        ``merchant_order_id`` (required, unique in the batch). (templated)
    :param check_stock: check the SKUs exist, are on sale and in stock.
    :param check_freight: check each order's channel is offered, and its freight.
    :param check_balance: check the balance covers each order, debited as orders pass.
    :param max_failures: how many orders may fail their checks or be refused before the task fails.
    :param reconcile_since: how far back to look for earlier attempts (datetime or ISO string);
        default the first attempt of this task instance. (templated)
    :return: ``vendor``, ``counts`` (placed, found, failed, unknown), ``order_ids`` (reference -> id),
        ``found`` (references an earlier attempt had placed), ``failed`` (reference -> reason).
    """

    template_fields: Sequence[str] = ("conn_id", "orders", "reconcile_since")
    template_fields_renderers = {"orders": "json"}
    ui_color = "#ffd9b3"

    def __init__(
        self,
        *,
        conn_id: str,
        orders: list[dict[str, Any]] | str,
        check_stock: bool = True,
        check_freight: bool = True,
        check_balance: bool = True,
        max_failures: int = 0,
        reconcile_since: datetime | str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.conn_id = conn_id
        self.orders = orders
        self.check_stock = check_stock
        self.check_freight = check_freight
        self.check_balance = check_balance
        self.max_failures = max_failures
        self.reconcile_since = reconcile_since

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow_provider_kakaclo.batches import summarize
        from airflow_provider_kakaclo.capabilities import OrderPlacer, capability, hook_for

        entries = batch_entries(self.orders)
        placer = capability(hook_for(self.conn_id), OrderPlacer, "place orders")
        outcomes, bodies = self._validate(placer, entries)
        progress = BatchProgress(context.get("task_state_store"))
        since = window_start(context, self.reconcile_since, BATCH_STATE_KEY)
        self.log.info("placing %s orders with %s (%s invalid; looking for earlier attempts since %s)",
                      len(entries), placer.vendor, len(outcomes), since.isoformat())
        self._reconcile(placer, bodies, outcomes, progress, since)
        todo = [ref for ref in bodies if ref not in outcomes]
        self._place_all(placer, todo, bodies, outcomes, progress, since)
        self._settle(placer, outcomes, progress, since)
        result = summarize(outcomes, placer.vendor)
        self.log.info("batch done: %s", result["counts"])
        self._fail_if_needed(context, result)
        return result

    @staticmethod
    def _validate(placer, entries) -> tuple[dict, dict]:
        from airflow_provider_kakaclo.transport.errors import RequestValidationError

        outcomes, bodies = {}, {}
        for reference, order in entries:
            try:
                bodies[reference] = placer.validate_order(order)
                placer.validate_order({**bodies[reference], "customOrderId": reference})
            except RequestValidationError as err:
                bodies.pop(reference, None)
                outcomes[reference] = ("failed", None, f"invalid: {err.message}")
        return outcomes, bodies

    def _reconcile(self, placer, bodies, outcomes, progress: BatchProgress, since: datetime) -> None:
        """Recorded references are done; the others are looked up in one scan of the window."""
        from airflow_provider_kakaclo.batches import representative
        from airflow_provider_kakaclo.capabilities import find_orders

        for reference in bodies:
            if reference in progress.recorded:
                outcomes[reference] = ("found", progress.recorded[reference], None)
        todo = [ref for ref in bodies if ref not in outcomes]
        if not todo:
            return
        for reference, statuses in find_orders(placer, todo, since=since).items():
            found = representative(statuses)
            if hasattr(placer, "resume_order"):
                found = placer.resume_order(found, bodies[reference])
            outcomes[reference] = ("found", found.order_id, None)
            progress.record(reference, found.order_id)

    def _place_all(self, placer, todo, bodies, outcomes, progress: BatchProgress, since: datetime) -> None:
        from airflow_provider_kakaclo.capabilities import precheck_orders

        if not todo:
            return
        verdicts = precheck_orders(placer, [bodies[ref] for ref in todo], stock=self.check_stock,
                                   freight=self.check_freight, balance=self.check_balance)
        for reference, (problems, _checks) in zip(todo, verdicts, strict=True):
            if problems:
                outcomes[reference] = ("failed", None, "; ".join(problems))
                self.log.warning("%s not placed: %s", reference, "; ".join(problems))
                continue
            outcomes[reference] = self._place_one(placer, reference, bodies[reference], progress, since)

    def _place_one(self, placer, reference: str, body, progress: BatchProgress, since: datetime) -> tuple:
        from airflow_provider_kakaclo.locks import reference_lease
        from airflow_provider_kakaclo.transport.errors import (
            AmbiguousWriteError,
            BusinessError,
            PrecheckError,
            RequestValidationError,
        )

        with reference_lease(placer, reference) as lease:
            marked = lease.placed()
            if marked:
                progress.record(reference, marked)
                return "found", marked, None
            try:
                order_id = placer.place_order(body, reference)
            except AmbiguousWriteError as err:
                found = self._find_one(placer, body, reference, since)
                if found is None:
                    self.log.warning("%s: unknown outcome (%s); a retry looks for it first", reference, err.message)
                    return "unknown", None, f"unknown outcome: {err.message}"
                order_id = found.order_id
            except (BusinessError, PrecheckError, RequestValidationError) as err:
                self.log.warning("%s refused: %s", reference, err)
                return "failed", None, f"refused: {err.message}"
            lease.mark_placed(order_id)
        progress.record(reference, order_id)
        return "placed", order_id, None

    _find_one = staticmethod(PlaceOrderOperator._find)

    def _settle(self, placer, outcomes, progress: BatchProgress, since: datetime) -> None:
        """One scan after the creates: a reference a concurrent try also placed keeps one order."""
        placed = [ref for ref, (kind, _, _) in outcomes.items() if kind == "placed"]
        if not placed or not hasattr(placer, "find_orders"):
            return  # BirdSystem refuses a second consignment with the reference itself
        from airflow_provider_kakaclo.capabilities import find_orders

        for reference, statuses in find_orders(placer, placed, since=since).items():
            ours = outcomes[reference][1]
            kept, cancelled = settle_duplicates(placer, reference, statuses, ours, self.log)
            if kept is not None and kept.order_id != ours:
                outcomes[reference] = ("found", kept.order_id, None)
                progress.record(reference, kept.order_id)

    def _fail_if_needed(self, context: Context, result: dict[str, Any]) -> None:
        from airflow.providers.common.compat.sdk import AirflowException

        counts = result["counts"]
        if counts["unknown"] == 0 and counts["failed"] <= self.max_failures:
            return
        ti = context.get("ti")
        if ti is not None and hasattr(ti, "xcom_push"):
            ti.xcom_push(key="batch_result", value=result)
        raise AirflowException(
            f"{counts['failed']} orders failed (max_failures={self.max_failures}), {counts['unknown']} with an "
            f"unknown outcome (a retry looks for them first, and places only what is missing): "
            + "; ".join(f"{ref}: {why}" for ref, why in list(result["failed"].items())[:20])
        )


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
        from airflow_provider_kakaclo.links import push_order_url, reserve_order_url

        reserve_order_url(context)
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
