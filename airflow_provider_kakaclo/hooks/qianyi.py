"""Qianyi ERP open API hook (spec ``qianyi.md``): signed multipart posts, one ``serviceType`` each."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Iterator
from typing import Any

from airflow_provider_kakaclo.connections import ENVIRONMENTS
from airflow_provider_kakaclo.hooks.base import VendorHook, chunked, validate_request, walk_pages
from airflow_provider_kakaclo.transport.core import Call, RawResponse
from airflow_provider_kakaclo.transport.errors import (
    AuthenticationError,
    BusinessError,
    MalformedResponseError,
    NotFoundError,
    ServerError,
    ThrottledError,
    VendorError,
)

VENDOR = "qianyi"
PAGE_SIZE = 200

#: Vendor error codes -> error class: the one place that decides what is retryable.
#: Documented: APP_NOT_EXIST, SYSTEM_ERROR, DATA_INPUT_ERROR, SKU_NOT_EXISTS_WITH_ARGS, order.id.exist.
ERRORS: dict[str, type[VendorError]] = {
    "APP_NOT_EXIST": AuthenticationError,
    "SYSTEM_ERROR": ServerError,
    "SKU_NOT_EXISTS_WITH_ARGS": NotFoundError,
}
#: Undocumented signature/credential failures are recognised by these parts of their code.
AUTH_MARKERS = ("SIGN", "APP_", "AUTH", "TOKEN", "PERMISSION", "FORBIDDEN")
THROTTLE_MARKERS = ("TOO_MANY", "LIMIT", "THROTTL", "FREQUEN")


def sign(app_id: str, service_type: str, biz_param: str, timestamp: str, app_secret: str) -> str:
    """Qianyi's signature: md5 of ``appId=…bizParam=…serviceType=…timestamp=…`` then the secret."""
    text = f"appId={app_id}bizParam={biz_param}serviceType={service_type}timestamp={timestamp}{app_secret}"
    return hashlib.md5(text.encode("utf-8")).hexdigest()


class QianyiWire:
    """Signs every attempt afresh (new timestamp) over the exact ``bizParam`` string that is sent."""

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
        return decode_qianyi(call.name, response)


def _error(code: str, endpoint: str, message: str, status: int) -> VendorError:
    cls = ERRORS.get(code)
    if cls is None:
        upper = code.upper()
        if any(m in upper for m in AUTH_MARKERS):
            cls = AuthenticationError
        elif any(m in upper for m in THROTTLE_MARKERS):
            cls = ThrottledError
        else:
            cls = BusinessError
    return cls(VENDOR, endpoint, message or code, code=code or None, http_status=status)


def decode_qianyi(endpoint: str, response: RawResponse) -> dict[str, Any]:
    """Decode both layers: outer ``state``, then ``bizContent`` (a JSON string) and its ``notSuccess``.

    :return: the parsed ``bizContent`` (``result``, ``total``, ...).
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
                     str(outer.get("errorMsg") or f"outer state {outer.get('state')!r}"), status)
    biz = outer.get("bizContent")
    if biz in (None, ""):
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
        raise _error(str(biz.get("errorCode") or ""), endpoint, str(biz.get("errorMsg") or "failed"), status)
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
        body: Any = validate_request(model, VENDOR, f"{module} {service_type}", value).to_wire()
        return self.service(module, service_type, body, **kwargs)

    def _page(self, model: type, record: type, module: str, service_type: str, query: dict[str, Any]):
        from airflow_provider_kakaclo.models.common import Page

        biz = self._request(model, module, service_type, query)
        items = biz.get("result") or []
        return Page[record].model_validate(  # type: ignore[valid-type]
            {"list": items, "total": biz.get("total"), "pageNumber": query.get("page", 1),
             "pageSize": query.get("pageSize", PAGE_SIZE)}
        )

    # ------------------------------------------------------------------ sku
    def query_skus(self, **query: Any):
        """QUERY_SIMPLE_LIST_SKU: one page; filters as :class:`~..models.qianyi.SkuQuery`."""
        from airflow_provider_kakaclo.models.qianyi import SkuQuery, SkuRecord

        return self._page(SkuQuery, SkuRecord, "sku", "QUERY_SIMPLE_LIST_SKU", {"pageSize": PAGE_SIZE, **query})

    def iter_skus(self, *, skus: Iterable[str] | None = None, **filters: Any) -> Iterator:
        """Every SKU matching the filters, 200 a page; a list of SKUs is asked 200 at a time."""
        if skus is not None:
            for chunk in chunked(skus, PAGE_SIZE):
                yield from walk_pages(self.query_skus, "page", skus=chunk, pageSize=PAGE_SIZE, **filters)
            return
        yield from walk_pages(self.query_skus, "page", pageSize=PAGE_SIZE, **filters)

    def insert_sku(self, sku: Any) -> dict:
        """INSERT_SKU_INFO: create a SKU (every seed limit checked first)."""
        from airflow_provider_kakaclo.models.qianyi import QianyiSku

        return self._request(QianyiSku, "sku", "INSERT_SKU_INFO", sku, retry_safe=False)

    def update_sku(self, sku: Any) -> dict:
        """UPDATE_SKU_INFO: update a SKU, keyed by ``sku`` (same body as insert)."""
        from airflow_provider_kakaclo.models.qianyi import QianyiSku

        return self._request(QianyiSku, "sku", "UPDATE_SKU_INFO", sku)

    def set_sku_status(self, sku: str, enable: bool | int) -> dict:
        """UPDATE_SKU_STATUS (or ``ENABLE_SKU`` when the extra ``sku_status_service_type`` says so)."""
        from airflow_provider_kakaclo.models.qianyi import SkuStatusChange

        service_type = self.extras.get("sku_status_service_type") or "UPDATE_SKU_STATUS"
        if service_type not in ("UPDATE_SKU_STATUS", "ENABLE_SKU"):
            raise ValueError(f"sku_status_service_type must be UPDATE_SKU_STATUS or ENABLE_SKU, not {service_type!r}")
        return self._request(SkuStatusChange, "sku", service_type, {"sku": sku, "enable": int(enable)})

    # ------------------------------------------------------------------ property, inventory, warehouse
    def query_custom_fields(self, **query: Any) -> list:
        """CUSTOMER_FIELD_QUERY: the account's custom fields (ids used by SKU filters)."""
        from airflow_provider_kakaclo.models.qianyi import CustomField, CustomFieldQuery

        biz = self._request(CustomFieldQuery, "property", "CUSTOMER_FIELD_QUERY", query)
        return [CustomField.model_validate(r) for r in biz.get("result") or []]

    def query_inventory(self, **query: Any):
        """QUERY_SIMPLE_LIST_INVENTORY_V2: one page of stock in one warehouse (by name)."""
        from airflow_provider_kakaclo.models.qianyi import InventoryQuery, InventoryRecord

        return self._page(InventoryQuery, InventoryRecord, "inventory", "QUERY_SIMPLE_LIST_INVENTORY_V2",
                          {"pageSize": PAGE_SIZE, **query})

    def iter_inventory(self, warehouse: str, *, skus: Iterable[str] | None = None) -> Iterator:
        """Stock of one warehouse: every SKU, or the given ones 200 at a time."""
        if skus is not None:
            for chunk in chunked(skus, PAGE_SIZE):
                yield from walk_pages(self.query_inventory, "page", warehouse=warehouse, skuList=chunk)
            return
        yield from walk_pages(self.query_inventory, "page", warehouse=warehouse)

    def query_warehouses(self, **query: Any):
        """QUERY_WAREHOUSE_LIST: one page of warehouses."""
        from airflow_provider_kakaclo.models.qianyi import Warehouse, WarehouseQuery

        return self._page(WarehouseQuery, Warehouse, "warehouse", "QUERY_WAREHOUSE_LIST",
                          {"pageSize": PAGE_SIZE, **query})

    def iter_warehouses(self, **filters: Any) -> Iterator:
        yield from walk_pages(self.query_warehouses, "page", **filters)

    # ------------------------------------------------------------------ odo, asn, sales orders
    def query_odos(self, **query: Any):
        """QUERY_ODO_LIST: one page of outbound orders."""
        from airflow_provider_kakaclo.models.qianyi import OdoQuery, Record

        return self._page(OdoQuery, Record, "odo", "QUERY_ODO_LIST", {"pageSize": PAGE_SIZE, **query})

    def iter_odos(self, **filters: Any) -> Iterator:
        yield from walk_pages(self.query_odos, "page", **filters)

    def query_asns(self, **query: Any):
        """QUERY_ASN_LIST: one page of inbound notices."""
        from airflow_provider_kakaclo.models.qianyi import AsnQuery, Record

        return self._page(AsnQuery, Record, "asn", "QUERY_ASN_LIST", {"pageSize": PAGE_SIZE, **query})

    def iter_asns(self, **filters: Any) -> Iterator:
        yield from walk_pages(self.query_asns, "page", **filters)

    def create_asn(self, asn: Any) -> dict:
        """CREATE_ASN_ORDER: announce an inbound delivery."""
        from airflow_provider_kakaclo.models.qianyi import CreateAsn

        return self._request(CreateAsn, "asn", "CREATE_ASN_ORDER", asn, retry_safe=False).get("result") or {}

    def create_sales_order(self, order: Any) -> dict:
        """CREATE_SALES_ORDER: a duplicate ``onlineOrderNumber`` is refused by Qianyi (``order.id.exist``)."""
        from airflow_provider_kakaclo.models.qianyi import CreateSalesOrder

        return self._request(CreateSalesOrder, "salesOrder", "CREATE_SALES_ORDER", order,
                             retry_safe=False).get("result") or {}

    def query_sales_orders(self, **query: Any):
        """QUERY_SALES_ORDER_LIST: one page of sales orders."""
        from airflow_provider_kakaclo.models.qianyi import Record, SalesOrderQuery

        return self._page(SalesOrderQuery, Record, "salesOrder", "QUERY_SALES_ORDER_LIST",
                          {"pageSize": PAGE_SIZE, **query})

    def iter_sales_orders(self, **filters: Any) -> Iterator:
        yield from walk_pages(self.query_sales_orders, "page", **filters)

    # ------------------------------------------------------------------ stock capability
    #: Qianyi's inventory query has no update-time filter: full syncs only.
    stock_update_lag_seconds = None

    def iter_stock(self, *, skus: Iterable[str] | None = None, warehouses: Iterable[str] | None = None,
                   updated_from: Any = None, updated_to: Any = None) -> Iterator:
        """Stock rows per SKU and warehouse (by name): every warehouse's inventory, 200 a page."""
        from airflow_provider_kakaclo.stock import StockRow

        if updated_from is not None or updated_to is not None:
            raise ValueError("Qianyi cannot filter inventory by update time: use a full sync")
        names = list(warehouses) if warehouses else [w.name for w in self.iter_warehouses()]
        wanted = list(skus) if skus is not None else None
        for name in names:
            for row in self.iter_inventory(name, skus=wanted):
                yield StockRow(VENDOR, row.sku, row.warehouse or name, row.available or 0, row.allocated)

    # ------------------------------------------------------------------ SKU-write capability
    sku_batch_size = PAGE_SIZE  # QUERY_SIMPLE_LIST_SKU takes up to 200 skus a call

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
