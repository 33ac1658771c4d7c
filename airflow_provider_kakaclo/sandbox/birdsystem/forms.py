"""Product and consignment fields as the client sends them (spec §5.1, §5.3, §6.2): the field tables,
and cleaners turning a request body into checked values for the backend.

Lengths and types follow the docs' tables; where the pages conflict the larger wins (material/usage/brand
100 on the query page vs. 50 on create; url 500 vs. 50). ``customs_category_code`` is no longer a request
field (§5.3): it is accepted and ignored, the server derives it from ``customs_category_id``. Messages are
INVENTED.
"""

from __future__ import annotations

from typing import Any

from . import parsing
from .catalog import CONSIGNMENT_TYPES, PRODUCT_STATUSES
from .errors import BirdSystemError

PRODUCT_TEXT = {"name": 100, "name_customs": 100, "material": 100, "usage": 100,
                "brand": 100, "color": 100, "model": 100, "url": 500, "note": 100, "client_ref": 50,
                "commodity_code": 50, "description": 65535, "shape_type": 50, "country_of_origin": 2}
PRODUCT_DECIMAL = {"weight": (2, 10), "length": (2, 10), "width": (2, 10), "depth": (2, 10),
                   "price_customs_import": (2, 8), "price_customs_export": (3, 8), "sales_price": (2, 8)}
PRODUCT_INT = {"inventory_time": 999, "customs_category_id": 2**31 - 1}
PRODUCT_ENUM = {"status": PRODUCT_STATUSES,
                "dynamic_warehouse_stock_sequence": ("DYNAMIC_WAREHOUSE_STOCK_FIRST", "ORIGIN_WAREHOUSE_STOCK_FIRST")}
PRODUCT_FLAG = ("is_dynamic_warehouse_unsalable_product",)
COMPANY_FIELDS = {"price": "price", "company_product-price": "price", "cost": "cost",
                  "company_product-cost": "cost", "low_stock_level": "low_stock_level",
                  "company_product-low_stock_level": "low_stock_level",
                  "is_shared_internal": "is_shared_internal",
                  "company_product-is_shared_internal": "is_shared_internal"}
"""Company-scoped fields (§5.1: the ``company_product-`` prefix; the plain names of the DOC table map to
the same per-site row, INF) -> name in the per-site row."""

CURRENT_REQUIRED = ("name", "name_customs", "price_customs_export")
"""The current create page (§5.3, BS-PRODUCT-CREATE)."""
OLD_PAGE_REQUIRED = ("name", "name_customs", "customs_category_code", "material", "usage", "brand",
                     "price_customs_import", "price_customs_export", "status")
"""The older English page (§5.1 column "Old")."""
OBSERVED_REQUIRED = ("name", "name_customs", "customs_category_code", "material", "usage", "brand",
                     "price_customs_export")


def product_fields(body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check the product fields present in ``body``.

    :param body: the request body (unknown fields are ignored, as an ExtJS form sends many)
    :return: ``(product changes, per-site changes)``; an empty value becomes ``None``
    :raises BirdSystemError: on a malformed value
    """
    product: dict[str, Any] = {}
    company: dict[str, Any] = {}
    for name, max_len in PRODUCT_TEXT.items():
        if name in body:
            product[name] = parsing.text(body, name, max_len)
    for name, (places, digits) in PRODUCT_DECIMAL.items():
        if name in body:
            product[name] = parsing.decimal(body, name, places, digits=digits)
    for name, maximum in PRODUCT_INT.items():
        if name in body:
            value = parsing.integer(body, name, maximum=maximum)
            product[name] = None if value is None else (value if name == "customs_category_id" else str(value))
    for name, choices in PRODUCT_ENUM.items():
        if name in body:
            product[name] = parsing.choice(body, name, choices)
    for name in PRODUCT_FLAG:
        if name in body:
            product[name] = parsing.flag(body, name)
    for name, target in COMPANY_FIELDS.items():
        if name not in body:
            continue
        if target in ("price", "cost"):
            company[target] = parsing.decimal(body, name, 2, digits=8)
        elif target == "low_stock_level":
            value = parsing.integer(body, name, maximum=99999)
            company[target] = None if value is None else str(value)
        else:
            company[target] = parsing.flag(body, name)
    for name in ("product_product_customs_property[]", "product_product_customs_property"):
        if name in body:
            product["customs_properties"] = _customs_properties(body[name])
    if product.get("country_of_origin") is not None:
        product["country_of_origin"] = product["country_of_origin"].upper()
    return product, company


def _customs_properties(raw: Any) -> list[int]:
    """``product_product_customs_property[]`` ids (a repeated form field or a JSON list; ``0`` = none)."""
    values = raw if isinstance(raw, list) else [raw]
    ids = []
    for value in values:
        if parsing.is_empty(value):
            continue
        text = str(value).strip()
        if isinstance(value, bool) or not text.isascii() or not text.isdigit():
            raise BirdSystemError("product_product_customs_property must be a list of ids.")
        if int(text):
            ids.append(int(text))
    return sorted(set(ids))


def missing_required(body: dict[str, Any], required: tuple[str, ...]) -> list[str]:
    """Names of ``required`` fields absent or empty in ``body``."""
    return [name for name in required if parsing.is_empty(body.get(name))]


CONSIGNMENT_TEXT = {"sales_reference": 50, "sales_order_id": 50, "delivery_reference": 50, "contact": 100,
                    "business_name": 255, "address_line1": 100, "address_line2": 100, "address_line3": 100,
                    "city": 50, "county": 50, "post_code": 10, "country_iso": 2, "telephone": 50, "email": 255,
                    "special_instruction": 255, "neighbour_instruction": 255, "payment_reference": 100,
                    "thirty_system_id": 100, "custom_identity_reference": 50}
"""Consignment fields of §6.2(a), plus ``payment_reference`` (returns, bulk) and ``thirty_system_id``
(the client's external id of §6.2 b/c) with INVENTED lengths; ``custom_identity_reference`` VARCHAR(50) (§6.2c)."""
CUSTOMS_TEXT = {"omp_name": 100, "omp_vat_number": 50, "shipper_eori": 50, "reason_for_export": 50,
                "content_type": 50, "ioss_vat_number": 50, "is_compensation_for_delay": 10,
                "return_consignment-return_consignment_action_type": 20}
"""Customs fields of the all-in-one body (§6.2c), kept and listed on consignment rows."""
CONSIGNMENT_REQUIRED = ("contact", "address_line1", "city", "country_iso")
RETURN_REQUIRED = ("contact", "country_iso")


def consignment_fields(body: dict[str, Any], *, default_type: str = "LOCAL") -> dict[str, Any]:
    """Check the consignment fields of a step-by-step create (§6.2 a).

    :param body: the request body
    :param default_type: type when none is given (INVENTED: LOCAL, as BS-PHP for most sites)
    :return: the fields, with ``type``, ``is_urgent``, ``sales_price``, ``delivery_service_id``
    :raises BirdSystemError: on a missing or malformed field
    """
    kind = parsing.choice(body, "type", CONSIGNMENT_TYPES) or default_type
    required = RETURN_REQUIRED if kind == "RETURN" else CONSIGNMENT_REQUIRED
    fields: dict[str, Any] = {"type": kind}
    for name, max_len in {**CONSIGNMENT_TEXT, **CUSTOMS_TEXT}.items():
        fields[name] = parsing.text(body, name, max_len, required=name in required)
    if fields["country_iso"] is not None:
        fields["country_iso"] = fields["country_iso"].upper()
    if fields["reason_for_export"] is None:  # BS-CREATE-1 spells it reason_for_expot (§6.5)
        fields["reason_for_export"] = parsing.text(body, "reason_for_expot", 50)
    fields["is_urgent"] = parsing.flag(body, "is_urgent") or "0"
    fields["sales_price"] = parsing.decimal(body, "sales_price", 3, digits=10)
    fields["delivery_service_id"] = parsing.integer(body, "delivery_service_id", required=kind != "RETURN")
    fields["return_consignment_action-id"] = parsing.integer(body, "return_consignment_action-id")
    return fields


def record_fields(record: Any) -> dict[str, Any]:
    """Check the address and reference fields of one bulk or all-in-one record (§6.2 b/c).

    ``country_name`` is the documented key; ``country_iso`` is accepted too (INVENTED leniency).
    ``delivery_service_name`` is documented; ``delivery_service_id`` is accepted too.

    :raises BirdSystemError: on a missing or malformed field
    """
    if not isinstance(record, dict):
        raise BirdSystemError("Each record must be an object.")
    fields: dict[str, Any] = {}
    for name, max_len in {**CONSIGNMENT_TEXT, **CUSTOMS_TEXT}.items():
        if name == "country_iso":
            continue
        fields[name] = parsing.text(record, name, max_len, required=name in ("contact", "address_line1", "city"))
    fields["country_name"] = parsing.text(record, "country_name", 100)
    fields["country_iso"] = parsing.text(record, "country_iso", 2)
    if fields["country_name"] is None and fields["country_iso"] is None:
        raise BirdSystemError("country_name is required.")
    fields["delivery_service_name"] = parsing.text(record, "delivery_service_name", 255)
    fields["delivery_service_id"] = parsing.integer(record, "delivery_service_id")
    if fields["delivery_service_name"] is None and fields["delivery_service_id"] is None:
        raise BirdSystemError("delivery_service_name is required.")
    fields["type"] = parsing.choice(record, "type", CONSIGNMENT_TYPES)
    fields["is_urgent"] = parsing.flag(record, "is_urgent") or "0"
    fields["sales_price"] = parsing.decimal(record, "sales_price", 3, digits=10)
    fields["product_company_ref"] = parsing.text(record, "product_company_ref", 65535,
                                                 required="products" not in record)
    return fields


def bulk_items(packed: str) -> list[tuple[str, int]]:
    """Items of a bulk record: ``"<product_id>*<qty>+<product_id>*<qty>"`` (§6.2 b).

    :return: ``[(product id text, quantity)]``
    :raises BirdSystemError: when an item is malformed
    """
    items = []
    for part in packed.split("+"):
        reference, _, quantity = part.strip().rpartition("*")
        items.append((reference.strip(), _quantity(quantity, part)))
    return items


def all_in_one_items(packed: str) -> list[dict[str, Any]]:
    """Items of an all-in-one record (§6.2 c): ``Name##NameCN##ClientSKU*Quantity||Price||Weight||...``,
    joined by ``+``.

    :return: ``[{"sku", "quantity", "name", "name_cn", "price", "weight"}]``
    :raises BirdSystemError: when an item is malformed
    """
    items = []
    for part in packed.split("+"):
        head, *tail = part.split("||")
        names, _, quantity = head.strip().rpartition("*")
        pieces = names.split("##")
        sku = pieces[-1].strip()
        if not sku:
            raise BirdSystemError(f"Invalid product_company_ref item: {part}")
        items.append({"sku": sku, "quantity": _quantity(quantity, part),
                      "name": pieces[0].strip() if len(pieces) > 1 else None,
                      "name_cn": pieces[1].strip() if len(pieces) > 2 else None,
                      "price": tail[0].strip() if len(tail) > 0 and tail[0].strip() else None,
                      "weight": tail[1].strip() if len(tail) > 1 and tail[1].strip() else None})
    return items


PRODUCT_KEYS = ("id", "client_sku", "reference")
"""How an all-in-one ``products[]`` item names a stocked product (§6.2c; ``client_ref`` is not accepted)."""


def product_items(raw: Any) -> list[dict[str, Any]]:
    """The ``products`` array of an all-in-one record (§6.2c, BS-PENDING-LOCAL).

    :return: ``[{"by": "id" | "client_sku" | "reference", "value", "quantity", "price"}]``
    :raises BirdSystemError: when the array or an item is malformed
    """
    if not isinstance(raw, list) or not raw:
        raise BirdSystemError("products is required.")
    items = []
    for item in raw:
        if not isinstance(item, dict):
            raise BirdSystemError("Each product must be an object.")
        named = [key for key in PRODUCT_KEYS if not parsing.is_empty(item.get(key))]
        if not named:
            raise BirdSystemError("Each product needs id, client_sku or reference.")
        by = named[0]
        items.append({"by": by, "value": parsing.text(item, by, 100),
                      "quantity": parsing.integer(item, "quantity", required=True, minimum=1, maximum=32767),
                      "price": parsing.decimal(item, "sales_price", 2, digits=10)})
    return items


def _quantity(raw: str, part: str) -> int:
    try:
        quantity = int(raw.strip())
    except ValueError:
        raise BirdSystemError(f"Invalid product_company_ref item: {part}") from None
    if not 1 <= quantity <= 32767:
        raise BirdSystemError(f"Invalid quantity in product_company_ref item: {part}")
    return quantity
