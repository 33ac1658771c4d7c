"""Small capability protocols that operators talk to, and the look-up from a connection to its hook.

Operators never name a vendor: they ask for "something that can place orders" on ``conn_id`` and get
the vendor hook of that connection's type, seen through the protocol. A vendor whose API cannot do
a thing simply does not implement that protocol, and the operator says so clearly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

if TYPE_CHECKING:
    from airflow_provider_kakaclo.lifecycle import OrderStatus

#: Connection type -> hook class, imported only when used (DAG parsing stays cheap).
HOOKS: dict[str, str] = {
    "kakaclo": "airflow_provider_kakaclo.hooks.kakaclo.KakaCloHook",
    "qianyi": "airflow_provider_kakaclo.hooks.qianyi.QianyiHook",
    "birdsystem": "airflow_provider_kakaclo.hooks.birdsystem.BirdSystemHook",
}

P = TypeVar("P")


@runtime_checkable
class OrderPlacer(Protocol):
    """Places orders and finds them again by the merchant's own reference."""

    vendor: str

    def validate_order(self, order: Mapping[str, Any]) -> dict[str, Any]:
        """Check an order against the vendor's documented rules; raise before any request."""

    def precheck_order(
        self, order: Mapping[str, Any], *, stock: bool = True, freight: bool = True, balance: bool = True
    ) -> dict[str, Any]:
        """Read-only checks that the order can be placed (SKUs on sale, freight, balance)."""

    def find_order(self, reference: str, *, since: datetime) -> OrderStatus | None:
        """The order carrying ``reference`` created since ``since``, if the vendor has one."""

    def place_order(self, order: Mapping[str, Any], reference: str) -> str:
        """Create the order with ``reference`` as its merchant reference; return the vendor's id."""

    def order_url(self, order_id: str) -> str | None:
        """A page where a person can see the order, when the vendor has one."""


@runtime_checkable
class OrderTracker(Protocol):
    """Reads the normalized status of orders, many per call where the vendor allows it."""

    vendor: str

    def get_order_statuses(self, order_ids: Iterable[str]) -> dict[str, OrderStatus]:
        """Status of each order, keyed by id (missing ids are absent)."""

    async def aget_order_statuses(self, order_ids: Iterable[str]) -> dict[str, OrderStatus]:
        """The same, without blocking an event loop (triggers)."""

    #: How many order ids one status call can carry.
    max_ids_per_status_call: int


@runtime_checkable
class OrderRefunder(Protocol):
    """Refunds orders and reports the refund's outcome (``pending``, ``succeeded``, ``failed``)."""

    vendor: str

    def validate_refund(self, refund: Mapping[str, Any]) -> dict[str, Any]:
        """Check a refund request against the vendor's documented rules; raise before any request."""

    def find_refund(self, order_id: str) -> tuple[str, str] | None:
        """An open or successful refund of the order, as ``(refund id, outcome)``."""

    def request_refund(self, order_id: str, refund: Mapping[str, Any]) -> str:
        """Ask for a refund; return the refund's id."""

    def get_refund_status(self, order_id: str, refund_id: str) -> str | None:
        """The refund's outcome."""

    async def aget_refund_status(self, order_id: str, refund_id: str) -> str | None:
        """The refund's outcome, without blocking an event loop."""


@runtime_checkable
class StockReader(Protocol):
    """Reads stock per SKU and warehouse, streaming (memory flat in catalog size)."""

    vendor: str
    #: Seconds the vendor's update-time filter lags behind (None: it has no update-time filter).
    stock_update_lag_seconds: int | None

    def iter_stock(
        self,
        *,
        skus: Iterable[str] | None = None,
        warehouses: Iterable[str] | None = None,
        updated_from: datetime | None = None,
        updated_to: datetime | None = None,
    ) -> Iterable[Any]:
        """:class:`~airflow_provider_kakaclo.stock.StockRow` s, optionally only those updated in a window."""


@runtime_checkable
class SkuWriter(Protocol):
    """Reads SKU records in batches and creates or updates them one by one."""

    vendor: str
    #: How many SKUs one read call can carry.
    sku_batch_size: int

    def default_sku_mapping(self) -> Any:
        """The documented default mapping from a normalized SKU record to this vendor's body."""

    def validate_sku(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """The body as it will be sent, checked against the vendor's limits; raise before any request."""

    def read_skus(self, skus: list[str]) -> dict[str, dict[str, Any]]:
        """Stored records of these SKUs, keyed by SKU (absent: not there)."""

    def create_sku(self, payload: dict[str, Any]) -> None:
        """Create one SKU."""

    def write_sku_update(self, sku: str, payload: dict[str, Any], existing: dict[str, Any]) -> None:
        """Update one SKU."""


def find_orders(placer: OrderPlacer, references: Iterable[str], *, since: datetime) -> dict[str, list[OrderStatus]]:
    """Orders carrying each reference: one scan for all when the vendor hook offers it, else one look-up each.

    BirdSystem filters consignments by reference (one cheap call each); KakaClo cannot filter and
    scans its order list once for the whole batch.
    """
    if hasattr(placer, "find_orders"):
        return placer.find_orders(list(references), since=since)
    found = {}
    for reference in references:
        status = placer.find_order(reference, since=since)
        if status is not None:
            found[reference] = [status]
    return found


def precheck_orders(
    placer: OrderPlacer, orders: list[Mapping[str, Any]], *, stock: bool, freight: bool, balance: bool
) -> list[tuple[list[str], dict[str, Any]]]:
    """One ``(problems, checks)`` per order: aggregated when the vendor hook offers it, else order by order."""
    if hasattr(placer, "precheck_orders"):
        return placer.precheck_orders(orders, stock=stock, freight=freight, balance=balance)
    from airflow_provider_kakaclo.transport.errors import PrecheckError

    verdicts: list[tuple[list[str], dict[str, Any]]] = []
    for order in orders:
        try:
            verdicts.append(([], placer.precheck_order(order, stock=stock, freight=freight, balance=balance)))
        except PrecheckError as err:
            verdicts.append(([err.message], {}))
    return verdicts


def hook_class_for(conn_type: str | None) -> type:
    import importlib

    try:
        module, _, name = HOOKS[conn_type or ""].rpartition(".")
    except KeyError:
        raise ValueError(
            f"connection type {conn_type!r} is not one of this provider's: {sorted(HOOKS)}"
        ) from None
    return getattr(importlib.import_module(module), name)


def hook_for(conn_id: str) -> Any:
    """The vendor hook for ``conn_id``, chosen by the connection's type."""
    from airflow.sdk import BaseHook

    conn = BaseHook.get_connection(conn_id)
    hook = hook_class_for(conn.conn_type)(conn_id)
    hook.__dict__["connection"] = conn  # already fetched: do not ask twice
    return hook


async def ahook_for(conn_id: str) -> Any:
    """Like :func:`hook_for`, for triggers (the connection is fetched without blocking)."""
    from airflow.sdk import BaseHook

    conn = await BaseHook.aget_connection(conn_id)
    hook = hook_class_for(conn.conn_type)(conn_id)
    hook.__dict__["connection"] = conn
    return hook


class UnsupportedCapability(TypeError):
    """The connection's vendor cannot do what the task asks (e.g. Qianyi ERP placing supplier orders).

    A ``TypeError`` (the task was wired to the wrong kind of connection); the message names the
    connection, its type and what is missing, and lists the connection types that can.
    """

    def __init__(self, conn_id: str, vendor: str, what: str, able: list[str]) -> None:
        self.conn_id, self.vendor, self.what = conn_id, vendor, what
        can = ", ".join(able) if able else "none of this provider's connection types"
        super().__init__(
            f"connection {conn_id!r} is a {vendor} connection, and {vendor}'s API offers no way to {what}; "
            f"use a connection of a type that can: {can}"
        )


def capability(hook: Any, protocol: type[P], what: str) -> P:
    """``hook`` seen as ``protocol``, or :class:`UnsupportedCapability` naming what the vendor cannot do."""
    if not isinstance(hook, protocol):
        able = [conn_type for conn_type in sorted(HOOKS) if _offers(conn_type, protocol)]
        vendor = getattr(hook, "hook_name", None) or type(hook).__name__
        raise UnsupportedCapability(getattr(hook, "conn_id", "?"), vendor, what, able)
    return hook


def _offers(conn_type: str, protocol: type) -> bool:
    """Whether the hook class of ``conn_type`` has every method ``protocol`` asks for."""
    cls = hook_class_for(conn_type)
    members = [name for name in vars(protocol) if not name.startswith("_")]
    return all(callable(getattr(cls, name, None)) for name in members)
