"""KakaClo Open API hook: one short method per endpoint of spec ``kakaclo.md`` §6."""

from __future__ import annotations

import datetime as dt
import functools
import re
import warnings
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from airflow_provider_kakaclo.connections import ENVIRONMENTS
from airflow_provider_kakaclo.hooks.base import VendorHook, chunked, validate_request, walk_pages
from airflow_provider_kakaclo.transport.core import Call, RawResponse, with_headers
from airflow_provider_kakaclo.transport.errors import (
    AmbiguousWriteError,
    AuthenticationError,
    BusinessError,
    MalformedResponseError,
    NotFoundError,
    PrecheckError,
    RequestValidationError,
    ServerError,
    ThrottledError,
    VendorError,
)

if TYPE_CHECKING:
    from pydantic import BaseModel

VENDOR = "kakaclo"
SUCCESS = 10000
ON_SHELF = 1  # skuStatus "on the shelf" (spec §8.6)
ORDER_PAGE_SIZE_MAX = 250
#: Refund transaction status (spec §8.7) -> the provider's refund outcome.
REFUND_STATUS = {"pending_review": "pending", "refund_successfully": "succeeded", "refund_failed": "failed"}
#: An order's refundStatus (§8.4) -> the outcome of its refund, when query-refund finds none (§15 S2).
ORDER_REFUND_STATUS = {"refunding": "pending", "partial_refund": "succeeded", "refunded": "succeeded"}
#: Ends of update windows are never later than our clock (to the second, §15 S5); a full read ends now.
CLOCK_MARGIN = dt.timedelta(0)
ORDERS_ENDPOINT = "GET /openapi/v2/order/orders"
_ASCII_DIGITS = re.compile(r"[0-9]+")


def _shape(value: Any) -> str:
    """What a reply value is, without its text (a vendor may echo anything there)."""
    if value is None or isinstance(value, bool | int | float):
        import json

        return json.dumps(value)
    if isinstance(value, str):
        return f"a string of {len(value)} characters"
    if isinstance(value, list):
        return f"a list of {len(value)} items"
    if isinstance(value, dict):
        return f"an object with keys {sorted(map(str, value))[:8]}"
    return type(value).__name__


class OrderPagingError(MalformedResponseError):
    """The order list's pages do not add up to its ``total``: not worth repeating as is."""

    retryable = False

M = TypeVar("M", bound="BaseModel")


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

    return Page[model].model_validate(data or {})  # type: ignore[valid-type]


@functools.cache
def _list_of(model: type) -> Any:
    from pydantic import TypeAdapter

    return TypeAdapter(list[model])  # type: ignore[valid-type]


def _items(model: type[M], data: Any) -> list[M]:
    """The reply's list (bare, or under ``list``); anything that is not a list is a malformed reply."""
    if isinstance(data, dict):
        data = data.get("list")
    return _list_of(model).validate_python([] if data is None else data)


def _one_id(endpoint: str, data: Any) -> str:
    """The id a write returned: a number, a digit string or a list of exactly one (§15 S10).

    Anything else (null, several ids, ``True``) leaves the outcome unknown: an
    :class:`AmbiguousWriteError`, so the caller reconciles instead of recording a bogus id.
    """
    value = data[0] if isinstance(data, list) and len(data) == 1 else data
    text = str(value).strip() if isinstance(value, int | str) and not isinstance(value, bool) else ""
    if not _ASCII_DIGITS.fullmatch(text):
        raise AmbiguousWriteError(MalformedResponseError(
            VENDOR, endpoint, f"the reply's data is not one id but {_shape(data)}"))
    return text


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
        params = _validate(ProductQuery, endpoint, _not_future(query, "dateEndTime", self.log)).to_params()
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
            for chunk in chunked(_codes(values or (), key, "GET /openapi/v1/product/products"), 30):
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

        query = _not_future(query, "dateEndTime", self.log)
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
            for chunk in chunked(_codes(skus, "skus", "GET /openapi/v1/product/stocks"), 30):
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
        return self._create("/openapi/v2/order/orders", order)

    def get_orders(self, **query: Any):
        """O2-4: one page of orders by ids and/or creation/update windows."""
        from airflow_provider_kakaclo.models.kakaclo import Order

        return _page(Order, self.request(self._orders_call(query)))

    async def aget_orders(self, **query: Any):
        """O2-4 without blocking the event loop (for triggers); same request, same decoding."""
        from airflow_provider_kakaclo.models.kakaclo import Order

        return _page(Order, await self.arequest(self._orders_call(query)))

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
        """Every matching order: ids in calls of ``page_size``, windows page by page; every list is
        paged by its ``total`` (a server may honour fewer orders a page than asked, §15 S4)."""
        if ids is not None:
            for chunk in chunked(_order_ids(ids), page_size):
                pager = _OrderPager(self._order_paging)
                while not pager.done:
                    yield from pager.take(self.get_orders(ids=chunk, pageSize=page_size, pageNumber=pager.number))
            return
        window = {"createStartTime": create_start, "createEndTime": create_end, "updateStartTime": update_start,
                  "updateEndTime": update_end}
        pager = _OrderPager(self._order_paging)
        while not pager.done:
            page = self.get_orders(pageSize=page_size, pageNumber=pager.number,
                                   **{k: v for k, v in window.items() if v is not None})
            yield from pager.take(page)

    def refund_order(self, order_id: str | int, refund: Any = None) -> str:
        """O2-5: ask for a full (no items) or partial refund; return the refund number."""
        from airflow_provider_kakaclo.models.kakaclo import RefundRequest

        endpoint = "POST /openapi/v2/order/orders/{id}/refund"
        body = _validate(RefundRequest, endpoint, refund or {}).to_wire()
        path = f"/openapi/v2/order/orders/{_path_id(order_id, endpoint)}/refund"
        return _one_id(endpoint, self.call("POST", path, json=body, retry_safe=False, endpoint=endpoint))

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
        """C1: POD design category names (GET as labelled, POST as the curl: §15 S8)."""
        return _list_of(str).validate_python(self._custom_read("/openapi/v1/product/custom/modelCategoryName/search")
                                             or [])

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

        endpoint = "/openapi/v1/product/custom/designModel/detail/{id}"
        path = f"/openapi/v1/product/custom/designModel/detail/{_path_id(model_id, 'GET ' + endpoint)}"
        return DesignModel.model_validate(self._custom_read(path, endpoint))

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
        """$1: the prepaid balance orders are paid from (USD); ``balance`` is None when the reply has
        no key the provider knows (the reply is undocumented, §15 S1: ``reply_keys`` names its keys)."""
        from airflow_provider_kakaclo.models.kakaclo import Balance

        return Balance.model_validate(self.call("GET", "/openapi/v1/payment/balance"))

    # ------------------------------------------------------------------ V1 orders (legacy)
    def v1_get_logistics_channels(self, products: list[dict], ship_to_country: str, warehouse_code: str | None = None):
        """O1-1 (legacy, "V1 is outdated, please use V2"): logistics channels."""
        _legacy("v1_get_logistics_channels", "get_logistics_channels")
        return self._freight("/openapi/v1/order/orders/channel", products, ship_to_country, warehouse_code)

    def v1_create_order(self, order: Any) -> str:
        """O1-2 (legacy): create an order with the V1 endpoint."""

        _legacy("v1_create_order", "create_order")
        return self._create("/openapi/v1/order/orders", order)

    def v1_get_orders(self, *, status: Iterable[str] | None = None, **query: Any) -> dict:
        """O1-3 (legacy): one page of V1 orders (V1 names; the only order query with a status filter)."""
        from airflow_provider_kakaclo.models.kakaclo import V1_ORDER_STATUSES, OrderQuery

        _legacy("v1_get_orders", "get_orders")
        endpoint = "GET /openapi/v1/order/orders"
        params = _validate(OrderQuery, endpoint, query).to_params()
        if status is not None:
            wanted = [status] if isinstance(status, str) else list(status)
            unknown = [s for s in wanted if s not in V1_ORDER_STATUSES]
            if not wanted or unknown:
                raise RequestValidationError(VENDOR, endpoint, f"status: give V1 statuses among "
                                             f"{', '.join(V1_ORDER_STATUSES)}; got {wanted!r}")
            params["status"] = ",".join(wanted)
        return self.call("GET", "/openapi/v1/order/orders", params=params) or {}

    def v1_refund_order(self, order_id: str | int, remark: str) -> str:
        """O1-4 (legacy): refund a whole order."""
        _legacy("v1_refund_order", "refund_order")
        endpoint = "POST /openapi/v1/order/orders/{id}/refund"
        path = f"/openapi/v1/order/orders/{_path_id(order_id, endpoint)}/refund"
        if not isinstance(remark, str) or not remark.strip():
            raise RequestValidationError(VENDOR, endpoint, "remark: required by the V1 refund (Remark)")
        return _one_id(endpoint, self.call("POST", path, json={"Remark": remark}, retry_safe=False, endpoint=endpoint))

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
        """The order whose ``customOrderId`` is ``reference``, created between ``since`` and ``until``
        (of several, a live one before a cancelled twin, the first created among those).

        KakaClo cannot filter by ``customOrderId`` (spec §11): this scans Query Order V2 by creation
        window, 250 a page, and matches the reference client-side.
        """
        end = _iso(until) if until is not None else None  # open-ended: never an end in the future (§15 S5)
        matches = [
            order
            for order in self.iter_orders(create_start=_iso(since), create_end=end)
            if order.customOrderId == reference
        ]
        if not matches:
            return None
        if len(matches) > 1:
            self.log.warning("%s orders carry reference %s: %s", len(matches), reference, [o.id for o in matches])
        from airflow_provider_kakaclo.batches import representative

        return representative([order_status(o) for o in matches])

    def place_order(self, order: Any, reference: str) -> str:
        """Create the order with ``reference`` as ``customOrderId``; return the KakaClo order id."""
        return self.create_order({**dict(order), "customOrderId": reference})

    def get_order_statuses(self, order_ids: Iterable[str]) -> dict:
        """Normalized status of each order, up to 250 ids per call, every page by ``total``."""
        return {o.id: order_status(o) for o in self.iter_orders(ids=order_ids)}

    async def aget_order_statuses(self, order_ids: Iterable[str]) -> dict:
        """Like :meth:`get_order_statuses`, for triggers."""
        statuses = {}
        for chunk in chunked(_order_ids(order_ids), ORDER_PAGE_SIZE_MAX):
            pager = _OrderPager(self._order_paging)
            while not pager.done:
                page = await self.aget_orders(ids=chunk, pageSize=ORDER_PAGE_SIZE_MAX, pageNumber=pager.number)
                statuses.update({o.id: order_status(o) for o in pager.take(page)})
        return statuses

    def validate_refund(self, refund: Any) -> dict[str, Any]:
        """The refund request as it will be sent, checked against the documented rules."""
        from airflow_provider_kakaclo.models.kakaclo import RefundRequest

        return _validate(RefundRequest, "POST /openapi/v2/order/orders/{id}/refund", refund or {}).to_wire()

    def request_refund(self, order_id: str, refund: Any) -> str:
        """Ask for a refund (whole order without ``orderItems``); return the refund number."""
        return self.refund_order(order_id, refund)

    def find_refund(self, order_id: str) -> tuple[str, str] | None:
        """An open or successful refund of the order as ``(refund number, normalized status)``.

        Query-refund by the order id; when it finds none (``[]``, an error code or 404 all mean "no
        refund yet", §15 S2) but the order itself says a refund exists, ``("", status)``: the server
        looks refunds up by refund number only, and the order's own ``refundStatus`` is followed.
        """
        for refund in self._refunds_or_none(order_id):
            status = REFUND_STATUS.get(refund.refundStatus or "", "pending")
            if refund.id in (None, str(order_id)) and status != "failed":
                return refund.refundNo, status
        outcome = self._order_refund_outcome(order_id)
        return ("", outcome) if outcome else None

    def get_refund_status(self, order_id: str, refund_id: str) -> str | None:
        """``pending``, ``succeeded`` or ``failed`` for the refund ``refund_id`` of the order.

        Found by refund number, else among the order's refunds, else from the order's own
        ``refundStatus`` (whichever reading of query-refund's ``{id}`` the server uses, §15 S2).
        """
        if refund_id and (found := _refund_outcome(self._refunds_or_none(refund_id), refund_id, order_id)):
            return found
        by_order = _refund_outcome(self._refunds_or_none(order_id), refund_id, order_id, by_order=True, log=self.log)
        return by_order or self._order_refund_outcome(order_id)

    async def aget_refund_status(self, order_id: str, refund_id: str) -> str | None:
        """Like :meth:`get_refund_status`, for triggers."""
        if refund_id and (found := _refund_outcome(await self._arefunds_or_none(refund_id), refund_id, order_id)):
            return found
        refunds = await self._arefunds_or_none(order_id)
        by_order = _refund_outcome(refunds, refund_id, order_id, by_order=True, log=self.log)
        if by_order:
            return by_order
        status = (await self.aget_order_statuses([order_id])).get(str(order_id))
        return ORDER_REFUND_STATUS.get(status.vendor_status.get("refundStatus") or "") if status else None

    def _refunds_or_none(self, reference: str | int) -> list:
        try:
            return self.get_refunds(reference)
        except (NotFoundError, BusinessError) as err:
            self.log.info("query-refund %s found nothing (%s): read as no refund yet", reference, err.message)
            return []

    async def _arefunds_or_none(self, reference: str | int) -> list:
        try:
            return await self.aget_refunds(reference)
        except (NotFoundError, BusinessError) as err:
            self.log.info("query-refund %s found nothing (%s): read as no refund yet", reference, err.message)
            return []

    def _order_refund_outcome(self, order_id: str) -> str | None:
        status = self.get_order_statuses([order_id]).get(str(order_id))
        return ORDER_REFUND_STATUS.get(status.vendor_status.get("refundStatus") or "") if status else None

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
        from airflow_provider_kakaclo.stock import StockRow

        wanted = set(warehouses) if warehouses else None
        if skus is not None:
            rows = self.iter_stocks(skus=skus)
        else:
            start = updated_from or dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
            end = updated_to or dt.datetime.now(dt.timezone.utc) - CLOCK_MARGIN  # never in the future (S5)
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
    @property
    def _order_paging(self) -> str:
        """Connection extra ``order_paging``: ``as_named`` (default) or ``swapped`` (§15 S4)."""
        value = self.extras.get("order_paging") or "as_named"
        if value not in ("as_named", "swapped"):
            raise RequestValidationError(VENDOR, "connection", f"extra order_paging must be as_named or swapped, "
                                         f"got {value!r}")
        return value

    def _orders_call(self, query: dict[str, Any]) -> Call:
        from airflow_provider_kakaclo.models.kakaclo import OrderQuery

        params = _validate(OrderQuery, ORDERS_ENDPOINT, query).to_params()
        if self._order_paging == "swapped":  # the server reads the parameters as the docs describe them
            params["pageNumber"], params["pageSize"] = params.pop("pageSize"), params.pop("pageNumber")
        return Call("GET", "/openapi/v2/order/orders", params=params)

    def _create(self, path: str, order: Any) -> str:
        """Create an order; a reply that is not one id is an ambiguous write (§15 S10)."""
        from airflow_provider_kakaclo.models.kakaclo import CREATE_CHANNEL_TYPES, CreateOrderRequest

        endpoint = f"POST {path}"
        body = _validate(CreateOrderRequest, endpoint, order).to_wire()
        try:
            return _one_id(endpoint, self.call("POST", path, json=body, retry_safe=False))
        except BusinessError as err:
            if body.get("channelType") in CREATE_CHANNEL_TYPES:
                raise
            raise BusinessError(VENDOR, endpoint, f"{err.message}; note: the create-order page allows channelType "
                                f"{' or '.join(CREATE_CHANNEL_TYPES)} only, {body.get('channelType')} appears in "
                                "freight replies (spec §15 S9): this server seems to refuse it on create",
                                code=err.code, http_status=err.http_status) from err

    def _custom_read(self, path: str, endpoint: str | None = None) -> Any:
        """C1/C3: labelled GET, the curl says POST (§15 S8): GET first (or the extra
        ``custom_product_method``), the other method once when the server answers 405."""
        method = self.__dict__.get("_custom_method") or self.extras.get("custom_product_method") or "GET"
        if method not in ("GET", "POST"):
            raise RequestValidationError(VENDOR, "connection", f"extra custom_product_method must be GET or POST, "
                                         f"got {method!r}")
        try:
            return self.call(method, path, endpoint=f"{method} {endpoint or path}")
        except VendorError as err:
            if err.http_status != 405:
                raise
            other = "POST" if method == "GET" else "GET"
            self.log.warning("KakaClo answered %s %s with 405: using %s (the page labels it GET, its curl uses POST, "
                             "spec §15 S8); set the connection extra custom_product_method=%s to ask it first",
                             method, endpoint or path, other, other)
            self._custom_method = other
            return self.call(other, path, endpoint=f"{other} {endpoint or path}")

    def _readable_balance(self):
        """The USD balance, or None (with a warning) when the reply cannot be read: never block on a guess."""
        try:
            balance = self.get_balance()
        except MalformedResponseError as err:
            self.log.warning("balance check skipped: the balance reply could not be read (%s)", err.message)
            return None
        if balance.balance is None or (balance.currency or "USD").upper() != "USD":
            self.log.warning("balance check skipped: the balance reply (undocumented, spec §15 S1) has no USD "
                             "amount under a key the provider knows; its keys: %s", balance.reply_keys or "none")
            return None
        return balance.balance

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
        from decimal import Decimal

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
                    facts[sku.sku] = SkuFacts(sku.skuStatus, sku.price or Decimal(0), sku.stock)
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


def _refund_outcome(refunds: list, refund_id: str, order_id: str, *, by_order: bool = False,
                    log: Any = None) -> str | None:
    """The outcome of refund ``refund_id`` among ``refunds``; with ``by_order``, when no refundNo
    matches (the refund call may return a number query-refund never lists, §15 S2), the outcome the
    order's refunds agree on (``pending`` while they disagree)."""
    for refund in refunds:
        if refund.refundNo == str(refund_id):
            return REFUND_STATUS.get(refund.refundStatus or "", "pending")
    if not by_order:
        return None
    mine = [r for r in refunds if r.id in (None, str(order_id))]
    outcomes = {REFUND_STATUS.get(r.refundStatus or "", "pending") for r in mine}
    if not outcomes:
        return None
    if log is not None:
        log.warning("no refund of order %s has refundNo %s (refund numbers: %s): following the order's "
                    "refunds (spec §15 S2)", order_id, refund_id, [r.refundNo for r in mine])
    return outcomes.pop() if len(outcomes) == 1 else "pending"


class _OrderPager:
    """Pages of one order query, followed until ``total`` orders came back (§15 S4).

    A server may honour fewer orders a page than asked, or ignore ``pageSize``: only ``total`` and
    the orders seen count. A page that adds nothing before ``total`` is reached stops with an error
    naming the likely reading instead of silently losing orders; unless ``total`` moved during the
    scan: orders created meanwhile (other workers placing orders) shift the pages under it, so pages
    of orders already seen are passed over, and past the end it starts again from page 1 for what
    was shifted there, keeping what came back (both bounded, then the error after all).
    """

    #: Scans started again because the list moved under them.
    RESTARTS = 3
    #: Pages in a row of orders already seen, in a list that moved, before giving up.
    STALE_PAGES = 50

    def __init__(self, paging: str) -> None:
        self.paging = paging
        self.number = 1
        self.seen: set[str] = set()
        self.done = False
        self.totals: set[Any] = set()
        self.restarts = self.stale = 0

    def take(self, page: Any) -> list:
        fresh = [order for order in page.items if order.id not in self.seen]
        self.seen.update(order.id for order in fresh)
        total = page.total
        self.totals.add(total)
        if total is None:  # no total: the old rule, a short or empty page ends the list
            self.done = not page.items or len(page.items) < (page.pageSize or len(page.items))
        else:
            self.done = len(self.seen) >= total
        self.stale = 0 if fresh else self.stale + 1
        if not self.done and not fresh and len(self.totals) > 1:  # the list moved during the scan
            if page.items and self.stale <= self.STALE_PAGES:
                self.number += 1
                return fresh
            if not page.items and self.restarts < self.RESTARTS:
                self.restarts += 1
                self.number = 1
                return fresh
        if not self.done and not fresh:
            other = "swapped" if self.paging == "as_named" else "as_named"
            raise OrderPagingError(
                VENDOR, ORDERS_ENDPOINT, f"page {self.number} brought no new order although total says {total} and "
                f"{len(self.seen)} came back: the server seems to read pageNumber/pageSize the other way round "
                f"(their descriptions are swapped in the docs, spec §15 S4); set the connection extra "
                f"order_paging={other} (now {self.paging})")
        self.number += 1
        return fresh


def _order_ids(ids: Iterable[str | int]) -> list[str]:
    """Every id checked before the first request (ASCII digits; none: no request)."""
    from airflow_provider_kakaclo.models.kakaclo import DigitsId

    if isinstance(ids, str | int):
        ids = [ids]
    return _checked_list(DigitsId, list(ids), "ids", ORDERS_ENDPOINT)


def _codes(values: Iterable[str], name: str, endpoint: str) -> list[str]:
    """SPUs/SKUs sent comma-joined, every one checked before the first request (none: no request)."""
    from airflow_provider_kakaclo.models.kakaclo import JoinableCode

    if isinstance(values, str):
        values = [values]
    return _checked_list(JoinableCode, list(values), name, endpoint)


def _checked_list(item_type: Any, values: list, name: str, endpoint: str) -> list:
    from pydantic import ValidationError

    from airflow_provider_kakaclo.models.common import describe_validation_error

    try:
        return _list_of(item_type).validate_python(values)
    except ValidationError as err:
        raise RequestValidationError(VENDOR, endpoint, f"{name}.{describe_validation_error(err)}") from None


def _not_future(query: dict[str, Any], key: str, log: Any) -> dict[str, Any]:
    """``query`` with ``key`` (a window end) no later than now minus :data:`CLOCK_MARGIN` (§15 S5)."""
    value = query.get(key)
    if value is None:
        return query
    latest = dt.datetime.now(dt.timezone.utc) - CLOCK_MARGIN
    try:
        end = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return query  # not a time: the request model reports it
    end = end if end.tzinfo else end.replace(tzinfo=dt.timezone.utc)
    if end <= latest:
        return {**query, key: _iso(end)}
    log.warning("%s %s is in the future: sent as %s (KakaClo refuses end times later than now, spec §15 S5)",
                key, _iso(end), _iso(latest))
    return {**query, key: _iso(latest)}


def _refunds_call(order_or_refund_id: str | int) -> Call:
    endpoint = "GET /openapi/v2/order/orders/refund/{id}"
    path = f"/openapi/v2/order/orders/refund/{_path_id(order_or_refund_id, endpoint)}"
    return Call("GET", path, endpoint=endpoint)


def _iso(value: Any) -> str:
    """KakaClo's time format: ISO-8601 UTC, ``Z`` suffix, no fractions."""
    if isinstance(value, str):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


#: V1's flat order status (spec §7 O1-3; served on the V2 list by some readings, §15 S6) -> lifecycle.
V1_STATUS = {"waiting_to_ship": "paid", "refunding": "paid", "refund_fail": "paid", "refunded": "refunded",
             "partial_shipped": "partially_shipped", "shipped": "shipped", "delivered": "delivered"}


def order_status(order: Any):
    """Map KakaClo's four status fields (or V1's flat status) and its packages to the normalized lifecycle."""
    from airflow_provider_kakaclo import lifecycle as lc

    if order.refundStatus == "refunded":
        status = lc.REFUNDED
    elif order.status in V1_STATUS:
        status = V1_STATUS[order.status]
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
    """A path segment: ASCII digits only (``str.isdigit`` accepts ``"١٢"``; ``/``, ``..``, ``?``, ``#`` never)."""
    text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if not _ASCII_DIGITS.fullmatch(text):
        raise RequestValidationError(VENDOR, endpoint, f"id must be digits 0-9, got {value!r}")
    return text


def _legacy(name: str, replacement: str) -> None:
    warnings.warn(
        f"KakaCloHook.{name} calls an Order V1 endpoint, which KakaClo marks outdated; use {replacement}",
        DeprecationWarning,
        stacklevel=3,
    )
