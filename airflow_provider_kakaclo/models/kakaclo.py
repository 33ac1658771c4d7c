"""KakaClo Open API models (spec ``kakaclo.md`` §7), tolerant of the quirks listed in its §12."""

from __future__ import annotations

import logging
import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AliasChoices, BeforeValidator, Field, field_validator, model_validator

from airflow_provider_kakaclo.models.common import (
    Id,
    Money,
    OptId,
    OptInt,
    OptStr,
    PassThroughModel,
    VendorModel,
    parse_json_string,
)

log = logging.getLogger(__name__)

ChannelType = Literal["Standard", "Express", "Expedited"]
#: The channel types the create-order page allows (spec §7 O2-3: "Standard、Express"); ``Expedited``
#: appears only in freight replies (§15 S9).
CREATE_CHANNEL_TYPES = ("Standard", "Express")
RefundReason = Literal[
    "Other",
    "Don't Want Anymore",
    "Product Selection Error/Multiple Selection",
    "Incorrect Address Information",
    "Out Of Stock",
]
MAX_IDS_PER_CALL = 30  # spus / skus lists on products and stocks
ORDER_PAGE_SIZE_MAX = 250
#: The longest reference the provider generates: customOrderId's length is documented only by the
#: removed custom-order API (string[40], §15 S11).
CUSTOM_ORDER_ID_DOCUMENTED_MAX = 40
V1_ORDER_STATUSES = ("waiting_payment", "cancel", "waiting_to_ship", "refunding", "refunded", "partial_shipped",
                     "shipped", "delivered")

Str = Annotated[str, Field(min_length=1)]
_ASCII_DIGITS = re.compile(r"[0-9]+")


def _req(max_length: int):
    return Annotated[str, Field(min_length=1, max_length=max_length)]


def _opt(max_length: int):
    return Annotated[str | None, Field(default=None, max_length=max_length)]


def _whole_count(value: Any) -> Any:
    """A quantity: a whole number (``2``, ``2.0``, ``"2"``), never ``True`` or ``1.9``."""
    if isinstance(value, bool):
        raise ValueError("must be a whole number, not true/false")
    return value


def _digits(value: Any) -> Any:
    """An id the vendor numbers: ASCII digits only (``str.isdigit`` also accepts ``"١٢"``)."""
    if isinstance(value, bool):
        raise ValueError("must be an id made of digits 0-9, not true/false")
    text = str(value).strip() if isinstance(value, int | str) else value
    if not isinstance(text, str) or not _ASCII_DIGITS.fullmatch(text):
        raise ValueError(f"must be an id made of digits 0-9, got {value!r}")
    return text


def _joinable(value: str) -> str:
    """A code the vendor receives comma-joined: a comma would turn one code into two."""
    if "," in value:
        raise ValueError(f"must not contain a comma (codes are sent comma-joined): {value!r}")
    if not value.strip():
        raise ValueError("must not be blank")
    return value


Quantity = Annotated[int, BeforeValidator(_whole_count), Field(gt=0)]
DigitsId = Annotated[str, BeforeValidator(_digits)]
JoinableCode = Annotated[str, Field(min_length=1), AfterValidator(_joinable)]


# --------------------------------------------------------------------------- requests (sent)
class OrderAddress(PassThroughModel):
    """Ship-to address of an order (O2-3 address table)."""

    country: _req(32)
    phone: _req(64)
    recipient: _req(32)
    province: _req(32)
    street1: _opt(64) = None
    street2: _opt(64) = None
    city: _opt(64) = None
    zip: _opt(32) = None
    ioss: _opt(32) = None
    vat: _opt(32) = None


class OrderLine(PassThroughModel):
    """One SKU and its quantity (order items, freight trials). Item-level ``channelType`` is sent as given."""

    sku: _req(64)
    quantity: Quantity


class CreateOrderRequest(PassThroughModel):
    """Body of O2-3 Create order. The wire name of the address is ``orderAddresses`` (spec §12.1)."""

    orderAddresses: OrderAddress = Field(validation_alias=AliasChoices("orderAddresses", "orderAddress"))
    orderItemsList: Annotated[list[OrderLine], Field(min_length=1)]
    channelType: ChannelType = "Standard"
    remark: str | None = None
    salePlatform: str | None = None
    customOrderId: str | None = None

    @field_validator("customOrderId")
    @classmethod
    def _reference(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if not value.strip():
            raise ValueError("must not be blank: it is the merchant reference orders are found by")
        if len(value) > CUSTOM_ORDER_ID_DOCUMENTED_MAX:
            log.warning("customOrderId %r is %s characters; only the removed custom-order API documents a "
                        "length (40): sent as given (spec §15 S11)", value, len(value))
        return value

    @field_validator("channelType")
    @classmethod
    def _channel(cls, value: str) -> str:
        if value not in CREATE_CHANNEL_TYPES:
            log.warning("channelType %s: the create-order page allows only %s (it appears in freight replies); "
                        "sent as given (spec §15 S9)", value, " and ".join(CREATE_CHANNEL_TYPES))
        return value


class FreightRequest(PassThroughModel):
    """Body of O2-1 Logistics channel and O2-2 automatic-split trial."""

    shipToCountry: _req(12)
    products: Annotated[list[OrderLine], Field(min_length=1)]
    warehouseCode: _opt(32) = None


class RefundLine(PassThroughModel):
    """One item of a partial refund (O2-5), keyed by ``(itemId, countryCode)``: a line split across
    warehouses shares its ``itemId`` (spec §15 S7)."""

    itemId: DigitsId
    skuCode: Str
    quantity: Quantity
    countryCode: Literal["CN", "US"]


class RefundRequest(PassThroughModel):
    """Body of O2-5 Refund: the whole order without ``orderItems``, else those items."""

    remark: str | None = None
    refundReason: RefundReason = "Other"
    orderItems: list[RefundLine] | None = None

    @field_validator("orderItems")
    @classmethod
    def _not_empty(cls, value):
        if value is not None and not value:
            raise ValueError("give at least one item for a partial refund, or omit orderItems for a full refund")
        if value is not None:
            keys = [(line.itemId, line.countryCode) for line in value]
            if len(set(keys)) != len(keys):
                raise ValueError("each (itemId, countryCode) once: the same line twice would be refunded twice")
        return value


class ProductQuery(PassThroughModel):
    """Query of P2 Products: one of spus / skus / categoryId / an update-time window is required."""

    spus: list[JoinableCode] | None = Field(default=None, min_length=1, max_length=MAX_IDS_PER_CALL)
    skus: list[JoinableCode] | None = Field(default=None, min_length=1, max_length=MAX_IDS_PER_CALL)
    categoryId: int | None = None
    dateStartTime: str | None = None
    dateEndTime: str | None = None
    pageNumber: Quantity | None = None
    sortType: Literal["salasVolume", "stock", "price", "updateTime"] | None = None
    sortBy: Literal["asc", "desc"] | None = None

    @model_validator(mode="after")
    def _one_of(self):
        windowed = self.dateStartTime is not None or self.dateEndTime is not None
        if not (self.spus or self.skus or self.categoryId is not None or windowed):
            raise ValueError("give spus, skus, categoryId or dateStartTime/dateEndTime")
        if windowed and not (self.dateStartTime and self.dateEndTime):
            raise ValueError("an update-time window needs both dateStartTime and dateEndTime")
        if windowed and self.dateStartTime > self.dateEndTime:
            raise ValueError("dateStartTime must not be later than dateEndTime")
        if (windowed or self.categoryId is not None) and not self.pageNumber:
            raise ValueError("pageNumber (> 0) is required with categoryId or a time window")
        return self

    def to_params(self) -> dict[str, Any]:
        params = self.to_wire()
        for key in ("spus", "skus"):
            if key in params:
                params[key] = ",".join(params[key])
        return params


class StockQuery(PassThroughModel):
    """Query of P4 Stock: skus (at most 30) or an update-time window with pageNumber."""

    skus: list[JoinableCode] | None = Field(default=None, min_length=1, max_length=MAX_IDS_PER_CALL)
    warehouseCode: _opt(32) = None
    dateStartTime: str | None = None
    dateEndTime: str | None = None
    pageNumber: Quantity | None = None

    @model_validator(mode="after")
    def _one_of(self):
        windowed = self.dateStartTime is not None or self.dateEndTime is not None
        if not (self.skus or windowed):
            raise ValueError("give skus or dateStartTime/dateEndTime")
        if windowed and not (self.dateStartTime and self.dateEndTime):
            raise ValueError("an update-time window needs both dateStartTime and dateEndTime")
        if windowed and self.dateStartTime > self.dateEndTime:
            raise ValueError("dateStartTime must not be later than dateEndTime")
        if windowed and not self.pageNumber:
            raise ValueError("pageNumber (> 0) is required with a time window")
        return self

    def to_params(self) -> dict[str, Any]:
        params = self.to_wire()
        if "skus" in params:
            params["skus"] = ",".join(params["skus"])
        return params


class OrderQuery(PassThroughModel):
    """Query of O2-4 Orders: ids and/or creation and update windows; pageSize at most 250."""

    ids: list[DigitsId] | None = Field(default=None, min_length=1, max_length=ORDER_PAGE_SIZE_MAX)
    createStartTime: str | None = None
    createEndTime: str | None = None
    updateStartTime: str | None = None
    updateEndTime: str | None = None
    pageNumber: Quantity = 1
    pageSize: Annotated[Quantity, Field(le=ORDER_PAGE_SIZE_MAX)] = 10

    def to_params(self) -> dict[str, Any]:
        params = self.to_wire()
        if "ids" in params:
            params["ids"] = ",".join(params["ids"])
        return params


class DesignSearch(PassThroughModel):
    """Body of the POD ``.../search`` endpoints (C2, C4): pageSize at most 100."""

    categoryNames: list[str] | None = None
    modelCodes: list[str] | None = None
    spus: list[str] | None = None
    searchContent: str | None = None
    enName: str | None = None
    lastUpdatedTime: int | None = None
    pageNumber: Quantity = 1
    pageSize: Annotated[Quantity, Field(le=100)] = 20


class MaterialImage(PassThroughModel):
    imageName: str
    imageUrl: str


class DesignedProduct(PassThroughModel):
    """Body of C5 Save POD designed product."""

    modelId: DigitsId
    enName: Str
    imageUrl: Str
    backImageUrl: str | None = None
    materialImages: list[MaterialImage] | None = None
    colorValue: str | None = None


# --------------------------------------------------------------------------- responses (received)
class SkuOption(VendorModel):
    """A decoded ``option1/2/3`` field: ``{"name": "color", "value": "Black"}``."""

    name: OptStr = None
    value: OptStr = None


def _option(value: Any) -> Any:
    value = parse_json_string(value)
    if isinstance(value, str):  # not JSON: keep what the vendor sent as the value
        return {"name": None, "value": value}
    return value


Option = Annotated[SkuOption | None, BeforeValidator(_option)]


class Category(VendorModel):
    categoryId: OptId = None
    name: OptStr = None
    parentId: OptId = None
    level: OptInt = None
    fullCategoryId: OptStr = None
    imgUrl: OptStr = None
    child: list[Category] = Field(default_factory=list)

    @field_validator("child", mode="before")
    @classmethod
    def _children(cls, value):
        if not isinstance(value, list):
            return value or []  # let pydantic refuse a non-list
        return [c for c in value if c]  # the sample's placeholder child is ``{}``


class Sku(VendorModel):
    sku: Str
    skuName: OptStr = None
    mainImg: OptStr = None
    packageLength: Money = None
    packageWidth: Money = None
    packageHeight: Money = None
    packageWeight: Money = None  # grams, whatever the doc's "(CM)" says (spec §12.12)
    cost: Money = None
    price: Money = None
    stock: OptInt = None
    option1: Option = None
    option2: Option = None
    option3: Option = None
    material: OptStr = None
    skuStatus: OptInt = None

    def option(self, name: str) -> str | None:
        """The value of the option called ``name`` (``color``, ``size``, ``print``), if any."""
        for opt in (self.option1, self.option2, self.option3):
            if opt is not None and (opt.name or "").lower() == name.lower():
                return opt.value
        return None


class Product(VendorModel):
    kkProductId: OptId = None
    spu: Str
    productName: OptStr = None
    description: OptStr = None
    sizeImagePath: OptStr = None
    spuStatus: OptInt = None
    categoryId: OptId = None
    fullCategoryName: OptStr = None
    salesVolume: OptInt = None
    attributesJson: Annotated[Any, BeforeValidator(parse_json_string)] = None
    price: Money = None
    stock: OptInt = None
    supplierLevel: str | None = None
    createTime: OptStr = None
    updateTime: OptStr = None
    skuDetails: list[Sku] = Field(default_factory=list, validation_alias=AliasChoices("skuDetails", "skuList"))
    skuImgUrl: list[dict[str, Any]] | None = None


class Warehouse(VendorModel):
    warehouseId: OptId = None
    warehouseCode: Str
    warehouseNameExt: OptStr = None
    warehouseName: OptStr = None
    countryCode: OptStr = None
    countryCn: OptStr = None
    status: OptInt = None


class WarehouseStock(VendorModel):
    warehouseCode: OptStr = None
    countryCode: OptStr = None
    qty: Annotated[OptInt, AfterValidator(lambda v: 0 if v is None else v)] = 0  # "NULL"/null: none in stock


class SkuStock(VendorModel):
    sku: Str
    warehouseStockList: list[WarehouseStock] = Field(default_factory=list)

    @property
    def total(self) -> int:
        """SKU stock is the sum of ``qty`` over warehouses (spec P4)."""
        return sum((w.qty or 0) for w in self.warehouseStockList)


class Channel(VendorModel):
    channelCode: OptStr = None
    channelNameEn: OptStr = None
    channelType: OptStr = None
    estimatedFreight: Money = None
    estimatedFreightCurrency: OptStr = None
    deliveryTime: OptStr = None


class ShippingAddress(VendorModel):
    country: OptStr = None
    city: OptStr = None
    phone: OptStr = None
    recipient: OptStr = None
    street1: OptStr = None
    street2: OptStr = None
    province: OptStr = None
    zip: OptStr = None
    vat: OptStr = None
    ioss: OptStr = None


def _refund_status(value: Any) -> Any:
    value = _null_or(value)
    return "refunded" if value == "refund" else value  # spec §8.4: "refund" and "refunded" are one state


def _null_or(value: Any) -> Any:
    return None if isinstance(value, str) and value.strip() in ("NULL", "") else value


RefundStatus = Annotated[str | None, BeforeValidator(_refund_status)]


class OrderItem(VendorModel):
    id: OptId = None
    itemId: OptId = None
    imageUrl: OptStr = None
    productName: OptStr = None
    skuCode: OptStr = None
    amount: Money = Field(default=None, validation_alias=AliasChoices("amount", "purchasePrices"))
    productNum: OptInt = None
    total: Money = Field(default=None, validation_alias=AliasChoices("total", "subtotal"))
    option1: Option = None
    option2: Option = None
    option3: Option = None
    stockStatus: OptStr = None
    fulfillmentStatus: OptStr = None
    refundStatus: RefundStatus = None
    countryCode: OptStr = None


class TrackingInfo(VendorModel):
    carrier: OptStr = None
    trackingCode: OptStr = None


class Fulfillment(VendorModel):
    id: OptId = None
    packId: OptId = None
    status: OptStr = None
    carrier: OptStr = None
    carrierType: OptStr = None
    trackingCode: OptStr = None
    logisticsSearchUrl: OptStr = None
    deliveryTime: OptStr = None
    items: list[OrderItem] | None = None
    trackingInfos: list[TrackingInfo] | None = None


class Order(VendorModel):
    """An order of O2-4: V2 names, or the V1 names of the query page's sample (``payAt``,
    ``completedAt``, ``skusAmount``, ``totalAmount``; spec §15 S6); ``modifyDate`` or ``updateDate``."""

    id: Id
    customOrderId: OptStr = None
    remark: OptStr = None
    status: OptStr = None
    financialStatus: OptStr = None
    fulfillmentStatus: OptStr = None
    refundStatus: RefundStatus = None
    purchaseDate: OptStr = None
    payDate: OptStr = Field(default=None, validation_alias=AliasChoices("payDate", "payAt"))
    completedDate: OptStr = Field(default=None, validation_alias=AliasChoices("completedDate", "completedAt"))
    cancelDate: OptStr = None
    refundDate: OptStr = None
    shippingAddress: ShippingAddress | None = None
    warehouseId: OptId = None
    currencyCode: OptStr = None
    finalAmount: Money = Field(default=None, validation_alias=AliasChoices("finalAmount", "totalAmount"))
    freightAmount: Money = None
    subTotalAmount: Money = Field(default=None, validation_alias=AliasChoices("subTotalAmount", "skusAmount"))
    couponAmount: Money = None
    promotionAmount: Money = None
    refundableAmount: Money = None
    refundedAmount: Money = None
    orderItems: list[OrderItem] = Field(default_factory=list)
    fulfillments: list[Fulfillment] | None = None
    createDate: OptStr = None
    modifyDate: OptStr = Field(default=None, validation_alias=AliasChoices("modifyDate", "updateDate"))

    @field_validator("orderItems", mode="before")
    @classmethod
    def _items(cls, value):
        return value or []


class Refund(VendorModel):
    refundNo: Id
    id: OptId = None  # the order id
    remark: OptStr = None
    refundStatus: OptStr = None


class DesignModel(VendorModel):
    id: Id
    categoryName: OptStr = None
    modelCode: OptStr = None
    price: Money = None
    enName: OptStr = None
    enDescription: OptStr = None
    enSizeContent: Annotated[Any, BeforeValidator(parse_json_string)] = None
    imageUrl: OptStr = None
    backImageUrl: OptStr = None
    orderCount: OptInt = None
    status: OptInt = None
    weight: Money = None
    variants: list[dict[str, Any]] | None = None
    createDate: OptInt = None
    modifyDate: OptInt = None


class CustomDesigned(VendorModel):
    id: Id
    customDesignedId: OptId = None
    modelCode: OptStr = None
    price: Money = None
    enName: OptStr = None
    imageUrl: OptStr = None
    backImageUrl: OptStr = None
    kkProductId: OptId = None
    orderCount: OptInt = None
    spu: OptStr = None
    createDate: OptInt = None
    modifyDate: OptInt = None


class Balance(VendorModel):
    """Account balance. The reply is undocumented (spec $1, §15 S1): a bare number, ``{balance}`` (or
    ``availableBalance`` / ``amount`` / ``available``), or one entry per currency; anything else leaves
    ``balance`` None and ``reply_keys`` naming what the vendor sent."""

    balance: Money = None
    currency: str | None = "USD"
    reply_keys: list[str] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _readings(cls, value):
        return read_balance(value)


BALANCE_KEYS = ("balance", "availableBalance", "amount", "available")


def read_balance(value: Any) -> dict[str, Any]:
    """``{"balance", "currency", "reply_keys"}`` from any of the plausible balance replies (S1)."""
    if isinstance(value, int | float | str | Decimal) and not isinstance(value, bool):
        return {"balance": value, "reply_keys": []}
    if isinstance(value, list):  # one entry per currency
        entries = [v for v in value if isinstance(v, dict)]
        usd = [v for v in entries if str(v.get("currency") or v.get("currencyCode") or "").upper() == "USD"]
        if len(usd) == 1:
            found = read_balance({k: v for k, v in usd[0].items() if k not in ("currency", "currencyCode")})
            return {**found, "currency": "USD"}
        return {"balance": None, "currency": None, "reply_keys": sorted({k for v in entries for k in v})}
    if not isinstance(value, dict):
        return {"balance": None, "currency": None, "reply_keys": []}
    keys = sorted(str(k) for k in value)
    for key in BALANCE_KEYS:
        if key in value and not isinstance(value[key], dict | list):
            return {"balance": value[key], "currency": value.get("currency") or "USD", "reply_keys": keys}
    if "USD" in value and not isinstance(value["USD"], dict | list | bool):  # {"USD": 12.5, "EUR": ...}
        return {"balance": value["USD"], "currency": "USD", "reply_keys": keys}
    return {"balance": None, "currency": None, "reply_keys": keys}
