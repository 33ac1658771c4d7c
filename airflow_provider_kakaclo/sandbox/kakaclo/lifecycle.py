"""Sandbox-only KakaClo operations: the lifecycle moves and catalog edits behind the control API.

Nothing here exists at the vendor; these stand in for the warehouse, the payment desk and the refund
reviewers (spec §8.8), so that a test decides when an order ships or a refund is decided. Mixed into
:class:`~.state.KakaCloBackend`, whose lock and helpers they use.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from ..backend import ControlError
from .catalog import WAREHOUSES_BY_CODE
from .records import Order, OrderItem, Package, Refund

if TYPE_CHECKING:
    from .state import SkuView

ADVANCE_TARGETS = ("paid", "partially_shipped", "fully_shipped", "delivered", "completed", "cancelled",
                   "abnormal", "recover")
REFUND_OUTCOMES = ("refund_successfully", "refund_failed")


class ControlMixin:
    """Lifecycle and catalog edits of :class:`~.state.KakaCloBackend` (see the module docstring)."""

    if TYPE_CHECKING:  # the state and helpers of KakaCloBackend, which this mixin is part of
        def __getattr__(self, name: str) -> Any: ...
        def __setattr__(self, name: str, value: Any) -> None: ...

    # -- control: lifecycle ----------------------------------------------------------------------

    def advance_order(self, order_id: int, to: str, *, items: list[str] | None = None,
                      carrier: str | None = None, tracking_code: str | None = None) -> Order:
        """Move an order along its lifecycle (spec §8.8); only the control API calls this.

        :param order_id: the order
        :param to: one of :data:`ADVANCE_TARGETS`
        :param items: partially_shipped only: item ids (or itemIds) to put in the package
        :param carrier: carrier of the new package
        :param tracking_code: tracking code of the new package
        :return: the order
        :raises ControlError: unknown order or a move not allowed from the current state
        """
        with self._lock:
            order = self.orders.get(order_id)
            if order is None:
                raise ControlError(f"order {order_id} not found", 404)
            if to not in ADVANCE_TARGETS:
                raise ControlError(f"'to' must be one of {list(ADVANCE_TARGETS)}", 400)
            now = self.now()
            getattr(self, f"_to_{to}" if to != "completed" else "_to_delivered")(order, now, items=items,
                                                                                   carrier=carrier,
                                                                                   tracking_code=tracking_code)
            order.modify_date = now
            return order

    def _to_paid(self, order: Order, now: int, **_: Any) -> None:
        if order.status == "abnormal_order" and order.paid:
            self._to_recover(order, now)
            return
        if order.status != "waiting_payment":
            raise ControlError(f"order {order.id} is {order.status}, not waiting_payment")
        if self.balance < order.final_amount:
            raise ControlError(f"balance {self.balance} does not cover {order.final_amount}")
        self.balance -= order.final_amount
        order.status, order.financial_status, order.fulfillment_status = "processing", "paid", "waiting_to_ship"
        order.pay_date = order.completed_date = now
        for item in order.items:
            item.fulfillment_status = "waiting_to_ship"

    def _shippable(self, order: Order) -> list[OrderItem]:
        if order.status != "processing" or order.fulfillment_status not in ("waiting_to_ship", "partially_shipped"):
            raise ControlError(f"order {order.id} can not ship from status={order.status} "
                               f"fulfillmentStatus={order.fulfillment_status}")
        return [item for item in order.items
                if item.package_id is None and item.refunding_qty == 0 and item.refunded_qty < item.quantity]

    def _ship(self, order: Order, items: list[OrderItem], now: int, carrier: str | None,
              tracking_code: str | None) -> None:
        number = len(order.packages) + 1
        package_id = f"KA{_compact(order.create_date)}{order.id % 10000:04d}_{number}"
        us = items[0].country_code == "US"
        code = tracking_code or f"{'US' if us else 'YT'}{order.id % 10**10:010d}{number:02d}"
        order.packages.append(Package(
            id=package_id, status="shipped", carrier=carrier or ("USPS" if us else "Yanwen"), tracking_code=code,
            logistics_search_url=f"https://t.17track.net/en?v=2#nums={code}", delivery_time=now,
            item_ids=[item.id for item in items]))
        for item in items:
            item.package_id = package_id
            item.fulfillment_status = "fully_shipped"

    def _to_partially_shipped(self, order: Order, now: int, *, items=None, carrier=None, tracking_code=None) -> None:
        open_items = self._shippable(order)
        chosen: list[Any]  # items, checked below to be open items (never None)
        if items:
            chosen = [order.item(str(ref)) for ref in items]
            if any(item is None or item not in open_items for item in chosen):
                raise ControlError(f"items {items} are not all unshipped items of order {order.id}")
        else:
            chosen = open_items[:1]
        if not chosen or len(chosen) >= len(open_items):
            raise ControlError("a partial shipment must leave at least one item unshipped; use fully_shipped")
        self._ship(order, chosen, now, carrier, tracking_code)
        order.fulfillment_status = "partially_shipped"

    def _to_fully_shipped(self, order: Order, now: int, *, carrier=None, tracking_code=None, **_: Any) -> None:
        open_items = self._shippable(order)
        if not open_items and not order.packages:
            raise ControlError(f"order {order.id} has nothing to ship")
        if open_items:
            self._ship(order, open_items, now, carrier, tracking_code)
        order.fulfillment_status = "fully_shipped"

    def _to_delivered(self, order: Order, now: int, **_: Any) -> None:
        if order.fulfillment_status != "fully_shipped":
            raise ControlError(f"order {order.id} is not fully_shipped")
        for package in order.packages:
            package.status = "completed"
        for item in order.items:
            if item.package_id is not None:
                item.fulfillment_status = "completed"
        order.fulfillment_status = order.status = "completed"

    def _to_cancelled(self, order: Order, now: int, **_: Any) -> None:
        if order.packages or order.status in ("cancel", "completed"):
            raise ControlError(f"order {order.id} can not be cancelled (status={order.status}, "
                               f"packages={len(order.packages)})")
        if any(item.refunding_qty for item in order.items):
            raise ControlError(f"order {order.id} has a refund under review")
        if order.paid and order.refundable_amount > 0:
            self.balance += order.refundable_amount
            order.refunded_amount = order.final_amount
            order.refund_date = now
        for item in order.items:
            self._restock(item, item.quantity - item.refunded_qty, now)
            item.refunded_qty = item.quantity
        order.status, order.cancel_date = "cancel", now

    def _to_abnormal(self, order: Order, now: int, **_: Any) -> None:
        if order.status in ("cancel", "completed"):
            raise ControlError(f"order {order.id} is {order.status}")
        order.status = "abnormal_order"

    def _to_recover(self, order: Order, now: int, **_: Any) -> None:
        """abnormal_order back to processing (or waiting_payment when unpaid), if the switch allows it."""
        if order.status != "abnormal_order":
            raise ControlError(f"order {order.id} is {order.status}, not abnormal_order")
        if self.switches["abnormal_order"] == "final":
            raise ControlError(f"order {order.id} is abnormal_order, which is final (switch abnormal_order)")
        order.status = "processing" if order.paid else "waiting_payment"

    def _restock(self, item: OrderItem, qty: int, now: int) -> None:
        if qty > 0 and item.stock_status == "normal":
            entries = self._stock_entries(item.sku_index)
            self._set_stock(item.sku_index, item.warehouse, entries.get(item.warehouse, 0) + qty, now)

    def resolve_refund(self, refund_no: int, outcome: str) -> Refund:
        """Finish the review of a refund (spec §8.7): credit and cancel, or release the items.

        :param refund_no: the refund number
        :param outcome: refund_successfully or refund_failed
        :return: the refund
        :raises ControlError: unknown refund, already resolved, bad outcome
        """
        with self._lock:
            refund = self.refunds.get(refund_no)
            if refund is None:
                raise ControlError(f"refund {refund_no} not found", 404)
            if outcome not in REFUND_OUTCOMES:
                raise ControlError(f"outcome must be one of {list(REFUND_OUTCOMES)}", 400)
            if refund.status != "pending_review":
                raise ControlError(f"refund {refund_no} is already {refund.status}")
            order = self.orders[refund.order_id]
            now = self.now()
            for item_id, qty in refund.lines:
                item = order.item_by_id(item_id)
                item.refunding_qty -= qty
                if outcome == "refund_successfully":
                    item.refunded_qty += qty
                    self._restock(item, qty, now)
            if outcome == "refund_successfully":
                self.balance += refund.amount
                order.refunded_amount += refund.amount
                order.refund_date = now
                if all(item.refunded_qty == item.quantity for item in order.items):
                    order.status, order.cancel_date = "cancel", now
            refund.status, refund.resolve_date = outcome, now
            order.modify_date = now
            return refund

    # -- control: catalog ------------------------------------------------------------------------

    def set_stock(self, sku: str, warehouse_code: str, qty: int) -> SkuView:
        """Set one SKU's stock in one warehouse; bumps its stock update time and the product updateTime.

        :raises ControlError: unknown SKU or warehouse
        """
        with self._lock:
            index = self.catalog.sku_index(sku)
            if index is None:
                raise ControlError(f"sku {sku} not found", 404)
            if warehouse_code not in WAREHOUSES_BY_CODE:
                raise ControlError(f"warehouse {warehouse_code} not found", 404)
            self._set_stock(index, warehouse_code, qty, self.now())
            return self._sku_view(self.catalog.sku(index))

    def set_sku_status(self, sku: str, status: int) -> SkuView:
        """Set one SKU's skuStatus (0-6); bumps the product updateTime.

        :raises ControlError: unknown SKU
        """
        with self._lock:
            index = self.catalog.sku_index(sku)
            if index is None:
                raise ControlError(f"sku {sku} not found", 404)
            self._sku_status[index] = status
            self._product_times.touch(self.catalog.product_of_sku(index), self.now())
            return self._sku_view(self.catalog.sku(index))

    def sku_codes(self, offset: int = 0, limit: int = 100, status: int | None = None) -> list[str]:
        """Return catalog SKU codes by index (optionally only those with skuStatus ``status``)."""
        with self._lock:
            out: list[str] = []
            index = max(0, offset)
            while index < self.catalog.size and len(out) < limit:
                if status is None or self._status(index) == status:
                    out.append(self.catalog.sku_code(index))
                index += 1
            return out

    def sku_state(self, sku: str) -> SkuView:
        """Return one SKU's current status and stock.

        :raises ControlError: unknown SKU
        """
        with self._lock:
            index = self.catalog.sku_index(sku)
            if index is None:
                raise ControlError(f"sku {sku} not found", 404)
            return self._sku_view(self.catalog.sku(index))

    def order_count(self, custom_order_id: str | None = None) -> int:
        """Number of orders, or of orders with this customOrderId."""
        with self._lock:
            if custom_order_id is None:
                return len(self.orders)
            return len(self._orders_by_custom_id.get(custom_order_id, []))

    def find_orders(self, custom_order_id: str | None = None) -> list[Order]:
        """Orders, oldest first, optionally only those with this customOrderId."""
        with self._lock:
            if custom_order_id is None:
                return list(self.orders.values())
            return [self.orders[i] for i in self._orders_by_custom_id.get(custom_order_id, [])]


def _compact(seconds: int) -> str:
    return time.strftime("%Y%m%d%H%M%S", time.gmtime(seconds))
