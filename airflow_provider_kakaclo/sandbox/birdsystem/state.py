"""The BirdSystem backend: all sandbox state, with methods named after the vendor operations.

Like a moto backend it knows nothing of HTTP: ``responses.py`` parses requests and renders rows,
``errors.py`` holds the failure it raises. One instance lives for the whole app and is reset in place.
Every public method takes the backend lock.

Model (spec §2, §5, §6): one client (4790) with a parent (4700) and a child account (4791); products
belong to a client and are shared across sites; stock is kept per product and warehouse (each
warehouse belongs to one site, the ``company_id`` of the request) as live, locked (set by the control
API) and frozen quantities; consignments belong to the site they were created in and lock stock from
PENDING until FINISHED takes it out or CANCELLED/DELETED releases it. The warehouse side (product
review, consignment progress) moves only through the control API.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..backend import ControlError, VendorBackend
from ..seeded import mix
from ..timeutil import to_epoch
from . import DEFAULT_API_KEY
from .catalog import (
    CHILD_CLIENT_ID,
    CLIENT_CREATE_STATUSES,
    CLIENT_EDITABLE_STATUSES,
    CLIENT_ID,
    CLIENT_PRODUCT_TRANSITIONS,
    CONSIGNMENT_STATUSES,
    COUNTRIES_BY_ISO,
    CUSTOMS_BY_ID,
    DEFAULT_COMPANY_ID,
    DELIVERY_SERVICES,
    DELIVERY_SERVICES_BY_ID,
    FIRST_PRODUCT_ID,
    LOCAL_FLOW,
    LOCKING_STATUSES,
    PARENT_CLIENT_ID,
    PRODUCT_STATUSES,
    SITE_WAREHOUSES,
    SITES_BY_ID,
    WAREHOUSES_BY_ID,
    DeliveryService,
    country_by_name,
    seeded_product,
)
from .errors import NO_DELIVERY_SERVICE, BirdSystemError, not_yours

DEFAULT_SEED = 20240003
DEFAULT_PRODUCT_COUNT = 300
MAX_PRODUCT_COUNT = 100_000
FIRST_CONSIGNMENT_SEQUENCE = 3004830001  # the docs' id 2006143004830001 is yymmdd + this kind of number
FIRST_LINE_ID = 1124955  # the docs' Consignment-Product id
FIRST_TEMP_ID = 12010433  # the docs' temp consignment id
AVAILABLE_QUANTITY_DEFAULT = 50
AVAILABLE_QUANTITY_MAX = 1000
AVAILABLE_QUANTITY_IDS_WIDTH = 255  # ids VARCHAR(255), §5.5
IDENTITY_WINDOW_SECONDS = 183 * 86400  # "the last 6 months" of the duplicate check, §6.2c
OWN_SETTINGS = frozenset({"seed", "anchor", "product_count", "api_keys", "company_ids"})
IGNORED_SETTINGS = frozenset({"catalog_size", "balance", "tokens"})
"""Generic sandbox settings meant for other vendors; accepted and ignored here."""
DEFAULT_COMPANY_ROW = {"price": "0.00", "cost": "0.00", "low_stock_level": "0", "is_shared_internal": "0",
                       "is_shared_external": "0"}


@dataclass
class Product:
    """A product: its product-level record and its per-site (``company_product``) rows."""

    record: dict[str, Any]
    company: dict[int, dict[str, str]] = field(default_factory=dict)

    @property
    def id(self) -> int:
        return self.record["id"]

    @property
    def client_id(self) -> int:
        return self.record["client_id"]

    @property
    def status(self) -> str:
        return self.record["status"]

    def company_row(self, company_id: int) -> dict[str, str]:
        return self.company.get(company_id) or DEFAULT_COMPANY_ROW


@dataclass
class Line:
    """A consignment line (``Consignment-Product``)."""

    id: int
    consignment_id: str
    product_id: int
    quantity: int
    product_type: str
    unit_product_price: str | None


@dataclass
class Consignment:
    """An outbound consignment of one site."""

    id: str
    company_id: int
    client_id: int
    status: str
    fields: dict[str, Any]
    lines: list[Line] = field(default_factory=list)
    create_time: int = 0
    update_time: int = 0
    last_update_status_time: int = 0
    locked: bool = False  # its lines currently hold current_locked_stock
    shipped: bool = False  # FINISHED took its stock out

    @property
    def type(self) -> str:
        return self.fields["type"]


@dataclass
class TempConsignment:
    """An uploaded bulk record waiting for conversion (§6.2 b)."""

    id: int
    company_id: int
    record: dict[str, Any]
    consignment_id: str | None = None


@dataclass
class ConvertResult:
    total: int
    processed: int
    finished: bool
    converted: dict[str, str]
    errors: list[dict[str, str]]


class BirdSystemBackend(VendorBackend):
    """Sandbox state of one BirdSystem client account."""

    # -- setup -----------------------------------------------------------------------------------

    def reset(self, settings: dict[str, Any] | None = None) -> None:
        """Forget every change and rebuild from ``settings``.

        :param settings: ``seed`` (int), ``product_count`` (1-100000, default 300), ``anchor`` (ISO time or
            epoch seconds before which seeded products were created; default today 00:00 UTC), ``api_keys``
            (list of str or one str), ``company_ids`` (sites the keys may use; default ``[1001]``).
            ``catalog_size``, ``balance`` and ``tokens`` belong to other vendors and are ignored.
        :raises ValueError: on a bad setting
        """
        settings = dict(settings or {})
        unknown = sorted(set(settings) - OWN_SETTINGS - IGNORED_SETTINGS)
        if unknown:
            raise ValueError(f"unknown birdsystem settings {unknown}")
        seed = _int_setting(settings, "seed", DEFAULT_SEED)
        count = _int_setting(settings, "product_count", DEFAULT_PRODUCT_COUNT)
        if not 1 <= count <= MAX_PRODUCT_COUNT:
            raise ValueError(f"product_count must be between 1 and {MAX_PRODUCT_COUNT}")
        api_keys = _keys_setting(settings.get("api_keys", [DEFAULT_API_KEY]))
        company_ids = _companies_setting(settings.get("company_ids", [DEFAULT_COMPANY_ID]))
        anchor = self.seed_anchor(settings)
        products: dict[int, Product] = {}
        stock: dict[int, dict[int, list[int]]] = {}
        for index in range(count):
            record, rows, company_rows = seeded_product(seed, index, anchor)
            products[record["id"]] = Product(record, company_rows)
            if rows:
                stock[record["id"]] = {row.warehouse_id: [row.live, row.locked, row.frozen] for row in rows}
        with self._lock:
            self.seed = seed
            self.anchor = anchor
            self.api_keys: set[str] = set(api_keys)
            self.company_ids: set[int] = set(company_ids)
            self.products = products
            self._stock = stock
            self._stock_times: dict[tuple[int, int], int] = {}  # (product, company or 0) -> epoch
            self._consignment_locks: dict[tuple[int, int], int] = {}  # (product, company) -> quantity
            self.consignments: dict[str, Consignment] = {}
            self.lines: dict[int, Line] = {}
            self.temps: dict[int, TempConsignment] = {}
            self._next_product_id = FIRST_PRODUCT_ID + count
            self._next_consignment = FIRST_CONSIGNMENT_SEQUENCE
            self._next_line_id = FIRST_LINE_ID
            self._next_temp_id = FIRST_TEMP_ID
            self.buckets.reset()

    def now(self) -> int:
        """Current wall time in epoch seconds."""
        return to_epoch(self.clocks.now())

    # -- auth and rate limit (§2, §7) ------------------------------------------------------------

    def check_credentials(self, api_key: str | None, company_id: str | None) -> bool:
        """Whether the ``api_key`` / ``company_id`` headers open a session (§2)."""
        if not api_key or not company_id or not company_id.strip().isdigit():
            return False
        with self._lock:
            return api_key in self.api_keys and int(company_id) in self.company_ids

    def admit(self, api_key: str) -> float | None:
        """Count one request against the key's bucket; ``None`` when admitted (INVENTED limiter)."""
        if not self.switches["rate_limit_enabled"]:
            return None
        return self.buckets.try_acquire(api_key, self.switches["rate_limit_capacity"],
                                        self.switches["rate_limit_leak_per_second"])

    def set_credentials(self, api_keys: list[str] | None = None, company_ids: list[Any] | None = None) -> dict:
        """Replace the valid keys and/or open sites (control API).

        :raises ValueError: on a bad key list or an unknown site
        """
        keys = _keys_setting(api_keys) if api_keys is not None else None
        companies = _companies_setting(company_ids) if company_ids is not None else None
        with self._lock:
            if keys is not None:
                self.api_keys = set(keys)
            if companies is not None:
                self.company_ids = set(companies)
            return self.credentials()

    def credentials(self) -> dict:
        """The valid keys and open sites."""
        with self._lock:
            return {"api_keys": sorted(self.api_keys), "company_ids": sorted(self.company_ids)}

    # -- products: visibility ----------------------------------------------------------------------

    def visible_products(self, *, with_parent: bool = True, with_child: bool = True) -> list[Product]:
        """Products a list shows: the client's own, its parent's and its child accounts' (seed flags)."""
        owners = {CLIENT_ID}
        if with_parent:
            owners.add(PARENT_CLIENT_ID)
        if with_child:
            owners.add(CHILD_CLIENT_ID)
        with self._lock:
            return [product for product in self.products.values() if product.client_id in owners]

    def product(self, product_id: int) -> Product | None:
        with self._lock:
            return self.products.get(product_id)

    def _own(self, product_id: Any) -> Product:
        product = self.products.get(_as_int(product_id))
        if product is None or product.client_id != CLIENT_ID:
            raise BirdSystemError(not_yours(product_id))
        return product

    def _stock_visible(self, product_id: Any) -> Product:
        """Own or child-account product (a parent key sees its sub-accounts' stock, §5.5)."""
        product = self.products.get(_as_int(product_id))
        if product is None or product.client_id not in (CLIENT_ID, CHILD_CLIENT_ID):
            raise BirdSystemError(not_yours(product_id))
        return product

    # -- products: create and update (§5.3, §5.4) --------------------------------------------------

    def create_product(self, product_fields: dict[str, Any], company_fields: dict[str, Any],
                       company_id: int) -> Product:
        """Create a product of the client (§5.3); required fields are checked by the caller.

        :param product_fields: checked product-level values
        :param company_fields: checked per-site values for ``company_id``
        :param company_id: the request's site
        :return: the product
        :raises BirdSystemError: on a status a client cannot create in, or a taken client_ref
        """
        with self._lock:
            status = product_fields.get("status") or "PREPARING"
            if status not in CLIENT_CREATE_STATUSES:
                raise BirdSystemError(f"Product can not be created with status {status}.")
            client_ref = product_fields.get("client_ref")
            if client_ref is not None:
                self._check_client_ref(client_ref, None)
            now = self.now()
            product_id = self._next_product_id
            self._next_product_id += 1
            record = {
                "id": product_id, "client_id": CLIENT_ID, "name": None, "name_customs": None, "material": None,
                "usage": None, "brand": None, "url": None, "color": None, "model": None, "country_of_origin": None,
                "shape_type": "NORMAL_SHAPE", "customs_category_id": None, "customs_category_code": None,
                "commodity_code": None, "note": None, "description": None, "price_customs_import": None,
                "price_customs_export": None, "sales_price": None, "client_ref": None, "weight": None,
                "length": None, "width": None, "depth": None, "inventory_time": "0",
                "is_dynamic_warehouse_unsalable_product": "0",
                "dynamic_warehouse_stock_sequence": "DYNAMIC_WAREHOUSE_STOCK_FIRST",
                "status": status, "create_time": now, "update_time": now, "last_update_status_time": now,
            }
            record.update({key: value for key, value in product_fields.items() if key != "status"})
            _fill_customs_category(record)
            if record["client_ref"] is None:  # the seed sample: client_ref = company_ref = "<client>-<id>"
                record["client_ref"] = f"{CLIENT_ID}-{product_id}"
            for key in ("shape_type", "inventory_time", "is_dynamic_warehouse_unsalable_product",
                        "dynamic_warehouse_stock_sequence"):
                if record[key] is None:
                    record[key] = {"shape_type": "NORMAL_SHAPE", "inventory_time": "0",
                                   "is_dynamic_warehouse_unsalable_product": "0",
                                   "dynamic_warehouse_stock_sequence": "DYNAMIC_WAREHOUSE_STOCK_FIRST"}[key]
            product = Product(record)
            if company_fields:
                product.company[company_id] = _company_row(DEFAULT_COMPANY_ROW, company_fields)
            self.products[product_id] = product
            return product

    def update_product(self, product_id: Any, product_fields: dict[str, Any], company_fields: dict[str, Any],
                       company_id: int, *, required: tuple[str, ...]) -> Product:
        """Update a product of the client (§5.4, INF): changed fields, status by the client table (seed).

        :param product_id: the product id
        :param product_fields: checked product-level values present in the request
        :param company_fields: checked per-site values present in the request
        :param company_id: the request's site
        :param required: fields that may not be emptied
        :return: the product
        :raises BirdSystemError: not the client's, a forbidden status change, an emptied required field,
            a taken client_ref, or (``locked_product_edits=reject``) an edit in a locked status
        """
        with self._lock:
            product = self._own(product_id)
            record = product.record
            emptied = [name for name in required if name in product_fields and product_fields[name] is None]
            if emptied:
                raise BirdSystemError(f"{emptied[0]} is required.")
            new_status = product_fields.get("status") or record["status"]
            if new_status != record["status"] and \
                    new_status not in CLIENT_PRODUCT_TRANSITIONS.get(record["status"], frozenset()):
                raise BirdSystemError(f"Product status can not be changed from {record['status']} to {new_status}.")
            changes = {key: value for key, value in product_fields.items()
                       if key != "status" and record.get(key) != value}
            company_changes = {key: value for key, value in company_fields.items()
                               if product.company_row(company_id).get(key) != value}
            if (changes or company_changes) and self.switches["locked_product_edits"] == "reject" and \
                    record["status"] not in CLIENT_EDITABLE_STATUSES:
                raise BirdSystemError(f"Product with status {record['status']} can not be edited.")
            if "client_ref" in changes:
                if changes["client_ref"] is None:
                    changes["client_ref"] = f"{CLIENT_ID}-{product.id}"
                self._check_client_ref(changes["client_ref"], product.id)
            now = self.now()
            record.update(changes)
            if "customs_category_id" in changes:
                _fill_customs_category(record)
            if company_changes:
                product.company[company_id] = _company_row(product.company_row(company_id), company_changes)
            status_changed = new_status != record["status"]
            if status_changed:
                record["status"] = new_status
                record["last_update_status_time"] = now
            if changes or company_changes or status_changed:
                record["update_time"] = now
            return product

    def _check_client_ref(self, client_ref: str, product_id: int | None) -> None:
        if self.switches["client_ref_unique"] != "reject":
            return
        wanted = client_ref.casefold()
        for other in self.products.values():
            if other.client_id == CLIENT_ID and other.id != product_id and other.status != "DELETED" and \
                    (other.record["client_ref"] or "").casefold() == wanted:
                raise BirdSystemError(f"Client ref {client_ref} already exists.")

    # -- stock (§5.5) ---------------------------------------------------------------------------------

    def _site_stock(self, product_id: int, company_id: int) -> tuple[int, int, int]:
        """``(live, locked, frozen)`` of a product in a site; locked includes consignment locks."""
        rows = self._stock.get(product_id, {})
        live = locked = frozen = 0
        for warehouse in SITE_WAREHOUSES.get(company_id, ()):
            row = rows.get(warehouse.warehouse_id)
            if row:
                live, locked, frozen = live + row[0], locked + row[1], frozen + row[2]
        return live, locked + self._consignment_locks.get((product_id, company_id), 0), frozen

    def stock_summary(self, product_id: int, company_id: int) -> dict[str, Any]:
        """Stock fields of a product row: all-site totals and the request site's live stock."""
        with self._lock:
            rows = self._stock.get(product_id, {})
            return {
                "live_stock": sum(row[0] for row in rows.values()),
                "frozen_stock": sum(row[2] for row in rows.values()),
                "company_live_stock": self._site_stock(product_id, company_id)[0],
                "last_stock_update_time": self._stock_times.get((product_id, 0)),
                "company_last_stock_update_time": self._stock_times.get((product_id, company_id)),
            }

    def available_quantity(self, product_ids: list[str] | None, company_id: int, *, start: int = 0,
                           limit: int = AVAILABLE_QUANTITY_DEFAULT) -> list[dict[str, int]]:
        """Get-Product-Available-Quantity (§5.5): live and locked stock in the request's site.

        :param product_ids: ids asked for (order kept, duplicates dropped), or ``None`` for the client's
            products by id, ``start``/``limit`` (default 50, at most 1000)
        :param company_id: the request's site
        :return: ``[{"id", "live_stock", "current_locked_stock", "dynamic_warehouse_available_stock"}]``
        :raises BirdSystemError: for an id that is not the client's (documented message)
        """
        with self._lock:
            if product_ids is None:
                chosen = sorted(p.id for p in self.products.values() if p.client_id in (CLIENT_ID, CHILD_CLIENT_ID))
                chosen = chosen[start:start + limit]
            else:
                chosen = []
                for raw in dict.fromkeys(product_ids):
                    chosen.append(self._stock_visible(raw).id)
            dynamic_sites = [site for site in SITES_BY_ID.values() if site.is_dynamic_warehouse]
            result = []
            for product_id in chosen:
                live, locked, _frozen = self._site_stock(product_id, company_id)
                dynamic = 0
                for site in dynamic_sites:
                    site_live, site_locked, _ = self._site_stock(product_id, site.company_id)
                    dynamic += max(0, site_live - site_locked)
                result.append({"live_stock": live, "current_locked_stock": locked,
                               "dynamic_warehouse_available_stock": dynamic, "id": product_id})
            return result

    def stock_info(self, product_ids: list[str] | None, *, by_warehouse: bool,
                   strict: bool = False) -> list[dict[str, Any]]:
        """Container-Product/Get-Product-Stock-Info (§5.5): stock of each product across all sites.

        One row per site holding live stock (or per warehouse with ``by_warehouse``), plus frozen stock
        as its own rows (``company_id "0"``, ``Frozen Stock``). INVENTED: sites or warehouses with no
        stock are left out.

        :param product_ids: products to report, or ``None`` for all the client (and child) products
        :param by_warehouse: split per warehouse, adding ``warehouse_id``/``warehouse_name``
        :param strict: raise for an id that is not visible instead of skipping it
        :return: domain rows (rendered by ``responses``)
        """
        with self._lock:
            if product_ids is None:
                products = sorted((p for p in self.products.values() if p.client_id in (CLIENT_ID, CHILD_CLIENT_ID)),
                                  key=lambda p: p.id)
            else:
                products = []
                for raw in dict.fromkeys(product_ids):
                    try:
                        products.append(self._stock_visible(raw))
                    except BirdSystemError:
                        if strict:
                            raise
            rows: list[dict[str, Any]] = []
            for product in products:
                stock = self._stock.get(product.id, {})
                frozen_rows = []
                for company_id, warehouses in SITE_WAREHOUSES.items():
                    site = SITES_BY_ID[company_id]
                    site_total = 0
                    for warehouse in warehouses:
                        live, _locked, frozen = stock.get(warehouse.warehouse_id, (0, 0, 0))
                        site_total += live
                        if by_warehouse and live > 0:
                            rows.append({"product": product, "quantity": live, "site": site, "warehouse": warehouse})
                        if frozen > 0:
                            frozen_rows.append((warehouse, frozen))
                    if not by_warehouse and site_total > 0:
                        rows.append({"product": product, "quantity": site_total, "site": site, "warehouse": None})
                if by_warehouse:
                    for warehouse, frozen in frozen_rows:
                        rows.append({"product": product, "quantity": frozen, "site": None, "warehouse": warehouse})
                elif frozen_rows:
                    rows.append({"product": product, "quantity": sum(q for _w, q in frozen_rows), "site": None,
                                 "warehouse": None})
            return rows

    def set_stock(self, product_id: int, warehouse_id: int, *, live: int | None = None, locked: int | None = None,
                  frozen: int | None = None) -> dict[str, Any]:
        """Set a product's stock in one warehouse (control API: the warehouse's inbound, stock take, freeze).

        :raises ControlError: unknown product (404) or warehouse (400)
        """
        with self._lock:
            if product_id not in self.products:
                raise ControlError(f"product {product_id} not found", 404)
            warehouse = WAREHOUSES_BY_ID.get(warehouse_id)
            if warehouse is None:
                raise ControlError(f"unknown warehouse {warehouse_id}; known: {sorted(WAREHOUSES_BY_ID)}", 400)
            row = self._stock.setdefault(product_id, {}).setdefault(warehouse_id, [0, 0, 0])
            for index, value in enumerate((live, locked, frozen)):
                if value is not None:
                    row[index] = value
            now = self.now()
            self._stock_times[(product_id, 0)] = now
            self._stock_times[(product_id, warehouse.company_id)] = now
            return self.product_state(product_id)

    def product_state(self, product_id: int) -> dict[str, Any]:
        """A product with its stock per site and warehouse (control API).

        :raises ControlError: unknown product (404)
        """
        with self._lock:
            product = self.products.get(product_id)
            if product is None:
                raise ControlError(f"product {product_id} not found", 404)
            stock = self._stock.get(product_id, {})
            sites = {}
            for company_id, warehouses in SITE_WAREHOUSES.items():
                live, locked, frozen = self._site_stock(product_id, company_id)
                sites[str(company_id)] = {
                    "live": live, "locked": locked, "available": live - locked, "frozen": frozen,
                    "consignment_locked": self._consignment_locks.get((product_id, company_id), 0),
                    "warehouses": {str(w.warehouse_id): dict(zip(("live", "locked", "frozen"),
                                                                  stock[w.warehouse_id], strict=True))
                                   for w in warehouses if w.warehouse_id in stock},
                }
            return {"product": dict(product.record),
                    "company_product": {str(k): dict(v) for k, v in product.company.items()}, "stock": sites}

    def set_product_status(self, product_id: int, status: str) -> Product:
        """Set any product status (control API: the warehouse's review, e.g. REVIEWING -> ACTIVE).

        :raises ControlError: unknown product (404) or status (400)
        """
        with self._lock:
            product = self.products.get(product_id)
            if product is None:
                raise ControlError(f"product {product_id} not found", 404)
            if status not in PRODUCT_STATUSES:
                raise ControlError(f"status must be one of {list(PRODUCT_STATUSES)}", 400)
            if status != product.status:
                now = self.now()
                product.record.update(status=status, last_update_status_time=now, update_time=now)
            return product

    def list_products(self, *, offset: int = 0, limit: int = 100, status: str | None = None,
                      client_id: int | None = None) -> tuple[int, list[Product]]:
        """Products by id for the control API."""
        with self._lock:
            chosen = [p for p in self.products.values()
                      if (status is None or p.status == status) and (client_id is None or p.client_id == client_id)]
            chosen.sort(key=lambda p: p.id)
            return len(chosen), chosen[offset:offset + limit]

    # -- delivery services ---------------------------------------------------------------------------

    def delivery_services(self, company_id: int) -> list[DeliveryService]:
        """The site's delivery services (§6.4)."""
        return [service for service in DELIVERY_SERVICES if service.company_id == company_id]

    def _delivery_service(self, company_id: int, country_iso: str | None, *, service_id: int | None = None,
                          name: str | None = None) -> DeliveryService:
        """An ACTIVE service of the site serving the country (INVENTED rule), else the documented error."""
        if service_id is not None:
            service = DELIVERY_SERVICES_BY_ID.get(service_id)
        else:
            wanted = (name or "").strip().casefold()
            service = next((s for s in DELIVERY_SERVICES if s.company_id == company_id and s.name.casefold() == wanted),
                           None)
        if service is None or service.company_id != company_id or service.status != "ACTIVE" or (
                country_iso is not None and "*" not in service.countries and country_iso not in service.countries):
            raise BirdSystemError(NO_DELIVERY_SERVICE)
        return service

    # -- consignments (§6) ----------------------------------------------------------------------------

    def _new_consignment_id(self) -> str:
        sequence = self._next_consignment
        self._next_consignment += 1
        return time.strftime("%y%m%d", time.gmtime(self.now())) + f"{sequence:010d}"

    def _check_sales_reference(self, company_id: int, reference: str | None, pending: Sequence[str] = ()) -> None:
        if reference is None or self.switches["duplicate_sales_reference"] != "reject":
            return
        wanted = reference.casefold()
        taken = any(c.company_id == company_id and c.status not in ("CANCELLED", "DELETED") and
                    (c.fields.get("sales_reference") or "").casefold() == wanted for c in self.consignments.values())
        if taken or wanted in (p.casefold() for p in pending):
            raise BirdSystemError(f"Sales reference {reference} already exists.")

    def _check_identity(self, company_id: int, kind: str, reference: str | None, pending: Any = ()) -> None:
        """The documented duplicate check (§6.2c): the same ``custom_identity_reference``, same type, same
        site, created in the last 6 months (any status: the docs name no exception)."""
        if reference is None:
            return
        since = self.now() - IDENTITY_WINDOW_SECONDS
        taken = any(c.company_id == company_id and c.type == kind and c.create_time >= since and
                    c.fields.get("custom_identity_reference") == reference for c in self.consignments.values())
        if taken or (kind, reference) in pending:
            raise BirdSystemError(f"Duplicate consignment identity reference [{reference}]")

    def create_consignment(self, fields: dict[str, Any], company_id: int) -> Consignment:
        """Step-by-step create (§6.2 a): a PREPARING consignment without lines.

        :param fields: checked fields (see ``forms.consignment_fields``)
        :param company_id: the request's site
        :raises BirdSystemError: unusable delivery service (documented message), taken sales_reference
        """
        with self._lock:
            fields = dict(fields)
            if fields.get("delivery_service_id") is not None or fields["type"] != "RETURN":
                service = self._delivery_service(company_id, fields.get("country_iso"),
                                                 service_id=fields["delivery_service_id"])
                fields["delivery_service_id"] = service.id
            self._check_sales_reference(company_id, fields.get("sales_reference"))
            if self.switches["identity_reference_step_by_step"] == "enforce":
                self._check_identity(company_id, fields["type"], fields.get("custom_identity_reference"))
            if fields.get("country_iso") is not None and fields["country_iso"] not in COUNTRIES_BY_ISO:
                raise BirdSystemError(f"Cannot find country {fields['country_iso']}.")
            return self._insert_consignment(fields, company_id)

    def _insert_consignment(self, fields: dict[str, Any], company_id: int) -> Consignment:
        now = self.now()
        consignment = Consignment(self._new_consignment_id(), company_id, CLIENT_ID, "PREPARING", fields,
                                  create_time=now, update_time=now, last_update_status_time=now)
        self.consignments[consignment.id] = consignment
        return consignment

    def _consignment(self, consignment_id: Any, company_id: int) -> Consignment:
        consignment = self.consignments.get(str(consignment_id).strip())
        if consignment is None or consignment.company_id != company_id:
            raise BirdSystemError(f"Consignment with id {consignment_id} does not belong to you.")
        return consignment

    def consignments_of(self, company_id: int) -> list[Consignment]:
        with self._lock:
            return [c for c in self.consignments.values() if c.company_id == company_id]

    def _check_orderable(self, product: Product) -> None:
        allowed = {"ACTIVE"} if self.switches["orderable_product_statuses"] == "active_only" else \
            {"ACTIVE", "HOLD_INBOUND"}
        if product.status not in allowed:
            raise BirdSystemError(f"Product with id {product.id} is not active (status {product.status}).")

    def add_line(self, consignment_id: Any, product_id: Any, quantity: int, product_type: str,
                 unit_product_price: str | None, company_id: int) -> Line:
        """Consignment-Product create (§6.2 a step 2): a line on a PREPARING consignment.

        :raises BirdSystemError: consignment or product not the client's, consignment not PREPARING, product
            not orderable (switch ``orderable_product_statuses``)
        """
        with self._lock:
            consignment = self._consignment(consignment_id, company_id)
            if consignment.status != "PREPARING":
                raise BirdSystemError(f"Consignment {consignment.id} is {consignment.status}; "
                                      "products can only be changed while PREPARING.")
            product = self._own(product_id)
            self._check_orderable(product)
            line = Line(self._next_line_id, consignment.id, product.id, quantity, product_type, unit_product_price)
            self._next_line_id += 1
            consignment.lines.append(line)
            self.lines[line.id] = line
            consignment.update_time = self.now()
            return line

    def delete_line(self, line_id: Any, company_id: int) -> Line:
        """``DELETE /client/Consignment-Product/<id>`` (§6.3, OBS).

        :raises BirdSystemError: unknown line, not the site's, consignment not PREPARING
        """
        with self._lock:
            line = self.lines.get(_as_int(line_id))
            if line is None or self.consignments[line.consignment_id].company_id != company_id:
                raise BirdSystemError(f"Consignment product with id {line_id} does not belong to you.")
            consignment = self.consignments[line.consignment_id]
            if consignment.status != "PREPARING":
                raise BirdSystemError(f"Consignment {consignment.id} is {consignment.status}; "
                                      "products can only be changed while PREPARING.")
            consignment.lines.remove(line)
            del self.lines[line.id]
            consignment.update_time = self.now()
            return line

    def lines_of(self, company_id: int) -> list[Line]:
        with self._lock:
            return [line for line in self.lines.values()
                    if self.consignments[line.consignment_id].company_id == company_id]

    def _cancellable(self) -> frozenset[str]:
        limit = self.switches["client_cancel_until"]
        flow = LOCAL_FLOW[1:LOCAL_FLOW.index(limit) + 1]
        return frozenset({"PREPARING", "RECEIVED", "PROBLEM", "WAITING_CLIENT_RESPOND", *flow})

    def batch_update_status(self, ids: list[str], status: str, company_id: int) -> list[Consignment]:
        """Consignment/Batch-Update-Status (§6.2 a step 3, OBS): PENDING or CANCELLED, all or nothing.

        :raises BirdSystemError: another status, an id not the site's, a move not allowed, no lines, a
            product no longer orderable, short stock (switch ``insufficient_stock``)
        """
        with self._lock:
            if status not in ("PENDING", "CANCELLED"):
                raise BirdSystemError(f"Status {status} can not be set by the client.")
            if not ids:
                raise BirdSystemError("ids is required.")
            chosen = [self._consignment(raw, company_id) for raw in dict.fromkeys(ids)]
            to_move = [c for c in chosen if c.status != status]
            if status == "PENDING":
                for consignment in to_move:
                    if consignment.status != "PREPARING":
                        raise BirdSystemError(f"Consignment {consignment.id} can not be changed from "
                                              f"{consignment.status} to PENDING.")
                    self._check_ready(consignment)
                self._check_stock(to_move)
            else:
                cancellable = self._cancellable()
                for consignment in to_move:
                    if consignment.status not in cancellable:
                        raise BirdSystemError(f"Consignment {consignment.id} can not be cancelled in status "
                                              f"{consignment.status}.")
            for consignment in to_move:
                self._move(consignment, status)
            return chosen

    def _check_ready(self, consignment: Consignment) -> None:
        if not consignment.lines:
            raise BirdSystemError(f"Consignment {consignment.id} has no products.")
        for line in consignment.lines:
            self._check_orderable(self.products[line.product_id])

    def _check_stock(self, consignments: Sequence[Consignment | _Planned]) -> None:
        if self.switches["insufficient_stock"] != "reject":
            return
        need: dict[tuple[int, int], int] = {}
        for consignment in consignments:
            for line in consignment.lines:
                key = (line.product_id, consignment.company_id)
                need[key] = need.get(key, 0) + line.quantity
        for (product_id, company_id), quantity in need.items():
            live, locked, _frozen = self._site_stock(product_id, company_id)
            if quantity > live - locked:
                raise BirdSystemError(f"Product with id {product_id} does not have enough stock "
                                      f"(available {live - locked}, required {quantity}).")

    def _move(self, consignment: Consignment, status: str) -> None:
        """Change a consignment's status with its stock effects (lock, ship, release) and tracking number."""
        now = self.now()
        if status == "FINISHED" and not consignment.shipped:
            for line in consignment.lines:
                self._take_stock(line.product_id, consignment.company_id, line.quantity, now)
            consignment.shipped = True
        lock = status in LOCKING_STATUSES and not consignment.shipped
        if lock != consignment.locked:
            sign = 1 if lock else -1
            for line in consignment.lines:
                key = (line.product_id, consignment.company_id)
                self._consignment_locks[key] = self._consignment_locks.get(key, 0) + sign * line.quantity
                if not self._consignment_locks[key]:
                    del self._consignment_locks[key]
            consignment.locked = lock
        consignment.status = status
        consignment.update_time = consignment.last_update_status_time = now
        threshold = self.switches["tracking_assigned_at"]
        if status in LOCAL_FLOW and LOCAL_FLOW.index(status) >= LOCAL_FLOW.index(threshold) and \
                not consignment.fields.get("delivery_reference"):
            consignment.fields["delivery_reference"] = self._tracking_number(consignment)

    def _take_stock(self, product_id: int, company_id: int, quantity: int, now: int) -> None:
        rows = self._stock.get(product_id, {})
        for warehouse in SITE_WAREHOUSES.get(company_id, ()):
            row = rows.get(warehouse.warehouse_id)
            if row and quantity > 0:
                taken = min(row[0], quantity)
                row[0] -= taken
                quantity -= taken
        self._stock_times[(product_id, 0)] = now
        self._stock_times[(product_id, company_id)] = now

    def _tracking_number(self, consignment: Consignment) -> str:
        digits = mix(self.seed, 7, int(consignment.id)) % 10**9
        if consignment.fields.get("country_iso") == "GB":
            return f"RM{digits:09d}GB"
        return f"BS{digits:09d}{consignment.company_id % 100:02d}"

    def advance_consignment(self, consignment_id: str, status: str, *,
                            delivery_reference: str | None = None) -> Consignment:
        """Set any consignment status (control API: the warehouse's progress).

        :raises ControlError: unknown consignment (404) or status (400)
        """
        with self._lock:
            consignment = self.consignments.get(consignment_id)
            if consignment is None:
                raise ControlError(f"consignment {consignment_id} not found", 404)
            if status not in CONSIGNMENT_STATUSES:
                raise ControlError(f"status must be one of {list(CONSIGNMENT_STATUSES)}", 400)
            if delivery_reference is not None:
                consignment.fields["delivery_reference"] = delivery_reference
            if status != consignment.status:
                self._move(consignment, status)
            return consignment

    def find_consignments(self, *, sales_reference: str | None = None, thirty_system_id: str | None = None,
                          status: str | None = None, company_id: int | None = None) -> list[Consignment]:
        """Consignments, oldest first, optionally by reference, status or site (control API)."""
        with self._lock:
            found = list(self.consignments.values())
        if sales_reference is not None:
            found = [c for c in found if c.fields.get("sales_reference") == sales_reference]
        if thirty_system_id is not None:
            found = [c for c in found if c.fields.get("thirty_system_id") == thirty_system_id]
        if status is not None:
            found = [c for c in found if c.status == status]
        if company_id is not None:
            found = [c for c in found if c.company_id == company_id]
        return found

    # -- bulk and all-in-one (§6.2 b, c) ---------------------------------------------------------------

    def _record_consignment(self, fields: dict[str, Any], items: Sequence[tuple[Product, int, str | None]],
                            company_id: int, default_type: str) -> dict[str, Any]:
        """Check one bulk/all-in-one record; return the consignment fields to insert."""
        if fields.get("country_iso"):
            country = COUNTRIES_BY_ISO.get(fields["country_iso"].upper())
        else:
            country = country_by_name(fields["country_name"] or "")
        if country is None:
            raise BirdSystemError(f"Cannot find country {fields.get('country_name') or fields.get('country_iso')}.")
        service = self._delivery_service(company_id, country.iso, service_id=fields.get("delivery_service_id"),
                                         name=fields.get("delivery_service_name"))
        for product, _quantity, _price in items:
            self._check_orderable(product)
        consignment_fields = {key: value for key, value in fields.items()
                              if key not in ("country_name", "delivery_service_name", "product_company_ref")}
        consignment_fields.update(type=fields.get("type") or default_type, country_iso=country.iso,
                                  delivery_service_id=service.id)
        consignment_fields.setdefault("return_consignment_action-id", None)
        return consignment_fields

    def _insert_pending(self, consignment_fields: dict[str, Any], items: Sequence[tuple[Product, int, str | None]],
                        company_id: int) -> Consignment:
        consignment = self._insert_consignment(consignment_fields, company_id)
        for product, quantity, price in items:
            line = Line(self._next_line_id, consignment.id, product.id, quantity, "NORMAL", price)
            self._next_line_id += 1
            consignment.lines.append(line)
            self.lines[line.id] = line
        self._move(consignment, "PENDING")
        return consignment

    def post_pending_with_products(self, records: list[tuple[dict[str, Any], list[dict[str, Any]]]],
                                   company_id: int) -> list[Consignment]:
        """Consignment/Post-Pending-Consignment-With-Products-Json (§6.2 c): PENDING consignments, all or
        nothing (BS-FLOW: an error rolls back what the call inserted), each checked against the
        ``custom_identity_reference`` duplicate check (same type, site, 6 months; the call's own records
        included).

        :param records: ``(checked fields, items)`` per record; an item names its product ``by`` ``id``,
            ``client_sku``, ``reference`` (``products[]``) or ``packed_sku`` (the oldest page's string)
        :param company_id: the request's site
        :raises BirdSystemError: naming the record index on any failure (the duplicate message verbatim)
        """
        with self._lock:
            prepared = []
            references: list[str] = []
            identities: set[tuple[str, str]] = set()
            for index, (fields, items) in enumerate(records):
                kind = fields.get("type") or "AGENT_DIRECT"
                try:
                    self._check_identity(company_id, kind, fields.get("custom_identity_reference"), identities)
                    resolved = [(self._item_product(item), item["quantity"], _price(item["price"]))
                                for item in items]
                    consignment_fields = self._record_consignment(fields, resolved, company_id, "AGENT_DIRECT")
                    self._check_sales_reference(company_id, fields.get("sales_reference"), references)
                except BirdSystemError as exc:
                    if exc.message.startswith("Duplicate consignment identity reference"):
                        raise
                    raise BirdSystemError(f"Record {index}: {exc.message}") from None
                if fields.get("sales_reference"):
                    references.append(fields["sales_reference"])
                if fields.get("custom_identity_reference"):
                    identities.add((kind, fields["custom_identity_reference"]))
                prepared.append((consignment_fields, resolved))
            self._check_stock([_Planned(company_id, [(p.id, q) for p, q, _ in resolved]) for _f, resolved in prepared])
            return [self._insert_pending(fields, resolved, company_id) for fields, resolved in prepared]

    def _item_product(self, item: dict[str, Any]) -> Product:
        """The product an all-in-one item names: by id, by client SKU, or by ``reference`` (an own
        product id when it is one, else a SKU: INVENTED, the docs make it an account setting)."""
        by, value = item["by"], item["value"]
        if by == "id":
            return self._own(value)
        if by == "reference" and value.isascii() and value.isdigit() and self.products.get(int(value)) is not None \
                and self.products[int(value)].client_id == CLIENT_ID:
            return self.products[int(value)]
        return self._product_by_sku(value)

    def _product_by_sku(self, sku: str) -> Product:
        wanted = sku.casefold()
        own = [p for p in self.products.values() if p.client_id == CLIENT_ID and p.status != "DELETED"]
        for key in ("client_ref", "company_ref"):
            for product in own:
                value = product.record["client_ref"] if key == "client_ref" else f"{CLIENT_ID}-{product.id}"
                if value and value.casefold() == wanted:
                    return product
        raise BirdSystemError(f"Cannot find product with SKU {sku}.")

    def upload_temp(self, records: list[dict[str, Any]], company_id: int) -> dict[str, str]:
        """Consignment-Upload/Temp-Consignment-Json (§6.2 b): store the records as temp consignments.

        :return: ``{thirty_system_id (or record index): temp id}``
        """
        with self._lock:
            mapping = {}
            for index, record in enumerate(records):
                temp = TempConsignment(self._next_temp_id, company_id, dict(record))
                self._next_temp_id += 1
                self.temps[temp.id] = temp
                key = record.get("thirty_system_id") if isinstance(record, dict) else None
                mapping[str(key if key not in (None, "") else index)] = str(temp.id)
            return mapping

    def convert_temps(self, ids: list[str], start: int, default_type: str, company_id: int,
                      parse: Any) -> ConvertResult:
        """Temp-Consignment-Info/Convert-Into-Consignment (§6.2 b): convert up to ``convert_batch_size``
        temp consignments from ``start``; per-record failures go to ``errors``.

        :param parse: ``record -> (fields, [(product id text, quantity)])``, raising BirdSystemError
        """
        with self._lock:
            batch = ids[start:start + self.switches["convert_batch_size"]]
            converted: dict[str, str] = {}
            failures: list[dict[str, str]] = []
            for raw in batch:
                temp = self.temps.get(_as_int(raw))
                if temp is None or temp.company_id != company_id:
                    failures.append({"id": raw, "message": "Cannot find temp consignment."})
                    continue
                if temp.consignment_id is not None:  # INVENTED: converting again answers the same consignment
                    converted[raw] = temp.consignment_id
                    continue
                try:
                    fields, items = parse(temp.record)
                    resolved = [(self._own(reference), quantity, None) for reference, quantity in items]
                    consignment_fields = self._record_consignment(fields, resolved, company_id, default_type)
                    self._check_sales_reference(company_id, fields.get("sales_reference"))
                    self._check_stock([_Planned(company_id, [(p.id, q) for p, q, _ in resolved])])
                except BirdSystemError as exc:
                    failures.append({"id": raw, "message": exc.message})
                    continue
                temp.consignment_id = self._insert_pending(consignment_fields, resolved, company_id).id
                converted[raw] = temp.consignment_id
            processed = len(batch)
            return ConvertResult(len(ids), processed, start + processed >= len(ids), converted, failures)


@dataclass
class _Planned:
    """Stand-in for a consignment not inserted yet, for the stock check."""

    company_id: int
    items: list[tuple[int, int]]

    @property
    def lines(self) -> list[Line]:
        return [Line(0, "", product_id, quantity, "NORMAL", None) for product_id, quantity in self.items]


def _price(raw: str | None) -> str | None:
    if raw is None:
        return None
    try:
        return str(Decimal(raw).quantize(Decimal("0.01")))
    except ArithmeticError:
        return None


def _fill_customs_category(record: dict[str, Any]) -> None:
    """Derive ``customs_category_code`` from ``customs_category_id`` (§5.3: the code is no longer a request
    field; INF: the server fills it from the category's code).

    :raises BirdSystemError: for an id that is not a customs category (INVENTED message)
    """
    category_id = record.get("customs_category_id")
    if category_id is None:
        record["customs_category_code"] = None
        return
    category = CUSTOMS_BY_ID.get(category_id)
    if category is None:
        raise BirdSystemError(f"Cannot find customs category with id {category_id}.")
    record["customs_category_code"] = category.code


def _company_row(base: dict[str, str], changes: dict[str, Any]) -> dict[str, str]:
    row = dict(base)
    for key, value in changes.items():
        row[key] = value if value is not None else DEFAULT_COMPANY_ROW[key]
    return row


def _as_int(raw: Any) -> int:
    text = str(raw).strip()
    return int(text) if text.isdigit() else -1


def _int_setting(settings: dict, name: str, default: int) -> int:
    value = settings.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer")
    return value


def _keys_setting(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple, set)) or not all(isinstance(k, str) and k for k in value):
        raise ValueError("api_keys must be a list of non-empty strings")
    return list(value)


def _companies_setting(value: Any) -> list[int]:
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, (list, tuple, set)):
        raise ValueError("company_ids must be a list of site ids")
    result = []
    for item in value:
        text = str(item).strip()
        if isinstance(item, bool) or not text.isdigit() or int(text) not in SITES_BY_ID:
            raise ValueError(f"unknown company id {item!r}; known: {sorted(SITES_BY_ID)}")
        result.append(int(text))
    return result
