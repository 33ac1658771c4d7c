"""The BirdSystem wire format: the ``/client`` routes of spec §5-§6, envelopes, header auth, error rendering.

Handlers are thin: parse (``parsing``/``forms``/``listing``), call one backend method (``state``), render
here. Paths are matched case-insensitively, with or without a trailing ``/`` (spec §1: the docs and
production code mix cases). The client base URL is ``http://HOST:PORT/birdsystem``.

Every failure, including an unexpected exception of the sandbox itself, answers in the vendor's error
shape ``{"success": false, "message"}`` (HTTP 500, spec §3).
"""

from __future__ import annotations

import math
import re
import time
from decimal import Decimal
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from ..faults import respond
from . import forms, listing, parsing
from .catalog import (
    CLIENT_NAMES,
    CONSIGNMENT_TYPES,
    COUNTRIES,
    CUSTOMS_BY_ID,
    CUSTOMS_CATEGORIES,
    CUSTOMS_PROPERTIES,
    DELIVERY_SERVICES_BY_ID,
    FROZEN_SITE_NAME,
    PRODUCT_TYPES,
    SITES,
)
from .errors import LOGIN_REQUIRED, BirdSystemError
from .state import (
    AVAILABLE_QUANTITY_DEFAULT,
    AVAILABLE_QUANTITY_IDS_WIDTH,
    AVAILABLE_QUANTITY_MAX,
    BirdSystemBackend,
    Consignment,
    Line,
    Product,
)

PRODUCT_FLAGS = ("with_parent_client_product", "with_child_client_product")

# --- envelopes ----------------------------------------------------------------------------------------


def list_body(backend: BirdSystemBackend, total: int, data: list, *, refresh: bool = True) -> dict:
    """The list envelope ``{total, data, success, refresh, moduleName}`` (§3; the seed's product sample
    has no ``refresh``)."""
    body: dict[str, Any] = {"total": total if backend.switches["total_type"] == "int" else str(total),
                            "data": data, "success": True}
    if refresh:
        body["refresh"] = False
    body["moduleName"] = "client"
    return body


def created(data: dict) -> JSONResponse:
    """The create envelope ``{"success": true, "data": {"id": ..., ...}}`` (§3)."""
    return JSONResponse({"success": True, "data": data})


def error_response(error: BirdSystemError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.http_status)


def when(seconds: int | None) -> str | None:
    """``YYYY-MM-DD HH:MM:SS`` (UTC, INVENTED zone) as in the seed sample."""
    if seconds is None:
        return None
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(seconds))


def company_of(request: Request) -> int:
    """The site of the request (the guard has checked the header)."""
    return int(request.headers["company_id"].strip())


# --- rows -----------------------------------------------------------------------------------------------


def product_row(product: Product, company_id: int, stock: dict[str, Any], *,
                null_company_fields: bool = False) -> dict[str, Any]:
    """A product row, field for field as the seed's sample (ids as numbers, decimals as strings)."""
    r = product.record
    site = product.company_row(company_id)
    category = CUSTOMS_BY_ID.get(r["customs_category_id"] or 0)
    client_name, client_email = CLIENT_NAMES.get(r["client_id"], (None, None))
    company_ref = f"{r['client_id']}-{r['id']}"
    return {
        "price_internal": None, "product_volume_level_code": None, "product_stock_volume_level_code": None,
        "product_sales_level_code": None, "directional_share_total": None, "total": None,
        # §5.1: the current pages answer the company fields without the prefix; the seed sample has them null
        "price": None if null_company_fields else site["price"],
        "cost": None if null_company_fields else site["cost"],
        "is_shared_internal": None if null_company_fields else site["is_shared_internal"], "is_shared_external": None, "client_dispatch_product_id": None,
        "product_stock_level_code": None, "company_id": None, "warehouse_id": None, "live_volume": None,
        "sales_quantity": None, "sales_volume": None, "volume": None,
        "id": r["id"],
        "client_id": r["client_id"],
        "crossing_harbor_name_id": None,
        "customs_clear_name_id": None,
        "name": r["name"],
        "name_customs": r["name_customs"],
        "material": r["material"],
        "usage": r["usage"],
        "brand": r["brand"],
        "url": r["url"],
        "color": r["color"],
        "model": r["model"],
        "country_of_origin": r["country_of_origin"],
        "shape_type": r["shape_type"],
        "product_risk_level": "LOW",
        "customs_value_level": "LOW",
        "customs_category_id": r["customs_category_id"],
        "commodity_code": r["commodity_code"],
        "note": r["note"],
        "description": r["description"],
        "price_customs_import": r["price_customs_import"],
        "price_customs_export": r["price_customs_export"],
        "sales_price": r["sales_price"],
        "handling_fee": "0.00",
        "delivery_fee_adjustment": "0.00",
        "client_ref": r["client_ref"],
        "company_ref": company_ref,
        "weight": r["weight"],
        "length": r["length"],
        "width": r["width"],
        "depth": r["depth"],
        "dimension_lock": "0",
        "live_stock": str(stock["live_stock"]),
        "frozen_stock": str(stock["frozen_stock"]),
        "pending_stock": "0",
        "low_stock_level": site["low_stock_level"],
        "inventory_time": r["inventory_time"],
        "is_use_delivery_cost": "0",
        "is_no_handling_fee": "0",
        "is_vip": "0",
        "is_dynamic_warehouse_unsalable_product": r["is_dynamic_warehouse_unsalable_product"],
        "is_need_to_record_sn": "0",
        "last_info_check_time": None,
        "last_stock_update_time": when(stock["last_stock_update_time"]),
        "last_in_stock_time": None,
        "last_out_stock_time": None,
        "last_update_status_time": when(r["last_update_status_time"]),
        "create_time": when(r["create_time"]),
        "update_time": when(r["update_time"]),
        "dynamic_warehouse_stock_sequence": r["dynamic_warehouse_stock_sequence"],
        "return_action": None,
        "status": r["status"],
        "primary_keys": ["id"],
        "sku": f"{r['client_id']} - {r['id']}",
        "is_expensive_product": "0",
        "customs_category-customs_category_full_name": category.full_name if category else None,
        "customs_category_code": r["customs_category_code"],
        "customs_category-customs_category_full_name_chinese": category.full_name_chinese if category else None,
        "company_product-last_stock_update_time": when(stock["company_last_stock_update_time"]),
        "company_product-last_in_stock_time": None,
        "company_product-last_out_stock_time": None,
        "company_product-live_stock": str(stock["company_live_stock"]),
        "company_product-low_stock_level": site["low_stock_level"],
        "company_product-price": site["price"],
        "company_product-cost": site["cost"],
        "company_product-is_shared_internal": site["is_shared_internal"],
        "company_product-is_shared_external": site["is_shared_external"],
        "client-name": client_name,
        "client-telephone": None,
        "client-email": client_email,
    }


_EMPTY_STOCK = {"live_stock": 0, "frozen_stock": 0, "company_live_stock": 0, "last_stock_update_time": None,
                "company_last_stock_update_time": None}
_TEMPLATE = Product({key: None for key in ("id", "client_id", "name", "name_customs", "material", "usage", "brand",
                                           "url", "color", "model", "country_of_origin", "shape_type",
                                           "customs_category_id", "customs_category_code", "commodity_code",
                                           "note", "description", "price_customs_import", "price_customs_export",
                                           "sales_price", "client_ref", "weight", "length", "width", "depth",
                                           "inventory_time", "is_dynamic_warehouse_unsalable_product",
                                           "dynamic_warehouse_stock_sequence", "status", "create_time",
                                           "update_time", "last_update_status_time")})
PRODUCT_FIELDS = frozenset(product_row(_TEMPLATE, 0, _EMPTY_STOCK))
"""Field names of a product row (filterable and sortable)."""
_RECORD_AS_IS = frozenset(_TEMPLATE.record) - {"create_time", "update_time", "last_update_status_time"}


class ProductRows:
    """Product rows of one request, rendered at most once each; record fields are read without rendering."""

    def __init__(self, backend: BirdSystemBackend, company_id: int) -> None:
        self.backend, self.company_id = backend, company_id
        self._rows: dict[int, dict] = {}

    def row(self, product: Product) -> dict[str, Any]:
        row = self._rows.get(product.id)
        if row is None:
            row = product_row(product, self.company_id, self.backend.stock_summary(product.id, self.company_id),
                              null_company_fields=self.backend.switches["company_fields_in_rows"] == "seed")
            self._rows[product.id] = row
        return row

    def value(self, product: Product, name: str) -> Any:
        if name in _RECORD_AS_IS:
            return product.record[name]
        return self.row(product)[name]


class LazyRows:
    """Rows of one request, rendered on first use."""

    def __init__(self, render: Any, key: Any) -> None:
        self._render, self._key = render, key
        self._rows: dict[Any, dict] = {}

    def row(self, item: Any) -> dict[str, Any]:
        key = self._key(item)
        row = self._rows.get(key)
        if row is None:
            row = self._rows[key] = self._render(item)
        return row

    def value(self, item: Any, name: str) -> Any:
        return self.row(item).get(name)


def consignment_row(backend: BirdSystemBackend, consignment: Consignment) -> dict[str, Any]:
    """A consignment row; numbers as strings, like the docs' consignment data (INVENTED field order)."""
    f = consignment.fields
    service = DELIVERY_SERVICES_BY_ID.get(f.get("delivery_service_id") or 0)
    weight = Decimal(0)
    first = None
    for line in consignment.lines:
        product = backend.products.get(line.product_id)
        if product is not None:
            first = first or product
            weight += Decimal(product.record["weight"] or 0) * line.quantity
    return {
        "id": consignment.id,
        "client_id": str(consignment.client_id),
        "company_id": str(consignment.company_id),
        "type": f["type"],
        "status": consignment.status,
        "is_urgent": f.get("is_urgent") or "0",
        "delivery_service_id": _str(f.get("delivery_service_id")),
        "delivery_service-name": service.name if service else None,
        "sales_reference": f.get("sales_reference"),
        "sales_price": f.get("sales_price"),
        "sales_order_id": f.get("sales_order_id"),
        "payment_reference": f.get("payment_reference"),
        "thirty_system_id": f.get("thirty_system_id"),
        "custom_identity_reference": f.get("custom_identity_reference"),
        "delivery_reference": f.get("delivery_reference"),
        "contact": f.get("contact"),
        "business_name": f.get("business_name"),
        "address_line1": f.get("address_line1"),
        "address_line2": f.get("address_line2"),
        "address_line3": f.get("address_line3"),
        "city": f.get("city"),
        "county": f.get("county"),
        "post_code": f.get("post_code"),
        "country_iso": f.get("country_iso"),
        "telephone": f.get("telephone"),
        "email": f.get("email"),
        "special_instruction": f.get("special_instruction"),
        "neighbour_instruction": f.get("neighbour_instruction"),
        "return_consignment_action-id": _str(f.get("return_consignment_action-id")),
        **{name: f.get(name) for name in forms.CUSTOMS_TEXT},
        "weight": str(weight.quantize(Decimal("0.01"))),
        "price": None,
        "name_customs": first.record["name_customs"] if first else None,
        "commodity_code": first.record["commodity_code"] if first else None,
        "create_time": when(consignment.create_time),
        "update_time": when(consignment.update_time),
        "last_update_status_time": when(consignment.last_update_status_time),
    }


def line_row(backend: BirdSystemBackend, line: Line) -> dict[str, Any]:
    """A Consignment-Product row (§6.2, §6.3): numbers as strings."""
    product = backend.products.get(line.product_id)
    return {
        "id": str(line.id),
        "consignment_id": line.consignment_id,
        "product_id": str(line.product_id),
        "product_type": line.product_type,
        "quantity": str(line.quantity),
        "unit_product_price": line.unit_product_price or "0.00",
        "product-client_ref": product.record["client_ref"] if product else None,
        "product-name": product.record["name"] if product else None,
    }


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def stock_info_row(row: dict[str, Any], *, old_names: bool) -> dict[str, Any]:
    """A Get-Product-Stock-Info row (§5.5): quantity as a string, company_id a number, frozen stock as
    company ``"0"``; per-warehouse rows add ``warehouse_id``/``warehouse_name``."""
    product = row["product"]
    site = row["site"]
    rendered = {"product_id": product.id, "quantity": str(row["quantity"]),
                "company_id": site.company_id if site else "0",
                "company_site_name": site.name if site else FROZEN_SITE_NAME,
                ("product_client_ref" if old_names else "client_ref"): product.record["client_ref"],
                "is_dynamic_warehouse": site.is_dynamic_warehouse if site else 0}
    if row["warehouse"] is not None:
        rendered["warehouse_id"] = row["warehouse"].warehouse_id
        rendered["warehouse_name"] = row["warehouse"].name
    return rendered


# --- paths as the pages spell them (switch path_case=exact) ---------------------------------------

DOCUMENTED_PATHS = frozenset({
    "/client/Client", "/client/Client-User", "/client/public/company-list", "/client/Public/Company-List",
    "/client/Product", "/client/product", "/client/product/Get-Product-Available-Quantity",
    "/client/Container-Product/Get-Product-Stock-Info", "/client/Consignment", "/client/consignment",
    "/client/Consignment-Product", "/client/consignment-product", "/client/Consignment/Batch-Update-Status",
    "/client/Consignment/Post-Pending-Consignment-With-Products-Json",
    "/client/Consignment/post-Pending-Consignment-With-Products-Json",
    "/client/Consignment/post-pending-consignment-with-products-json",
    "/client/Consignment-Upload/Temp-Consignment-Json", "/client/Temp-Consignment-Info/Convert-Into-Consignment",
    "/client/Delivery-Service", "/client/delivery-service", "/client/Country", "/client/customs-category",
    "/client/product-customs-property",
})
"""Every spelling of a route the pages (and the code they quote) show, §1; a trailing ``/`` is not significant."""
DOCUMENTED_ID_PATHS = re.compile(r"^/client/(Product|customs-category|Consignment-Product)/\d+$")


def documented_spelling(path: str) -> bool:
    """Whether ``path`` (the sandbox's mount prefix allowed) is spelled as the docs spell a route."""
    at = path.find("/client")
    path = path[at:].rstrip("/") if at >= 0 else path
    return path in DOCUMENTED_PATHS or bool(DOCUMENTED_ID_PATHS.match(path))


# --- auth and rate limit (pure ASGI, in front of every route) ---------------------------------------


class BirdSystemGuard:
    """Check the ``api_key``/``company_id`` headers (§2), the optional limiter (§7), and answer any
    unexpected exception in the vendor's error shape."""

    def __init__(self, app: Any, backend: BirdSystemBackend) -> None:
        self.app = app
        self.backend = backend

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        backend, switches = self.backend, self.backend.switches
        headers = {name: value for name, value in scope.get("headers", ())}
        api_key = headers.get(b"api_key", b"").decode("latin-1").strip()
        company_id = headers.get(b"company_id", b"").decode("latin-1").strip()
        if not backend.check_credentials(api_key, company_id):
            await respond(send, switches["auth_error_http_status"], {"success": False, "message": LOGIN_REQUIRED})
            return
        if switches["path_case"] == "exact" and not documented_spelling(scope.get("path", "")):
            await respond(send, 404, {"success": False, "message": "Page not found."})
            return
        wait = backend.admit(api_key)
        if wait is not None:
            retry = str(max(1, math.ceil(wait))) if math.isfinite(wait) else "3600"
            await respond(send, switches["rate_limit_http_status"],
                          {"success": False, "message": f"Too many requests, please retry in {retry} seconds."})
            return
        started = False

        async def watch(message: dict) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            if started:
                raise
            await respond(send, 500, {"success": False, "message": f"Internal error: {type(exc).__name__}: {exc}"})


# --- handlers helpers ---------------------------------------------------------------------------------


def _flag_param(params: dict[str, Any], name: str) -> bool:
    return str(params.get(name, "1")).strip().lower() not in ("0", "false")


def _query(backend: BirdSystemBackend, params: dict[str, Any], reserved: tuple[str, ...] = ()) -> listing.ListQuery:
    return listing.parse_list_query(params, reserved=reserved, default_limit=backend.switches["default_page_size"],
                                    max_limit=backend.switches["max_page_size"])


def _run(backend: BirdSystemBackend, items: list, query: listing.ListQuery, value_of: Any, known: frozenset,
         id_field: str | None = "id") -> tuple[int, list]:
    return listing.run(items, query, value_of, known, unknown=backend.switches["unknown_filter_field"],
                       newest_first=backend.switches["default_order"] == "id_desc", id_field=id_field)


def _row_value(row: dict, name: str) -> Any:
    return row.get(name)


def _exact_id(query: listing.ListQuery) -> str | None:
    """The id of a plain ``id`` equality given as digits, if any."""
    for condition in query.conditions:
        if condition.field == "id" and condition.op == "eq" and str(condition.value).strip().isdigit():
            return str(condition.value).strip()
    return None


def _product_ids(raw: Any) -> list[str]:
    """``ids=1,2`` or the old ``ids=2,3|D`` (``|D``: directionally shared, §5.5)."""
    return [item.split("|", 1)[0].strip() for item in parsing.id_list(raw) if item.split("|", 1)[0].strip()]


def _stock_filter_ids(query: listing.ListQuery) -> list[str] | None:
    """Product ids named by ``product_id`` eq/in conditions (to avoid building every row)."""
    chosen: set[str] | None = None
    for condition in query.conditions:
        if condition.field != "product_id" or condition.op not in ("eq", "in"):
            continue
        values = condition.value if isinstance(condition.value, list) else \
            ([condition.value] if condition.op == "eq" else str(condition.value).split(","))
        found = {str(value).strip() for value in values}
        chosen = found if chosen is None else chosen & found
    return None if chosen is None else sorted(chosen)


def _required(backend: BirdSystemBackend) -> tuple[str, ...]:
    return {"current": forms.CURRENT_REQUIRED, "old_page": forms.OLD_PAGE_REQUIRED,
            "observed": forms.OBSERVED_REQUIRED}[backend.switches["product_create_required"]]


def _product_answer(backend: BirdSystemBackend, product: Product, company_id: int) -> JSONResponse:
    row = product_row(product, company_id, backend.stock_summary(product.id, company_id),
                      null_company_fields=backend.switches["company_fields_in_rows"] == "seed")
    row["id"] = str(product.id)
    return created(row)


async def _records(request: Request) -> list:
    body = await parsing.read_body(request)
    if isinstance(body, dict):
        body = [body] if body else []
    if not body:
        raise BirdSystemError("No records given.")
    return body


def _bulk_record(record: Any) -> tuple[dict, list[tuple[str, int]]]:
    fields = forms.record_fields(record)
    return fields, forms.bulk_items(fields["product_company_ref"])


# --- the app ----------------------------------------------------------------------------------------------


def create_vendor_app(backend: BirdSystemBackend, _switches: Any = None) -> FastAPI:
    """Build the BirdSystem client API app (mounted by the sandbox under ``/birdsystem``).

    :param backend: the backend
    :return: the app
    """
    app = FastAPI(title="BirdSystem client API (sandbox)", docs_url=None, redoc_url=None, openapi_url=None)

    # ---- §5 products -------------------------------------------------------------------------------

    @app.get("/client/Product/Get-Product-Available-Quantity")
    async def available_quantity(request: Request) -> Response:
        params = await parsing.params_with_body(request)
        company_id = company_of(request)
        if not parsing.is_empty(params.get("ids")):
            raw = str(params["ids"])
            if len(raw) > AVAILABLE_QUANTITY_IDS_WIDTH:
                if backend.switches["available_quantity_ids_width"] == "error":
                    raise BirdSystemError(f"ids is too long (maximum {AVAILABLE_QUANTITY_IDS_WIDTH} characters).")
                raw = raw[:AVAILABLE_QUANTITY_IDS_WIDTH]
            ids = _product_ids(raw)  # 255 characters hold far fewer than the 1000 rows a call answers
            rows = backend.available_quantity(ids, company_id)
        elif not parsing.is_empty(params.get("id")):  # older page: one product, an object of strings
            row = backend.available_quantity([str(params["id"]).strip()], company_id)[0]
            return JSONResponse({"data": {"live_stock": str(row["live_stock"]),
                                          "current_locked_stock": str(row["current_locked_stock"])},
                                 "success": True, "refresh": False, "moduleName": "client"})
        else:
            start = parsing.integer(params, "start") or 0
            if backend.switches["available_quantity_paging"] == "first_page":
                start = 0
            limit = parsing.integer(params, "limit", minimum=1) or AVAILABLE_QUANTITY_DEFAULT
            rows = backend.available_quantity(None, company_id, start=start, limit=min(limit, AVAILABLE_QUANTITY_MAX))
        return JSONResponse({"data": rows, "success": True, "refresh": False, "moduleName": "client"})

    async def product_list(request: Request, forced_id: str | None = None) -> Response:
        params = await parsing.params_with_body(request)
        if forced_id is not None:
            params["id"] = forced_id
        company_id = company_of(request)
        items = backend.visible_products(with_parent=_flag_param(params, "with_parent_client_product"),
                                         with_child=_flag_param(params, "with_child_client_product"))
        query = _query(backend, params, PRODUCT_FLAGS)
        rows = ProductRows(backend, company_id)
        total, page = _run(backend, items, query, rows.value, PRODUCT_FIELDS)
        data = [listing.project(rows.row(product), query.select) for product in page]
        return JSONResponse(list_body(backend, total, data, refresh=False))

    @app.get("/client/Product")
    async def products(request: Request) -> Response:
        return await product_list(request)

    @app.post("/client/Product")
    async def create_product(request: Request) -> Response:
        body = await parsing.body_object(request)
        company_id = company_of(request)
        product_fields, company_fields = forms.product_fields(body)
        if not parsing.is_empty(body.get("id")):
            mode = backend.switches["product_repost_with_id"]
            if mode == "reject":
                raise BirdSystemError("id must be empty when creating a product.")
            if mode == "update":
                product = backend.update_product(str(body["id"]).strip(), product_fields, company_fields, company_id,
                                                 required=_required(backend))
                return _product_answer(backend, product, company_id)
        missing = forms.missing_required(body, _required(backend))
        if missing:
            raise BirdSystemError(f"{missing[0]} is required.")
        product = backend.create_product(product_fields, company_fields, company_id)
        return _product_answer(backend, product, company_id)

    @app.get("/client/Product/{product_id}")
    async def product_by_path(product_id: str, request: Request) -> Response:
        if backend.switches["product_path_get"] == "off":
            raise StarletteHTTPException(404)
        return await product_list(request, product_id)

    @app.put("/client/Product/{product_id}")
    async def update_product(product_id: str, request: Request) -> Response:
        if backend.switches["product_put_route"] == "off":
            raise StarletteHTTPException(405)
        body = await parsing.body_object(request)
        company_id = company_of(request)
        product_fields, company_fields = forms.product_fields(body)
        product = backend.update_product(product_id, product_fields, company_fields, company_id,
                                         required=_required(backend))
        return _product_answer(backend, product, company_id)

    @app.get("/client/Container-Product/Get-Product-Stock-Info")
    async def stock_info(request: Request) -> Response:
        params = await parsing.params_with_body(request)
        by_warehouse = str(params.get("groupByWarehouse", "")).strip().lower() in ("true", "1") and \
            backend.switches["stock_info_warehouse_permission"]
        old = not parsing.is_empty(params.get("ids"))
        query = _query(backend, params, ("ids", "groupByWarehouse"))
        ids = _product_ids(params["ids"]) if old else _stock_filter_ids(query)
        rows = [stock_info_row(row, old_names=old)
                for row in backend.stock_info(ids, by_warehouse=by_warehouse, strict=old)]
        known = STOCK_INFO_OLD_FIELDS if old else STOCK_INFO_FIELDS
        total, page = _run(backend, rows, query, _row_value, known, id_field=None)
        return JSONResponse(list_body(backend, total, [listing.project(row, query.select) for row in page]))

    # ---- §6 consignments -----------------------------------------------------------------------------

    @app.get("/client/Consignment")
    async def consignments(request: Request) -> Response:
        params = await parsing.params_with_body(request)
        query = _query(backend, params)
        items = backend.consignments_of(company_of(request))
        if backend.switches["returns_need_type_filter"] and not any(c.field == "type" for c in query.conditions):
            items = [c for c in items if c.type != "RETURN"]
        wanted = _exact_id(query)
        if wanted is not None:  # cheap path for ?id=: the condition still runs on the survivor
            items = [c for c in items if c.id == wanted]
        rows = LazyRows(lambda c: consignment_row(backend, c), lambda c: c.id)
        total, page = _run(backend, items, query, rows.value, CONSIGNMENT_FIELDS)
        return JSONResponse(list_body(backend, total, [listing.project(rows.row(c), query.select) for c in page]))

    @app.post("/client/Consignment")
    async def create_consignment(request: Request) -> Response:
        body = await parsing.body_object(request)
        consignment = backend.create_consignment(forms.consignment_fields(body), company_of(request))
        return created(consignment_row(backend, consignment))

    @app.post("/client/Consignment/Batch-Update-Status")
    async def batch_update_status(request: Request) -> Response:
        params = dict(request.query_params.items())
        params.update(await parsing.body_object(request))
        status = parsing.text(params, "status", 64, required=True)
        ids = parsing.id_list(params.get("ids"))
        moved = backend.batch_update_status(ids, status, company_of(request))
        return JSONResponse({"success": True, "data": {"ids": [c.id for c in moved], "status": status}})

    @app.api_route("/client/Consignment/Post-Pending-Consignment-With-Products-Json", methods=["GET", "POST"])
    async def post_pending_with_products(request: Request) -> Response:
        records = []
        for record in await _records(request):
            fields = forms.record_fields(record)
            if "products" in record:
                items = forms.product_items(record["products"])
            else:  # the oldest page: "Name##NameCN##SKU*Qty||..." joined by "+"
                items = [{"by": "client_sku", "value": item["sku"], "quantity": item["quantity"],
                          "price": item["price"]} for item in forms.all_in_one_items(fields["product_company_ref"])]
            records.append((fields, items))
        made = backend.post_pending_with_products(records, company_of(request))
        if backend.switches["all_in_one_response"] == "list":
            return JSONResponse({"success": True, "data": [consignment_row(backend, c) for c in made]})
        mapping = {str(fields.get("thirty_system_id") or index): consignment.id
                   for index, ((fields, _items), consignment) in enumerate(zip(records, made, strict=True))}
        return JSONResponse({"success": True, "message": f"{len(made)} consignment(s) created.", "data": mapping})

    @app.get("/client/Consignment-Product")
    async def lines(request: Request) -> Response:
        params = await parsing.params_with_body(request)
        query = _query(backend, params)
        items = backend.lines_of(company_of(request))
        rows = LazyRows(lambda line: line_row(backend, line), lambda line: line.id)
        total, page = _run(backend, items, query, rows.value, LINE_FIELDS)
        return JSONResponse(list_body(backend, total, [listing.project(rows.row(line), query.select) for line in page]))

    @app.post("/client/Consignment-Product")
    async def add_line(request: Request) -> Response:
        body = await parsing.body_object(request)
        product_type = parsing.choice(body, "product_type", PRODUCT_TYPES,
                                      required=backend.switches["line_product_type_required"]) or "NORMAL"
        consignment_id = parsing.text(body, "consignment_id", 32, required=True)
        product_id = parsing.text(body, "product_id", 32, required=True)
        quantity = parsing.integer(body, "quantity", required=True, minimum=1, maximum=32767)
        price = parsing.decimal(body, "unit_product_price", 2, digits=10)
        line = backend.add_line(consignment_id, product_id, quantity, product_type, price, company_of(request))
        return created(line_row(backend, line))

    @app.delete("/client/Consignment-Product/{line_id}")
    async def delete_line(line_id: str, request: Request) -> Response:
        line = backend.delete_line(line_id, company_of(request))
        return JSONResponse({"success": True, "data": {"id": str(line.id)}})

    @app.post("/client/Consignment-Upload/Temp-Consignment-Json")
    async def upload_temp(request: Request) -> Response:
        records = await _records(request)
        if not all(isinstance(record, dict) for record in records):
            raise BirdSystemError("Each record must be an object.")
        mapping = backend.upload_temp(records, company_of(request))
        return JSONResponse({"success": True,
                             "message": f"File successfully uploaded! {len(records)} records has been imported.",
                             "data": mapping})

    @app.get("/client/Temp-Consignment-Info/Convert-Into-Consignment")
    async def convert(request: Request) -> Response:
        params = await parsing.params_with_body(request)
        ids = parsing.id_list(params.get("ids"))
        if not ids:
            raise BirdSystemError("ids is required.")
        start = parsing.integer(params, "start") or 0
        kind = parsing.choice(params, "type", CONSIGNMENT_TYPES) or "LOCAL"
        result = backend.convert_temps(ids, start, kind, company_of(request), _bulk_record)
        return JSONResponse({"numberOfTotalConsignmentsToProcess": result.total,
                             "numberOfConsignmentsProcessed": result.processed, "finished": result.finished,
                             "data": result.converted, "errorIdList": result.errors, "success": True,
                             "refresh": False})

    # ---- §6.4 lookups ----------------------------------------------------------------------------------

    @app.get("/client/Delivery-Service")
    async def delivery_services(request: Request) -> Response:
        params = await parsing.params_with_body(request)
        query = _query(backend, params)
        rows = [{"id": str(s.id), "name": s.name, "status": s.status, "consignment_type": s.consignment_type,
                 "is_internal": str(s.is_internal), "company_id": str(s.company_id)}
                for s in backend.delivery_services(company_of(request))]
        total, page = _run(backend, rows, query, _row_value, DELIVERY_SERVICE_FIELDS)
        return JSONResponse(list_body(backend, total, [listing.project(row, query.select) for row in page]))

    @app.get("/client/Country")
    async def countries(request: Request) -> Response:
        params = await parsing.params_with_body(request)
        query = _query(backend, params)
        rows = [{"id": str(c.id), "name": c.name, "name_chinese": c.name_chinese, "iso": c.iso} for c in COUNTRIES]
        total, page = _run(backend, rows, query, _row_value, COUNTRY_FIELDS)
        return JSONResponse(list_body(backend, total, [listing.project(row, query.select) for row in page]))

    @app.get("/client/customs-category")
    async def customs_categories(request: Request) -> Response:
        params = await parsing.params_with_body(request)
        query = _query(backend, params)
        rows = [customs_category_row(c) for c in CUSTOMS_CATEGORIES]
        total, page = _run(backend, rows, query, _row_value, CUSTOMS_CATEGORY_FIELDS)
        return JSONResponse(list_body(backend, total, [listing.project(row, query.select) for row in page]))

    @app.get("/client/customs-category/{category_id}")
    async def customs_category(category_id: str) -> Response:
        category = CUSTOMS_BY_ID.get(int(category_id) if category_id.isascii() and category_id.isdigit() else -1)
        if category is None:
            raise BirdSystemError(f"Cannot find customs category with id {category_id}.")
        return JSONResponse({"success": True, "data": customs_category_row(category)})

    @app.get("/client/product-customs-property")
    async def customs_properties(request: Request) -> Response:
        params = await parsing.params_with_body(request)
        query = _query(backend, params)
        rows = [{"id": str(pid), "name": name, "value_type": "BOOLEAN", "special_type": special}
                for pid, name, special in CUSTOMS_PROPERTIES]
        total, page = _run(backend, rows, query, _row_value, CUSTOMS_PROPERTY_FIELDS)
        return JSONResponse(list_body(backend, total, [listing.project(row, query.select) for row in page]))

    @app.get("/client/Public/Company-List")
    async def company_list(request: Request) -> Response:
        params = await parsing.params_with_body(request)
        query = _query(backend, params)
        rows = [{"id": str(s.company_id), "name": s.name, "currency": s.currency,
                 "is_dynamic_warehouse": str(s.is_dynamic_warehouse)} for s in SITES]
        total, page = _run(backend, rows, query, _row_value, COMPANY_FIELDS)
        return JSONResponse(list_body(backend, total, [listing.project(row, query.select) for row in page]))

    # ---- errors ----------------------------------------------------------------------------------------

    @app.exception_handler(BirdSystemError)
    async def vendor_error(_request: Request, exc: BirdSystemError) -> Response:
        return error_response(exc)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return error_response(BirdSystemError("Page not found.", 404))
        if exc.status_code == 405:
            return error_response(BirdSystemError("Method not allowed.", 405))
        return error_response(BirdSystemError(str(exc.detail), exc.status_code))

    @app.exception_handler(RequestValidationError)
    async def request_validation(_request: Request, exc: RequestValidationError) -> Response:
        return error_response(BirdSystemError(f"Invalid request: {exc.errors()[:1]}"))

    lenient_paths(app)
    app.add_middleware(BirdSystemGuard, backend=backend)
    return app


def lenient_paths(app: FastAPI) -> None:
    """Match every route case-insensitively, with or without a trailing ``/`` (spec §1 INF).

    The patched ``path_regex`` also serves the sandbox's route templates (stats and faults), so
    ``/client/product/`` is counted and faulted as ``/client/Product``.
    """
    app.router.redirect_slashes = False
    for route in app.router.routes:
        if isinstance(route, APIRoute):
            pattern = route.path_regex.pattern
            pattern = pattern[:-1] if pattern.endswith("$") else pattern
            route.path_regex = re.compile(pattern.rstrip("/") + "/?$", re.IGNORECASE)


CUSTOMS_CATEGORY_FIELDS = frozenset({"id", "parent_id", "name", "name_chinese", "code", "customs_category_full_name",
                                     "customs_category_full_name_chinese", "customs_category_full_code", "level",
                                     "max_customs_value", "min_customs_value", "tax"})
CUSTOMS_PROPERTY_FIELDS = frozenset({"id", "name", "value_type", "special_type"})


def customs_category_row(category: Any) -> dict[str, Any]:
    """A ``customs-category`` row (§5.3 BS-CUSTOMS-CAT: zero-padded string ids; values INVENTED)."""
    name, _, leaf = category.full_name.rpartition(" > ")
    name_cn = category.full_name_chinese.rpartition(" > ")[2]
    return {"id": f"{category.id:010d}", "parent_id": "0000000000", "name": leaf or name,
            "name_chinese": name_cn, "code": category.code,
            "customs_category_full_name": category.full_name,
            "customs_category_full_name_chinese": category.full_name_chinese,
            "customs_category_full_code": category.code, "level": "2", "max_customs_value": "100.00",
            "min_customs_value": "0.50", "tax": "0.00"}


DELIVERY_SERVICE_FIELDS = frozenset({"id", "name", "status", "consignment_type", "is_internal", "company_id"})
COUNTRY_FIELDS = frozenset({"id", "name", "name_chinese", "iso"})
COMPANY_FIELDS = frozenset({"id", "name", "currency", "is_dynamic_warehouse"})
STOCK_INFO_FIELDS = frozenset({"product_id", "quantity", "company_id", "company_site_name", "client_ref",
                               "is_dynamic_warehouse", "warehouse_id", "warehouse_name"})
STOCK_INFO_OLD_FIELDS = STOCK_INFO_FIELDS - {"client_ref"} | {"product_client_ref"}


def _fields_of_rows() -> tuple[frozenset[str], frozenset[str]]:
    class _Stub:
        products: dict = {}

    consignment = Consignment("0", 0, 0, "PREPARING", {"type": "LOCAL"})
    line = Line(0, "0", 0, 0, "NORMAL", None)
    stub: Any = _Stub()
    return frozenset(consignment_row(stub, consignment)), frozenset(line_row(stub, line))


CONSIGNMENT_FIELDS, LINE_FIELDS = _fields_of_rows()
