"""The mutable KakaClo records kept by the backend: orders, their items and packages, refunds.

Field meanings follow spec §7 O2-4/O2-5/O2-6 and the status values of §8; the wire names are applied
in ``responses.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

ZERO = Decimal("0")


@dataclass
class OrderItem:
    """One order line."""

    id: str
    item_id: str
    sku: str
    sku_index: int
    product_name: str
    image_url: str
    option1: str | None
    option2: str | None
    option3: str | None
    amount: Decimal
    quantity: int
    warehouse: str
    country_code: str
    stock_status: str = "normal"
    fulfillment_status: str = "waiting_to_ship"
    package_id: str | None = None
    refunded_qty: int = 0
    refunding_qty: int = 0

    @property
    def total(self) -> Decimal:
        """amount × productNum."""
        return self.amount * self.quantity

    @property
    def refundable_qty(self) -> int:
        """Quantity neither refunded nor under review."""
        return self.quantity - self.refunded_qty - self.refunding_qty

    @property
    def refund_status(self) -> str:
        """Item refundStatus: ``NULL``, ``refunding`` or ``refunded`` (§7 O2-4)."""
        if self.refunding_qty:
            return "refunding"
        return "refunded" if self.refunded_qty else "NULL"


@dataclass
class Package:
    """One fulfillment (package) of an order."""

    id: str
    status: str
    carrier: str
    tracking_code: str
    logistics_search_url: str
    delivery_time: int | None
    item_ids: list[str]
    carrier_type: str = "latest"


@dataclass
class Order:
    """One KakaClo order (V2 state; V1 views derive from it)."""

    id: int
    custom_order_id: str | None
    remark: str | None
    sale_platform: str | None
    channel_type: str
    address: dict
    items: list[OrderItem]
    freight: Decimal
    warehouse_id: int
    create_date: int
    status: str = "processing"
    financial_status: str = "paid"
    fulfillment_status: str = "waiting_to_ship"
    purchase_date: int | None = None
    pay_date: int | None = None
    completed_date: int | None = None
    cancel_date: int | None = None
    refund_date: int | None = None
    modify_date: int = 0
    refunded_amount: Decimal = ZERO
    packages: list[Package] = field(default_factory=list)

    @property
    def subtotal(self) -> Decimal:
        """Σ item totals."""
        return sum((item.total for item in self.items), ZERO)

    @property
    def final_amount(self) -> Decimal:
        """subTotal + freight − coupon (coupons are always 0 here)."""
        return self.subtotal + self.freight

    @property
    def refundable_amount(self) -> Decimal:
        """finalAmount − refundedAmount."""
        return self.final_amount - self.refunded_amount

    @property
    def paid(self) -> bool:
        """Whether the balance was debited for this order."""
        return self.financial_status == "paid"

    @property
    def refund_status(self) -> str:
        """Order refundStatus: ``NULL``, ``refunding``, ``partial_refund`` or ``refunded`` (§8.4)."""
        if any(item.refunding_qty for item in self.items):
            return "refunding"
        if all(item.refunded_qty == item.quantity for item in self.items):
            return "refunded"
        return "partial_refund" if any(item.refunded_qty for item in self.items) else "NULL"

    def item_by_id(self, item_id: str) -> OrderItem | None:
        """Find an item by its unique ``id``."""
        return next((item for item in self.items if item.id == item_id), None)

    def items_with(self, item_id: str) -> list[OrderItem]:
        """The items carrying ``itemId`` (several when one SKU line was split across warehouses)."""
        return [item for item in self.items if item.item_id == item_id]

    def item(self, reference: str) -> OrderItem | None:
        """Find an item by ``itemId`` or by ``id``."""
        for item in self.items:
            if item.item_id == reference:
                return item
        for item in self.items:
            if item.id == reference:
                return item
        return None


@dataclass
class Refund:
    """One refund request (O2-5) and its review outcome."""

    refund_no: int
    order_id: int
    remark: str | None
    reason: str
    lines: list[tuple[str, int]]  # (order item id, quantity)
    amount: Decimal
    full: bool
    create_date: int
    status: str = "pending_review"
    resolve_date: int | None = None
    short_no: int = 0  # the short "refund order number" of switch refund_call_number=short
