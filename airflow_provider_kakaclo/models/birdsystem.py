"""BirdSystem client API models (spec ``birdsystem.md``, seed 003): products, stock, consignments."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AliasChoices, BeforeValidator, Field, model_validator

from airflow_provider_kakaclo.models.common import Money, OptInt, OptStr, RequestModel, VendorModel
from airflow_provider_kakaclo.models.common import Number as Num

PRODUCT_STATUSES = (
    "PREPARING", "PENDING", "ACTIVE", "PROBLEM", "RECHECK", "DELETED", "OUT_OF_STOCK", "DEPRECATED",
    "REVIEWING", "HOLD_INBOUND", "HOLD_OUTBOUND",
)
#: What a client may do to a product's status (seed 003); everything else is the warehouse's to do.
CLIENT_TRANSITIONS: dict[str, frozenset[str]] = {
    "PREPARING": frozenset({"PENDING", "PROBLEM", "DELETED"}),
    "PENDING": frozenset({"PREPARING", "PROBLEM", "DELETED"}),
    "PROBLEM": frozenset({"RECHECK", "DELETED"}),
    "ACTIVE": frozenset({"PROBLEM", "DELETED"}),
}
CONSIGNMENT_STATUSES = (
    "PREPARING", "RECEIVED", "PENDING", "WAIT_PICKING", "PICKING", "PROCESSING", "REVIEWING", "FINISHED",
    "DELETED", "CANCELLED", "PROBLEM", "WAITING_CLIENT_RESPOND", "WAITING_WAREHOUSE_RESPOND",
    "ADDRESS_LABEL_PRINTED", "CONFIRMED_BY_WAREHOUSE",
)
CONSIGNMENT_TYPES = ("LOCAL", "DIRECT", "RETURN", "AGENT_DIRECT", "CLIENT_DIRECT")
#: Statuses a client may set through Batch-Update-Status (spec §6.2a step 3, BS-STATUS, BS-CANCEL).
CLIENT_CONSIGNMENT_STATUSES = ("PENDING", "CANCELLED")
#: ``ids`` of Get-Product-Available-Quantity is VARCHAR(255) (spec §5.5).
AVAILABILITY_IDS_WIDTH = 255
#: Rows one Get-Product-Available-Quantity call answers at most without ``ids`` (spec §5.5).
MAX_AVAILABILITY_ROWS = 1000
#: Where the pages give two lengths (spec §5.1 CONFLICT): accepted up to the larger, warned past the smaller.
CONFLICTING_LENGTHS = {"material": 50, "usage": 50, "brand": 50, "url": 50}
SMALLINT_MAX = 32767

ProductStatus = Literal[
    "PREPARING", "PENDING", "ACTIVE", "PROBLEM", "RECHECK", "DELETED", "OUT_OF_STOCK", "DEPRECATED",
    "REVIEWING", "HOLD_INBOUND", "HOLD_OUTBOUND",
]


def _s(max_length: int, required: bool = False):
    if required:
        return Annotated[str, Field(min_length=1, max_length=max_length), AfterValidator(_not_blank)]
    return Annotated[str | None, Field(default=None, max_length=max_length), AfterValidator(_not_blank)]


def _not_blank(value: str | None) -> str | None:
    if value is not None and value != "" and not value.strip():
        raise ValueError("only whitespace")
    return value


def _whole(value: Any) -> Any:
    """A count: a whole number (``2``, ``"2"``, ``2.0``), never a fraction, a bool or a non-ASCII digit."""
    if isinstance(value, bool):
        raise ValueError("a whole number, not a boolean")
    if isinstance(value, str):
        text = value.strip()
        if not text.isascii() or not text.lstrip("-").isdigit():
            raise ValueError(f"a whole number, got {value!r}")
        return int(text)
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"a whole number, got {value!r}")
        return int(value)
    if isinstance(value, Decimal):
        if value != value.to_integral_value():
            raise ValueError(f"a whole number, got {value!r}")
        return int(value)
    return value


#: A line quantity: SMALLINT, at least 1 (spec §6.2a).
Quantity = Annotated[int, BeforeValidator(_whole), Field(gt=0, le=SMALLINT_MAX)]
#: A BirdSystem id given by the user: ASCII digits only.
DigitsId = Annotated[int, BeforeValidator(_whole), Field(gt=0, lt=10**18)]


class ProductFields(RequestModel):
    """Product fields of the current create/edit pages (spec §5.1); every one optional (edits send what
    changes). Company-scoped fields go out with their ``company_product-`` prefix."""

    name: _s(100) = None
    name_customs: _s(100) = None
    customs_category_id: DigitsId | None = None
    customs_properties: list[DigitsId] | None = Field(
        default=None, serialization_alias="product_product_customs_property[]",
        validation_alias=AliasChoices("customs_properties", "product_product_customs_property",
                                      "product_product_customs_property[]"))
    material: _s(100) = None
    usage: _s(100) = None
    brand: _s(100) = None
    color: _s(100) = None
    model: _s(100) = None
    url: _s(500) = None
    shape_type: Literal["NORMAL_SHAPE", "RREGULAR_SHAPE"] | None = None
    note: _s(100) = None
    client_ref: _s(50) = None
    commodity_code: _s(50) = None
    weight: Annotated[Num, Field(ge=0)] | None = None  # grams
    length: Annotated[Num, Field(ge=0)] | None = None  # millimetres
    width: Annotated[Num, Field(ge=0)] | None = None
    depth: Annotated[Num, Field(ge=0)] | None = None
    is_shared_internal: Literal[0, 1] | None = Field(default=None, serialization_alias="company_product-is_shared_internal")
    description: str | None = None
    price: Annotated[Num, Field(ge=0)] | None = Field(default=None, serialization_alias="company_product-price")
    cost: Annotated[Num, Field(ge=0)] | None = Field(default=None, serialization_alias="company_product-cost")
    price_customs_import: Annotated[Num, Field(ge=0)] | None = None
    price_customs_export: Annotated[Num, Field(ge=0)] | None = None
    sales_price: Annotated[Num, Field(ge=0)] | None = None
    low_stock_level: Annotated[int | None, BeforeValidator(_whole), Field(ge=0, le=99999)] = Field(
        default=None, serialization_alias="company_product-low_stock_level")
    inventory_time: Annotated[int | None, BeforeValidator(_whole), Field(ge=0, le=999)] = None
    country_of_origin: Annotated[str | None, Field(pattern=r"^[A-Z]{2}$")] = None
    status: ProductStatus | None = None


class NewProduct(ProductFields):
    """A product to create: the current page's required fields (spec §5.3: name, name_customs,
    price_customs_export); new products start PREPARING."""

    name: _s(100, True)
    name_customs: _s(100, True)
    price_customs_export: Annotated[Num, Field(ge=0)]
    status: Literal["PREPARING", "PENDING"] | None = None


class ExportCustoms(RequestModel):
    """Export customs fields of a consignment (spec §6.5)."""

    omp_name: _s(100) = None
    omp_vat_number: _s(50) = None
    shipper_eori: Annotated[str | None, Field(pattern=r"^[A-Z]{2}[0-9]{12}$")] = None
    reason_for_export: Literal["Sale", "ReturnReplacement", "Gift"] | None = None
    content_type: Literal["Gift", "Documents", "Other"] | None = None
    ioss_vat_number: Annotated[str | None, BeforeValidator(lambda v: str(v) if isinstance(v, int) and
                                                           not isinstance(v, bool) else v),
                               Field(max_length=50), AfterValidator(_not_blank)] = None


class ConsignmentIn(ExportCustoms):
    """A consignment's own fields (spec §6.2a; the all-in-one body takes the same, §6.2c)."""

    delivery_service_id: DigitsId
    contact: _s(100, True)
    address_line1: _s(100, True)
    city: _s(50, True)
    country_iso: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
    address_line2: _s(100) = None
    address_line3: _s(100) = None
    county: _s(50) = None
    post_code: _s(10) = None
    business_name: _s(255) = None
    telephone: _s(50) = None
    email: _s(255) = None
    special_instruction: _s(255) = None
    neighbour_instruction: _s(255) = None
    sales_reference: _s(50) = None
    sales_order_id: _s(50) = None
    custom_identity_reference: _s(50) = None
    sales_price: Annotated[Num, Field(ge=0)] | None = None
    is_urgent: Literal[0, 1] | None = None
    type: Literal["LOCAL", "DIRECT", "RETURN", "AGENT_DIRECT", "CLIENT_DIRECT"] | None = None


class ConsignmentLine(RequestModel):
    """One product line: by ``product_id``, or by ``client_ref`` (sent as the all-in-one ``client_sku``)."""

    product_id: DigitsId | None = None
    client_ref: _s(50) = None
    quantity: Quantity
    product_type: Literal["NORMAL", "DIRECTIONAL"] = "NORMAL"
    sales_price: Annotated[Num, Field(ge=0)] | None = None

    @model_validator(mode="after")
    def _one_of(self):
        if self.product_id is None and not self.client_ref:
            raise ValueError("give product_id or client_ref")
        return self


class ConsignmentOrder(RequestModel):
    """An order as PlaceOrderOperator takes it for BirdSystem: the consignment and its lines."""

    consignment: ConsignmentIn
    lines: Annotated[list[ConsignmentLine], Field(min_length=1)]


# --------------------------------------------------------------------------- received
def _reply_id(value: Any) -> Any:
    """A BirdSystem id in a reply: a number or a text of ASCII digits (anything else is malformed)."""
    if isinstance(value, bool):
        raise ValueError("an id, not a boolean")
    if isinstance(value, int) and value > 0:
        return str(value)
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit() and int(value) > 0:
        return value.strip()
    raise ValueError(f"an id of digits, got {value!r}")


def _reply_count(value: Any) -> Any:
    """A stock count in a reply: a whole number (as a number or a text); ``None``/``""``/``NULL`` = 0."""
    if value is None or (isinstance(value, str) and value.strip() in ("", "NULL", "null")):
        return 0
    if isinstance(value, bool):
        raise ValueError("a count, not a boolean")
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError:
        raise ValueError(f"a count, got {value!r}") from None
    if not number.is_finite() or number != number.to_integral_value() or abs(number) >= 2**63:
        raise ValueError(f"a whole count, got {value!r}")
    return int(number)


ReplyId = Annotated[str, BeforeValidator(_reply_id)]
Count = Annotated[int, BeforeValidator(_reply_count)]
OptCount = Annotated[int | None, BeforeValidator(lambda v: None if v in (None, "", "NULL") else _reply_count(v))]


class Product(VendorModel):
    id: ReplyId
    client_ref: OptStr = None
    company_ref: OptStr = None
    client_id: Any = None
    name: OptStr = None
    name_customs: OptStr = None
    status: OptStr = None
    weight: Money = None
    length: Money = None
    width: Money = None
    depth: Money = None
    live_stock: OptCount = None
    frozen_stock: OptCount = None
    commodity_code: OptStr = None
    update_time: OptStr = None
    last_stock_update_time: OptStr = None


class Availability(VendorModel):
    id: ReplyId
    live_stock: Count = 0
    current_locked_stock: Count = 0
    dynamic_warehouse_available_stock: OptCount = None

    @property
    def available(self) -> int:
        """Available = live - locked (spec §5.5)."""
        return self.live_stock - self.current_locked_stock


class StockInfo(VendorModel):
    product_id: Any = None
    quantity: OptCount = None
    company_id: Any = None
    company_site_name: OptStr = None
    client_ref: OptStr = None
    warehouse_id: Any = None
    warehouse_name: OptStr = None
    is_dynamic_warehouse: OptInt = None


class Consignment(VendorModel):
    id: ReplyId
    status: OptStr = None
    type: OptStr = None
    sales_reference: OptStr = None
    custom_identity_reference: OptStr = None
    delivery_reference: OptStr = None
    delivery_service_id: Any = None


class Created(VendorModel):
    """``data`` of a create reply: at least the new record's id (spec §3)."""

    id: ReplyId


class Record(VendorModel):
    """Any other list row, kept as sent."""
