"""The KakaClo backend: all sandbox state, with methods named after the vendor operations.

Like a moto backend, it knows nothing of HTTP: ``responses.py`` parses requests and renders its
results, ``errors.py`` holds the failures it raises. One instance lives for the whole app and is reset
in place, so references held by tests stay valid. Every public method takes the backend lock.

Behaviour the docs leave open is chosen by the switches of ``switches.py``; the lifecycle moves only
when the control API asks (:meth:`advance_order`, :meth:`resolve_refund`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..backend import VendorBackend
from ..timeindex import TimeIndex
from ..timeutil import DAY_SECONDS, day_start, to_epoch
from . import DEFAULT_TOKEN, errors
from .catalog import (
    ALLOCATION_ORDER,
    CATEGORIES,
    DEFAULT_WAREHOUSE,
    ROOT_CATEGORIES,
    WAREHOUSES,
    WAREHOUSES_BY_CODE,
    Catalog,
    Category,
    ProductInfo,
    SkuInfo,
    Warehouse,
    get_catalog,
)
from .freight import CHANNELS, Channel, channels_by_delivery_time, freight
from .lifecycle import ControlError, ControlMixin
from .pod import DESIGN_CATEGORY_NAMES, DesignedProduct, DesignModel, design_models
from .records import ZERO, Order, OrderItem, Refund

DEFAULT_SEED = 20240626
DEFAULT_CATALOG_SIZE = 5000
DEFAULT_BALANCE = Decimal("10000.00")
FIRST_ORDER_ID = 1_000_000_400_001
FIRST_ITEM_ID = 1_094_001
FIRST_REFUND_NO = 1_560_897_343_230_267_394
STOCK_PAGE_SIZE = 30
REFUND_REASONS = ("Other", "Don't Want Anymore", "Product Selection Error/Multiple Selection",
                  "Incorrect Address Information", "Out Of Stock")
SETTINGS = frozenset({"seed", "catalog_size", "balance", "tokens", "anchor"})


@dataclass
class SkuView:
    """A SKU with its current status and stock."""

    info: SkuInfo
    status: int
    stock: list[tuple[Warehouse, int]]

    @property
    def total_stock(self) -> int:
        return sum(qty for _warehouse, qty in self.stock)


@dataclass
class ProductView:
    """A product with its current status, stock, update time and the SKUs to show."""

    info: ProductInfo
    status: int
    stock: int
    price_cents: int
    update_time: int
    skus: list[SkuView]


@dataclass
class Page:
    """One page of results."""

    items: list
    total: int
    page_number: int
    page_size: int


def spu_status(sku_statuses: list[int]) -> int:
    """Derive spuStatus from SKU statuses (spec §8.6); mixes not covered there give 0. INVENTED fallback."""
    present = set(sku_statuses)
    if 1 in present:
        return 1
    if len(present) == 1:
        return present.pop()
    if 6 in present:
        return 6
    return 0


class KakaCloBackend(VendorBackend, ControlMixin):
    """Sandbox state of one KakaClo account."""

    # -- setup -----------------------------------------------------------------------------------

    def reset(self, settings: dict[str, Any] | None = None) -> None:
        """Forget every change and rebuild from ``settings``.

        :param settings: ``seed`` (int), ``catalog_size`` (int), ``balance`` (number), ``tokens`` (list of
            str or one str), ``anchor`` (ISO time or epoch seconds ending the 30-day window of catalog
            update times; default: today 00:00 UTC)
        :raises ValueError: on a bad setting
        """
        settings = dict(settings or {})
        unknown = sorted(set(settings) - SETTINGS)
        if unknown:
            raise ValueError(f"unknown kakaclo settings {unknown}")
        seed = _int_setting(settings, "seed", DEFAULT_SEED)
        size = _int_setting(settings, "catalog_size", DEFAULT_CATALOG_SIZE)
        balance = _money_setting(settings.get("balance", DEFAULT_BALANCE))
        tokens = settings.get("tokens", [DEFAULT_TOKEN])
        if isinstance(tokens, str):
            tokens = [tokens]
        if not isinstance(tokens, (list, tuple, set)) or not all(isinstance(t, str) and t for t in tokens):
            raise ValueError("tokens must be a list of non-empty strings")
        anchor = self.seed_anchor(settings)
        catalog = get_catalog(seed, size, anchor)
        with self._lock:
            self.catalog: Catalog = catalog
            self.tokens: set[str] = set(tokens)
            self.balance = balance
            self._stock: dict[int, dict[str, int]] = {}
            self._sku_status: dict[int, int] = {}
            self._product_stock_delta: dict[int, int] = {}
            self._product_times = TimeIndex(catalog.product_times_sorted, catalog.products_by_time)
            self._stock_times = TimeIndex(catalog.sku_times_sorted, catalog.skus_by_time)
            self.orders: dict[int, Order] = {}
            self._orders_by_custom_id: dict[str, list[int]] = {}
            self.refunds: dict[int, Refund] = {}
            self._next_order_id = FIRST_ORDER_ID
            self._next_item_id = FIRST_ITEM_ID
            self._next_refund_no = FIRST_REFUND_NO
            self.design_models: tuple[DesignModel, ...] = design_models(anchor * 1000)
            self._models_by_id = {model.id: model for model in self.design_models}
            self.designed: list[DesignedProduct] = []
            self.buckets.reset()

    def now(self) -> int:
        """Current wall time in epoch seconds."""
        return to_epoch(self.clocks.now())

    # -- auth and rate limit ---------------------------------------------------------------------

    def check_token(self, token: str | None) -> bool:
        """Whether ``token`` is a valid access token."""
        with self._lock:
            return token is not None and token in self.tokens

    def admit(self, token: str) -> float | None:
        """Count one request against ``token``'s leaky bucket (spec §4).

        :param token: the access token
        :return: ``None`` when admitted, else seconds until a request would fit
        """
        if not self.switches["rate_limit_enabled"]:
            return None
        return self.buckets.try_acquire(token, self.switches["rate_limit_capacity"],
                                        self.switches["rate_limit_leak_per_second"])

    def rotate_token(self, old: str, new: str) -> list[str]:
        """Replace token ``old`` by ``new`` (the web-UI refresh of §3); ``old`` stops working.

        :return: the valid tokens
        :raises ControlError: when ``old`` is not a valid token
        """
        with self._lock:
            if old not in self.tokens:
                raise ControlError(f"unknown token {old!r}", 404)
            self.tokens.discard(old)
            self.tokens.add(new)
            return sorted(self.tokens)

    def set_tokens(self, tokens: list[str]) -> list[str]:
        """Replace the set of valid tokens."""
        with self._lock:
            self.tokens = set(tokens)
            return sorted(self.tokens)

    # -- product: P1 category, P3 countryAndWarehouse --------------------------------------------

    def category_tree(self) -> list[Category]:
        """Return the top-level categories (children via :data:`CATEGORIES`)."""
        return [CATEGORIES[cid] for cid in ROOT_CATEGORIES]

    def country_and_warehouse(self) -> tuple[Warehouse, ...]:
        """Return the warehouses."""
        return WAREHOUSES

    # -- product: stock and status ---------------------------------------------------------------

    def _stock_entries(self, sku: int, info: SkuInfo | None = None) -> dict[str, int]:
        changed = self._stock.get(sku)
        if changed is not None:
            return changed
        if info is None:
            product = self.catalog.product_of_sku(sku)
            level = self.catalog.supplier_level(product)
            status = self.catalog.sku_status_and_price(sku)[0]
            return dict(self.catalog.sku_base_stock(sku, level, status))
        return dict(info.base_stock)

    def _status(self, sku: int, info: SkuInfo | None = None) -> int:
        status = self._sku_status.get(sku)
        if status is not None:
            return status
        return info.base_status if info else self.catalog.sku_status_and_price(sku)[0]

    def _set_stock(self, sku: int, warehouse: str, qty: int, now: int) -> None:
        entries = self._stock_entries(sku)
        delta = qty - entries.get(warehouse, 0)
        entries[warehouse] = qty
        self._stock[sku] = entries
        product = self.catalog.product_of_sku(sku)
        self._product_stock_delta[product] = self._product_stock_delta.get(product, 0) + delta
        self._stock_times.touch(sku, now)
        self._product_times.touch(product, now)

    def _product_time(self, product: int) -> int:
        moved = self._product_times.moved(product)
        return moved if moved is not None else self.catalog.product_time[product]

    def _sku_view(self, info: SkuInfo) -> SkuView:
        entries = self._stock_entries(info.index, info)
        return SkuView(info, self._status(info.index, info),
                       [(WAREHOUSES_BY_CODE[code], qty) for code, qty in entries.items()])

    def _product_view(self, product: int, only_skus: set[int] | None = None) -> ProductView:
        info = self.catalog.product(product)
        skus = [self._sku_view(self.catalog.sku(index)) for index in self.catalog.sku_range(product)]
        price = min(view.info.price_cents for view in skus)
        return ProductView(
            info=info,
            status=spu_status([view.status for view in skus]),
            stock=sum(view.total_stock for view in skus),
            price_cents=price,
            update_time=self._product_time(product),
            skus=[view for view in skus if only_skus is None or view.info.index in only_skus],
        )

    # -- product: P2 products --------------------------------------------------------------------

    def query_products(self, *, spus: list[str] | None = None, skus: list[str] | None = None,
                       category_id: int | None = None, date_start: int | None = None,
                       date_end: int | None = None, page_number: int | None = None,
                       sort_type: str = "updateTime", sort_by: str = "desc") -> Page:
        """Query products (P2). Filters combine with AND; dates compare by day (spec §5.3).

        :param spus: SPU codes (unknown ones are ignored)
        :param skus: SKU codes (unknown ones are ignored)
        :param category_id: the category or any of its descendants (INVENTED: subtree match)
        :param date_start: updateTime lower bound, epoch seconds (only its date counts)
        :param date_end: updateTime upper bound, epoch seconds (only its date counts)
        :param page_number: 1-based page; ``None`` returns every match on one page
        :param sort_type: updateTime, price, stock or salasVolume
        :param sort_by: asc or desc
        :return: a page of :class:`ProductView`
        """
        with self._lock:
            catalog = self.catalog
            chosen: list[int] | None = None
            only_skus: set[int] | None = None
            if spus is not None:
                chosen = _unique(j for j in map(catalog.product_index, spus) if j is not None)
            if skus is not None:
                indexes = [i for i in map(catalog.sku_index, skus) if i is not None]
                from_skus = _unique(catalog.product_of_sku(i) for i in indexes)
                chosen = from_skus if chosen is None else _keep(chosen, from_skus)
                if self.switches["product_sku_details"] == "requested_only":
                    only_skus = set(indexes)
            if date_start is not None or date_end is not None:
                low = day_start(date_start) if date_start is not None else 0
                high = day_start(date_end) + DAY_SECONDS - 1 if date_end is not None else 2**62
                in_range = self._product_times.between(low, high)
                chosen = in_range if chosen is None else _keep(chosen, in_range)
            if category_id is not None:
                in_category = catalog.products_in_category(category_id)
                chosen = in_category if chosen is None else _keep(chosen, in_category)
            chosen = chosen or []
            chosen = sorted(chosen, key=self._product_sort_key(sort_type), reverse=(sort_by == "desc"))
            if page_number is None:
                views = [self._product_view(j, only_skus) for j in chosen]
                return Page(views, len(chosen), 1, len(views))
            size = self.switches["product_page_size"]
            window = chosen[(page_number - 1) * size: page_number * size]
            return Page([self._product_view(j, only_skus) for j in window], len(chosen), page_number, size)

    def _product_sort_key(self, sort_type: str):
        catalog = self.catalog
        if sort_type == "price":
            prices = catalog.product_min_price
            return lambda j: (prices[j], j)
        if sort_type == "stock":
            stocks, delta = catalog.product_base_stock, self._product_stock_delta
            return lambda j: (stocks[j] + delta.get(j, 0), j)
        if sort_type in ("salasVolume", "salesVolume"):
            sales = catalog.product_sales
            return lambda j: (sales[j], j)
        return lambda j: (self._product_time(j), j)

    # -- product: P4 stocks ----------------------------------------------------------------------

    def query_stocks(self, *, skus: list[str] | None = None, warehouse_code: str | None = None,
                     date_start: int | None = None, date_end: int | None = None,
                     page_number: int | None = None) -> Page:
        """Query SKU stock per warehouse (P4); pages of 30, ordered by stock update time then SKU.

        :param skus: SKU codes (unknown ones are ignored)
        :param warehouse_code: keep only this warehouse's entries (SKUs stay listed)
        :param date_start: stock update time lower bound, epoch seconds, inclusive
        :param date_end: stock update time upper bound, epoch seconds, inclusive
        :param page_number: 1-based page; ``None`` returns every match on one page
        :return: a page of :class:`SkuView`
        """
        with self._lock:
            catalog = self.catalog
            chosen: list[int] | None = None
            if skus is not None:
                chosen = _unique(i for i in map(catalog.sku_index, skus) if i is not None)
            if date_start is not None or date_end is not None:
                low = date_start if date_start is not None else 0
                high = date_end if date_end is not None else 2**62
                in_range = self._stock_times.between(low, high)
                chosen = in_range if chosen is None else _keep(chosen, in_range)
            chosen = chosen or []
            if page_number is not None:
                window = chosen[(page_number - 1) * STOCK_PAGE_SIZE: page_number * STOCK_PAGE_SIZE]
            else:
                window = chosen
            views = []
            for index in window:
                view = self._sku_view(catalog.sku(index))
                if warehouse_code is not None:
                    view.stock = [(w, qty) for w, qty in view.stock if w.code == warehouse_code]
                views.append(view)
            return Page(views, len(chosen), page_number or 1, STOCK_PAGE_SIZE)

    # -- order: O2-1 channel, O2-2 automationSplit -----------------------------------------------

    def _weight(self, lines: list[tuple[str, int]]) -> int:
        total = 0
        for code, quantity in lines:
            index = self.catalog.sku_index(code)
            if index is None:
                raise errors.UnknownSku(f"sku {code} not found")
            total += self.catalog.sku(index).weight * quantity
        return total

    def logistics_channels(self, lines: list[tuple[str, int]], ship_to_country: str) -> list[tuple[Channel, Decimal]]:
        """Estimate freight per channel (O2-1), sorted by delivery time.

        :param lines: ``(sku, quantity)`` pairs
        :param ship_to_country: ISO-2 destination
        :return: ``(channel, estimated freight)`` pairs
        :raises errors.UnknownSku: for a SKU not in the catalog
        """
        with self._lock:
            weight = self._weight(lines)
        return [(channel, freight(channel.channel_type, weight, ship_to_country))
                for channel in channels_by_delivery_time()]

    def automation_split(self, lines: list[tuple[str, int]], ship_to_country: str) -> list[tuple[Channel, Decimal]]:
        """Estimate freight per channelType for an automatically split order (O2-2)."""
        with self._lock:
            weight = self._weight(lines)
        return [(channel, freight(channel.channel_type, weight, ship_to_country)) for channel in CHANNELS]

    # -- order: O2-3 create ----------------------------------------------------------------------

    def create_order(self, *, address: dict, lines: list[tuple[str, int]], channel_type: str,
                     remark: str | None = None, sale_platform: str | None = None,
                     custom_order_id: str | None = None) -> Order:
        """Create and (balance permitting) pay an order (O2-3); all checks happen before any change.

        :param address: validated address fields
        :param lines: ``(sku, quantity)`` pairs, quantity > 0
        :param channel_type: Standard, Express or Expedited
        :param remark: order notes
        :param sale_platform: free text
        :param custom_order_id: the merchant reference
        :return: the new order
        :raises errors.KakaCloError: unknown SKU, SKU off sale, stock, balance, duplicate reference
        """
        with self._lock:
            if (custom_order_id is not None and self.switches["duplicate_custom_order_id"] == "reject"
                    and self._orders_by_custom_id.get(custom_order_id)):
                raise errors.DuplicateCustomOrderId(f"customOrderId {custom_order_id} already exists")
            plan = self._allocate(lines)
            weight = sum(info.weight * quantity for info, quantity, *_rest in plan)
            freight_amount = freight(channel_type, weight, address["country"])
            subtotal = sum((_cents(info.price_cents) * quantity for info, quantity, *_rest in plan), ZERO)
            total = subtotal + freight_amount
            paid = self.balance >= total
            if not paid and self.switches["insufficient_balance"] == "reject":
                raise errors.InsufficientBalance(
                    f"insufficient balance: order amount {total} USD, balance {self.balance} USD")
            now = self.now()
            items: list[OrderItem] = []
            line_item_ids: dict[int, str] = {}
            for info, quantity, warehouse, stock_status, line_no in plan:
                entries = self._stock_entries(info.index, info)
                self._set_stock(info.index, warehouse, max(0, entries.get(warehouse, 0) - quantity), now)
                item = self._new_item(info, quantity, warehouse, stock_status)
                item.item_id = line_item_ids.setdefault(line_no, item.item_id)  # split lines share itemId
                items.append(item)
            order = Order(
                id=self._next_order_id, custom_order_id=custom_order_id, remark=remark,
                sale_platform=sale_platform, channel_type=channel_type, address=address, items=items,
                freight=freight_amount, warehouse_id=WAREHOUSES_BY_CODE[items[0].warehouse].warehouse_id,
                create_date=now, purchase_date=now, modify_date=now,
            )
            self._next_order_id += 1
            if paid:
                self.balance -= total
                order.pay_date = order.completed_date = now
            else:
                order.status, order.financial_status, order.fulfillment_status = "waiting_payment", "waiting", "NULL"
                for item in items:
                    item.fulfillment_status = "NULL"
            self.orders[order.id] = order
            if custom_order_id is not None:
                self._orders_by_custom_id.setdefault(custom_order_id, []).append(order.id)
            return order

    def _allocate(self, lines: list[tuple[str, int]]) -> list[tuple[SkuInfo, int, str, str, int]]:
        """Pick warehouses for every line: ``(sku info, quantity, warehouse, stockStatus, line number)``.

        A line is served whole by the first enabled warehouse holding it; with switch
        ``order_line_split=by_warehouse`` a line no single warehouse holds is split over several.
        """
        taken: dict[tuple[int, str], int] = {}
        plan = []
        split = self.switches["order_line_split"] == "by_warehouse"
        for line_no, (code, quantity) in enumerate(lines):
            index = self.catalog.sku_index(code)
            if index is None:
                raise errors.UnknownSku(f"sku {code} not found")
            info = self.catalog.sku(index)
            status = self._status(index, info)
            if status != 1 and self.switches["unavailable_sku"] == "reject":
                raise errors.SkuUnavailable(f"sku {code} is not on sale (skuStatus {status})")
            entries = self._stock_entries(index, info)
            enabled = [w for w in ALLOCATION_ORDER if WAREHOUSES_BY_CODE[w].status == 1 and w in entries]
            available = {w: entries[w] - taken.get((index, w), 0) for w in enabled}
            chosen = next((w for w in enabled if available[w] >= quantity), None)
            if chosen is None and split and sum(max(0, a) for a in available.values()) >= quantity:
                left = quantity
                for warehouse in enabled:
                    part = min(left, max(0, available[warehouse]))
                    if part:
                        taken[(index, warehouse)] = taken.get((index, warehouse), 0) + part
                        plan.append((info, part, warehouse, "normal", line_no))
                        left -= part
                continue
            stock_status = "normal"
            if chosen is None:
                if self.switches["insufficient_stock"] == "reject":
                    raise errors.InsufficientStock(f"insufficient stock for sku {code}: ordered {quantity}, "
                                                   f"available {max(available.values(), default=0)}")
                stock_status = "sold_out"
                chosen = enabled[0] if enabled else DEFAULT_WAREHOUSE
            taken[(index, chosen)] = taken.get((index, chosen), 0) + quantity
            plan.append((info, quantity, chosen, stock_status, line_no))
        return plan

    def _new_item(self, info: SkuInfo, quantity: int, warehouse: str, stock_status: str) -> OrderItem:
        number = self._next_item_id
        self._next_item_id += 1
        product = self.catalog.product(info.product)
        return OrderItem(
            id=str(number), item_id=str(number - 17_000), sku=info.code, sku_index=info.index,
            product_name=product.name, image_url=info.main_img,
            option1=json.dumps({"name": "color", "value": info.color_name}, separators=(",", ":")),
            option2=json.dumps({"name": "size", "value": info.size}, separators=(",", ":")),
            option3=None, amount=_cents(info.price_cents), quantity=quantity, warehouse=warehouse,
            country_code=WAREHOUSES_BY_CODE[warehouse].country_code, stock_status=stock_status,
        )

    # -- order: O2-4 query -----------------------------------------------------------------------

    def query_orders(self, *, ids: list[int] | None = None, create_start: int | None = None,
                     create_end: int | None = None, update_start: int | None = None,
                     update_end: int | None = None, page_number: int = 1, page_size: int = 10,
                     statuses: list[str] | None = None, status_of=None) -> Page:
        """Query orders (O2-4 / O1-3), newest first; time bounds are inclusive.

        :param ids: order ids
        :param create_start: createDate lower bound
        :param create_end: createDate upper bound
        :param update_start: modifyDate lower bound
        :param update_end: modifyDate upper bound
        :param page_number: 1-based page
        :param page_size: orders per page
        :param statuses: V1 only: keep orders whose ``status_of(order)`` is listed
        :param status_of: V1 only: order -> status string
        :return: a page of :class:`Order`
        """
        with self._lock:
            if ids is not None:
                wanted = set(ids)
                found = [order for order in self.orders.values() if order.id in wanted]
            else:
                found = list(self.orders.values())
            found = [order for order in found
                     if _within(order.create_date, create_start, create_end)
                     and _within(order.modify_date, update_start, update_end)
                     and (statuses is None or status_of(order) in statuses)]
            found.sort(key=lambda order: order.id, reverse=True)
            window = found[(page_number - 1) * page_size: page_number * page_size]
            return Page(window, len(found), page_number, page_size)

    def get_order(self, order_id: int) -> Order:
        """Return an order.

        :raises errors.NotFound: when it does not exist
        """
        with self._lock:
            order = self.orders.get(order_id)
            if order is None:
                raise errors.NotFound(f"order {order_id} not found")
            return order

    # -- order: O2-5 refund, O2-6 query refund ---------------------------------------------------

    def refund_order(self, order_id: int, *, remark: str | None = None, reason: str = "Other",
                     lines: list[dict] | None = None) -> Refund:
        """Ask for a full (no ``lines``) or partial refund; it waits in ``pending_review`` (O2-5).

        :param order_id: the KakaClo order id
        :param remark: refund remark
        :param reason: one of :data:`REFUND_REASONS`
        :param lines: ``{"itemId", "skuCode", "quantity", "countryCode"}`` dicts (validated types)
        :return: the refund
        :raises errors.KakaCloError: unknown order, shipped/cancelled order, bad items
        """
        with self._lock:
            order = self.get_order(order_id)
            if order.packages or order.fulfillment_status not in ("waiting_to_ship", "NULL"):
                raise errors.NotRefundable(f"order {order_id} has been shipped and can not be refunded")
            if order.status in ("cancel", "completed"):
                raise errors.NotRefundable(f"order {order_id} is {order.status} and can not be refunded")
            if lines:
                picked = self._refund_lines(order, lines)
                amount = sum((item.amount * qty for item, qty in picked), ZERO) if order.paid else ZERO
                full = False
            else:
                picked = [(item, item.refundable_qty) for item in order.items if item.refundable_qty > 0]
                if not picked:
                    raise errors.NotRefundable(f"order {order_id} has nothing left to refund")
                pending = sum((r.amount for r in self.refunds.values()
                               if r.order_id == order_id and r.status == "pending_review"), ZERO)
                amount = order.refundable_amount - pending if order.paid else ZERO
                full = True
            for item, qty in picked:
                item.refunding_qty += qty
            now = self.now()
            refund = Refund(refund_no=self._next_refund_no, order_id=order_id, remark=remark, reason=reason,
                            lines=[(item.id, qty) for item, qty in picked], amount=amount, full=full,
                            create_date=now, short_no=10001 + len(self.refunds))
            self._next_refund_no += 1
            self.refunds[refund.refund_no] = refund
            order.modify_date = now
            return refund

    def _refund_lines(self, order: Order, lines: list[dict]) -> list[tuple[OrderItem, int]]:
        wanted: dict[str, int] = {}
        items: dict[str, OrderItem] = {}
        for line in lines:
            item = self._refund_item(order, line)
            if line.get("skuCode") is not None and line["skuCode"] != item.sku:
                raise errors.ValidationFailed(f"skuCode {line['skuCode']} does not match item {line['itemId']}")
            if line.get("countryCode") is not None and line["countryCode"] != item.country_code:
                raise errors.ValidationFailed(
                    f"countryCode {line['countryCode']} does not match item {line['itemId']} ({item.country_code})")
            items[item.id] = item
            wanted[item.id] = wanted.get(item.id, 0) + line["quantity"]
        for item_id, qty in wanted.items():
            if qty > items[item_id].refundable_qty:
                raise errors.NotRefundable(
                    f"item {items[item_id].item_id}: refund quantity {qty} exceeds refundable "
                    f"{items[item_id].refundable_qty}")
        return [(items[item_id], qty) for item_id, qty in wanted.items()]

    @staticmethod
    def _refund_item(order: Order, line: dict) -> OrderItem:
        """The item a refund line names: by ``itemId``, and ``countryCode`` when the line was split."""
        candidates = order.items_with(line["itemId"])
        if not candidates:
            item = order.item(line["itemId"])
            if item is None:
                raise errors.ValidationFailed(f"itemId {line['itemId']} is not an item of order {order.id}")
            return item
        if len(candidates) > 1:
            country = line.get("countryCode")
            if country is None:
                raise errors.ValidationFailed(f"itemId {line['itemId']} ships from several warehouses: give "
                                              "countryCode")
            candidates = [item for item in candidates if item.country_code == country] or candidates[:1]
        return candidates[0]

    def query_refunds(self, reference: int) -> list[Refund]:
        """Return the refunds of an order id, or the refund with that refund number (O2-6).

        :param reference: order id or refund number
        :return: refunds, oldest first
        :raises errors.NotFound: when nothing matches and ``unknown_refund_query`` is ``not_found`` or
            ``http_404``; which kinds of id are looked up is switch ``refund_query_by``
        """
        with self._lock:
            by = self.switches["refund_query_by"]
            found: list[Refund] = []
            if by in ("either", "order_id") and reference in self.orders:
                found = [r for r in self.refunds.values() if r.order_id == reference]
            elif by in ("either", "refund_no") and reference in self.refunds:
                found = [self.refunds[reference]]
            if found:
                return found
            reply = self.switches["unknown_refund_query"]
            if reply == "not_found":
                raise errors.NotFound(f"refund {reference} not found")
            if reply == "http_404":
                error = errors.NotFound(f"refund {reference} not found")
                error.http_status = 404
                raise error
            return []

    # -- payment ---------------------------------------------------------------------------------

    def query_balance(self) -> Decimal:
        """Return the prepaid balance in USD ($1)."""
        with self._lock:
            return self.balance

    def set_balance(self, amount: Decimal) -> Decimal:
        """Set the prepaid balance (a top-up in the web UI)."""
        with self._lock:
            self.balance = amount
            return self.balance

    # -- custom products (C1-C5) -----------------------------------------------------------------

    def design_category_names(self) -> tuple[str, ...]:
        """C1."""
        return DESIGN_CATEGORY_NAMES

    def search_design_models(self, *, category_names=None, model_codes=None, last_updated_time=None,
                             en_name=None) -> list[DesignModel]:
        """C2 filters (all optional, AND): category, code, modifyDate >= lastUpdatedTime, enName contains."""
        models = [m for m in self.design_models
                  if (category_names is None or m.category_name in category_names)
                  and (model_codes is None or m.model_code in model_codes)
                  and (last_updated_time is None or m.modify_date >= last_updated_time)
                  and (en_name is None or en_name.lower() in m.en_name.lower())]
        return sorted(models, key=lambda m: (m.modify_date, m.id), reverse=True)

    def design_model_detail(self, model_id: int) -> DesignModel:
        """C3.

        :raises errors.NotFound: unknown model id
        """
        model = self._models_by_id.get(model_id)
        if model is None:
            raise errors.NotFound(f"design model {model_id} not found")
        return model

    def search_custom_designed(self, *, model_codes=None, spus=None, search_content=None,
                               last_updated_time=None) -> list[DesignedProduct]:
        """C4 filters (all optional, AND); searchContent matches the name (contains) or the SPU (exact)."""
        with self._lock:
            found = [p for p in self.designed
                     if (model_codes is None or p.model.model_code in model_codes)
                     and (spus is None or p.spu in spus)
                     and (search_content is None or search_content.lower() in p.en_name.lower()
                          or search_content == p.spu)
                     and (last_updated_time is None or p.modify_date >= last_updated_time)]
        return sorted(found, key=lambda p: (p.modify_date, p.id), reverse=True)

    def add_custom_designed_product(self, *, model_id: int, en_name: str, image_url: str,
                                    back_image_url: str | None = None, material_images: list | None = None,
                                    color_value: str | None = None) -> DesignedProduct:
        """C5: save a designed product.

        :raises errors.NotFound: unknown model id
        """
        model = self.design_model_detail(model_id)
        with self._lock:
            now_ms = self.now() * 1000
            number = len(self.designed) + 1
            product = DesignedProduct(id=number, custom_designed_id=880_000 + number, model=model, en_name=en_name,
                                      image_url=image_url, back_image_url=back_image_url,
                                      material_images=list(material_images or []), color_value=color_value,
                                      create_date=now_ms, modify_date=now_ms)
            self.designed.append(product)
            return product


def _unique(values) -> list[int]:
    seen: set[int] = set()
    out = []
    for value in values:
        if value not in seen:
            seen.add(value)
            out.append(value)
    return out


def _keep(chosen: list[int], allowed: list[int]) -> list[int]:
    allowed_set = set(allowed)
    return [value for value in chosen if value in allowed_set]


def _within(value: int, low: int | None, high: int | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


def _cents(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def _int_setting(settings: dict, name: str, default: int) -> int:
    value = settings.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer")
    return value


def _money_setting(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise ValueError("balance must be a number")
    try:
        amount = Decimal(str(value))
    except ArithmeticError as exc:
        raise ValueError("balance must be a number") from exc
    if not amount.is_finite():
        raise ValueError("balance must be finite")
    return amount.quantize(Decimal("0.0001"))
