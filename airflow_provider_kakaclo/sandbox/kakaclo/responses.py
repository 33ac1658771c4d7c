"""The KakaClo wire format: routes of spec §6, envelopes, auth and rate limit, error rendering.

Handlers are thin: parse (``parsing.py``), call one backend method (``state.py``), render here. Paths
carry the ``/openapi`` prefix of the docs, so the client base URL is ``http://HOST:PORT/kakaclo``.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from ..faults import respond
from ..timeutil import day_start, iso
from . import errors
from .catalog import CATEGORIES, Category, Warehouse
from .freight import CHANNEL_TYPES
from .parsing import (
    field_int,
    field_list,
    field_object,
    field_str,
    json_object,
    path_id,
    query_csv,
    query_ids,
    query_int,
    query_time,
    sku_lines,
)
from .pod import DesignedProduct, DesignModel, page
from .records import Order, OrderItem, Package, Refund
from .state import REFUND_REASONS, KakaCloBackend, ProductView, SkuView

ADDRESS_FIELDS = (("country", 32, True), ("city", 64, False), ("phone", 64, True), ("recipient", 32, True),
                  ("street1", 64, False), ("street2", 64, False), ("province", 32, True), ("zip", 32, False),
                  ("vat", 32, False), ("ioss", 32, False))
"""(name, max length, required) of the order address (spec §7 O2-3)."""
SORT_TYPES = ("salasVolume", "salesVolume", "stock", "price", "updateTime")
ORDER_PAGE_MAX = 250
POD_PAGE_MAX = 100
FOUR = Decimal("0.0001")


# --- envelopes ------------------------------------------------------------------------------------


def ok(data: Any, message: str = "success") -> JSONResponse:
    """The success envelope ``{code: 10000, message, data}`` (spec §5.1)."""
    return JSONResponse({"code": errors.SUCCESS_CODE, "message": message, "data": data})


def money(amount: Decimal | int | float) -> float:
    """A BigDecimal amount as a JSON number (4 decimals at most)."""
    return float(Decimal(amount).quantize(FOUR))


def error_response(error: errors.KakaCloError, backend: KakaCloBackend) -> Response:
    """Render a KakaClo error according to the switches."""
    switches = backend.switches
    if isinstance(error, (errors.MalformedRequest, errors.ValidationFailed)) and \
            switches["malformed_request_style"] == "empty_400":
        return Response(status_code=400)
    status = error.http_status or switches["business_error_http_status"]
    return JSONResponse(error.envelope(), status_code=status)


# --- auth and rate limit (pure ASGI, in front of every KakaClo route) ------------------------------


def bearer_token(scope: dict) -> str | None:
    """Return the token of ``Authorization: Bearer <token>``, or ``None``."""
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").strip().partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
            return None
    return None


class KakaCloGuard:
    """Check the bearer token (spec §3), then the token's leaky bucket (spec §4)."""

    def __init__(self, app: Any, backend: KakaCloBackend) -> None:
        """:param app: the KakaClo routes
        :param backend: the backend holding tokens, buckets and switches
        """
        self.app = app
        self.backend = backend

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        backend, switches = self.backend, self.backend.switches
        token = bearer_token(scope)
        if not backend.check_token(token):
            body = errors.Unauthorized().envelope() if switches["auth_error_body"] == "envelope" else None
            await respond(send, 401, body)
            return
        wait = backend.admit(token)
        if wait is not None:
            headers = {}
            if switches["retry_after_header"]:
                headers["Retry-After"] = str(max(1, math.ceil(wait))) if math.isfinite(wait) else "3600"
            body = errors.RateLimited().envelope() if switches["throttle_body"] == "envelope" else None
            await respond(send, 429, body, headers)
            return
        await self.app(scope, receive, send)


# --- rendering ------------------------------------------------------------------------------------


def option(name: str, value: str) -> str:
    """An option1/2/3 value: a JSON-encoded string (spec §5.5)."""
    return json.dumps({"name": name, "value": value}, ensure_ascii=False, separators=(",", ":"))


def render_category(category: Category) -> dict:
    return {
        "categoryId": category.category_id,
        "name": category.name,
        "parentId": category.parent_id,
        "level": category.level,
        "fullCategoryId": category.full_category_id,
        "imgUrl": f"https://img.kakaclo.com/category/{category.category_id}.jpg",
        "child": [render_category(CATEGORIES[child]) for child in category.children],
    }


def render_sku(view: SkuView) -> dict:
    info = view.info
    return {
        "sku": info.code,
        "skuName": info.name,
        "mainImg": info.main_img,
        "packageLength": info.length,
        "packageWidth": info.width,
        "packageHeight": info.height,
        "packageWeight": info.weight,
        "cost": info.cost_cents / 100,
        "price": info.price_cents / 100,
        "stock": view.total_stock,
        "option1": option("color", info.color_name),
        "option2": option("size", info.size),
        "option3": option("print", ""),
        "material": info.material,
        "skuStatus": view.status,
    }


def render_product(view: ProductView) -> dict:
    info = view.info
    return {
        "kkProductId": info.kk_product_id,
        "spu": info.spu,
        "productName": info.name,
        "description": info.description,
        "sizeImagePath": info.size_image,
        "spuStatus": view.status,
        "categoryId": info.category_id,
        "fullCategoryName": info.full_category_name,
        "salesVolume": info.sales_volume,
        "attributesJson": info.attributes_json,
        "price": view.price_cents / 100,
        "stock": view.stock,
        "supplierLevel": info.supplier_level,
        "createTime": iso(info.create_time),
        "updateTime": iso(view.update_time),
        "skuDetails": [render_sku(sku) for sku in view.skus],
        "skuImgUrl": [{"skus": [sku.info.code], "imgUrl": [sku.info.main_img]} for sku in view.skus],
    }


def render_warehouse(warehouse: Warehouse) -> dict:
    return {
        "warehouseId": warehouse.warehouse_id,
        "warehouseCode": warehouse.code,
        "warehouseNameExt": warehouse.name_ext,
        "countryCode": warehouse.country_code,
        "countryCn": warehouse.country_name,
        "status": warehouse.status,
    }


def render_stock(view: SkuView) -> dict:
    return {
        "sku": view.info.code,
        "warehouseStockList": [{"countryCode": warehouse.country_code, "qty": qty, "warehouseCode": warehouse.code}
                               for warehouse, qty in view.stock],
    }


def render_address(address: dict) -> dict:
    return {name: address.get(name) for name, _length, _required in ADDRESS_FIELDS}


def render_item(item: OrderItem) -> dict:
    return {
        "id": item.id,
        "itemId": item.item_id,
        "refundStatus": item.refund_status,
        "imageUrl": item.image_url,
        "productName": item.product_name,
        "productNum": item.quantity,
        "skuCode": item.sku,
        "option1": item.option1,
        "option2": item.option2,
        "option3": item.option3,
        "total": money(item.total),
        "amount": money(item.amount),
        "countryCode": item.country_code,
        "stockStatus": item.stock_status,
        "fulfillmentStatus": item.fulfillment_status,
    }


def render_package(order: Order, package: Package) -> dict:
    return {
        "id": package.id,
        "packId": package.id,
        "status": package.status,
        "carrier": package.carrier,
        "carrierType": package.carrier_type,
        "trackingCode": package.tracking_code,
        "logisticsSearchUrl": package.logistics_search_url,
        "deliveryTime": iso(package.delivery_time),
        "items": [render_item(order.item_by_id(item_id)) for item_id in package.item_ids],
        "trackingInfos": [{"carrier": package.carrier, "trackingCode": package.tracking_code}],
    }


def render_order(order: Order) -> dict:
    """An order in the V2 shape of the "Orders Status Json Response" page (spec §7 O2-4)."""
    return {
        "id": str(order.id),
        "customOrderId": order.custom_order_id,
        "remark": order.remark,
        "status": order.status,
        "financialStatus": order.financial_status,
        "fulfillmentStatus": order.fulfillment_status,
        "refundStatus": order.refund_status,
        "purchaseDate": iso(order.purchase_date),
        "payDate": iso(order.pay_date),
        "completedDate": iso(order.completed_date),
        "cancelDate": iso(order.cancel_date),
        "refundDate": iso(order.refund_date),
        "shippingAddress": render_address(order.address),
        "warehouseId": order.warehouse_id,
        "currencyCode": "USD",
        "finalAmount": money(order.final_amount),
        "freightAmount": money(order.freight),
        "subTotalAmount": money(order.subtotal),
        "couponAmount": 0,
        "promotionAmount": 0,
        "refundableAmount": money(order.refundable_amount),
        "refundedAmount": money(order.refunded_amount),
        "orderItems": [render_item(item) for item in order.items],
        "fulfillments": [render_package(order, p) for p in order.packages] if order.packages else None,
        "createDate": iso(order.create_date),
        "modifyDate": iso(order.modify_date),
    }


def v1_status(order: Order) -> str:
    """The flat V1 order status (spec §7 O1-3)."""
    if order.refund_status == "refunding":
        return "refunding"
    if order.status == "cancel":
        return "refunded" if order.refunded_amount > 0 else "cancel"
    if order.status == "waiting_payment":
        return "waiting_payment"
    return {"partially_shipped": "partial_shipped", "fully_shipped": "shipped",
            "completed": "delivered"}.get(order.fulfillment_status, "waiting_to_ship")


def render_order_v1(order: Order) -> dict:
    """An order with the V1 names (payAt, completedAt, skusAmount, totalAmount, subtotal, ...)."""
    return {
        "id": str(order.id),
        "customOrderId": order.custom_order_id,
        "remark": order.remark,
        "status": v1_status(order),
        "payAt": iso(order.pay_date),
        "completedAt": iso(order.completed_date),
        "shippingAddress": render_address(order.address),
        "warehouseId": order.warehouse_id,
        "skusAmount": money(order.subtotal),
        "freightAmount": money(order.freight),
        "totalAmount": money(order.final_amount),
        "finalAmount": money(order.final_amount),
        "orderItems": [{
            "id": item.id, "itemId": item.item_id, "imageUrl": item.image_url, "productName": item.product_name,
            "skuCode": item.sku, "productNum": item.quantity, "purchasePrices": money(item.amount),
            "subtotal": money(item.total), "promotionAmount": 0, "option1": item.option1,
            "option2": item.option2, "option3": item.option3, "stockStatus": item.stock_status,
        } for item in order.items],
        "fulfillments": [render_package(order, p) for p in order.packages] if order.packages else None,
        "createDate": iso(order.create_date),
        "modifyDate": iso(order.modify_date),
    }


def render_refund(refund: Refund) -> dict:
    return {"refundNo": str(refund.refund_no), "refundStatus": refund.status, "id": str(refund.order_id),
            "remark": refund.remark}


def render_model(model: DesignModel) -> dict:
    return {"id": model.id, "modelCode": model.model_code, "categoryName": model.category_name,
            "price": model.price, "enName": model.en_name, "imageUrl": model.image_url,
            "backImageUrl": model.back_image_url, "createDate": model.create_date, "modifyDate": model.modify_date}


def render_model_detail(model: DesignModel) -> dict:
    return {
        "id": model.id, "categoryName": model.category_name, "enName": model.en_name,
        "enDescription": f"<p>{model.en_name}, printed on demand.</p>", "enSizeContent": model.size_content(),
        "imageUrl": model.image_url, "backImageUrl": model.back_image_url, "modelCode": model.model_code,
        "orderCount": 0, "price": model.price, "status": model.status,
        "variants": [{"size": size, "weight": model.weight} for size in model.sizes], "weight": model.weight,
        "createDate": model.create_date, "modifyDate": model.modify_date,
    }


def render_designed(product: DesignedProduct) -> dict:
    return {"id": product.id, "customDesignedId": product.custom_designed_id, "modelCode": product.model.model_code,
            "price": product.price, "enName": product.en_name, "imageUrl": product.image_url,
            "backImageUrl": product.back_image_url, "kkProductId": product.kk_product_id,
            "orderCount": product.order_count, "spu": product.spu, "createDate": product.create_date,
            "modifyDate": product.modify_date}


# --- request pieces shared by V1 and V2 -----------------------------------------------------------


def page_size(value: int, maximum: int, backend: KakaCloBackend, name: str = "pageSize") -> int:
    """Apply the ``page_size_over_max`` switch."""
    if value > maximum:
        if backend.switches["page_size_over_max"] == "error":
            raise errors.ValidationFailed(f"{name} must be <= {maximum}")
        return maximum
    return value


def parse_address(body: dict) -> dict:
    """Return the validated address from ``orderAddresses`` (wire name) or ``orderAddress`` (table name)."""
    name = "orderAddresses" if body.get("orderAddresses") is not None else "orderAddress"
    raw = field_object(body, name, required=False)
    if raw is None:
        raise errors.ValidationFailed("orderAddresses is required")
    return {field: field_str(raw, field, required=required, max_len=length, where=f"{name}.")
            for field, length, required in ADDRESS_FIELDS}


def refund_reference(backend: KakaCloBackend, raw_id: str) -> JSONResponse:
    """O2-6 / O1-5: refunds of an order id, or the refund with a refund number."""
    refunds = backend.query_refunds(path_id(raw_id))
    return ok({"total": len(refunds), "pageNumber": 1, "pageSize": 10,
               "list": [render_refund(refund) for refund in refunds]})


def refund_number(backend: KakaCloBackend, refund: Refund) -> int | str:
    number = refund.short_no if backend.switches["refund_call_number"] == "short" else refund.refund_no
    return number if backend.switches["refund_number_type"] == "number" else str(number)


def created_order_reply(backend: KakaCloBackend, order: Order) -> Any:
    """data of create-order per switch ``create_order_reply`` (S10)."""
    shape = backend.switches["create_order_reply"]
    return {"number": order.id, "string": str(order.id), "list": [order.id], "null": None}[shape]


def balance_reply(backend: KakaCloBackend) -> Any:
    """data of the balance query per switch ``balance_shape`` (S1)."""
    amount = money(backend.query_balance())
    return {"object": {"balance": amount, "currency": "USD"}, "number": amount,
            "unknown_key": {"availableAmount": amount, "currencyCode": "USD"},
            "per_currency": [{"currency": "USD", "amount": amount}], "empty": None}[backend.switches["balance_shape"]]


def end_time(request: Request, backend: KakaCloBackend, *, by_day: bool = False) -> int | None:
    """A product/stock window end, refused or clamped when later than now (switch ``future_end_time``, S5).

    Products compare dates only (§7 P2: "the hour, minute, and second are not verified").
    """
    name = "dateEndTime"
    end = query_time(request, name)
    if end is None:
        return None
    now = backend.now()
    if (day_start(end) > day_start(now)) if by_day else (end > now):
        if backend.switches["future_end_time"] == "reject":
            raise errors.ValidationFailed(f"{name} cannot be greater than the current time")
        return now
    return end


def check_method(request: Request, backend: KakaCloBackend) -> None:
    """C1/C3 answer the methods of switch ``custom_get_method`` (S8)."""
    allowed = backend.switches["custom_get_method"]
    if allowed != "both" and request.method != allowed:
        raise errors.MethodNotAllowed()


def order_query(request: Request, backend: KakaCloBackend) -> dict:
    """The O2-4 query parameters as backend arguments (paging per switches ``order_paging_params`` and
    ``order_page_size_max``, S4)."""
    if backend.switches["order_paging_params"] == "swapped":
        size = query_int(request, "pageNumber", minimum=1, default=10)
        number = query_int(request, "pageSize", minimum=1, default=1)
    else:
        size = query_int(request, "pageSize", minimum=1, default=10)
        number = query_int(request, "pageNumber", minimum=1, default=1)
    return {
        "ids": query_ids(request, "ids"),
        "create_start": query_time(request, "createStartTime"),
        "create_end": query_time(request, "createEndTime"),
        "update_start": query_time(request, "updateStartTime"),
        "update_end": query_time(request, "updateEndTime"),
        "page_number": number,
        "page_size": min(page_size(size, ORDER_PAGE_MAX, backend), backend.switches["order_page_size_max"]),
    }


def order_list(result: Any, render: Any, backend: KakaCloBackend) -> JSONResponse:
    number, size = result.page_number, result.page_size
    if backend.switches["order_paging_params"] == "swapped":
        number, size = size, number  # echoed under the names this server reads them by
    return ok({"vo": None, "list": [render(order) for order in result.items], "total": result.total,
               "pageNumber": number, "pageSize": size, "totalPageNumber": None,
               "modifyDate": None, "nextId": None})


def channel_request(body: dict) -> tuple[list[tuple[str, int]], str]:
    country = field_str(body, "shipToCountry", required=True, max_len=12)
    field_str(body, "warehouseCode", max_len=32)
    return sku_lines(body, "products"), country


def render_channels(estimates: list) -> list[dict]:
    return [{"channelCode": channel.code, "channelNameEn": channel.name_en, "estimatedFreight": money(amount),
             "estimatedFreightCurrency": "USD", "deliveryTime": channel.delivery_time,
             "channelType": channel.channel_type} for channel, amount in estimates]


def create_order_args(body: dict, backend: KakaCloBackend, *, channel_required: bool) -> dict:
    address = parse_address(body)
    lines = sku_lines(body, "orderItemsList")
    channel_type = field_str(body, "channelType", choices=CHANNEL_TYPES)
    if channel_type is None:
        if channel_required:
            raise errors.ValidationFailed("channelType is required")
        channel_type = "Standard"
    if channel_type == "Expedited" and backend.switches["expedited_on_create"] == "refuse":
        raise errors.ValidationFailed("channelType must be Standard or Express")
    longest = backend.switches["custom_order_id_max_length"] or None
    return {
        "address": address,
        "lines": lines,
        "channel_type": channel_type,
        "remark": field_str(body, "remark"),
        "sale_platform": field_str(body, "salePlatform"),
        "custom_order_id": field_str(body, "customOrderId", max_len=longest),
    }


def refund_lines(body: dict) -> list[dict] | None:
    lines = field_list(body, "orderItems")
    if not lines:
        return None
    out = []
    for position, line in enumerate(lines):
        where = f"orderItems[{position}]."
        if not isinstance(line, dict):
            raise errors.ValidationFailed(f"orderItems[{position}] must be an object")
        item_id = line.get("itemId")
        if isinstance(item_id, bool) or not isinstance(item_id, (str, int)) or str(item_id).strip() == "":
            raise errors.ValidationFailed(f"{where}itemId is required")
        out.append({
            "itemId": str(item_id),
            "skuCode": field_str(line, "skuCode", max_len=64, where=where),
            "quantity": field_int(line, "quantity", required=True, minimum=1, where=where),
            "countryCode": field_str(line, "countryCode", where=where),
        })
    return out


def pod_paging(body: dict, backend: KakaCloBackend) -> tuple[int, int]:
    number = field_int(body, "pageNumber", minimum=1, default=1)
    size = field_int(body, "pageSize", minimum=1, default=20)
    return number, page_size(size, POD_PAGE_MAX, backend)


# --- the app --------------------------------------------------------------------------------------


def create_vendor_app(backend: KakaCloBackend, _switches: Any = None) -> FastAPI:
    """Build the KakaClo API app (mounted by the sandbox under ``/kakaclo``).

    :param backend: the backend
    :return: the app
    """
    app = FastAPI(title="KakaClo Open API (sandbox)", docs_url=None, redoc_url=None, openapi_url=None)

    # ---- P: product ----------------------------------------------------------------------------

    @app.get("/openapi/v1/product/category")
    async def category() -> Response:
        return ok({"list": [render_category(node) for node in backend.category_tree()]}, "kk.api.200")

    @app.get("/openapi/v1/product/products")
    async def products(request: Request) -> Response:
        spus = query_csv(request, "spus", 30)
        skus = query_csv(request, "skus", 30)
        category_id = query_int(request, "categoryId", minimum=0)
        start, end = query_time(request, "dateStartTime"), end_time(request, backend, by_day=True)
        page_number = query_int(request, "pageNumber", minimum=1)
        if spus is None and skus is None and category_id is None and start is None and end is None:
            raise errors.ValidationFailed("one of spus, skus, categoryId, dateStartTime/dateEndTime is required")
        if (category_id is not None or start is not None or end is not None) and page_number is None:
            raise errors.ValidationFailed("pageNumber is required and must be > 0 for categoryId or time queries")
        if start is not None and end is not None and day_start(start) > day_start(end):
            raise errors.ValidationFailed("dateStartTime must not be greater than dateEndTime")
        sort_type = request.query_params.get("sortType") or "updateTime"
        if sort_type not in SORT_TYPES:
            raise errors.ValidationFailed("sortType must be one of salasVolume, stock, price, updateTime")
        sort_by = (request.query_params.get("sortBy") or "desc").lower()
        if sort_by not in ("asc", "desc"):
            raise errors.ValidationFailed("sortBy must be asc or desc")
        result = backend.query_products(spus=spus, skus=skus, category_id=category_id, date_start=start,
                                        date_end=end, page_number=page_number, sort_type=sort_type,
                                        sort_by=sort_by)
        return ok({"list": [render_product(view) for view in result.items], "total": result.total,
                   "pageNumber": result.page_number, "pageSize": result.page_size}, "Success！")

    @app.get("/openapi/v1/product/countryAndWarehouse")
    async def country_and_warehouse() -> Response:
        return ok({"list": [render_warehouse(w) for w in backend.country_and_warehouse()]})

    @app.get("/openapi/v1/product/stocks")
    async def stocks(request: Request) -> Response:
        skus = query_csv(request, "skus", 30)
        warehouse_code = request.query_params.get("warehouseCode") or None
        start, end = query_time(request, "dateStartTime"), end_time(request, backend)
        page_number = query_int(request, "pageNumber", minimum=1)
        if skus is None and start is None and end is None:
            raise errors.ValidationFailed("one of skus, dateStartTime/dateEndTime is required")
        if (start is not None or end is not None) and page_number is None:
            raise errors.ValidationFailed("pageNumber is required and must be > 0 for time queries")
        if start is not None and end is not None and start > end:
            raise errors.ValidationFailed("dateStartTime must not be greater than dateEndTime")
        result = backend.query_stocks(skus=skus, warehouse_code=warehouse_code, date_start=start, date_end=end,
                                      page_number=page_number)
        return ok({"total": result.total, "pageNumber": result.page_number, "pageSize": result.page_size,
                   "list": [render_stock(view) for view in result.items]}, "Success！")

    # ---- O2: order V2 --------------------------------------------------------------------------

    @app.post("/openapi/v2/order/orders/channel")
    async def channel_v2(request: Request) -> Response:
        lines, country = channel_request(await json_object(request))
        return ok(render_channels(backend.logistics_channels(lines, country)))

    @app.post("/openapi/v2/order/orders/channel/automationSplit")
    async def automation_split(request: Request) -> Response:
        lines, country = channel_request(await json_object(request))
        return ok([{"deliveryTime": channel.delivery_time, "estimatedFreight": money(amount),
                    "channelType": channel.channel_type}
                   for channel, amount in backend.automation_split(lines, country)], "Success!")

    @app.post("/openapi/v2/order/orders")
    async def create_order(request: Request) -> Response:
        body = await json_object(request)
        args = create_order_args(body, backend, channel_required=backend.switches["channel_type_required"])
        return ok(created_order_reply(backend, backend.create_order(**args)))

    @app.get("/openapi/v2/order/orders")
    async def query_orders(request: Request) -> Response:
        render = render_order_v1 if backend.switches["order_list_naming"] == "v1" else render_order
        return order_list(backend.query_orders(**order_query(request, backend)), render, backend)

    @app.post("/openapi/v2/order/orders/{id}/refund")
    async def refund(id: str, request: Request) -> Response:
        body = await json_object(request)
        reason = field_str(body, "refundReason", choices=REFUND_REASONS) or "Other"
        result = backend.refund_order(path_id(id), remark=field_str(body, "remark"), reason=reason,
                                      lines=refund_lines(body))
        return ok(refund_number(backend, result), "ok")

    @app.get("/openapi/v2/order/orders/refund/{id}")
    async def query_refund(id: str) -> Response:
        return refund_reference(backend, id)

    # ---- O1: order V1 (outdated) ---------------------------------------------------------------

    @app.post("/openapi/v1/order/orders/channel")
    async def channel_v1(request: Request) -> Response:
        lines, country = channel_request(await json_object(request))
        return ok(render_channels(backend.logistics_channels(lines, country)))

    @app.post("/openapi/v1/order/orders")
    async def create_order_v1(request: Request) -> Response:
        body = await json_object(request)
        field_str(body, "channelCode")
        field_str(body, "warehouseCode")
        return ok(created_order_reply(backend, backend.create_order(**create_order_args(body, backend,
                                                                                         channel_required=False))))

    @app.get("/openapi/v1/order/orders")
    async def query_orders_v1(request: Request) -> Response:
        statuses = query_csv(request, "status")
        result = backend.query_orders(**order_query(request, backend), statuses=statuses, status_of=v1_status)
        return order_list(result, render_order_v1, backend)

    @app.post("/openapi/v1/order/orders/{id}/refund")
    async def refund_v1(id: str, request: Request) -> Response:
        body = await json_object(request)
        remark = field_str(body, "Remark") if "Remark" in body else field_str(body, "remark")
        if remark is None:
            raise errors.ValidationFailed("Remark is required")
        result = backend.refund_order(path_id(id), remark=remark)
        return ok(refund_number(backend, result), "ok")

    @app.get("/openapi/v1/order/orders/refund/{id}")
    async def query_refund_v1(id: str) -> Response:
        return refund_reference(backend, id)

    # ---- C: custom product -----------------------------------------------------------------------

    @app.api_route("/openapi/v1/product/custom/modelCategoryName/search", methods=["GET", "POST"])
    async def design_category_names(request: Request) -> Response:
        check_method(request, backend)
        return ok(list(backend.design_category_names()), "Success!")

    @app.post("/openapi/v1/product/custom/designModel/search")
    async def design_models(request: Request) -> Response:
        body = await json_object(request)
        number, size = pod_paging(body, backend)
        found = backend.search_design_models(
            category_names=field_list(body, "categoryNames", item_type=str),
            model_codes=field_list(body, "modelCodes", item_type=str),
            last_updated_time=field_int(body, "lastUpdatedTime"),
            en_name=field_str(body, "enName"))
        return ok({"list": [render_model(m) for m in page(found, number, size)], "total": len(found)})

    @app.api_route("/openapi/v1/product/custom/designModel/detail/{id}", methods=["GET", "POST"])
    async def design_model_detail(id: str, request: Request) -> Response:
        check_method(request, backend)
        return ok(render_model_detail(backend.design_model_detail(path_id(id))), "Success!")

    @app.post("/openapi/v1/product/custom/customDesigned/search")
    async def custom_designed(request: Request) -> Response:
        body = await json_object(request)
        number, size = pod_paging(body, backend)
        found = backend.search_custom_designed(
            model_codes=field_list(body, "modelCodes", item_type=str),
            spus=field_list(body, "spus", item_type=str),
            search_content=field_str(body, "searchContent"),
            last_updated_time=field_int(body, "lastUpdatedTime"))
        return ok({"list": [render_designed(p) for p in page(found, number, size)], "total": len(found)})

    @app.post("/openapi/v1/product/custom/customDesigned/addProduct")
    async def add_designed_product(request: Request) -> Response:
        body = await json_object(request)
        model_id = body.get("modelId")
        if isinstance(model_id, bool) or not isinstance(model_id, (str, int)) or str(model_id).strip() == "":
            raise errors.ValidationFailed("modelId is required")
        images = field_list(body, "materialImages")
        if images is not None and not all(isinstance(image, dict) for image in images):
            raise errors.ValidationFailed("materialImages must be an array of {imageName, imageUrl}")
        backend.add_custom_designed_product(
            model_id=path_id(str(model_id), "modelId"),
            en_name=field_str(body, "enName", required=True),
            image_url=field_str(body, "imageUrl", required=True),
            back_image_url=field_str(body, "backImageUrl"),
            material_images=images,
            color_value=field_str(body, "colorValue"))
        return ok("", "Success!")

    # ---- $: payment ------------------------------------------------------------------------------

    @app.get("/openapi/v1/payment/balance")
    async def balance() -> Response:
        return ok(balance_reply(backend))

    # ---- errors ----------------------------------------------------------------------------------

    @app.exception_handler(errors.KakaCloError)
    async def vendor_error(_request: Request, exc: errors.KakaCloError) -> Response:
        return error_response(exc, backend)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return error_response(errors.RouteNotFound(), backend)
        if exc.status_code == 405:
            return error_response(errors.MethodNotAllowed(), backend)
        error = errors.KakaCloError(str(exc.detail))
        error.http_status = exc.status_code
        return error_response(error, backend)

    @app.exception_handler(RequestValidationError)
    async def request_validation(_request: Request, exc: RequestValidationError) -> Response:
        return error_response(errors.ValidationFailed(str(exc.errors()[:1])), backend)

    @app.exception_handler(Exception)
    async def internal(_request: Request, exc: Exception) -> Response:
        return error_response(errors.InternalError(f"{type(exc).__name__}: {exc}"), backend)

    app.add_middleware(KakaCloGuard, backend=backend)
    return app
