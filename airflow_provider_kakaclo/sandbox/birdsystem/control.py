"""BirdSystem control routes under ``/_sandbox/birdsystem/``: inspect state and play the warehouse.

Nothing here exists at the real vendor: these routes stand in for the warehouse (product review,
inbound stock, stock freeze, consignment progress) and the web UI (API key generation, site access), so
that tests decide when things happen. Errors answer ``{"detail"}`` with 400, 404 or 409 like the other
control routes.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request

from ..control import control_call, read_object
from .catalog import DELIVERY_SERVICES, SITE_WAREHOUSES, SITES, WAREHOUSES
from .responses import consignment_row, line_row
from .state import BirdSystemBackend, Consignment


def raw_consignment(backend: BirdSystemBackend, consignment: Consignment) -> dict[str, Any]:
    """The wire row of a consignment plus its lines and stock flags."""
    row = consignment_row(backend, consignment)
    row["lines"] = [line_row(backend, line) for line in consignment.lines]
    row["stock_locked"] = consignment.locked
    row["stock_shipped"] = consignment.shipped
    return row


def _int(value: Any, name: str, minimum: int | None = 0) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or (minimum is not None and value < minimum):
        raise HTTPException(400, f"{name} must be an integer" + (f" >= {minimum}" if minimum is not None else ""))
    return value


def create_control_router(backend: BirdSystemBackend, _switches: Any = None) -> APIRouter:
    """Build the BirdSystem control routes.

    :param backend: the backend
    :return: a router to include under ``/_sandbox/birdsystem``
    """
    router = APIRouter(tags=["birdsystem control"])

    run = control_call

    @router.get("/products")
    async def products(offset: int = 0, limit: int = 100, status: str | None = None,
                       client_id: int | None = None) -> dict:
        """Products by id (``?offset=&limit=&status=&client_id=``), product-level records."""
        if offset < 0 or limit < 1:
            raise HTTPException(400, "offset must be >= 0 and limit >= 1")
        total, chosen = backend.list_products(offset=offset, limit=limit, status=status, client_id=client_id)
        return {"products": [dict(p.record) for p in chosen], "total": total, "offset": offset}

    @router.get("/products/{product_id}")
    async def product(product_id: str) -> dict:
        """One product with its per-site rows and stock per site and warehouse."""
        return run(backend.product_state, _int(product_id, "product id"))

    @router.put("/products/{product_id}/status")
    async def product_status(product_id: str, request: Request) -> dict:
        """Set any of the 11 statuses (warehouse side): ``{"status": "ACTIVE"}``."""
        body = await read_object(request, required=("status",))
        pid = _int(product_id, "product id")
        run(backend.set_product_status, pid, str(body["status"]))
        return run(backend.product_state, pid)

    @router.put("/stock")
    async def put_stock(request: Request) -> dict:
        """Set stock: ``{"product_id", "warehouse_id" | "company_id", "live"?, "locked"?, "frozen"?}``
        (``company_id`` alone means the site's first warehouse)."""
        body = await read_object(request, required=("product_id",))
        if body.get("warehouse_id") is not None:
            warehouse_id = _int(body["warehouse_id"], "warehouse_id")
        elif body.get("company_id") is not None:
            warehouses = SITE_WAREHOUSES.get(_int(body["company_id"], "company_id"))
            if not warehouses:
                raise HTTPException(400, f"unknown company_id; known: {[s.company_id for s in SITES]}")
            warehouse_id = warehouses[0].warehouse_id
        else:
            raise HTTPException(400, "warehouse_id or company_id is required")
        values = {name: _int(body[name], name) for name in ("live", "locked", "frozen") if body.get(name) is not None}
        if not values:
            raise HTTPException(400, "give at least one of live, locked, frozen")
        return run(backend.set_stock, _int(body["product_id"], "product_id"), warehouse_id, **values)

    @router.get("/consignments")
    async def consignments(sales_reference: str | None = None, thirty_system_id: str | None = None,
                           status: str | None = None, company_id: int | None = None) -> dict:
        """All consignments, oldest first, optionally by reference, status or site."""
        found = backend.find_consignments(sales_reference=sales_reference, thirty_system_id=thirty_system_id,
                                          status=status, company_id=company_id)
        return {"consignments": [raw_consignment(backend, c) for c in found], "count": len(found)}

    @router.get("/consignments/{consignment_id}")
    async def consignment(consignment_id: str) -> dict:
        """One consignment with its lines."""
        found = backend.consignments.get(consignment_id)
        if found is None:
            raise HTTPException(404, f"consignment {consignment_id} not found")
        return raw_consignment(backend, found)

    @router.post("/consignments/{consignment_id}/advance")
    async def advance(consignment_id: str, request: Request) -> dict:
        """Set any of the 13 statuses (warehouse side): ``{"to": "FINISHED", "delivery_reference"?}``.
        FINISHED takes the stock out; CANCELLED/DELETED release it; the tracking number is filled at
        the status of switch ``tracking_assigned_at`` when still empty."""
        body = await read_object(request, required=("to",))
        reference = body.get("delivery_reference")
        if reference is not None and (not isinstance(reference, str) or not reference):
            raise HTTPException(400, "delivery_reference must be a non-empty string")
        moved = run(backend.advance_consignment, consignment_id, str(body["to"]), delivery_reference=reference)
        return raw_consignment(backend, moved)

    @router.get("/credentials")
    async def credentials() -> dict:
        """The valid api keys and the sites (company ids) they open."""
        return backend.credentials()

    @router.put("/credentials")
    async def put_credentials(request: Request) -> dict:
        """Replace keys and/or open sites: ``{"api_keys": [...], "company_ids": [...]}``."""
        body = await read_object(request)
        if "api_keys" not in body and "company_ids" not in body:
            raise HTTPException(400, "give api_keys and/or company_ids")
        return run(backend.set_credentials, body.get("api_keys"), body.get("company_ids"))

    @router.get("/sites")
    async def sites() -> dict:
        """Sites, warehouses and delivery services (INVENTED reference data)."""
        return {
            "sites": [{"company_id": s.company_id, "name": s.name, "currency": s.currency,
                       "is_dynamic_warehouse": s.is_dynamic_warehouse} for s in SITES],
            "warehouses": [{"warehouse_id": w.warehouse_id, "name": w.name, "company_id": w.company_id}
                           for w in WAREHOUSES],
            "delivery_services": [{"id": d.id, "name": d.name, "company_id": d.company_id, "status": d.status,
                                   "consignment_type": d.consignment_type, "is_internal": d.is_internal,
                                   "countries": list(d.countries)} for d in DELIVERY_SERVICES],
        }

    return router
