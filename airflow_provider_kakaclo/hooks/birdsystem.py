"""BirdSystem client API hook (spec ``birdsystem.md``): products, stock, consignments."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from airflow_provider_kakaclo.connections import ENVIRONMENTS
from airflow_provider_kakaclo.hooks.base import VendorHook, chunked, validate_request
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
)

VENDOR = "birdsystem"
PAGE_SIZE = 200
LOGIN_REQUIRED = "Login Required!"
#: The start of the vendor's refusal of a reused ``custom_identity_reference`` (spec §6.2c).
DUPLICATE_IDENTITY = "Duplicate consignment identity reference"
ALL_IN_ONE = "/client/Consignment/Post-Pending-Consignment-With-Products-Json"
AVAILABLE_QUANTITY = "/client/product/Get-Product-Available-Quantity"  # the docs always write it lowercase
#: Consignment status -> the provider's normalized lifecycle (15 statuses, spec §6.1).
CONSIGNMENT_LIFECYCLE = {
    "PREPARING": "pending",
    "RECEIVED": "pending",
    "PENDING": "paid",
    "WAIT_PICKING": "paid",
    "PICKING": "paid",
    "PROCESSING": "paid",
    "REVIEWING": "paid",
    "ADDRESS_LABEL_PRINTED": "paid",
    "CONFIRMED_BY_WAREHOUSE": "paid",
    "WAITING_WAREHOUSE_RESPOND": "paid",
    "WAITING_CLIENT_RESPOND": "paid",
    "PROBLEM": "paid",
    "FINISHED": "shipped",
    "DELETED": "cancelled",
    "CANCELLED": "cancelled",
}
#: Statuses a person resolves in BirdSystem (how, through the API, is undocumented, spec §6.1): the order
#: keeps its stage and is flagged ``needs_attention``; sensors wait by default (``on_attention_states``).
ATTENTION_STATUSES = frozenset({"WAITING_CLIENT_RESPOND", "PROBLEM"})
#: Fields BirdSystem derives itself or does not echo on product rows: never compared as changes.
UNREADABLE_PRODUCT_FIELDS = ("customs_properties", "customs_category_code")


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
    ``api_key``, extra ``company_id`` (the site; required). Extra ``product_update_style``: ``post``
    (default: the documented edit, ``POST /client/Product/`` with ``id`` and the changed fields, raw JSON)
    or ``put`` (``PUT /client/Product/<id>``, documented nowhere: only for an account that needs it).
    Extra ``stock_read``: ``ids`` (default: products listed, their stock read as many ids as fit the
    documented 255 characters per call) or ``pages`` (every product's stock 1,000 rows a call without ids,
    where the account pages that way).

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
        self._stages: dict[str, str] = {}  # consignment id -> last known lifecycle stage

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
        from airflow_provider_kakaclo.models.birdsystem import Record, _reply_count
        from airflow_provider_kakaclo.models.common import Page

        endpoint = f"GET /client/{resource}"
        _path_segment(resource, "resource", endpoint, allow_slash=True)
        params: dict[str, Any] = {"start": start, "limit": limit, **{k: v for k, v in fields.items() if v is not None}}
        if filter:
            params["filter"] = json.dumps(filter, separators=(",", ":"))
        body = self.call("GET", f"/client/{resource}", params=params, endpoint=endpoint)
        rows = body.get("data")
        if rows is None:
            rows = []
        if not isinstance(rows, list):
            raise MalformedResponseError(VENDOR, endpoint, f"data is not a list: {type(rows).__name__}")
        total = body.get("total")
        if total is not None:
            try:
                total = _reply_count(total)
            except ValueError:
                raise MalformedResponseError(VENDOR, endpoint, f"total is not a count: {total!r:.50}") from None
        return Page[Record].model_validate({"list": rows, "total": total, "pageSize": limit})

    def iter_list(self, resource: str, *, page_size: int = PAGE_SIZE, **query: Any) -> Iterator[dict]:
        """Every row of a list, ``page_size`` at a time (``start`` advanced until ``total``)."""
        start = 0
        while True:
            page = self.get_list(resource, start=start, limit=page_size, **query)
            yield from (row.model_dump() for row in page.items)
            start += len(page.items)
            if not page.items or (page.total is not None and start >= page.total) or len(page.items) < page_size:
                return

    # ------------------------------------------------------------------ products
    def iter_products(self, **filters: Any) -> Iterator:
        """Products matching the seed's query fields (status, client_ref, name, commodity_code, ...)."""
        from airflow_provider_kakaclo.models.birdsystem import Product

        for row in self.iter_list("Product", **filters):
            yield Product.model_validate(row)

    def get_product(self, product_id: str | int | None = None, *, client_ref: str | None = None):
        """One product by id, or the account's own product whose ``client_ref`` is exactly ``client_ref``.

        The list filter matches like MySQL (case-insensitively): other spellings are dropped, and a
        parent account's products are left out as in full syncs (they are not ours to write or stock).

        :return: the product, or ``None`` when there is none.
        :raises BusinessError: when two live products carry the reference (say which; pick none).
        """
        from airflow_provider_kakaclo.models.birdsystem import Product

        endpoint = "GET /client/Product"
        if (product_id is None) == (client_ref is None):
            raise RequestValidationError(VENDOR, endpoint, "give product_id or client_ref")
        if product_id is not None:
            page = self.get_list("Product", limit=2, id=_digits(product_id, "product_id", endpoint))
            return Product.model_validate(page.items[0].model_dump()) if page.items else None
        reference = _text(client_ref, "client_ref", endpoint, 50)
        rows = [Product.model_validate(r) for r in self.iter_list(
            "Product", client_ref=reference, with_parent_client_product=0)]
        exact = [p for p in rows if p.client_ref == reference]
        live = [p for p in exact if p.status != "DELETED"] or exact
        if len(live) > 1:
            raise BusinessError(VENDOR, endpoint, f"{len(live)} live products carry client_ref {reference!r}: "
                                f"{', '.join(p.id for p in live)}; resolve the duplicate in BirdSystem")
        return live[0] if live else None

    def get_customs_categories(self, **filters: Any) -> list[dict]:
        """The customs categories (``GET /client/customs-category``): ``id`` for ``customs_category_id``."""
        return list(self.iter_list("customs-category", **filters))

    def get_customs_category(self, category_id: str | int) -> dict | None:
        """One customs category by id (``GET /client/customs-category/<id>``)."""
        endpoint = "GET /client/customs-category/{id}"
        body = self.call("GET", f"/client/customs-category/{_digits(category_id, 'category_id', endpoint)}",
                         endpoint=endpoint)
        data = body.get("data")
        if isinstance(data, list):
            data = data[0] if data else None
        if data is not None and not isinstance(data, dict):
            raise MalformedResponseError(VENDOR, endpoint, f"data is not an object: {type(data).__name__}")
        return data

    def get_product_customs_properties(self) -> list[dict]:
        """The product customs properties (``GET /client/product-customs-property``): ids for
        ``customs_properties`` (sent as ``product_product_customs_property[]``)."""
        return list(self.iter_list("product-customs-property"))

    def create_product(self, product: Any) -> str:
        """Create a product with the current page's fields (spec §5.3; form body); return its id."""
        from airflow_provider_kakaclo.models.birdsystem import NewProduct

        endpoint = "POST /client/Product"
        model = validate_request(NewProduct, VENDOR, endpoint, _product_input(self, product, endpoint))
        _warn_lengths(self, model, endpoint)
        result = self.call("POST", "/client/Product/", form=_form(model.to_wire()), retry_safe=False,
                           endpoint=endpoint)
        return _created_id(result, endpoint)

    def update_product(self, product_id: str | int, changes: Any) -> dict:
        """Change a product's fields: ``POST /client/Product/`` with ``id`` and only the fields given
        (spec §5.4, raw JSON); ``PUT /client/Product/<id>`` only with the extra ``product_update_style=put``."""
        from airflow_provider_kakaclo.models.birdsystem import ProductFields

        endpoint = "POST /client/Product (edit)"
        model = validate_request(ProductFields, VENDOR, endpoint, _product_input(self, changes, endpoint))
        _warn_lengths(self, model, endpoint)
        body = model.to_wire()
        if not body:
            raise RequestValidationError(VENDOR, endpoint, "changes: nothing to change")
        return self._edit_product(product_id, body, endpoint)

    def _edit_product(self, product_id: str | int, body: dict[str, Any], endpoint: str) -> dict:
        product_id = _digits(product_id, "product_id", endpoint)
        style = self.extras.get("product_update_style") or "post"
        if style == "put":
            return self.call("PUT", f"/client/Product/{product_id}", json=body, endpoint="PUT /client/Product/{id}")
        if style not in ("post", "repost"):
            raise RequestValidationError(VENDOR, "connection", f"product_update_style must be 'post' (documented) "
                                         f"or 'put', got {style!r}")
        return self.call("POST", "/client/Product/", json={"id": int(product_id), **body}, endpoint=endpoint)

    def change_product_status(self, product_id: str | int, status: str, *, current: str | None = None) -> dict:
        """Move a product to ``status`` if the seed lets a client do it from its current status.

        :raises RequestValidationError: before the write, naming what is allowed from the current status.
        """
        from airflow_provider_kakaclo.models.birdsystem import CLIENT_TRANSITIONS, PRODUCT_STATUSES

        endpoint = "POST /client/Product (status)"
        product_id = _digits(product_id, "product_id", endpoint)
        if status not in PRODUCT_STATUSES:
            raise RequestValidationError(VENDOR, endpoint, f"status: unknown {status!r}; one of {PRODUCT_STATUSES}")
        if current is None:
            product = self.get_product(product_id)
            if product is None:
                raise NotFoundError(VENDOR, endpoint, f"product {product_id} not found")
            current = product.status or ""
        allowed = sorted(CLIENT_TRANSITIONS.get(current, ()))
        if status not in allowed:
            raise RequestValidationError(
                VENDOR, endpoint, f"status: a client cannot move a product from {current} to {status}; allowed "
                f"from {current}: {', '.join(allowed) or 'nothing (warehouse-side status)'}")
        return self._edit_product(product_id, {"status": status}, endpoint)

    # ------------------------------------------------------------------ stock
    def get_available_quantity(self, product_ids: Iterable[str | int]) -> dict[str, Any]:
        """Available stock on this site per product id (available = live - locked), as many ids per call
        as fit the documented ``ids`` width (VARCHAR(255), spec §5.5)."""
        from airflow_provider_kakaclo.models.birdsystem import AVAILABILITY_IDS_WIDTH, Availability

        endpoint = f"GET {AVAILABLE_QUANTITY}"
        ids = list(dict.fromkeys(_digits(i, "product_ids", endpoint) for i in _id_list(product_ids, endpoint)))
        result: dict[str, Any] = {}
        for chunk in _fit(ids, AVAILABILITY_IDS_WIDTH):
            body = self.call("GET", AVAILABLE_QUANTITY, params={"ids": ",".join(chunk)}, endpoint=endpoint)
            rows = body.get("data")
            if rows is None:
                rows = []
            if isinstance(rows, dict) and len(chunk) == 1:  # the older page: one object, no id
                rows = [{"id": chunk[0], **rows}]
            if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
                raise MalformedResponseError(VENDOR, endpoint, f"data is not a list of rows: {rows!r:.200}")
            for row in rows:
                item = Availability.model_validate(row)
                result[item.id] = item
        return result

    def iter_available_quantity(self, *, page_size: int = 1000) -> Iterator:
        """Every product's available stock on this site, without ``ids`` (spec §5.5: at most 1,000 rows a
        call). How to page past the first rows is not documented: ``start`` is sent, and a page that
        repeats rows already seen stops with an error naming that reading instead of looping or
        silently missing products."""
        from airflow_provider_kakaclo.models.birdsystem import MAX_AVAILABILITY_ROWS, Availability

        endpoint = f"GET {AVAILABLE_QUANTITY} (all)"
        if not 0 < page_size <= MAX_AVAILABILITY_ROWS:
            raise RequestValidationError(VENDOR, endpoint, f"page_size: 1-{MAX_AVAILABILITY_ROWS}, got {page_size}")
        start, seen = 0, set[Any]()
        while True:
            body = self.call("GET", AVAILABLE_QUANTITY, params={"start": start, "limit": page_size},
                             endpoint=endpoint)
            rows = body.get("data") or []
            if not isinstance(rows, list):
                raise MalformedResponseError(VENDOR, endpoint, f"data is not a list: {type(rows).__name__}")
            items = [Availability.model_validate(r) for r in rows]
            if any(item.id in seen for item in items):
                raise BusinessError(VENDOR, endpoint, f"the page at start={start} repeats products already read: "
                                    "this account does not page stock by start/limit; use stock_read='ids'")
            seen.update(item.id for item in items)
            yield from items
            if len(items) < page_size:
                return
            start += len(items)

    def get_stock_info(self, product_id: str | int, *, group_by_warehouse: bool = False) -> list:
        """Stock of a product on every site (frozen stock as its own row), optionally per warehouse."""
        from airflow_provider_kakaclo.models.birdsystem import StockInfo

        endpoint = "GET /client/Container-Product/Get-Product-Stock-Info"
        params: dict[str, Any] = {"filter": json.dumps(
            [{"type": "numeric", "comparison": "eq", "value": int(_digits(product_id, "product_id", endpoint)),
              "field": "product_id"}])}
        if group_by_warehouse:
            params["groupByWarehouse"] = "true"
        body = self.call("GET", "/client/Container-Product/Get-Product-Stock-Info", params=params, endpoint=endpoint)
        rows = body.get("data") or []
        if not isinstance(rows, list):
            raise MalformedResponseError(VENDOR, endpoint, f"data is not a list: {type(rows).__name__}")
        return [StockInfo.model_validate(r) for r in rows]

    # ------------------------------------------------------------------ consignments
    def create_consignment(self, consignment: Any) -> str:
        """Step-by-step step 1: a consignment in PREPARING (resuming an older half-made one); return its id."""
        from airflow_provider_kakaclo.models.birdsystem import ConsignmentIn

        endpoint = "POST /client/Consignment"
        body = validate_request(ConsignmentIn, VENDOR, endpoint, consignment).to_wire()
        result = self.call("POST", "/client/Consignment", form=_form(body), retry_safe=False, endpoint=endpoint)
        return _created_id(result, endpoint)

    def add_consignment_line(self, consignment_id: str, product_id: str | int, quantity: int,
                             product_type: str = "NORMAL", *, sales_price: Any = None) -> str:
        """Step-by-step step 2: one product line; return the line id."""
        from airflow_provider_kakaclo.models.birdsystem import ConsignmentLine

        endpoint = "POST /client/Consignment-Product"
        consignment_id = _digits(consignment_id, "consignment_id", endpoint)
        line = validate_request(ConsignmentLine, VENDOR, endpoint, {
            "product_id": _digits(product_id, "product_id", endpoint), "quantity": quantity,
            "product_type": product_type, "sales_price": sales_price}).to_wire()
        result = self.call("POST", "/client/Consignment-Product", retry_safe=False, endpoint=endpoint,
                           form=_form({"consignment_id": consignment_id, **line}))
        return _created_id(result, endpoint)

    def update_consignment_status(self, consignment_ids: Iterable[str], status: str) -> dict:
        """Step 3 (``PENDING``: hand it to the warehouse) or cancel (``CANCELLED``); ids joined with ``_``
        as the page shows (spec §6.2a, BS-STATUS)."""
        from airflow_provider_kakaclo.models.birdsystem import CLIENT_CONSIGNMENT_STATUSES

        endpoint = "POST /client/Consignment/Batch-Update-Status"
        if status not in CLIENT_CONSIGNMENT_STATUSES:
            raise RequestValidationError(VENDOR, endpoint, f"status: a client can set "
                                         f"{' or '.join(CLIENT_CONSIGNMENT_STATUSES)}, got {status!r}")
        ids = [_digits(i, "consignment_ids", endpoint) for i in _id_list(consignment_ids, endpoint)]
        return self.call("POST", "/client/Consignment/Batch-Update-Status", endpoint=endpoint,
                         form={"ids": "_".join(dict.fromkeys(ids)), "status": status})

    def cancel_consignment(self, consignment_id: str) -> dict:
        return self.update_consignment_status([consignment_id], "CANCELLED")

    def create_pending_consignments(self, consignments: list[Any]) -> list[str]:
        """All-in-one (spec §6.2c): consignments with their products straight to PENDING, all or nothing,
        in one request; return their ids in order.

        Each item is ``{"consignment": {...}, "lines": [...]}`` (lines by ``product_id`` or ``client_ref``,
        sent as ``id`` / ``client_sku``). A ``custom_identity_reference`` makes the vendor refuse a
        duplicate (same type, site, 6 months).

        :raises AmbiguousWriteError: when the vendor said success but the reply does not name the ids.
        """
        from airflow_provider_kakaclo.models.birdsystem import ConsignmentOrder

        endpoint = f"POST {ALL_IN_ONE}"
        if isinstance(consignments, (str, bytes, dict)) or not consignments:
            raise RequestValidationError(VENDOR, endpoint, "consignments: a non-empty list")
        orders = [validate_request(ConsignmentOrder, VENDOR, endpoint, c).to_wire() for c in consignments]
        body = [_all_in_one(order) for order in orders]
        result = self.call("POST", ALL_IN_ONE, json=body, retry_safe=False, endpoint=endpoint)
        return _created_ids(result, endpoint, len(body))

    def get_consignment(self, consignment_id: str | int):
        from airflow_provider_kakaclo.models.birdsystem import Consignment

        page = self.get_list("Consignment", limit=2,
                             id=_digits(consignment_id, "consignment_id", "GET /client/Consignment"))
        return Consignment.model_validate(page.items[0].model_dump()) if page.items else None

    def find_consignments(self, **fields: Any) -> list:
        """Consignments matching plain field filters, e.g. ``custom_identity_reference=...``."""
        from airflow_provider_kakaclo.models.birdsystem import Consignment

        for name, value in fields.items():
            if isinstance(value, str):
                _text(value, name, "GET /client/Consignment", 255)
        return [Consignment.model_validate(r) for r in self.iter_list("Consignment", **fields)]

    def get_consignment_lines(self, consignment_id: str) -> list[dict]:
        return list(self.iter_list("Consignment-Product", consignment_id=_digits(
            consignment_id, "consignment_id", "GET /client/Consignment-Product")))

    def get_delivery_services(self, filter: list[dict] | None = None) -> list[dict]:
        return list(self.iter_list("Delivery-Service", filter=filter))

    # ------------------------------------------------------------------ order capability
    def validate_order(self, order: Any) -> dict[str, Any]:
        """``{"consignment": {...}, "lines": [{"product_id" | "client_ref", "quantity"}]}``, checked."""
        from airflow_provider_kakaclo.models.birdsystem import ConsignmentOrder

        if not isinstance(order, Mapping):
            raise RequestValidationError(VENDOR, "consignment order", "order: a mapping with consignment and lines")
        body = dict(order)
        reference = body.pop("customOrderId", None)
        validated = validate_request(ConsignmentOrder, VENDOR, "consignment order", body).to_wire()
        if reference is not None:
            reference = _text(reference, "merchant_order_id", "consignment order", 50)
            validate_request(ConsignmentOrder, VENDOR, "consignment order", {
                **validated, "consignment": {**validated["consignment"], "sales_reference": reference,
                                             "custom_identity_reference": reference}})
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
        """The consignment carrying ``reference``: by ``custom_identity_reference`` (a documented filter),
        else by ``sales_reference`` (consignments placed by older versions)."""
        reference = _text(reference, "merchant_order_id", "GET /client/Consignment", 50)
        matches = [c for c in self.find_consignments(custom_identity_reference=reference)
                   if c.custom_identity_reference == reference]
        if not matches:
            matches = [c for c in self.find_consignments(sales_reference=reference) if c.sales_reference == reference]
        if not matches:
            return None
        if len(matches) > 1:
            self.log.warning("%s consignments carry reference %s: %s", len(matches), reference, [c.id for c in matches])
        from airflow_provider_kakaclo.batches import representative

        return representative([self._status(c) for c in matches])

    def resume_order(self, found: Any, order: Any):
        """Finish what a dead try of an older version started: a consignment still PREPARING gets its
        missing lines and is handed to the warehouse, instead of a second consignment being created."""
        if found.vendor_status.get("status") != "PREPARING":
            return found
        body = self.validate_order(order)
        problems: list[str] = []
        resolved = self._resolve_lines(body["lines"], problems)
        if problems:
            raise PrecheckError(VENDOR, "consignment order", "; ".join(problems))
        self.log.info("consignment %s was left PREPARING by an earlier try: completing it", found.order_id)
        self._complete(found.order_id, resolved)
        return self._status(self.get_consignment(found.order_id))

    def place_order(self, order: Any, reference: str) -> str:
        """Create the consignment in one request (all-in-one, straight to PENDING) with the reference as
        ``custom_identity_reference`` and ``sales_reference``.

        The vendor refuses a second consignment with that identity reference; that refusal means an
        earlier try placed it, and its id is returned.
        """
        body = self.validate_order(order)
        reference = _text(reference, "merchant_order_id", "consignment order", 50)
        consignment = {**body["consignment"], "sales_reference": reference, "custom_identity_reference": reference}
        try:
            (consignment_id,) = self.create_pending_consignments([{**body, "consignment": consignment}])
        except BusinessError as err:
            if DUPLICATE_IDENTITY.lower() not in err.message.lower():
                raise
            found = self.find_order(reference)
            if found is None:
                raise BusinessError(VENDOR, err.endpoint, f"{err.message}: the vendor says a consignment carries "
                                    f"{reference!r}, but none of this site's consignments shows it") from err
            self.log.info("BirdSystem refused a duplicate of %s: consignment %s already carries it",
                          reference, found.order_id)
            return found.order_id
        return consignment_id

    def _complete(self, consignment_id: str, resolved: list) -> None:
        """Add the lines not there yet and hand the consignment to the warehouse (PENDING)."""
        present = {str(row.get("product_id")) for row in self.get_consignment_lines(consignment_id)}
        for line, product in resolved:
            if product.id not in present:
                self.add_consignment_line(consignment_id, product.id, line["quantity"], line["product_type"],
                                          sales_price=line.get("sales_price"))
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
        ids = [_digits(i, "consignment_id", "GET /client/Consignment") for i in order_ids]  # all, before any call
        for order_id in ids:
            consignment = self.get_consignment(order_id)
            if consignment is not None:
                statuses[consignment.id] = self._status(consignment)
        return statuses

    async def aget_order_statuses(self, order_ids: Iterable[str]) -> dict:
        from airflow_provider_kakaclo.models.birdsystem import Consignment

        endpoint = "GET /client/Consignment"
        statuses = {}
        for order_id in [_digits(i, "consignment_id", endpoint) for i in order_ids]:
            body = await self.arequest(Call("GET", "/client/Consignment", endpoint=endpoint,
                                            params={"id": order_id, "limit": 2}))
            rows = body.get("data") or []
            if not isinstance(rows, list):
                raise MalformedResponseError(VENDOR, endpoint, f"data is not a list: {type(rows).__name__}")
            for row in rows:
                consignment = Consignment.model_validate(row)
                statuses[consignment.id] = self._status(consignment)
        return statuses

    def _status(self, consignment: Any):
        """:func:`consignment_status`, remembering each consignment's stage for statuses not known yet."""
        status = consignment_status(consignment, self._stages.get(consignment.id))
        if consignment.status not in CONSIGNMENT_LIFECYCLE:
            self.log.warning("consignment %s has status %r, not one of the 15 documented: keeping its last "
                             "known stage %s", consignment.id, consignment.status, status.status)
        elif status.vendor_status.get("needs_attention"):
            self.log.warning("consignment %s is %s: a person must resolve it in BirdSystem (the API documents no "
                             "way to); sensors keep waiting unless on_attention_states='fail'",
                             consignment.id, consignment.status)
        self._stages[consignment.id] = status.status
        return status

    def order_url(self, order_id: str) -> str | None:
        template = self.extras.get("order_url_template")
        return template.format(order_id=order_id) if template else None

    # ------------------------------------------------------------------ stock capability
    #: The stock history (Container-Product-Transaction) does not carry locked stock: full syncs only.
    stock_update_lag_seconds = None

    def iter_stock(self, *, skus: Iterable[str] | None = None, warehouses: Iterable[str] | None = None,
                   updated_from: Any = None, updated_to: Any = None) -> Iterator:
        """Stock rows for this site (``company_id``): available = live - locked, reserved = locked.

        The account's own (and sub-accounts') products are listed 200 a page (or looked up by
        ``client_ref`` for a shard); their stock is read as many ids a call as fit 255 characters (or,
        with ``stock_read='pages'``, 1,000 rows a call without ids). The warehouse column is the site,
        ``site-<company_id>``; ``source_updated_at`` the product's ``last_stock_update_time``.
        """
        from airflow_provider_kakaclo.stock import StockRow

        if updated_from is not None or updated_to is not None:
            raise ValueError("BirdSystem cannot filter stock by update time: use a full sync")
        site = f"site-{self.company_id}"
        if warehouses and site not in set(warehouses):
            return
        paged = skus is None and (self.extras.get("stock_read") or "ids") == "pages"
        if skus is not None:
            products: Iterator[Any] = (p for p in (self.get_product(client_ref=s) for s in skus) if p is not None)
        else:  # a parent account's products are listed by default, but their stock is not ours to read
            products = self.iter_products(with_parent_client_product=0)
        stock = {item.id: item for item in self.iter_available_quantity()} if paged else None
        for batch in chunked(products, PAGE_SIZE):
            available = (stock if paged else self.get_available_quantity([p.id for p in batch])) or {}
            for product in batch:
                row = available.get(product.id)
                if row is not None:
                    yield StockRow(VENDOR, product.client_ref or product.id, site, row.available,
                                   row.current_locked_stock, product.last_stock_update_time)

    # ------------------------------------------------------------------ SKU-write capability
    sku_batch_size = 50  # read one product per client_ref (no list filter is documented)

    def default_sku_mapping(self):
        from airflow_provider_kakaclo.skus import to_birdsystem

        return to_birdsystem

    def validate_sku(self, payload: Any) -> dict[str, Any]:
        """The create body as checked (field names as product rows answer them, no ``company_product-``)."""
        from airflow_provider_kakaclo.models.birdsystem import NewProduct

        model = validate_request(NewProduct, VENDOR, "POST /client/Product",
                                 _product_input(self, payload, "POST /client/Product"))
        return model.model_dump(mode="json", exclude_none=True, exclude={"status"})

    def read_skus(self, skus: list[str]) -> dict[str, dict[str, Any]]:
        """The stored products of these client_refs, keyed by client_ref (fields BirdSystem derives or
        does not echo are marked unreadable, so they never count as changed)."""
        from airflow_provider_kakaclo.skus import UNREADABLE

        found = {}
        for sku in skus:
            try:
                product = self.get_product(client_ref=sku)
            except BusinessError as err:  # two live products: this SKU fails with the reason, the rest go on
                found[sku] = {"__error__": str(err)}
                continue
            if product is not None:
                row = product.model_dump()
                for name in ("price", "cost", "low_stock_level", "is_shared_internal"):  # §5.1: unprefixed
                    if row.get(name) is None and row.get(f"company_product-{name}") is not None:
                        row[name] = row[f"company_product-{name}"]
                for name in UNREADABLE_PRODUCT_FIELDS:
                    row.setdefault(name, UNREADABLE)
                found[sku] = row
        return found

    def create_sku(self, payload: dict[str, Any]) -> None:
        self.create_product(payload)

    def write_sku_update(self, sku: str, payload: dict[str, Any], existing: dict[str, Any]) -> None:
        """Send only the fields that differ (spec §5.4: the id plus the changed fields)."""
        from airflow_provider_kakaclo.skus import changed_fields

        if "__error__" in existing:
            raise BusinessError(VENDOR, "GET /client/Product", existing["__error__"])
        changed = {k: payload[k] for k in changed_fields(payload, existing) if k != "client_ref"}
        if changed:
            self.update_product(existing["id"], changed)

    # ------------------------------------------------------------------ connection test
    @property
    def _credentials_hint(self) -> str:  # type: ignore[override]  # the base has a plain str
        return f"api_key and company_id ({self.company_id})"

    def _probe(self) -> str:
        """Read-only check for test_connection: the key is accepted on this site, products readable."""
        page = self.get_list("Product", limit=1)
        return f"the api_key was accepted on site company_id={self.company_id}; {page.total or 0} products visible"


def consignment_status(consignment: Any, last_stage: str | None = None):
    """Map a consignment's status (15 values) to the normalized lifecycle; tracking = delivery_reference.

    WAITING_CLIENT_RESPOND and PROBLEM keep the stage (``paid``) and set ``vendor_status.needs_attention``;
    a status not documented yet keeps ``last_stage`` (else ``paid``: the consignment exists and is past
    our hands), never falling back to ``pending``.
    """
    from airflow_provider_kakaclo.lifecycle import OrderStatus

    raw = consignment.status or ""
    stage = CONSIGNMENT_LIFECYCLE.get(raw) or last_stage or "paid"
    vendor_status: dict[str, Any] = {"status": consignment.status}
    if raw in ATTENTION_STATUSES:
        vendor_status["needs_attention"] = True
    if raw not in CONSIGNMENT_LIFECYCLE:
        vendor_status["undocumented_status"] = True
    tracking = [consignment.delivery_reference] if consignment.delivery_reference else []
    return OrderStatus(
        order_id=consignment.id,
        status=stage,
        vendor=VENDOR,
        vendor_status=vendor_status,
        tracking_codes=tracking,
        merchant_order_id=consignment.custom_identity_reference or consignment.sales_reference,
    )


def _all_in_one(order: dict[str, Any]) -> dict[str, Any]:
    """One all-in-one record (spec §6.2c): the consignment's fields, ``status`` PENDING (the pages
    conflict on the default), ``type`` LOCAL unless given, and ``products[]`` by ``id`` or ``client_sku``."""
    products = []
    for line in order["lines"]:
        item: dict[str, Any] = ({"id": line["product_id"]} if line.get("product_id") is not None
                                else {"client_sku": line["client_ref"]})
        item["quantity"] = line["quantity"]
        if line.get("sales_price") is not None:
            item["sales_price"] = line["sales_price"]
        products.append(item)
    return {"type": "LOCAL", **order["consignment"], "status": "PENDING", "products": products}


def _created_id(result: Any, endpoint: str) -> str:
    """The id of a create reply (``{"success": true, "data": {"id": ...}}``); a success that does not
    name an id is an ambiguous write: the vendor may have committed it."""
    from pydantic import ValidationError

    from airflow_provider_kakaclo.models.birdsystem import Created

    data = result.get("data") if isinstance(result, dict) else None
    try:
        return Created.model_validate(data).id
    except ValidationError:
        raise AmbiguousWriteError(MalformedResponseError(
            VENDOR, endpoint, f"success reply without a usable id: data={data!r:.200}")) from None


def _created_ids(result: Any, endpoint: str, count: int) -> list[str]:
    """The consignment ids of an all-in-one reply, in order. Its shape is not documented: a map
    (``{key: id}``, like the bulk upload), a list of rows or ids, or one row for one order."""
    from airflow_provider_kakaclo.models.birdsystem import _reply_id

    data = result.get("data") if isinstance(result, dict) else None
    if isinstance(data, dict) and count == 1 and "id" in data:
        data = [data]
    if isinstance(data, dict):
        values = list(data.values())
    elif isinstance(data, list):
        values = [row.get("id") if isinstance(row, dict) else row for row in data]
    else:
        values = []
    try:
        ids = [_reply_id(v) for v in values]
    except ValueError:
        ids = []
    if len(ids) != count:
        raise AmbiguousWriteError(MalformedResponseError(
            VENDOR, endpoint, f"success reply does not name {count} consignment id(s): data={data!r:.200}"))
    return ids


def _product_input(hook: Any, product: Any, endpoint: str) -> Any:
    """Product fields as given, with ``customs_category_code`` (no longer a request field: the server
    derives it) passed through with one warning, and the prefixed company fields read by their names."""
    if not isinstance(product, Mapping):
        return product
    body = dict(product)
    for name in ("price", "cost", "low_stock_level", "is_shared_internal"):
        if f"company_product-{name}" in body:
            body[name] = body.pop(f"company_product-{name}")
    code = body.pop("customs_category_code", None)
    if code is not None:
        hook.log.warning("%s: customs_category_code is not a request field of the current pages (BirdSystem "
                         "derives it from customs_category_id); not sent", endpoint)
    return body


def _warn_lengths(hook: Any, model: Any, endpoint: str) -> None:
    """Where two pages give two lengths, the larger is accepted and a value past the smaller warned."""
    from airflow_provider_kakaclo.models.birdsystem import CONFLICTING_LENGTHS

    for name, smaller in CONFLICTING_LENGTHS.items():
        value = getattr(model, name, None)
        if value is not None and len(value) > smaller:
            hook.log.warning("%s: %s is %s characters; one BirdSystem page allows only %s", endpoint, name,
                             len(value), smaller)


def _id_list(values: Any, endpoint: str) -> list:
    if isinstance(values, (str, bytes, int)) or values is None:
        raise RequestValidationError(VENDOR, endpoint, f"ids: a list of ids, got {type(values).__name__}")
    items = list(values)
    if not items:
        raise RequestValidationError(VENDOR, endpoint, "ids: the list is empty")
    return items


def _fit(ids: list[str], width: int) -> Iterator[list[str]]:
    """Ids in groups whose comma-joined text fits ``width`` characters."""
    group: list[str] = []
    size = 0
    for item in ids:
        grown = size + len(item) + (1 if group else 0)
        if group and grown > width:
            yield group
            group, grown = [], len(item)
        group.append(item)
        size = grown
    if group:
        yield group


def _digits(value: Any, field: str = "id", endpoint: str = "id") -> str:
    """An id as ASCII digits (``str.isdigit`` also accepts other scripts' digits: refused)."""
    if isinstance(value, bool):
        raise RequestValidationError(VENDOR, endpoint, f"{field}: BirdSystem ids are digits, got {value!r}")
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or int(text) == 0:
        raise RequestValidationError(VENDOR, endpoint, f"{field}: BirdSystem ids are digits, got {value!r}")
    return text


def _text(value: Any, field: str, endpoint: str, max_length: int) -> str:
    """A reference: text, not only whitespace, within the field's length."""
    if not isinstance(value, str) or not value.strip():
        raise RequestValidationError(VENDOR, endpoint, f"{field}: a non-blank text, got {value!r}")
    text = value.strip()
    if len(text) > max_length:
        raise RequestValidationError(VENDOR, endpoint, f"{field}: at most {max_length} characters")
    return text


def _path_segment(value: str, field: str, endpoint: str, *, allow_slash: bool = False) -> str:
    """A path part with nothing that would change the URL's meaning (``..``, ``?``, ``#``, ``/``)."""
    text = str(value)
    bad = ["..", "?", "#", "%", "\\"] + ([] if allow_slash else ["/"])
    if not text or any(b in text for b in bad) or text != text.strip():
        raise RequestValidationError(VENDOR, endpoint, f"{field}: not a plain path segment: {value!r}")
    return text


def _form(body: dict[str, Any]) -> dict[str, Any]:
    """Form fields as strings (BirdSystem documents form-encoded posts); lists stay lists (repeated keys)."""
    return {k: ([str(i) for i in v] if isinstance(v, list) else str(v)) for k, v in body.items() if v is not None}
