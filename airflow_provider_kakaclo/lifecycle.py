"""The provider's normalized order lifecycle, and what can still happen from each state.

Pure functions, no I/O and no Airflow: each vendor hook maps its own status fields to an
:class:`OrderStatus`; sensors and triggers only ever look at the normalized value.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

PENDING = "pending"  # created, not paid yet
PAID = "paid"
PARTIALLY_SHIPPED = "partially_shipped"
SHIPPED = "shipped"  # every package shipped
DELIVERED = "delivered"
REFUNDED = "refunded"
CANCELLED = "cancelled"
ABNORMAL = "abnormal"  # the vendor flagged a problem; nothing further happens by itself

#: The forward path of a healthy order, in order.
PROGRESSION = (PENDING, PAID, PARTIALLY_SHIPPED, SHIPPED, DELIVERED)
#: Targets a sensor may wait for.
TARGETS = frozenset({PAID, PARTIALLY_SHIPPED, SHIPPED, DELIVERED, REFUNDED, CANCELLED})
#: States from which nothing further will happen.
TERMINAL = frozenset({DELIVERED, REFUNDED, CANCELLED, ABNORMAL})


@dataclass(frozen=True)
class OrderStatus:
    """An order's state in the provider's terms, plus what a person needs to follow the parcel."""

    order_id: str
    status: str
    vendor: str
    vendor_status: dict[str, Any] = field(default_factory=dict)
    carriers: list[str] = field(default_factory=list)
    tracking_codes: list[str] = field(default_factory=list)
    tracking_urls: list[str] = field(default_factory=list)
    merchant_order_id: str | None = None
    amounts: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def reached(status: str, target: str) -> bool:
    """Whether an order in ``status`` has reached (or passed) ``target``."""
    if target in PROGRESSION and status in PROGRESSION:
        return PROGRESSION.index(status) >= PROGRESSION.index(target)
    return status == target


def unreachable_reason(status: str, target: str) -> str | None:
    """Why ``target`` can no longer be reached from ``status``, or ``None`` while it still can.

    A refund is only possible before shipment; a cancelled, refunded or abnormal order goes nowhere.
    """
    if reached(status, target):
        return None
    if status in TERMINAL:
        return f"the order is {status}; it will never be {target}"
    if target == REFUNDED and status in (PARTIALLY_SHIPPED, SHIPPED, DELIVERED):
        return f"the order is {status}; a refund is only possible before shipment"
    if target == CANCELLED and status in (PARTIALLY_SHIPPED, SHIPPED, DELIVERED):
        return f"the order is {status}; it can no longer be cancelled"
    return None


def check_target(target: str) -> str:
    """Validate a sensor target; return it."""
    if target not in TARGETS:
        raise ValueError(f"target_status must be one of {sorted(TARGETS)}, got {target!r}")
    return target
