"""BirdSystem client API hook (spec ``birdsystem.md``): products, stock, consignments."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from airflow_provider_kakaclo.connections import ENVIRONMENTS
from airflow_provider_kakaclo.hooks.base import VendorHook, chunked, validate_request
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

VENDOR = "birdsystem"
PAGE_SIZE = 200
LOGIN_REQUIRED = "Login Required!"
#: Consignment status -> the provider's normalized lifecycle (13 statuses, spec §6.1).
CONSIGNMENT_LIFECYCLE = {
    "PREPARING": "pending",
    "RECEIVED": "pending",
    "PENDING": "paid",
    "WAIT_PICKING": "paid",
    "PICKING": "paid",
    "PROCESSING": "paid",
    "REVIEWING": "paid",
    "WAITING_WAREHOUSE_RESPOND": "paid",
    "FINISHED": "shipped",
    "DELETED": "cancelled",
    "CANCELLED": "cancelled",
    "PROBLEM": "abnormal",
    "WAITING_CLIENT_RESPOND": "abnormal",
}


class BirdSystemWire:
    """``api_key`` and ``company_id`` headers on every attempt; one decoder of the ExtJS envelopes."""

    vendor = VENDOR

    def __init__(self, hook: BirdSystemHook) -> None:
        self._hook = hook

    def authorize(self, call: Call) -> Call:
        return with_headers(call, api_key=self._hook.connection.password or "", company_id=self._hook.company_id)

    def decode(self, call: Call, response: RawResponse) -> Any:
        return decode_birdsystem(call.name, response)


def decode_birdsystem(endpoint: str, response: RawResponse) -> dict[str, Any]:
    """Return the envelope (``data``, ``total``...) or raise the matching typed error.

    BirdSystem reports validation and business errors as HTTP 500 with ``{success: false,
    message}``: those are final. Only a 5xx without that envelope (an HTML page, a gateway error)
    is a server fault worth another try. ``Login Required!`` is an authentication error.
    """
    status = response.status
    if status == 429:
        raise ThrottledError(VENDOR, endpoint, "rate limited", http_status=429, retry_after=response.retry_after)
    try:
        body = json.loads(response.content) if response.content.strip() else None
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("success") is False:
        message = str(body.get("message") or "failed")
        if LOGIN_REQUIRED.lower() in message.lower() or status in (401, 403):
            raise AuthenticationError(VENDOR, endpoint, f"{message} (api_key or company_id refused)",
                                      http_status=status)
        cls = NotFoundError if ("does not belong to you" in message or "not found" in message.lower()) else BusinessError
        raise cls(VENDOR, endpoint, message, http_status=status)
    if status in (401, 403):
        raise AuthenticationError(VENDOR, endpoint, "api_key or company_id refused", http_status=status)
    if status >= 500:
        raise ServerError(VENDOR, endpoint, response.text_excerpt() or "server error", http_status=status)
    if status == 404:
        raise NotFoundError(VENDOR, endpoint, "not found", http_status=status)
    if not isinstance(body, dict):
        raise MalformedResponseError(VENDOR, endpoint, f"reply is not a JSON object: {response.text_excerpt()!r}",
                                     http_status=status)
    if body.get("success") is not True:
        raise MalformedResponseError(VENDOR, endpoint, "reply has no success flag", http_status=status)
    return body


class BirdSystemHook(VendorHook):
    """Talk to BirdSystem's client API with a user's API key, on one site (``company_id``).

    Connection: host = base URL (empty: the extra ``environment``'s: production ``https://www.birdsystem.com``, test
    ``https://test.birdsystem.com``, the sandbox ``http://127.0.0.1:8980/birdsystem``), password =
    ``api_key``, extra ``company_id`` (the site; required). Extra ``product_update_style``: ``put``
    (default, ``PUT /client/Product/<id>``) or ``repost`` (POST with ``id``) -- the docs give neither.

    :param birdsystem_conn_id: the connection id (default ``birdsystem_default``).
    """

    conn_name_attr = "birdsystem_conn_id"
    default_conn_name = "birdsystem_default"
    conn_type = "birdsystem"
    hook_name = "BirdSystem"
    vendor = VENDOR
    environments = ENVIRONMENTS["birdsystem"]
    max_ids_per_status_call = 1

    def __init__(self, birdsystem_conn_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(conn_id=birdsystem_conn_id or kwargs.pop("conn_id", None), **kwargs)

    @property
    def company_id(self) -> str:
        value = self.extras.get("company_id")
        if value in (None, ""):
            raise RequestValidationError(VENDOR, "connection", f"connection {self.conn_id!r} needs the extra "
                                         "company_id (the BirdSystem site, e.g. 1 for the UK)")
        return str(value)

    def _wire(self) -> BirdSystemWire:
        return BirdSystemWire(self)

    # ------------------------------------------------------------------ generic lists
    def get_list(self, resource: str, *, start: int = 0, limit: int = PAGE_SIZE,
                 filter: list[dict] | None = None, **fields: Any):
        """One page of an ExtJS list: plain field filters and/or the JSON ``filter`` (either style)."""
        from airflow_provider_kakaclo.models.birdsystem import Record
        from airflow_provider_kakaclo.models.common import Page

        params: dict[str, Any] = {"start": start, "limit": limit, **{k: v for k, v in fields.items() if v is not None}}
        if filter:
            params["filter"] = json.dumps(filter, separators=(",", ":"))
        body = self.call("GET", f"/client/{resource}", params=params, endpoint=f"GET /client/{resource}")
        return Page[Record].model_validate(
            {"list": body.get("data") or [], "total": body.get("total"), "pageSize": limit})

    def iter_list(self, resource: str, *, page_size: int = PAGE_SIZE, **query: Any) -> Iterator[dict]:
        """Every row of a list, ``page_size`` at a time (``start`` advanced until ``total``)."""
        start = 0
        while True:
            page = self.get_list(resource, start=start, limit=page_size, **query)
            yield from (row.model_dump() for row in page.items)
            start += len(page.items)
            if not page.items or (page.total is not None and start >= page.total):
                return

    # ------------------------------------------------------------------ products
    def iter_products(self, **filters: Any) -> Iterator:
        """Products matching the seed's query fields (status, client_ref, name, commodity_code, ...)."""
        from airflow_provider_kakaclo.models.birdsystem import Product

        for row in self.iter_list("Product", **filters):
            yield Product.model_validate(row)

    def get_product(self, product_id: str | int | None = None, *, client_ref: str | None = None):
        """One product by id or by ``client_ref``; ``None`` when there is none."""
        from airflow_provider_kakaclo.models.birdsystem import Product

        if (product_id is None) == (client_ref is None):
            raise RequestValidationError(VENDOR, "GET /client/Product", "give product_id or client_ref")
        page = self.get_list("Product", limit=2, id=product_id, client_ref=client_ref)
        return Product.model_validate(page.items[0].model_dump()) if page.items else None

    def create_product(self, product: Any) -> str:
        """Create a product (the seed's mandatory fields checked first); return its id."""
        from airflow_provider_kakaclo.models.birdsystem import NewProduct

        body = validate_request(NewProduct, VENDOR, "POST /client/Product", product).model_dump(
            mode="json", by_alias=True, exclude_none=True)
        result = self.call("POST", "/client/Product/", form=_form(body), retry_safe=False,
                           endpoint="POST /client/Product")
        return str((result.get("data") or {}).get("id"))

    def update_product(self, product_id: str | int, changes: Any) -> dict:
        """Update a product's fields (spec §5.4 is undocumented: PUT by id, or re-POST with ``id``)."""
        from airflow_provider_kakaclo.models.birdsystem import ProductFields

        body = validate_request(ProductFields, VENDOR, "PUT /client/Product/{id}", changes).model_dump(
            mode="json", by_alias=True, exclude_none=True)
        if self.extras.get("product_update_style", "put") == "repost":
            return self.call("POST", "/client/Product/", form=_form({**body, "id": str(product_id)}),
                             endpoint="POST /client/Product (update)")
        return self.call("PUT", f"/client/Product/{_digits(product_id)}", json=body,
                         endpoint="PUT /client/Product/{id}")

    def change_product_status(self, product_id: str | int, status: str, *, current: str | None = None) -> dict:
        """Move a product to ``status`` if the seed lets a client do it from its current status.

        :raises RequestValidationError: before the write, naming what is allowed from the current status.
        """
        from airflow_provider_kakaclo.models.birdsystem import CLIENT_TRANSITIONS, PRODUCT_STATUSES

        endpoint = "PUT /client/Product/{id} (status)"
        if status not in PRODUCT_STATUSES:
            raise RequestValidationError(VENDOR, endpoint, f"unknown status {status!r}; one of {PRODUCT_STATUSES}")
        if current is None:
            product = self.get_product(product_id)
            if product is None:
                raise NotFoundError(VENDOR, endpoint, f"product {product_id} not found")
            current = product.status or ""
        allowed = sorted(CLIENT_TRANSITIONS.get(current, ()))
        if status not in allowed:
            raise RequestValidationError(
                VENDOR, endpoint, f"a client cannot move a product from {current} to {status}; allowed from "
                f"{current}: {', '.join(allowed) or 'nothing (warehouse-side status)'}")
        if self.extras.get("product_update_style", "put") == "repost":
            return self.call("POST", "/client/Product/", form={"id": str(product_id), "status": status},
                             endpoint=endpoint)
        return self.call("PUT", f"/client/Product/{_digits(product_id)}", json={"status": status}, endpoint=endpoint)

    # ------------------------------------------------------------------ stock
    def get_available_quantity(self, product_ids: Iterable[str | int]) -> dict[str, Any]:
        """Available stock on this site per product id, 1,000 ids a call (available = live - locked)."""
        from airflow_provider_kakaclo.models.birdsystem import MAX_IDS_PER_AVAILABILITY_CALL, Availability

        result: dict[str, Any] = {}
        for chunk in chunked([_digits(i) for i in product_ids], MAX_IDS_PER_AVAILABILITY_CALL):
            body = self.call("GET", "/client/Product/Get-Product-Available-Quantity",
                             params={"ids": ",".join(chunk), "limit": len(chunk)})
            rows = body.get("data") or []
            for row in [rows] if isinstance(rows, dict) else rows:
                item = Availability.model_validate(row if "id" in row or len(chunk) != 1 else {**row, "id": chunk[0]})
                result[item.id] = item
        return result

    def get_stock_info(self, product_id: str | int, *, group_by_warehouse: bool = False) -> list:
        """Stock of a product on every site (frozen stock as its own row), optionally per warehouse."""
        from airflow_provider_kakaclo.models.birdsystem import StockInfo

        params: dict[str, Any] = {"filter": json.dumps(
            [{"type": "numeric", "comparison": "eq", "value": int(_digits(product_id)), "field": "product_id"}])}
        if group_by_warehouse:
            params["groupByWarehouse"] = "true"
        body = self.call("GET", "/client/Container-Product/Get-Product-Stock-Info", params=params)
        return [StockInfo.model_validate(r) for r in body.get("data") or []]

    # ------------------------------------------------------------------ consignments
    def create_consignment(self, consignment: Any) -> str:
        """Step 1: a consignment in PREPARING; return its id."""
        from airflow_provider_kakaclo.models.birdsystem import ConsignmentIn

        body = validate_request(ConsignmentIn, VENDOR, "POST /client/Consignment", consignment).to_wire()
        result = self.call("POST", "/client/Consignment", form=_form(body), retry_safe=False)
        return str((result.get("data") or {}).get("id"))

    def add_consignment_line(self, consignment_id: str, product_id: str | int, quantity: int,
                             product_type: str = "NORMAL") -> str:
        """Step 2: one product line; return the line id."""
        result = self.call("POST", "/client/Consignment-Product", retry_safe=False, form={
            "consignment_id": _digits(consignment_id), "product_id": _digits(product_id),
            "quantity": str(int(quantity)), "product_type": product_type})
        return str((result.get("data") or {}).get("id"))

    def update_consignment_status(self, consignment_ids: Iterable[str], status: str) -> dict:
        """Step 3 (``PENDING``: hand it to the warehouse) or cancel (``CANCELLED``)."""
        ids = ",".join(_digits(i) for i in consignment_ids)
        return self.call("POST", "/client/Consignment/Batch-Update-Status", form={"ids": ids, "status": status})

    def cancel_consignment(self, consignment_id: str) -> dict:
        return self.update_consignment_status([consignment_id], "CANCELLED")

    def create_pending_consignments(self, consignments: list[dict]) -> dict:
        """All-in-one: consignments with their products straight to PENDING (spec §6.2c)."""
        return self.call("POST", "/client/Consignment/Post-Pending-Consignment-With-Products-Json",
                         json=consignments, retry_safe=False)

    def get_consignment(self, consignment_id: str | int):
        from airflow_provider_kakaclo.models.birdsystem import Consignment

        page = self.get_list("Consignment", limit=2, id=_digits(consignment_id))
        return Consignment.model_validate(page.items[0].model_dump()) if page.items else None

    def find_consignments(self, **fields: Any) -> list:
        """Consignments matching plain field filters, e.g. ``sales_reference=...``."""
        from airflow_provider_kakaclo.models.birdsystem import Consignment

        return [Consignment.model_validate(r) for r in self.iter_list("Consignment", **fields)]

    def get_consignment_lines(self, consignment_id: str) -> list[dict]:
        return list(self.iter_list("Consignment-Product", consignment_id=_digits(consignment_id)))

    def get_delivery_services(self, filter: list[dict] | None = None) -> list[dict]:
        return list(self.iter_list("Delivery-Service", filter=filter))

    # ------------------------------------------------------------------ order capability
    def validate_order(self, order: Any) -> dict[str, Any]:
        """``{"consignment": {...}, "lines": [{"product_id" | "client_ref", "quantity"}]}``, checked."""
        from airflow_provider_kakaclo.models.birdsystem import ConsignmentOrder

        body = dict(order)
        reference = body.pop("customOrderId", None)
        validated = validate_request(ConsignmentOrder, VENDOR, "consignment order", body).to_wire()
        if reference is not None:
            validate_request(ConsignmentOrder, VENDOR, "consignment order", {
                **validated, "consignment": {**validated["consignment"], "sales_reference": reference}})
        return validated

    def precheck_order(self, order: Any, *, stock: bool = True, freight: bool = True, balance: bool = True):
        """Every product exists and is ACTIVE (only ACTIVE products ship), and has the stock asked for."""
        body = self.validate_order(order)
        problems: list[str] = []
        products = self._resolve_lines(body["lines"], problems)
        for _line, product in products:
            if product.status != "ACTIVE":
                problems.append(f"product {product.id} ({product.client_ref}) is {product.status}, not ACTIVE: "
                                "only ACTIVE products can go on a consignment")
        if stock and not problems:
            available = self.get_available_quantity([p.id for _, p in products])
            for line, product in products:
                have = available[product.id].available if product.id in available else 0
                if have < line["quantity"]:
                    problems.append(f"product {product.id} ({product.client_ref}) has {have} available, "
                                    f"{line['quantity']} wanted")
        if problems:
            raise PrecheckError(VENDOR, "consignment pre-check", "; ".join(problems))
        return {"products": len(products)}

    def find_order(self, reference: str, *, since: Any = None):
        """The consignment whose ``sales_reference`` is ``reference`` (a plain field filter), if any."""
        matches = [c for c in self.find_consignments(sales_reference=reference) if c.sales_reference == reference]
        live = [c for c in matches if c.status not in ("DELETED", "CANCELLED")] or matches
        if not live:
            return None
        if len(live) > 1:
            self.log.warning("%s consignments carry reference %s: %s", len(live), reference, [c.id for c in live])
        return consignment_status(live[0])

    def resume_order(self, found: Any, order: Any):
        """Finish what a dead try started: a consignment still PREPARING gets its missing lines and is
        handed to the warehouse, instead of a second consignment being created."""
        if found.vendor_status.get("status") != "PREPARING":
            return found
        body = self.validate_order(order)
        problems: list[str] = []
        resolved = self._resolve_lines(body["lines"], problems)
        if problems:
            raise PrecheckError(VENDOR, "consignment order", "; ".join(problems))
        self.log.info("consignment %s was left PREPARING by an earlier try: completing it", found.order_id)
        self._complete(found.order_id, resolved)
        return consignment_status(self.get_consignment(found.order_id))

    def place_order(self, order: Any, reference: str) -> str:
        """Create the consignment with ``sales_reference`` = reference, add its lines, submit it."""
        body = self.validate_order(order)
        problems: list[str] = []
        resolved = self._resolve_lines(body["lines"], problems)
        if problems:
            raise PrecheckError(VENDOR, "consignment order", "; ".join(problems))
        consignment_id = self.create_consignment({**body["consignment"], "sales_reference": reference})
        self._complete(consignment_id, resolved)
        return consignment_id

    def _complete(self, consignment_id: str, resolved: list) -> None:
        """Add the lines not there yet and hand the consignment to the warehouse (PENDING)."""
        present = {str(row.get("product_id")) for row in self.get_consignment_lines(consignment_id)}
        for line, product in resolved:
            if product.id not in present:
                self.add_consignment_line(consignment_id, product.id, line["quantity"], line["product_type"])
        self.update_consignment_status([consignment_id], "PENDING")

    def _resolve_lines(self, lines: list[dict], problems: list[str]) -> list:
        resolved = []
        for line in lines:
            product = (self.get_product(line["product_id"]) if line.get("product_id")
                       else self.get_product(client_ref=line["client_ref"]))
            if product is None:
                problems.append(f"product {line.get('product_id') or line.get('client_ref')} does not exist")
            else:
                resolved.append((line, product))
        return resolved

    def get_order_statuses(self, order_ids: Iterable[str]) -> dict:
        """Normalized status per consignment (BirdSystem documents no id-list filter: one call each)."""
        statuses = {}
        for order_id in order_ids:
            consignment = self.get_consignment(order_id)
            if consignment is not None:
                statuses[consignment.id] = consignment_status(consignment)
        return statuses

    async def aget_order_statuses(self, order_ids: Iterable[str]) -> dict:
        from airflow_provider_kakaclo.models.birdsystem import Consignment

        statuses = {}
        for order_id in order_ids:
            body = await self.arequest(Call("GET", "/client/Consignment", endpoint="GET /client/Consignment",
                                            params={"id": _digits(order_id), "limit": 2}))
            for row in body.get("data") or []:
                consignment = Consignment.model_validate(row)
                statuses[consignment.id] = consignment_status(consignment)
        return statuses

    def order_url(self, order_id: str) -> str | None:
        template = self.extras.get("order_url_template")
        return template.format(order_id=order_id) if template else None

    # ------------------------------------------------------------------ stock capability
    #: BirdSystem documents no update-time filter for stock: full syncs only.
    stock_update_lag_seconds = None

    def iter_stock(self, *, skus: Iterable[str] | None = None, warehouses: Iterable[str] | None = None,
                   updated_from: Any = None, updated_to: Any = None) -> Iterator:
        """Stock rows for this site (``company_id``): available = live - locked, reserved = locked.

        The account's own (and sub-accounts') products are listed 200 a page (or looked up by
        ``client_ref`` for a shard) and their stock read 1,000 ids a call; the warehouse column is the
        site, ``site-<company_id>``.
        """
        from airflow_provider_kakaclo.stock import StockRow

        if updated_from is not None or updated_to is not None:
            raise ValueError("BirdSystem cannot filter stock by update time: use a full sync")
        site = f"site-{self.company_id}"
        if warehouses and site not in set(warehouses):
            return
        if skus is not None:
            products: Iterator[Any] = (p for p in (self.get_product(client_ref=s) for s in skus) if p is not None)
        else:  # a parent account's products are listed by default, but their stock is not ours to read
            products = self.iter_products(with_parent_client_product=0)
        for batch in chunked(products, 1000):
            available = self.get_available_quantity([p.id for p in batch])
            for product in batch:
                stock = available.get(product.id)
                if stock is not None:
                    yield StockRow(VENDOR, product.client_ref or product.id, site, stock.available,
                                   stock.current_locked_stock, product.update_time)

    # ------------------------------------------------------------------ SKU-write capability
    sku_batch_size = 50  # read one product per client_ref (no list filter is documented)

    def default_sku_mapping(self):
        from airflow_provider_kakaclo.skus import to_birdsystem

        return to_birdsystem

    def validate_sku(self, payload: Any) -> dict[str, Any]:
        from airflow_provider_kakaclo.models.birdsystem import NewProduct

        return validate_request(NewProduct, VENDOR, "POST /client/Product", payload).model_dump(
            mode="json", exclude_none=True, exclude={"status"})

    def read_skus(self, skus: list[str]) -> dict[str, dict[str, Any]]:
        """The stored products of these client_refs, keyed by client_ref."""
        found = {}
        for sku in skus:
            product = self.get_product(client_ref=sku)
            if product is not None:
                found[sku] = product.model_dump()
        return found

    def create_sku(self, payload: dict[str, Any]) -> None:
        self.create_product(payload)

    def write_sku_update(self, sku: str, payload: dict[str, Any], existing: dict[str, Any]) -> None:
        self.update_product(existing["id"], {k: v for k, v in payload.items() if k != "client_ref"})

    # ------------------------------------------------------------------ connection test
    @property
    def _credentials_hint(self) -> str:  # type: ignore[override]  # the base has a plain str
        return f"api_key and company_id ({self.company_id})"

    def _probe(self) -> str:
        """Read-only check for test_connection: the key is accepted on this site, products readable."""
        page = self.get_list("Product", limit=1)
        return f"the api_key was accepted on site company_id={self.company_id}; {page.total or 0} products visible"


def consignment_status(consignment: Any):
    """Map a consignment's status (13 values) to the normalized lifecycle; tracking = delivery_reference."""
    from airflow_provider_kakaclo.lifecycle import OrderStatus

    tracking = [consignment.delivery_reference] if consignment.delivery_reference else []
    return OrderStatus(
        order_id=consignment.id,
        status=CONSIGNMENT_LIFECYCLE.get(consignment.status or "", "pending"),
        vendor=VENDOR,
        vendor_status={"status": consignment.status},
        tracking_codes=tracking,
        merchant_order_id=consignment.sales_reference,
    )


def _digits(value: str | int) -> str:
    text = str(value).strip()
    if not text.isdigit():
        raise RequestValidationError(VENDOR, "id", f"BirdSystem ids are digits, got {value!r}")
    return text


def _form(body: dict[str, Any]) -> dict[str, str]:
    """Form fields as strings (BirdSystem documents form-encoded posts)."""
    return {k: str(v) for k, v in body.items() if v is not None}
