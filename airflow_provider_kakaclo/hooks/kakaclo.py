"""KakaClo Open API hook: one short method per endpoint of spec ``kakaclo.md`` §6."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from airflow_provider_kakaclo.connections import ENVIRONMENTS
from airflow_provider_kakaclo.hooks.base import VendorHook, chunked, validate_request, walk_pages
from airflow_provider_kakaclo.transport.core import Call, RawResponse, with_headers
from airflow_provider_kakaclo.transport.errors import (
    AuthenticationError,
    BusinessError,
    MalformedResponseError,
    NotFoundError,
    PrecheckError,
    RequestValidationError,
    ServerError,
    ThrottledError,
)

VENDOR = "kakaclo"
SUCCESS = 10000
ON_SHELF = 1  # skuStatus "on the shelf" (spec §8.6)
ORDER_PAGE_SIZE_MAX = 250
#: Refund transaction status (spec §8.7) -> the provider's refund outcome.
REFUND_STATUS = {"pending_review": "pending", "refund_successfully": "succeeded", "refund_failed": "failed"}

M = TypeVar("M")


class KakaCloWire:
    """Bearer auth per attempt, and the one decoder of KakaClo's ``{code, message, data}`` envelope."""

    vendor = VENDOR

    def __init__(self, hook: KakaCloHook) -> None:
        self._hook = hook

    def authorize(self, call: Call) -> Call:
        token = self._hook.connection.password or ""
        return with_headers(call, Authorization=f"Bearer {token}")

    def decode(self, call: Call, response: RawResponse) -> Any:
        return decode_kakaclo(call.name, response)


def decode_kakaclo(endpoint: str, response: RawResponse) -> Any:
    """Return ``data`` when the envelope says 10000; raise the matching typed error otherwise.

    HTTP 401 is authentication, 429 throttling (with ``Retry-After`` when sent), 5xx a server fault;
    an envelope whose ``code`` is not 10000 is a :class:`BusinessError` carrying that code verbatim
    (KakaClo publishes no code catalogue, spec §10).
    """
    status = response.status
    if status == 429:
        raise ThrottledError(VENDOR, endpoint, "rate limited", http_status=429, retry_after=response.retry_after)
    if status in (401, 403):
        raise AuthenticationError(VENDOR, endpoint, "the access token was refused", http_status=status)
    try:
        body = response.json() if response.content.strip() else None
    except ValueError:
        body = None
        if status < 400:
            raise MalformedResponseError(
                VENDOR, endpoint, f"reply is not JSON: {response.text_excerpt()!r}", http_status=status
            ) from None
    if status >= 500:
        message = body.get("message") if isinstance(body, dict) else response.text_excerpt() or "server error"
        raise ServerError(VENDOR, endpoint, str(message), http_status=status)
    if status == 404:
        raise NotFoundError(VENDOR, endpoint, "not found", http_status=status)
    if not isinstance(body, dict) or "code" not in body:
        if status >= 400:
            raise BusinessError(VENDOR, endpoint, response.text_excerpt() or "bad request", http_status=status)
        raise MalformedResponseError(VENDOR, endpoint, "reply has no {code, data} envelope", http_status=status)
    code = body.get("code")
    if str(code) == str(SUCCESS) and status < 400:
        return body.get("data")
    raise BusinessError(VENDOR, endpoint, str(body.get("message") or "failed"), code=str(code), http_status=status)


def _validate(model: type[M], endpoint: str, value: Any) -> M:
    return validate_request(model, VENDOR, endpoint, value)


def _page(model: type[M], data: Any):
    from airflow_provider_kakaclo.models.common import Page

    return Page[model].model_validate(data or {})


def _items(model: type[M], data: Any) -> list[M]:
    if isinstance(data, dict):
        data = data.get("list") or []
    return [model.model_validate(item) for item in data or []]


class KakaCloHook(VendorHook):
    """Talk to the KakaClo Open API with the access token of an Airflow connection.

    Connection: host = base URL (empty: the extra ``environment``'s, ``production`` by default =
    ``https://developer.kakaclo.com``; test
    ``https://test-developer.kakaclo.com``; the sandbox ``http://127.0.0.1:8980/kakaclo``), password =
    access token. Extras: ``rate_limit_burst`` / ``rate_limit_per_second`` (default the documented
    120 / 2), ``connect_timeout``, ``read_timeout``, ``max_attempts``, ``verify``.

    :param kakaclo_conn_id: the connection id (default ``kakaclo_default``).
    """

    conn_name_attr = "kakaclo_conn_id"
    default_conn_name = "kakaclo_default"
    conn_type = "kakaclo"
    hook_name = "KakaClo"
    vendor = VENDOR
    environments = ENVIRONMENTS["kakaclo"]
    _credentials_hint = "access token"
    default_rate_limit = (120.0, 2.0)

    def __init__(self, kakaclo_conn_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(conn_id=kakaclo_conn_id or kwargs.pop("conn_id", None), **kwargs)

    @staticmethod
    def _canonical(url: str) -> str:
        # The docs give the base URL as ``https://developer.kakaclo.com/openapi`` and paths that start
        # with ``/openapi`` again (spec §2): accept either and never send ``/openapi/openapi``.
        url = VendorHook._canonical(url)
        return url[: -len("/openapi")] if url.endswith("/openapi") else url

    def _wire(self) -> KakaCloWire:
        return KakaCloWire(self)

    # ------------------------------------------------------------------ products (P1-P4)
    def get_categories(self) -> list:
        """P1: the category tree (top-level categories, each with its ``child`` list)."""
        from airflow_provider_kakaclo.models.kakaclo import Category

        return _items(Category, self.call("GET", "/openapi/v1/product/category"))

    def get_products(self, **query: Any):
        """P2: one page of products; keywords as :class:`~..models.kakaclo.ProductQuery`."""
        from airflow_provider_kakaclo.models.kakaclo import Product, ProductQuery

        endpoint = "GET /openapi/v1/product/products"
        params = _validate(ProductQuery, endpoint, query).to_params()
        return _page(Product, self.call("GET", "/openapi/v1/product/products", params=params))

    def iter_products(
        self,
        *,
        spus: Iterable[str] | None = None,
        skus: Iterable[str] | None = None,
        category_id: int | None = None,
        date_start: str | None = None,
        date_end: str | None = None,
        sort_type: str | None = None,
        sort_by: str | None = None,
    ) -> Iterator:
        """Every product matching the filter: id lists in calls of 30, windows and categories by page."""
        if spus is not None or skus is not None:
            key, values = ("spus", spus) if spus is not None else ("skus", skus)
            for chunk in chunked(values, 30):
                yield from self.get_products(**{key: chunk}).items
            return
        yield from self._pages(
            self.get_products,
            categoryId=category_id,
            dateStartTime=date_start,
            dateEndTime=date_end,
            sortType=sort_type,
            sortBy=sort_by,
        )

    def get_warehouses(self) -> list:
        """P3: warehouses and their countries."""
        from airflow_provider_kakaclo.models.kakaclo import Warehouse

        return _items(Warehouse, self.call("GET", "/openapi/v1/product/countryAndWarehouse"))

    def get_stocks(self, **query: Any):
        """P4: one page of SKU stock per warehouse; keywords as :class:`~..models.kakaclo.StockQuery`."""
        from airflow_provider_kakaclo.models.kakaclo import SkuStock, StockQuery

        params = _validate(StockQuery, "GET /openapi/v1/product/stocks", query).to_params()
        return _page(SkuStock, self.call("GET", "/openapi/v1/product/stocks", params=params))

    def iter_stocks(
        self,
        *,
        skus: Iterable[str] | None = None,
        date_start: str | None = None,
        date_end: str | None = None,
        warehouse_code: str | None = None,
    ) -> Iterator:
        """Stock of the given SKUs (30 a call) or of every SKU updated in a window (30 a page)."""
        if skus is not None:
            for chunk in chunked(skus, 30):
                yield from self.get_stocks(skus=chunk, warehouseCode=warehouse_code).items
            return
        yield from self._pages(
            self.get_stocks, dateStartTime=date_start, dateEndTime=date_end, warehouseCode=warehouse_code
        )

    # ------------------------------------------------------------------ orders V2 (O2-1..O2-6)
    def get_logistics_channels(self, products: list[dict], ship_to_country: str, warehouse_code: str | None = None):
        """O2-1: channels and estimated freight for these products to that country."""
        return self._freight("/openapi/v2/order/orders/channel", products, ship_to_country, warehouse_code)

    def trial_split_freight(self, products: list[dict], ship_to_country: str) -> list:
        """O2-2: freight per ``channelType`` for an order split automatically by warehouse."""
        return self._freight("/openapi/v2/order/orders/channel/automationSplit", products, ship_to_country)

    def create_order(self, order: Any) -> str:
        """O2-3: create (and pay from the balance) one order; return the KakaClo order id as a string.

        Not retried on an ambiguous failure: an :class:`AmbiguousWriteError` tells the caller to look
        the order up by its ``customOrderId`` before trying again.
        """
        from airflow_provider_kakaclo.models.kakaclo import CreateOrderRequest

        body = _validate(CreateOrderRequest, "POST /openapi/v2/order/orders", order).to_wire()
        return str(self.call("POST", "/openapi/v2/order/orders", json=body, retry_safe=False))

    def get_orders(self, **query: Any):
        """O2-4: one page of orders by ids and/or creation/update windows."""
        from airflow_provider_kakaclo.models.kakaclo import Order

        return _page(Order, self.request(_orders_call(query)))

    async def aget_orders(self, **query: Any):
        """O2-4 without blocking the event loop (for triggers); same request, same decoding."""
        from airflow_provider_kakaclo.models.kakaclo import Order

        return _page(Order, await self.arequest(_orders_call(query)))

    def iter_orders(
        self,
        *,
        ids: Iterable[str | int] | None = None,
        create_start: str | None = None,
        create_end: str | None = None,
        update_start: str | None = None,
        update_end: str | None = None,
        page_size: int = 250,
    ) -> Iterator:
        """Every matching order: ids in calls of ``page_size``, windows page by page."""
        if ids is not None:
            for chunk in chunked((str(i) for i in ids), page_size):
                yield from self.get_orders(ids=chunk, pageSize=page_size).items
            return
        yield from self._pages(
            self.get_orders,
            createStartTime=create_start,
            createEndTime=create_end,
            updateStartTime=update_start,
            updateEndTime=update_end,
            pageSize=page_size,
        )

    def refund_order(self, order_id: str | int, refund: Any = None) -> str:
        """O2-5: ask for a full (no items) or partial refund; return the refund number."""
        from airflow_provider_kakaclo.models.kakaclo import RefundRequest

        endpoint = "POST /openapi/v2/order/orders/{id}/refund"
        body = _validate(RefundRequest, endpoint, refund or {}).to_wire()
        path = f"/openapi/v2/order/orders/{_path_id(order_id, endpoint)}/refund"
        return str(self.call("POST", path, json=body, retry_safe=False, endpoint=endpoint))

    def get_refunds(self, order_or_refund_id: str | int) -> list:
        """O2-6: the refunds of an order (the id may be the order id or the refund number)."""
        from airflow_provider_kakaclo.models.kakaclo import Refund

        return _items(Refund, self.request(_refunds_call(order_or_refund_id)))

    async def aget_refunds(self, order_or_refund_id: str | int) -> list:
        """O2-6 without blocking the event loop (for triggers)."""
        from airflow_provider_kakaclo.models.kakaclo import Refund

        return _items(Refund, await self.arequest(_refunds_call(order_or_refund_id)))

    # ------------------------------------------------------------------ custom products (C1-C5)
    def get_design_category_names(self) -> list[str]:
        """C1: POD design category names."""
        return list(self.call("GET", "/openapi/v1/product/custom/modelCategoryName/search") or [])

    def search_design_models(self, **search: Any):
        """C2: one page of POD design models."""
        from airflow_provider_kakaclo.models.kakaclo import DesignModel

        return self._search("/openapi/v1/product/custom/designModel/search", DesignModel, search)

    def iter_design_models(self, **search: Any) -> Iterator:
        """C2, every page (``pageSize`` 100)."""
        yield from self._pages(self.search_design_models, pageSize=100, **search)

    def get_design_model(self, model_id: str | int):
        """C3: one POD design model with its variants."""
        from airflow_provider_kakaclo.models.kakaclo import DesignModel

        endpoint = "GET /openapi/v1/product/custom/designModel/detail/{id}"
        path = f"/openapi/v1/product/custom/designModel/detail/{_path_id(model_id, endpoint)}"
        return DesignModel.model_validate(self.call("GET", path, endpoint=endpoint))

    def search_custom_designed(self, **search: Any):
        """C4: one page of the account's designed products."""
        from airflow_provider_kakaclo.models.kakaclo import CustomDesigned

        return self._search("/openapi/v1/product/custom/customDesigned/search", CustomDesigned, search)

    def iter_custom_designed(self, **search: Any) -> Iterator:
        """C4, every page (``pageSize`` 100)."""
        yield from self._pages(self.search_custom_designed, pageSize=100, **search)

    def add_designed_product(self, product: Any) -> Any:
        """C5: save a POD designed product (it then appears in C4)."""
        from airflow_provider_kakaclo.models.kakaclo import DesignedProduct

        path = "/openapi/v1/product/custom/customDesigned/addProduct"
        body = _validate(DesignedProduct, f"POST {path}", product).to_wire()
        return self.call("POST", path, json=body, retry_safe=False)

    # ------------------------------------------------------------------ payment ($1)
    def get_balance(self):
        """$1: the prepaid balance orders are paid from (USD)."""
        from airflow_provider_kakaclo.models.kakaclo import Balance

        return Balance.model_validate(self.call("GET", "/openapi/v1/payment/balance"))

    # ------------------------------------------------------------------ V1 orders (legacy)
    def v1_get_logistics_channels(self, products: list[dict], ship_to_country: str, warehouse_code: str | None = None):
        """O1-1 (legacy, "V1 is outdated, please use V2"): logistics channels."""
        _legacy("v1_get_logistics_channels", "get_logistics_channels")
        return self._freight("/openapi/v1/order/orders/channel", products, ship_to_country, warehouse_code)

    def v1_create_order(self, order: Any) -> str:
        """O1-2 (legacy): create an order with the V1 endpoint."""
        from airflow_provider_kakaclo.models.kakaclo import CreateOrderRequest

        _legacy("v1_create_order", "create_order")
        body = _validate(CreateOrderRequest, "POST /openapi/v1/order/orders", order).to_wire()
        return str(self.call("POST", "/openapi/v1/order/orders", json=body, retry_safe=False))

    def v1_get_orders(self, *, status: Iterable[str] | None = None, **query: Any) -> dict:
        """O1-3 (legacy): one page of V1 orders (V1 names; the only order query with a status filter)."""
        from airflow_provider_kakaclo.models.kakaclo import OrderQuery

        _legacy("v1_get_orders", "get_orders")
        params = _validate(OrderQuery, "GET /openapi/v1/order/orders", query).to_params()
        if status:
            params["status"] = ",".join(status)
        return self.call("GET", "/openapi/v1/order/orders", params=params) or {}

    def v1_refund_order(self, order_id: str | int, remark: str) -> str:
        """O1-4 (legacy): refund a whole order."""
        _legacy("v1_refund_order", "refund_order")
        endpoint = "POST /openapi/v1/order/orders/{id}/refund"
        path = f"/openapi/v1/order/orders/{_path_id(order_id, endpoint)}/refund"
        return str(self.call("POST", path, json={"Remark": remark}, retry_safe=False, endpoint=endpoint))

    def v1_get_refunds(self, order_or_refund_id: str | int) -> list:
        """O1-5 (legacy): the refunds of an order."""
        from airflow_provider_kakaclo.models.kakaclo import Refund

        _legacy("v1_get_refunds", "get_refunds")
        endpoint = "GET /openapi/v1/order/orders/refund/{id}"
        path = f"/openapi/v1/order/orders/refund/{_path_id(order_or_refund_id, endpoint)}"
        return _items(Refund, self.call("GET", path, endpoint=endpoint))

    # ------------------------------------------------------------------ order capability
    max_ids_per_status_call = ORDER_PAGE_SIZE_MAX

    def validate_order(self, order: Any) -> dict[str, Any]:
        """The order as it will be sent, checked against the documented rules; no request is made."""
        from airflow_provider_kakaclo.models.kakaclo import CreateOrderRequest

        return _validate(CreateOrderRequest, "POST /openapi/v2/order/orders", order).to_wire()

    def precheck_order(
        self, order: Any, *, stock: bool = True, freight: bool = True, balance: bool = True
    ) -> dict[str, Any]:
        """Read-only checks before spending money: SKUs on sale with stock, freight, balance.

        A batch of one for :meth:`precheck_orders` (stock from the product reply when it carries it;
        a balance reply it cannot read skips that check with a warning).

        :return: ``items_amount``, ``freight`` and ``balance`` (decimal strings) of what was checked.
        :raises PrecheckError: naming every SKU or amount that stops the order.
        """
        ((problems, checks),) = self.precheck_orders([order], stock=stock, freight=freight, balance=balance)
        if problems:
            raise PrecheckError(VENDOR, "order pre-check", "; ".join(problems))
        return checks

    def find_order(self, reference: str, *, since: Any, until: Any = None):
        """The order whose ``customOrderId`` is ``reference``, created between ``since`` and ``until``.

        KakaClo cannot filter by ``customOrderId`` (spec §11): this scans Query Order V2 by creation
        window, 250 a page, and matches the reference client-side.
        """
        import datetime as dt

        until = until or dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)
        matches = [
            order
            for order in self.iter_orders(create_start=_iso(since), create_end=_iso(until))
            if order.customOrderId == reference
        ]
        if len(matches) > 1:
            self.log.warning("%s orders carry reference %s: %s", len(matches), reference, [o.id for o in matches])
        return order_status(matches[0]) if matches else None

    def place_order(self, order: Any, reference: str) -> str:
        """Create the order with ``reference`` as ``customOrderId``; return the KakaClo order id."""
        return self.create_order({**dict(order), "customOrderId": reference})

    def get_order_statuses(self, order_ids: Iterable[str]) -> dict:
        """Normalized status of each order, up to 250 ids per call."""
        return {o.id: order_status(o) for o in self.iter_orders(ids=order_ids)}

    async def aget_order_statuses(self, order_ids: Iterable[str]) -> dict:
        """Like :meth:`get_order_statuses`, for triggers."""
        statuses = {}
        for chunk in chunked([str(i) for i in order_ids], ORDER_PAGE_SIZE_MAX):
            page = await self.aget_orders(ids=chunk, pageSize=ORDER_PAGE_SIZE_MAX)
            statuses.update({o.id: order_status(o) for o in page.items})
        return statuses

    def validate_refund(self, refund: Any) -> dict[str, Any]:
        """The refund request as it will be sent, checked against the documented rules."""
        from airflow_provider_kakaclo.models.kakaclo import RefundRequest

        return _validate(RefundRequest, "POST /openapi/v2/order/orders/{id}/refund", refund or {}).to_wire()

    def request_refund(self, order_id: str, refund: Any) -> str:
        """Ask for a refund (whole order without ``orderItems``); return the refund number."""
        return self.refund_order(order_id, refund)

    def find_refund(self, order_id: str) -> tuple[str, str] | None:
        """An open or successful refund of the order as ``(refund number, normalized status)``."""
        for refund in self.get_refunds(order_id):
            status = REFUND_STATUS.get(refund.refundStatus or "", "pending")
            if refund.id in (None, str(order_id)) and status != "failed":
                return refund.refundNo, status
        return None

    def get_refund_status(self, order_id: str, refund_id: str) -> str | None:
        """``pending``, ``succeeded`` or ``failed`` for the refund ``refund_id`` of the order."""
        return _refund_outcome(self.get_refunds(order_id), refund_id)

    async def aget_refund_status(self, order_id: str, refund_id: str) -> str | None:
        """Like :meth:`get_refund_status`, for triggers."""
        return _refund_outcome(await self.aget_refunds(order_id), refund_id)

    def order_url(self, order_id: str) -> str | None:
        """KakaClo documents no per-order page; the connection extra ``order_url_template`` can give one."""
        template = self.extras.get("order_url_template")
        return template.format(order_id=order_id) if template else None

    # ------------------------------------------------------------------ stock capability
    #: KakaClo filters stock by update time, and its search index lags up to 5 minutes: windows end
    #: at least 10 minutes before now (the vendor's pull advice).
    stock_update_lag_seconds = 600

    def iter_stock(
        self,
        *,
        skus: Iterable[str] | None = None,
        warehouses: Iterable[str] | None = None,
        updated_from: Any = None,
        updated_to: Any = None,
    ) -> Iterator:
        """Stock rows (one per SKU and warehouse): given SKUs 30 a call, else a window 30 a page.

        Without SKUs and window, the whole catalog (every update time up to now).
        """
        import datetime as dt

        from airflow_provider_kakaclo.stock import StockRow

        wanted = set(warehouses) if warehouses else None
        if skus is not None:
            rows = self.iter_stocks(skus=skus)
        else:
            start = updated_from or dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
            end = updated_to or dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=5)
            rows = self.iter_stocks(date_start=_iso(start), date_end=_iso(end))
        for row in rows:
            for stock in row.warehouseStockList:
                code = stock.warehouseCode or ""
                if wanted is None or code in wanted:
                    yield StockRow(VENDOR, row.sku, code, stock.qty)

    # ------------------------------------------------------------------ connection test
    def _probe(self) -> str:
        """Read-only check for test_connection: the token is accepted and the warehouse list is readable."""
        return f"the access token was accepted; {len(self.get_warehouses())} warehouses visible"

    # ------------------------------------------------------------------ helpers
    def _freight(self, path: str, products: list[dict], country: str, warehouse_code: str | None = None) -> list:
        from airflow_provider_kakaclo.models.kakaclo import Channel, FreightRequest

        body = _validate(
            FreightRequest,
            f"POST {path}",
            {"products": products, "shipToCountry": country, "warehouseCode": warehouse_code},
        ).to_wire()
        return _items(Channel, self.call("POST", path, json=body))

    def _search(self, path: str, model: type, search: dict[str, Any]):
        from airflow_provider_kakaclo.models.kakaclo import DesignSearch

        body = _validate(DesignSearch, f"POST {path}", search).to_wire()
        return _page(model, self.call("POST", path, json=body))

    @staticmethod
    def _pages(fetch, **query: Any) -> Iterator:
        return walk_pages(fetch, "pageNumber", **query)

    # ------------------------------------------------------------------ batch order capability
    def find_orders(self, references: Iterable[str], *, since: Any, until: Any = None) -> dict[str, list]:
        """Every order carrying one of ``references``, created in the window: one scan for all of them.

        :return: reference -> the normalized status of each order carrying it (usually one).
        """
        import datetime as dt

        wanted = set(references)
        until = until or dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)
        found: dict[str, list] = {}
        for order in self.iter_orders(create_start=_iso(since), create_end=_iso(until)):
            if order.customOrderId in wanted:
                found.setdefault(order.customOrderId, []).append(order_status(order))
        return found

    def precheck_orders(
        self, orders: list[Any], *, stock: bool = True, freight: bool = True, balance: bool = True
    ) -> list[tuple[list[str], dict[str, str]]]:
        """Pre-check many orders at once: distinct SKUs 30 a call (stock from the product reply when it
        carries it), freight once per distinct lines and country, the balance once, debited per order.

        :return: one ``(problems, checks)`` per order, in order; no problems: it may be placed.
        """
        from airflow_provider_kakaclo.batches import (
            SkuFacts,
            evaluate_orders,
            freight_key,
            quantities,
            sku_problems,
        )

        bodies = [self.validate_order(order) for order in orders]
        wanted = sorted({sku for body in bodies for sku in quantities(body)})
        facts: dict[str, SkuFacts] = {}
        if (stock or balance) and wanted:
            for product in self.iter_products(skus=wanted):
                for sku in product.skuDetails:
                    facts[sku.sku] = SkuFacts(sku.skuStatus, sku.price or 0, sku.stock)
            unknown = [sku for sku in wanted if sku in facts and facts[sku].stock is None]
            if stock and unknown:  # the product reply did not carry the stock: ask P4 for those only
                for row in self.iter_stocks(skus=unknown):
                    facts[row.sku].stock = row.total
        trials: dict[tuple, dict] = {}
        if freight:
            levels = {sku: f.stock or 0 for sku, f in facts.items()} if stock else None
            for body in bodies:
                key = freight_key(body)
                if key in trials or ((stock or balance) and sku_problems(quantities(body), facts, levels)):
                    continue
                channels = self.trial_split_freight(body["orderItemsList"], key[1])
                trials[key] = {c.channelType: c.estimatedFreight or 0 for c in channels}
        available = self._readable_balance() if balance else None
        return evaluate_orders(bodies, facts, trials, available, stock=stock, freight=freight, balance=balance)

    def _readable_balance(self):
        """The balance, or None (with a warning) when the reply cannot be read: the check steps aside."""
        try:
            value = getattr(self.get_balance(), "balance", None)
        except MalformedResponseError as err:
            self.log.warning("the balance reply could not be read (%s): the balance check is skipped", err.message)
            return None
        if value is None:
            self.log.warning("the balance reply carried no readable amount: the balance check is skipped")
        return value

    def cancel_order(self, order_id: str, remark: str) -> str:
        """Cancel an order before shipment (the docs' refund of the whole order); an open refund is reused.

        :return: the refund number.
        """
        existing = self.find_refund(order_id)
        if existing is not None:
            return existing[0]
        try:
            return self.refund_order(order_id, {"refundReason": "Other", "remark": remark})
        except BusinessError:
            existing = self.find_refund(order_id)  # a concurrent try asked first: that refund serves
            if existing is None:
                raise
            return existing[0]


def _refund_outcome(refunds: list, refund_id: str) -> str | None:
    for refund in refunds:
        if refund.refundNo == str(refund_id):
            return REFUND_STATUS.get(refund.refundStatus or "", "pending")
    return None


def _refunds_call(order_or_refund_id: str | int) -> Call:
    endpoint = "GET /openapi/v2/order/orders/refund/{id}"
    path = f"/openapi/v2/order/orders/refund/{_path_id(order_or_refund_id, endpoint)}"
    return Call("GET", path, endpoint=endpoint)


def _orders_call(query: dict[str, Any]) -> Call:
    from airflow_provider_kakaclo.models.kakaclo import OrderQuery

    params = _validate(OrderQuery, "GET /openapi/v2/order/orders", query).to_params()
    return Call("GET", "/openapi/v2/order/orders", params=params)


def _iso(value: Any) -> str:
    """KakaClo's time format: ISO-8601 UTC, ``Z`` suffix, no fractions."""
    import datetime as dt

    if isinstance(value, str):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def order_status(order: Any):
    """Map KakaClo's four status fields and its packages to the provider's normalized lifecycle."""
    from airflow_provider_kakaclo import lifecycle as lc

    if order.refundStatus == "refunded":
        status = lc.REFUNDED
    elif order.status == "cancel":
        status = lc.CANCELLED
    elif order.status == "abnormal_order":
        status = lc.ABNORMAL
    elif order.status == "completed" or order.fulfillmentStatus == "completed":
        status = lc.DELIVERED
    elif order.fulfillmentStatus == "fully_shipped":
        status = lc.SHIPPED
    elif order.fulfillmentStatus == "partially_shipped":
        status = lc.PARTIALLY_SHIPPED
    elif order.financialStatus == "paid":
        status = lc.PAID
    else:
        status = lc.PENDING
    packages = [p for p in order.fulfillments or [] if p.trackingCode]
    return lc.OrderStatus(
        order_id=order.id,
        status=status,
        vendor=VENDOR,
        vendor_status={
            "status": order.status,
            "financialStatus": order.financialStatus,
            "fulfillmentStatus": order.fulfillmentStatus,
            "refundStatus": order.refundStatus,
        },
        carriers=[p.carrier for p in packages if p.carrier],
        tracking_codes=[p.trackingCode for p in packages],
        tracking_urls=[p.logisticsSearchUrl for p in packages if p.logisticsSearchUrl],
        merchant_order_id=order.customOrderId,
        amounts={
            k: str(v)
            for k, v in (
                ("items", order.subTotalAmount),
                ("freight", order.freightAmount),
                ("total", order.finalAmount),
                ("refunded", order.refundedAmount),
            )
            if v is not None
        },
    )


def _path_id(value: str | int, endpoint: str) -> str:
    text = str(value).strip()
    if not text.isdigit():
        raise RequestValidationError(VENDOR, endpoint, f"id must be digits, got {value!r}")
    return text


def _legacy(name: str, replacement: str) -> None:
    warnings.warn(
        f"KakaCloHook.{name} calls an Order V1 endpoint, which KakaClo marks outdated; use {replacement}",
        DeprecationWarning,
        stacklevel=3,
    )
