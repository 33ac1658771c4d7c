"""Qianyi ERP open API hook (spec ``qianyi.md``): signed multipart posts, one ``serviceType`` each."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterable, Iterator
from typing import Any

from airflow_provider_kakaclo.connections import ENVIRONMENTS
from airflow_provider_kakaclo.hooks.base import VendorHook, chunked, validate_request
from airflow_provider_kakaclo.transport.core import Call, RawResponse
from airflow_provider_kakaclo.transport.errors import (
    AmbiguousWriteError,
    AuthenticationError,
    BusinessError,
    MalformedResponseError,
    NotFoundError,
    RequestValidationError,
    ServerError,
    ThrottledError,
    VendorError,
)

log = logging.getLogger(__name__)

VENDOR = "qianyi"
PAGE_SIZE = 200
#: Documented freshness window of ``timestamp`` (zh guide: 13 digits, within 5 minutes of server time).
TIMESTAMP_WINDOW_SECONDS = 300

#: Exact vendor codes -> error class: the one place that decides what is retryable (spec 4.2, 11b Q3).
#: Observed or documented: APP_NOT_EXIST, SYSTEM_ERROR, DATA_INPUT_ERROR, SKU_NOT_EXISTS_WITH_ARGS,
#: order.id.exist; AUTH_001 is the zh guide's example authentication code.
ERRORS: dict[str, type[VendorError]] = {
    "APP_NOT_EXIST": AuthenticationError,
    "AUTH_001": AuthenticationError,
    "SYSTEM_ERROR": ServerError,
    "DATA_INPUT_ERROR": BusinessError,
    "SKU_NOT_EXISTS_WITH_ARGS": NotFoundError,
    "order.id.exist": BusinessError,
}
#: Outer-layer (platform) failures whose code is not published are recognised by these parts of it.
#: Only the outer layer: an unknown *inner* (bizContent) code is always a business error (Q3).
AUTH_MARKERS = ("SIGN", "APP_", "AUTH", "TOKEN", "PERMISSION", "FORBIDDEN")
THROTTLE_MARKERS = ("TOO_MANY", "THROTTL", "FREQUEN", "RATE_LIMIT")
CLOCK_MARKERS = ("TIMESTAMP",)
#: The service types that write: a success reply without ``bizContent`` is a success for them (Q1).
WRITES = frozenset({"INSERT_SKU_INFO", "UPDATE_SKU_INFO", "UPDATE_SKU_STATUS", "ENABLE_SKU",
                    "CREATE_ASN_ORDER", "CREATE_SALES_ORDER"})


class ClockError(BusinessError):
    """Qianyi refused the request's ``timestamp``: this machine's clock is off (nothing was done)."""

    not_processed = True


def sign(app_id: str, service_type: str, biz_param: str, timestamp: str, app_secret: str) -> str:
    """Qianyi's signature: md5 of ``appId=…bizParam=…serviceType=…timestamp=…`` then the secret."""
    text = f"appId={app_id}bizParam={biz_param}serviceType={service_type}timestamp={timestamp}{app_secret}"
    return hashlib.md5(text.encode("utf-8")).hexdigest()


class QianyiWire:
    """Signs every attempt afresh (new ms timestamp) over the exact ``bizParam`` string that is sent."""

    vendor = VENDOR

    def __init__(self, hook: QianyiHook, clock=time.time) -> None:
        self._hook = hook
        self._clock = clock

    def authorize(self, call: Call) -> Call:
        from dataclasses import replace

        conn = self._hook.connection
        form = dict(call.multipart or {})
        timestamp = str(int(self._clock() * 1000))
        form.update(appId=conn.login or "", timestamp=timestamp)
        form["sign"] = sign(form["appId"], form["serviceType"], form["bizParam"], timestamp, conn.password or "")
        return replace(call, multipart=form)

    def decode(self, call: Call, response: RawResponse) -> Any:
        write = (call.multipart or {}).get("serviceType") in WRITES
        try:
            return decode_qianyi(call.name, response, write=write)
        except ClockError as err:
            raise ClockError(VENDOR, err.endpoint, f"{err.message}: {clock_hint(self._clock())}",
                             code=err.code, http_status=err.http_status) from None


def clock_hint(now: float) -> str:
    """What to do when Qianyi refuses the timestamp: the local clock, and the documented window."""
    from datetime import datetime, timezone

    local = datetime.fromtimestamp(now, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    return (f"this machine's clock reads {local}; Qianyi accepts timestamps within "
            f"{TIMESTAMP_WINDOW_SECONDS // 60} minutes of its own time: set the clock right (NTP)")


def _error(code: str, endpoint: str, message: str, status: int, *, outer: bool) -> VendorError:
    """The typed error of a vendor code: exact known codes first; unknown inner codes are business errors."""
    cls = ERRORS.get(code)
    if cls is None:
        cls = BusinessError
        upper = code.upper()
        if outer and any(m in upper for m in CLOCK_MARKERS):
            cls = ClockError
        elif outer and any(m in upper for m in AUTH_MARKERS):
            cls = AuthenticationError
        elif outer and any(m in upper for m in THROTTLE_MARKERS):
            cls = ThrottledError
    return cls(VENDOR, endpoint, message or code, code=code or None, http_status=status)


def decode_qianyi(endpoint: str, response: RawResponse, *, write: bool = False) -> dict[str, Any]:
    """Decode both layers: outer ``state``, then ``bizContent`` (a JSON string) and its ``notSuccess``.

    :param write: the call was a write: an outer success without ``bizContent`` (null, ``""`` or
        absent) is a success with no content (spec 11b Q1); for a read it is a malformed reply.
    :return: the parsed ``bizContent`` (``result``, ``total``, ...); ``{}`` for a content-less write.
    """
    status = response.status
    if status == 429:
        raise ThrottledError(VENDOR, endpoint, "rate limited", http_status=429, retry_after=response.retry_after)
    try:
        outer = json.loads(response.content) if response.content.strip() else None
    except ValueError:
        outer = None
    if status >= 500 and not isinstance(outer, dict):
        raise ServerError(VENDOR, endpoint, response.text_excerpt() or "server error", http_status=status)
    if not isinstance(outer, dict) or "state" not in outer:
        raise MalformedResponseError(
            VENDOR, endpoint, f"reply is not a JSON envelope: {response.text_excerpt()!r}", http_status=status
        )
    if outer.get("state") != "success":
        raise _error(str(outer.get("errorCode") or ""), endpoint,
                     str(outer.get("errorMsg") or f"outer state {outer.get('state')!r}"), status, outer=True)
    biz = outer.get("bizContent")
    if biz is None or (isinstance(biz, str) and not biz.strip()):
        if write:
            return {}
        raise MalformedResponseError(VENDOR, endpoint, "state is success but bizContent is missing", http_status=status)
    if isinstance(biz, str):
        try:
            biz = json.loads(biz)
        except ValueError:
            raise MalformedResponseError(
                VENDOR, endpoint, f"bizContent is not JSON: {biz[:200]!r}", http_status=status
            ) from None
    if not isinstance(biz, dict):
        raise MalformedResponseError(VENDOR, endpoint, "bizContent is not a JSON object", http_status=status)
    if biz.get("notSuccess") is True or biz.get("state", "success") != "success":
        raise _error(str(biz.get("errorCode") or ""), endpoint, str(biz.get("errorMsg") or "failed"), status,
                     outer=False)
    return biz


class QianyiHook(VendorHook):
    """Talk to Qianyi ERP's open API with an app's credentials.

    Connection: host = base URL (empty: the extra ``environment``'s: production ``https://www.qianyierp.com``,
    overseas ``https://asia.qianyierp.com``,
    test ``https://gerp-test1.800best.com``, the sandbox ``http://127.0.0.1:8980/qianyi``), login = appId,
    password = appSecret. Qianyi documents no rate limit: the client limiter is off unless the
    extras ``rate_limit_burst`` / ``rate_limit_per_second`` set one.

    :param qianyi_conn_id: the connection id (default ``qianyi_default``).
    """

    conn_name_attr = "qianyi_conn_id"
    default_conn_name = "qianyi_default"
    conn_type = "qianyi"
    hook_name = "Qianyi ERP"
    vendor = VENDOR
    environments = ENVIRONMENTS["qianyi"]
    _credentials_hint = "appId and appSecret"

    def __init__(self, qianyi_conn_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(conn_id=qianyi_conn_id or kwargs.pop("conn_id", None), **kwargs)

    def _wire(self) -> QianyiWire:
        return QianyiWire(self)

    def service(self, module: str, service_type: str, biz: dict[str, Any], *, retry_safe: bool = True) -> dict:
        """Call one ``serviceType`` of a module; return the decoded ``bizContent``."""
        biz_param = json.dumps(biz, ensure_ascii=False, separators=(",", ":"))
        return self.call(
            "POST", f"/api/v1/{module}", multipart={"serviceType": service_type, "bizParam": biz_param},
            retry_safe=retry_safe, endpoint=f"{module} {service_type}",
        )

    def _request(self, model: type, module: str, service_type: str, value: Any, **kwargs: Any) -> dict:
        """Validate ``value`` (documented fields checked, undocumented ones passed with a warning), send it.

        A ``DATA_INPUT_ERROR`` answer to a body that carried undocumented fields says so: the server may
        be one that refuses unknown ``bizParam`` keys (spec 11b Q2).
        """
        from airflow_provider_kakaclo.models.qianyi import undocumented_fields

        body: Any = validate_request(model, VENDOR, f"{module} {service_type}", value)
        try:
            return self.service(module, service_type, body.to_wire(), **kwargs)
        except BusinessError as err:
            extra = undocumented_fields(body)
            if err.code != "DATA_INPUT_ERROR" or not extra:
                raise
            raise BusinessError(
                VENDOR, err.endpoint, f"{err.message}; this body carried fields the docs do not list "
                f"({', '.join(extra)}): this server may refuse unknown bizParam keys, so leave them out",
                code=err.code, http_status=err.http_status) from err

    def _write(self, model: type, module: str, service_type: str, value: Any, *, retry_safe: bool) -> dict:
        """A write: a reply that is not the documented shape leaves its outcome unknown (ambiguous)."""
        try:
            return self._request(model, module, service_type, value, retry_safe=retry_safe)
        except MalformedResponseError as err:
            raise AmbiguousWriteError(err) from None

    def _created(self, reply_model: type, biz: dict[str, Any], endpoint: str) -> dict:
        """The ``result`` of a create: ``{}`` when the success reply has none (Q1), else its model."""
        from pydantic import ValidationError

        from airflow_provider_kakaclo.models.common import describe_validation_error

        result = biz.get("result")
        if result is None:
            return {}
        try:
            return reply_model.model_validate(result).model_dump(exclude_unset=True)  # type: ignore[attr-defined]
        except ValidationError as err:
            raise AmbiguousWriteError(MalformedResponseError(
                VENDOR, endpoint, f"the write was answered with success but its result does not have the "
                f"documented shape: {describe_validation_error(err)[:300]}")) from None

    def _page(self, model: type, record: type, module: str, service_type: str, query: dict[str, Any]):
        from airflow_provider_kakaclo.models.common import Page
        from airflow_provider_kakaclo.models.qianyi import ListReply

        biz = self._request(model, module, service_type, query)
        reply = ListReply.model_validate(biz)
        return Page[record].model_validate(  # type: ignore[valid-type]
            {"list": reply.result or [], "total": reply.total, "pageNumber": query.get("page", 1),
             "pageSize": query.get("pageSize", PAGE_SIZE)}
        )

    def _walk(self, fetch: Any, **query: Any) -> Iterator:
        """Every item of a paged list, paged by the reply's ``total`` (spec 11b Q5).

        A page shorter than asked does not end the list while ``total`` says more remain: the server
        may serve fewer rows a page than asked (a cap below 200). Once it does, later pages are asked
        at the size it served, so the page numbers mean the same to it whichever size it pages by. Only
        a reply without ``total`` falls back to "a short page is the last one"; an empty page always ends,
        and a page repeating the one before it is a malformed reply (a server that ignores ``page``).
        """
        query = {k: v for k, v in query.items() if v is not None}
        size = query.pop("pageSize", PAGE_SIZE)
        number, seen, previous, promised = 1, 0, None, None
        while True:
            page = fetch(page=number, pageSize=size, **query)
            if page.items and page.items == previous:
                raise MalformedResponseError(VENDOR, self._last_endpoint, f"page {number} repeats the rows of the "
                                             f"page before it (total {page.total}): the server does not page")
            yield from page.items
            previous = page.items
            count = len(page.items)
            seen += count
            promised = page.total if count else promised
            if not count or (page.total is not None and seen >= page.total):
                if promised is not None and seen < promised:
                    log.warning("qianyi %s: total said %s rows but page %s came back empty after %s",
                                self._last_endpoint, promised, number, seen)
                return
            if count < size:
                if page.total is None:
                    return
                if seen % count == 0:  # the server's own page size: keep asking at it
                    size, number = count, seen // count
            number += 1

    # ------------------------------------------------------------------ sku
    def query_skus(self, **query: Any):
        """QUERY_SIMPLE_LIST_SKU: one page; filters as :class:`~..models.qianyi.SkuQuery`."""
        from airflow_provider_kakaclo.models.qianyi import SkuQuery, SkuRecord

        return self._page(SkuQuery, SkuRecord, "sku", "QUERY_SIMPLE_LIST_SKU", {"pageSize": PAGE_SIZE, **query})

    def iter_skus(self, *, skus: Iterable[str] | None = None, **filters: Any) -> Iterator:
        """Every SKU matching the filters, 200 a page; a list of SKUs is asked 200 at a time."""
        if skus is not None:
            for chunk in chunked(_id_list("skus", skus), PAGE_SIZE):
                yield from self._walk(self.query_skus, skus=chunk, **filters)
            return
        yield from self._walk(self.query_skus, **filters)

    def insert_sku(self, sku: Any) -> dict:
        """INSERT_SKU_INFO: create a SKU (every seed limit checked first); ``{}`` when the reply has no content."""
        from airflow_provider_kakaclo.models.qianyi import QianyiSku

        return self._write(QianyiSku, "sku", "INSERT_SKU_INFO", sku, retry_safe=False)

    def update_sku(self, sku: Any) -> dict:
        """UPDATE_SKU_INFO: update a SKU, keyed by ``sku`` (same body as insert; repeating it is harmless)."""
        from airflow_provider_kakaclo.models.qianyi import QianyiSku

        return self._write(QianyiSku, "sku", "UPDATE_SKU_INFO", sku, retry_safe=True)

    def set_sku_status(self, sku: str, enable: bool | int) -> dict:
        """UPDATE_SKU_STATUS (or ``ENABLE_SKU`` when the extra ``sku_status_service_type`` says so)."""
        from airflow_provider_kakaclo.models.qianyi import SkuStatusChange

        service_type = self.extras.get("sku_status_service_type") or "UPDATE_SKU_STATUS"
        if service_type not in ("UPDATE_SKU_STATUS", "ENABLE_SKU"):
            raise RequestValidationError(VENDOR, "connection", "the extra sku_status_service_type must be "
                                         f"UPDATE_SKU_STATUS or ENABLE_SKU, not {service_type!r}")
        return self._write(SkuStatusChange, "sku", service_type, {"sku": sku, "enable": enable}, retry_safe=True)

    # ------------------------------------------------------------------ property, inventory, warehouse
    def query_custom_fields(self, **query: Any) -> list:
        """CUSTOMER_FIELD_QUERY: the account's custom fields (ids used by SKU filters)."""
        from airflow_provider_kakaclo.models.qianyi import CustomField, CustomFieldQuery, ListReply

        biz = self._request(CustomFieldQuery, "property", "CUSTOMER_FIELD_QUERY", query)
        return [CustomField.model_validate(r) for r in ListReply.model_validate(biz).result or []]

    def query_inventory(self, **query: Any):
        """QUERY_SIMPLE_LIST_INVENTORY_V2: one page of stock in one warehouse (by name)."""
        from airflow_provider_kakaclo.models.qianyi import InventoryQuery, InventoryRecord

        return self._page(InventoryQuery, InventoryRecord, "inventory", "QUERY_SIMPLE_LIST_INVENTORY_V2",
                          {"pageSize": PAGE_SIZE, **query})

    def iter_inventory(self, warehouse: str, *, skus: Iterable[str] | None = None) -> Iterator:
        """Stock of one warehouse: every SKU, or the given ones 200 at a time."""
        if skus is not None:
            for chunk in chunked(_id_list("skus", skus), PAGE_SIZE):
                yield from self._walk(self.query_inventory, warehouse=warehouse, skuList=chunk)
            return
        yield from self._walk(self.query_inventory, warehouse=warehouse)

    def query_warehouses(self, **query: Any):
        """QUERY_WAREHOUSE_LIST: one page of warehouses."""
        from airflow_provider_kakaclo.models.qianyi import Warehouse, WarehouseQuery

        return self._page(WarehouseQuery, Warehouse, "warehouse", "QUERY_WAREHOUSE_LIST",
                          {"pageSize": PAGE_SIZE, **query})

    def iter_warehouses(self, **filters: Any) -> Iterator:
        """Every warehouse matching the filters (``status``, ``name``)."""
        yield from self._walk(self.query_warehouses, **filters)

    # ------------------------------------------------------------------ odo, asn, sales orders
    def query_odos(self, **query: Any):
        """QUERY_ODO_LIST: one page of outbound orders."""
        from airflow_provider_kakaclo.models.qianyi import OdoQuery, OdoRecord

        return self._page(OdoQuery, OdoRecord, "odo", "QUERY_ODO_LIST", {"pageSize": PAGE_SIZE, **query})

    def iter_odos(self, **filters: Any) -> Iterator:
        """Every outbound order matching the filters."""
        yield from self._walk(self.query_odos, **filters)

    def query_asns(self, **query: Any):
        """QUERY_ASN_LIST: one page of inbound notices."""
        from airflow_provider_kakaclo.models.qianyi import AsnQuery, AsnRecord

        return self._page(AsnQuery, AsnRecord, "asn", "QUERY_ASN_LIST", {"pageSize": PAGE_SIZE, **query})

    def iter_asns(self, **filters: Any) -> Iterator:
        """Every inbound notice matching the filters."""
        yield from self._walk(self.query_asns, **filters)

    def create_asn(self, asn: Any) -> dict:
        """CREATE_ASN_ORDER: announce an inbound delivery; its ``result`` (``{}`` when the reply has none)."""
        from airflow_provider_kakaclo.models.qianyi import AsnCreated, CreateAsn

        biz = self._write(CreateAsn, "asn", "CREATE_ASN_ORDER", asn, retry_safe=False)
        return self._created(AsnCreated, biz, "asn CREATE_ASN_ORDER")

    def create_sales_order(self, order: Any) -> dict:
        """CREATE_SALES_ORDER: a duplicate ``onlineOrderNumber`` is refused by Qianyi (``order.id.exist``).

        :return: the created order (``orderNumber``, ``status``, ...); ``{}`` when the reply has no content.
        """
        from airflow_provider_kakaclo.models.qianyi import CreateSalesOrder, SalesOrderCreated

        biz = self._write(CreateSalesOrder, "salesOrder", "CREATE_SALES_ORDER", order, retry_safe=False)
        return self._created(SalesOrderCreated, biz, "salesOrder CREATE_SALES_ORDER")

    def query_sales_orders(self, **query: Any):
        """QUERY_SALES_ORDER_LIST: one page of sales orders."""
        from airflow_provider_kakaclo.models.qianyi import SalesOrderQuery, SalesOrderRecord

        return self._page(SalesOrderQuery, SalesOrderRecord, "salesOrder", "QUERY_SALES_ORDER_LIST",
                          {"pageSize": PAGE_SIZE, **query})

    def iter_sales_orders(self, **filters: Any) -> Iterator:
        """Every sales order matching the filters."""
        yield from self._walk(self.query_sales_orders, **filters)

    # ------------------------------------------------------------------ stock capability
    #: Qianyi's inventory query has no update-time filter: full syncs only.
    stock_update_lag_seconds = None

    def iter_stock(self, *, skus: Iterable[str] | None = None, warehouses: Iterable[str] | None = None,
                   updated_from: Any = None, updated_to: Any = None) -> Iterator:
        """Stock rows per SKU and warehouse (by name): every warehouse's inventory, 200 a page."""
        from airflow_provider_kakaclo.stock import StockRow

        if updated_from is not None or updated_to is not None:
            raise ValueError("Qianyi cannot filter inventory by update time: use a full sync")
        names = _id_list("warehouses", warehouses) if warehouses is not None else None
        wanted = _id_list("skus", skus) if skus is not None else None
        for name in names if names is not None else [w.name for w in self.iter_warehouses()]:
            for row in self.iter_inventory(name, skus=wanted):
                yield StockRow(VENDOR, row.sku, row.warehouse or name, row.available or 0, row.allocated)

    # ------------------------------------------------------------------ SKU-write capability
    sku_batch_size = PAGE_SIZE  # QUERY_SIMPLE_LIST_SKU takes up to 200 skus a call
    #: Unit fields compared without regard to case: a server may echo ``kg`` for ``KG`` (spec 11b Q4).
    sku_caseless_fields = frozenset({
        "weightUnit", "dimensionUnit", "cartonDimensionUnit", "cartonWeightUnit", "cartonVolumeUnit",
        "priceUnit", "purchaseCostUnit", "customsDeclarationPriceUnit", "ccPriceUnit"})

    def default_sku_mapping(self):
        from airflow_provider_kakaclo.skus import to_qianyi

        return to_qianyi

    def validate_sku(self, payload: Any) -> dict[str, Any]:
        from airflow_provider_kakaclo.models.qianyi import QianyiSku

        return validate_request(QianyiSku, VENDOR, "sku INSERT_SKU_INFO", payload).to_wire()

    def read_skus(self, skus: list[str]) -> dict[str, dict[str, Any]]:
        """The stored records of these SKUs (one QUERY_SIMPLE_LIST_SKU per 200), keyed by sku."""
        return {r.sku: r.model_dump() for r in self.iter_skus(skus=skus)}

    def create_sku(self, payload: dict[str, Any]) -> None:
        self.insert_sku(payload)

    def write_sku_update(self, sku: str, payload: dict[str, Any], existing: dict[str, Any]) -> None:
        self.update_sku(payload)

    # ------------------------------------------------------------------ connection test
    def _probe(self) -> str:
        """Read-only check for test_connection: the signature is accepted and one warehouse can be read."""
        page = self.query_warehouses(page=1, pageSize=1)
        return f"appId and signature accepted; {page.total or 0} warehouses visible"


def _id_list(field: str, values: Iterable[str]) -> list[str]:
    """A list of ids to look up: refused before any request when empty, or when one is blank."""
    items = [values] if isinstance(values, str) else list(values)
    if not items:
        raise RequestValidationError(VENDOR, field, f"{field}: an empty list asks for nothing; give at least one "
                                     "or leave it out (None) for all")
    for i, item in enumerate(items):
        if not isinstance(item, str) or not item.strip():
            raise RequestValidationError(VENDOR, field, f"{field}.{i}: {item!r} is not a non-blank string")
    return items
