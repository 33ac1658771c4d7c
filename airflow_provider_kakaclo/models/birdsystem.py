"""BirdSystem client API models (spec ``birdsystem.md``, seed 003): products, stock, consignments."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from airflow_provider_kakaclo.models.common import Id, Money, OptInt, OptStr, RequestModel, VendorModel
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
)
MAX_IDS_PER_AVAILABILITY_CALL = 1000

ProductStatus = Literal[
    "PREPARING", "PENDING", "ACTIVE", "PROBLEM", "RECHECK", "DELETED", "OUT_OF_STOCK", "DEPRECATED",
    "REVIEWING", "HOLD_INBOUND", "HOLD_OUTBOUND",
]




def _s(max_length: int, required: bool = False):
    if required:
        return Annotated[str, Field(min_length=1, max_length=max_length)]
    return Annotated[str | None, Field(default=None, max_length=max_length)]


class ProductFields(RequestModel):
    """Product fields as the seed lists them; every one optional (updates send what changes)."""

    name: _s(100) = None
    name_customs: _s(100) = None
    customs_category_code: Annotated[str | None, Field(max_length=50)] = None
    customs_category_id: int | None = None
    material: _s(50) = None
    usage: _s(50) = None
    brand: _s(50) = None
    color: _s(100) = None
    model: _s(100) = None
    url: _s(500) = None
    note: _s(100) = None
    client_ref: _s(50) = None
    commodity_code: _s(50) = None
    weight: Num | None = None  # grams
    length: Num | None = None  # millimetres
    width: Num | None = None
    depth: Num | None = None
    is_shared_internal: Literal[0, 1] | None = Field(default=None, serialization_alias="company_product-is_shared_internal")
    description: str | None = None
    price: Num | None = Field(default=None, serialization_alias="company_product-price")
    cost: Num | None = Field(default=None, serialization_alias="company_product-cost")
    price_customs_import: Num | None = None
    price_customs_export: Num | None = None
    low_stock_level: Annotated[int | None, Field(ge=0, le=99999)] = None
    inventory_time: Annotated[int | None, Field(ge=0, le=999)] = None
    country_of_origin: Annotated[str | None, Field(pattern=r"^[A-Z]{2}$")] = None

    @field_validator("customs_category_code", mode="before")
    @classmethod
    def _code_as_text(cls, value):
        return str(value) if isinstance(value, int) else value


class NewProduct(ProductFields):
    """A product to create: the seed's mandatory fields required; new products start PREPARING."""

    name: _s(100, True)
    name_customs: _s(100, True)
    customs_category_code: Annotated[str, Field(min_length=1, max_length=50)]
    material: _s(50, True)
    usage: _s(50, True)
    brand: _s(50, True)
    price_customs_import: Num
    price_customs_export: Num
    status: Literal["PREPARING", "PENDING"] = "PREPARING"


class ConsignmentIn(RequestModel):
    """Step 1 of a step-by-step consignment (spec §6.2a)."""

    delivery_service_id: Annotated[int, Field(gt=0)]
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
    sales_price: Num | None = None
    is_urgent: Literal[0, 1] | None = None
    type: Literal["LOCAL", "DIRECT", "RETURN", "AGENT_DIRECT"] | None = None


class ConsignmentLine(RequestModel):
    """One product line (step 2): by ``product_id``, or by ``client_ref`` resolved before sending."""

    product_id: Annotated[int | None, Field(gt=0)] = None
    client_ref: _s(50) = None
    quantity: Annotated[int, Field(gt=0, le=32767)]
    product_type: Literal["NORMAL", "DIRECTIONAL"] = "NORMAL"

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
class Product(VendorModel):
    id: Id
    client_ref: OptStr = None
    company_ref: OptStr = None
    name: OptStr = None
    name_customs: OptStr = None
    status: OptStr = None
    weight: Money = None
    length: Money = None
    width: Money = None
    depth: Money = None
    live_stock: OptInt = None
    frozen_stock: OptInt = None
    commodity_code: OptStr = None
    update_time: OptStr = None


class Availability(VendorModel):
    id: Id
    live_stock: Annotated[int, Field()] = 0
    current_locked_stock: int = 0
    dynamic_warehouse_available_stock: OptInt = None

    @field_validator("live_stock", "current_locked_stock", mode="before")
    @classmethod
    def _count(cls, value):
        return 0 if value in (None, "", "NULL") else int(Decimal(str(value)))

    @property
    def available(self) -> int:
        """Available = live - locked (spec §5.5)."""
        return self.live_stock - self.current_locked_stock


class StockInfo(VendorModel):
    product_id: Any = None
    quantity: OptInt = None
    company_id: Any = None
    company_site_name: OptStr = None
    client_ref: OptStr = None
    warehouse_id: Any = None
    warehouse_name: OptStr = None
    is_dynamic_warehouse: OptInt = None


class Consignment(VendorModel):
    id: Id
    status: OptStr = None
    type: OptStr = None
    sales_reference: OptStr = None
    delivery_reference: OptStr = None
    delivery_service_id: Any = None


class Record(VendorModel):
    """Any other list row, kept as sent."""
