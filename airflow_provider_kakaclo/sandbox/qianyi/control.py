"""Qianyi control routes under ``/_sandbox/qianyi/``: inspect state, move documents, count calls.

Nothing here exists at the real vendor. These routes stand in for the ERP's web UI (apps, stock edits,
warehouse receipts) and give tests the per-serviceType counters the shared route stats cannot (every
call of a module posts to the same path).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request

from ..control import control_call, read_object
from .catalog import CUSTOM_FIELDS, INVENTORY_FIELDS, WAREHOUSES
from .services import ALIASES, SERVICES
from .signing import sign_string
from .state import QianyiBackend


def create_control_router(backend: QianyiBackend, _switches: Any = None) -> APIRouter:
    """Build the Qianyi control routes.

    :param backend: the backend
    :return: a router to include under ``/_sandbox/qianyi``
    """
    router = APIRouter(tags=["qianyi control"])

    run = control_call

    # -- per-serviceType counters -------------------------------------------------------------------

    @router.get("/calls")
    async def calls() -> dict:
        """``{serviceType: calls}``: every call whose form named a serviceType, whatever its outcome."""
        return backend.calls()

    @router.get("/calls/detail")
    async def calls_detail() -> dict:
        """``{serviceType: {"calls", "success", "errors": {errorCode: n}, "faults"}}``."""
        return backend.calls_detail()

    @router.post("/calls/reset")
    async def reset_calls() -> dict:
        """Zero the per-serviceType counters (``/_sandbox/reset`` does too)."""
        backend.reset_calls()
        return {"reset": True}

    # -- serviceType faults ----------------------------------------------------------------------

    @router.post("/faults")
    async def add_fault(request: Request) -> dict:
        """Add a fault on the next calls of one serviceType (see the README for fields)."""
        body = await read_object(request)
        return run(backend.add_fault, body).as_dict()

    @router.get("/faults")
    async def faults() -> dict:
        """The serviceType faults not used up yet."""
        return {"faults": backend.pending_faults()}

    @router.delete("/faults")
    async def clear_faults() -> dict:
        """Remove every serviceType fault."""
        return {"removed": backend.clear_faults()}

    # -- apps ------------------------------------------------------------------------------------

    @router.get("/apps")
    async def apps() -> dict:
        """The valid apps ``{appId: appSecret}``."""
        return {"apps": dict(backend.apps)}

    @router.put("/apps")
    async def put_apps(request: Request) -> dict:
        """Replace the valid apps: ``{"apps": {appId: appSecret}}`` or ``{"appId", "appSecret"}``."""
        body = await read_object(request)
        if "apps" in body:
            apps = body["apps"]
        elif "appId" in body and "appSecret" in body:
            apps = {body["appId"]: body["appSecret"]}
        else:
            raise HTTPException(400, "give apps, or appId and appSecret")
        try:
            return {"apps": backend.set_apps(apps)}
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from exc

    @router.post("/sign")
    async def sign_preview(request: Request) -> dict:
        """Show the signed string and sign of a form: ``{"appId", "serviceType", "bizParam", "timestamp"}``
        (the secret of appId is used). A debugging aid."""
        body = await read_object(request, required=("appId", "serviceType", "bizParam", "timestamp"))
        fields = {key: str(value) for key, value in body.items() if key != "sign"}
        secret = backend.app_secret(fields["appId"])
        if secret is None:
            raise HTTPException(404, f"unknown appId {fields['appId']!r}")
        import hashlib

        text = sign_string(fields, secret)
        return {"signString": text, "sign": hashlib.md5(text.encode("utf-8")).hexdigest()}

    @router.get("/service-types")
    async def service_types() -> dict:
        """Every emulated serviceType with its module path."""
        return {"serviceTypes": {name: {"module": service.module, "source": service.documented}
                                 for name, service in SERVICES.items()},
                "aliases": ALIASES}

    # -- skus ------------------------------------------------------------------------------------

    @router.get("/skus")
    async def skus(offset: int = 0, limit: int = 100) -> dict:
        """SKU codes in list order (``?offset=&limit=``)."""
        if offset < 0 or limit < 1:
            raise HTTPException(400, "offset must be >= 0 and limit >= 1")
        return {"skus": backend.sku_codes(offset, limit), "total": len(backend.skus), "offset": offset}

    @router.get("/skus/{sku:path}")
    async def sku(sku: str) -> dict:
        """One SKU as the API renders it, plus ``_sandbox`` (update/create time, inventory per warehouse)."""
        return run(backend.sku_state, sku)

    # -- inventory, warehouses, custom fields ----------------------------------------------------

    @router.put("/inventory")
    async def put_inventory(request: Request) -> dict:
        """Set quantities of one row: ``{"warehouse", "sku", "available"?, "allocated"?, ...}``."""
        body = await read_object(request, required=("warehouse", "sku"))
        quantities = {key: value for key, value in body.items() if key not in ("warehouse", "sku")}
        for name, value in quantities.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise HTTPException(400, f"{name} must be an integer >= 0")
        if not quantities:
            raise HTTPException(400, f"give at least one of {list(INVENTORY_FIELDS)}")
        return run(backend.set_inventory, str(body["warehouse"]), str(body["sku"]), quantities)

    @router.get("/inventory/{sku:path}")
    async def inventory(sku: str) -> dict:
        """``{warehouse: row}`` of one SKU (the V2 row)."""
        if sku not in backend.skus:
            raise HTTPException(404, f"unknown sku {sku!r}")
        return {"sku": sku, "warehouses": backend.inventory_of(sku)}

    @router.get("/warehouses")
    async def warehouses() -> dict:
        return {"warehouses": [warehouse.render() for warehouse in WAREHOUSES]}

    @router.get("/custom-fields")
    async def custom_fields() -> dict:
        return {"customFields": [custom.render() for custom in CUSTOM_FIELDS]}

    # -- documents ---------------------------------------------------------------------------------

    @router.get("/sales-orders")
    async def sales_orders(onlineOrderNumber: str | None = None, shop: str | None = None) -> dict:
        """Sales orders, oldest first (optionally one onlineOrderNumber / shop)."""
        found = backend.find_sales_orders(onlineOrderNumber, shop)
        return {"salesOrders": found, "count": len(found)}

    @router.post("/sales-orders/{order_number}/status")
    async def sales_order_status(order_number: str, request: Request) -> dict:
        """Set a sales order's status: ``{"status": "..."}``."""
        body = await read_object(request, required=("status",))
        if not isinstance(body["status"], str) or not body["status"]:
            raise HTTPException(400, "status must be a non-empty string")
        return run(backend.set_sales_order_status, order_number, body["status"])

    @router.get("/asns")
    async def asns(customNumber: str | None = None) -> dict:
        """ASNs, oldest first (optionally one customNumber)."""
        found = backend.find_asns(customNumber)
        return {"asns": found, "count": len(found)}

    @router.post("/asns/{asn_number}/status")
    async def asn_status(asn_number: str, request: Request) -> dict:
        """Move an ASN: ``{"status": NEW|SHIPPING|RECEIVING|FINISHED|CLOSED|DELETED}``; FINISHED receives stock."""
        body = await read_object(request, required=("status",))
        return run(backend.set_asn_status, asn_number, body["status"])

    @router.get("/odos")
    async def odos() -> dict:
        """Outbound orders, oldest first."""
        return {"odos": [backend.render_odo(odo, True) for odo in list(backend.odos)]}

    return router
