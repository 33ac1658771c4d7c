"""KakaClo control routes under ``/_sandbox/kakaclo/``: inspect state and move the lifecycle.

Nothing here exists at the real vendor; these routes stand in for the warehouse, the payment desk and
the web UI (token refresh, top-up), so that tests decide when things happen.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, HTTPException, Request

from ..control import control_call, read_object
from ..timeutil import iso
from .records import Order, Refund
from .responses import money, render_order
from .state import KakaCloBackend, SkuView


def raw_order(order: Order) -> dict[str, Any]:
    """The V2 wire view of an order plus sandbox-only fields (channelType, salePlatform, warehouses)."""
    data = render_order(order)
    data["channelType"] = order.channel_type
    data["salePlatform"] = order.sale_platform
    for rendered, item in zip(data["orderItems"], order.items, strict=True):
        rendered["warehouseCode"] = item.warehouse
        rendered["refundedQty"] = item.refunded_qty
        rendered["refundingQty"] = item.refunding_qty
        rendered["packageId"] = item.package_id
    return data


def raw_refund(refund: Refund) -> dict[str, Any]:
    """A refund with everything the sandbox knows about it."""
    return {"refundNo": str(refund.refund_no), "orderId": str(refund.order_id), "status": refund.status,
            "amount": money(refund.amount), "full": refund.full, "refundReason": refund.reason,
            "remark": refund.remark, "items": [{"id": item_id, "quantity": qty} for item_id, qty in refund.lines],
            "createDate": iso(refund.create_date), "resolveDate": iso(refund.resolve_date)}


def sku_state(view: SkuView) -> dict[str, Any]:
    return {"sku": view.info.code, "skuStatus": view.status, "stock": view.total_stock,
            "warehouses": {warehouse.code: qty for warehouse, qty in view.stock}}


def _int(value: Any, name: str, minimum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or (minimum is not None and value < minimum):
        raise HTTPException(400, f"{name} must be an integer" + (f" >= {minimum}" if minimum is not None else ""))
    return value


def _id(raw: str, name: str) -> int:
    if not raw.isdigit():
        raise HTTPException(400, f"{name} must be numeric")
    return int(raw)


def create_control_router(backend: KakaCloBackend, _switches: Any = None) -> APIRouter:
    """Build the KakaClo control routes.

    :param backend: the backend
    :return: a router to include under ``/_sandbox/kakaclo``
    """
    router = APIRouter(tags=["kakaclo control"])

    run = control_call

    @router.get("/orders")
    async def orders(customOrderId: str | None = None) -> dict:
        """All orders, oldest first (optionally only one customOrderId)."""
        found = backend.find_orders(customOrderId)
        return {"orders": [raw_order(order) for order in found], "count": len(found)}

    @router.get("/orders/{order_id}")
    async def order(order_id: str) -> dict:
        """One order."""
        found = backend.orders.get(_id(order_id, "order id"))
        if found is None:
            raise HTTPException(404, f"order {order_id} not found")
        return raw_order(found)

    @router.post("/orders/{order_id}/advance")
    async def advance(order_id: str, request: Request) -> dict:
        """Move an order: ``{"to": paid|partially_shipped|fully_shipped|delivered|cancelled|abnormal|recover}``."""
        body = await read_object(request, required=("to",))
        items = body.get("items")
        if items is not None and (not isinstance(items, list) or not all(isinstance(i, (str, int)) for i in items)):
            raise HTTPException(400, "items must be a list of item ids")
        moved = run(backend.advance_order, _id(order_id, "order id"), body["to"],
                    items=[str(i) for i in items] if items else None, carrier=body.get("carrier"),
                    tracking_code=body.get("trackingCode"))
        return raw_order(moved)

    @router.get("/refunds")
    async def refunds(orderId: str | None = None) -> dict:
        """All refunds, oldest first (optionally of one order)."""
        found = list(backend.refunds.values())
        if orderId is not None:
            found = [refund for refund in found if str(refund.order_id) == orderId]
        return {"refunds": [raw_refund(refund) for refund in found]}

    @router.post("/refunds/{refund_no}/resolve")
    async def resolve(refund_no: str, request: Request) -> dict:
        """Finish a review: ``{"outcome": "refund_successfully" | "refund_failed"}``."""
        body = await read_object(request, required=("outcome",))
        return raw_refund(run(backend.resolve_refund, _id(refund_no, "refund number"), body["outcome"]))

    @router.get("/balance")
    async def get_balance() -> dict:
        """The prepaid balance."""
        return {"balance": money(backend.query_balance()), "currency": "USD"}

    @router.put("/balance")
    async def put_balance(request: Request) -> dict:
        """Set the balance: ``{"balance": 123.45}``."""
        body = await read_object(request, required=("balance",))
        value = body["balance"]
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise HTTPException(400, "balance must be a number")
        try:
            amount = Decimal(str(value))
        except ArithmeticError:
            raise HTTPException(400, "balance must be a number") from None
        if not amount.is_finite():
            raise HTTPException(400, "balance must be finite")
        return {"balance": money(backend.set_balance(amount)), "currency": "USD"}

    @router.put("/stock")
    async def put_stock(request: Request) -> dict:
        """Set stock: ``{"sku", "warehouseCode", "qty"}``; bumps the stock and product update times."""
        body = await read_object(request, required=("sku", "warehouseCode", "qty"))
        view = run(backend.set_stock, str(body["sku"]), str(body["warehouseCode"]), _int(body["qty"], "qty", 0))
        return sku_state(view)

    @router.get("/skus")
    async def skus(offset: int = 0, limit: int = 100, status: int | None = None) -> dict:
        """Catalog SKU codes by index (``?offset=&limit=&status=``)."""
        if offset < 0 or limit < 1:
            raise HTTPException(400, "offset must be >= 0 and limit >= 1")
        return {"skus": backend.sku_codes(offset, limit, status), "total": backend.catalog.size,
                "offset": offset}

    @router.get("/skus/{sku}")
    async def sku(sku: str) -> dict:
        """One SKU's status and stock per warehouse."""
        return sku_state(run(backend.sku_state, sku))

    @router.put("/skus/{sku}/status")
    async def sku_status(sku: str, request: Request) -> dict:
        """Set skuStatus (0-6): ``{"skuStatus": 0}``; bumps the product updateTime."""
        body = await read_object(request, required=("skuStatus",))
        status = _int(body["skuStatus"], "skuStatus", 0)
        if status > 6:
            raise HTTPException(400, "skuStatus must be between 0 and 6")
        return sku_state(run(backend.set_sku_status, sku, status))

    @router.get("/tokens")
    async def tokens() -> dict:
        """The valid access tokens."""
        return {"tokens": sorted(backend.tokens)}

    @router.put("/tokens")
    async def put_tokens(request: Request) -> dict:
        """Replace the valid tokens: ``{"tokens": [...]}``."""
        body = await read_object(request, required=("tokens",))
        values = body["tokens"]
        if not isinstance(values, list) or not all(isinstance(t, str) and t for t in values):
            raise HTTPException(400, "tokens must be a list of non-empty strings")
        return {"tokens": backend.set_tokens(values)}

    @router.post("/tokens/rotate")
    async def rotate(request: Request) -> dict:
        """Refresh a token as the web UI does: ``{"old": ..., "new": ...}``; the old one stops working."""
        body = await read_object(request, required=("old", "new"))
        if not isinstance(body["new"], str) or not body["new"]:
            raise HTTPException(400, "new must be a non-empty string")
        return {"tokens": run(backend.rotate_token, str(body["old"]), body["new"])}

    return router
