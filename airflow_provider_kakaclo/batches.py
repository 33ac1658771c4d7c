"""Pure logic for placing orders in batches: pre-check verdicts, duplicates, compact progress. No I/O.

The hooks gather the facts in as few calls as the vendor allows (SKUs 30 a call, freight once per
distinct lines and country, the balance once); these functions turn the facts into one verdict per
order, debiting stock and balance as each order passes, so two orders in a batch cannot both count
on the last unit or the last dollar.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

#: KakaClo ``skuStatus`` "on the shelf" (spec §8.6).
ON_SHELF = 1


@dataclass
class SkuFacts:
    """What a product reply says about one SKU (``stock`` None: the reply did not carry it)."""

    status: Any
    price: Decimal
    stock: int | None = None


def quantities(body: Mapping[str, Any]) -> dict[str, int]:
    """SKU -> quantity wanted by one KakaClo order (a SKU on two lines counts twice)."""
    wanted: dict[str, int] = {}
    for line in body["orderItemsList"]:
        wanted[line["sku"]] = wanted.get(line["sku"], 0) + int(line["quantity"])
    return wanted


def freight_key(body: Mapping[str, Any]) -> tuple:
    """Orders with equal lines to the same country get the same freight trial (one call serves all channels)."""
    return tuple(sorted(quantities(body).items())), body["orderAddresses"]["country"]


def sku_problems(wanted: Mapping[str, int], facts: Mapping[str, SkuFacts], stock_left: Mapping[str, int] | None,
                 ) -> list[str]:
    """Missing SKUs, SKUs not on sale and (when ``stock_left`` is given) SKUs short of stock."""
    problems = [f"SKU {sku} does not exist" for sku in wanted if sku not in facts]
    if stock_left is None:
        return problems
    for sku, qty in wanted.items():
        if sku not in facts:
            continue
        if facts[sku].status != ON_SHELF:
            problems.append(f"SKU {sku} is not on sale (skuStatus={facts[sku].status})")
        elif stock_left.get(sku, 0) < qty:
            problems.append(f"SKU {sku} has {stock_left.get(sku, 0)} in stock, {qty} wanted")
    return problems


def evaluate_orders(
    bodies: Sequence[Mapping[str, Any]],
    facts: Mapping[str, SkuFacts],
    trials: Mapping[tuple, Mapping[str, Decimal]],
    available: Decimal | None,
    *,
    stock: bool,
    freight: bool,
    balance: bool,
) -> list[tuple[list[str], dict[str, str]]]:
    """One ``(problems, checks)`` per order, in order; an order that passes debits stock and balance.

    ``available`` None: the balance could not be read, and that check steps aside (the hook warned).
    """
    stock_left = {sku: f.stock for sku, f in facts.items() if f.stock is not None} if stock else None
    verdicts = []
    for body in bodies:
        wanted = quantities(body)
        problems: list[str] = []
        checks: dict[str, str] = {}
        items = Decimal(0)
        if stock or balance:
            problems += sku_problems(wanted, facts, stock_left)
            items = sum((facts[s].price * q for s, q in wanted.items() if s in facts), Decimal(0))
            checks["items_amount"] = str(items)
        cost = Decimal(0)
        if freight and not problems:
            offered = trials.get(freight_key(body)) or {}
            channel = body.get("channelType") or "Standard"
            country = body["orderAddresses"]["country"]
            if channel not in offered:
                problems.append(f"channelType {channel} is not offered to {country} "
                                f"(offered: {', '.join(sorted(k for k in offered if k))})")
            else:
                cost = Decimal(str(offered[channel] or 0))
                checks["freight"] = str(cost)
        if balance and not problems and available is not None:
            checks["balance"] = str(available)
            if available < items + cost:
                problems.append(f"balance {available} USD does not cover items + freight = {items + cost} USD")
        if not problems:
            if stock_left is not None:
                for sku, qty in wanted.items():
                    stock_left[sku] -= qty
            if available is not None and balance:
                available -= items + cost
        verdicts.append((problems, checks))
    return verdicts


def survivor(order_ids: Iterable[str]) -> str:
    """Of several orders carrying one reference, the one that stays: the first created (lowest id).

    Every try that sees the duplicates picks the same one, so they never cancel each other's.
    """
    return min(order_ids, key=lambda i: (len(str(i)), str(i)))


def representative(statuses: Sequence[Any]) -> Any:
    """Of the orders carrying one reference, the one a look-up reports: a live order before a cancelled
    or refunded twin, and among those the :func:`survivor` (so every try reports the same one).

    ``statuses``: normalized :class:`~airflow_provider_kakaclo.lifecycle.OrderStatus` objects, not empty.
    """
    from airflow_provider_kakaclo.lifecycle import CANCELLED, REFUNDED

    pool = [s for s in statuses if s.status not in (CANCELLED, REFUNDED)] or list(statuses)
    keep = survivor(s.order_id for s in pool)
    return next(s for s in pool if s.order_id == keep)


def summarize(outcomes: Mapping[str, tuple[str, str | None, str | None]], vendor: str) -> dict[str, Any]:
    """The batch's XCom: counts, a reference -> order id map, and only the exceptions spelled out.

    ``outcomes``: reference -> (``placed`` | ``found`` | ``failed`` | ``unknown``, order id, reason).
    """
    counts = {"placed": 0, "found": 0, "failed": 0, "unknown": 0}
    order_ids, found, failed = {}, [], {}
    for ref, (kind, order_id, reason) in outcomes.items():
        counts[kind] += 1
        if order_id:
            order_ids[ref] = order_id
        if kind == "found":
            found.append(ref)
        elif kind in ("failed", "unknown"):
            failed[ref] = (reason or kind)[:300]
    return {"vendor": vendor, "counts": counts, "order_ids": order_ids, "found": found, "failed": failed}
