"""KakaClo Open API models (spec ``kakaclo.md`` §7), tolerant of the quirks listed in its §12."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BeforeValidator, Field, field_validator, model_validator

from airflow_provider_kakaclo.models.common import (
    Id,
    Money,
    OptId,
    OptInt,
    OptStr,
    RequestModel,
    VendorModel,
    parse_json_string,
)

ChannelType = Literal["Standard", "Express", "Expedited"]
RefundReason = Literal[
    "Other",
    "Don't Want Anymore",
    "Product Selection Error/Multiple Selection",
    "Incorrect Address Information",
    "Out Of Stock",
]
MAX_IDS_PER_CALL = 30  # spus / skus lists on products and stocks
ORDER_PAGE_SIZE_MAX = 250

Str = Annotated[str, Field(min_length=1)]


def _req(max_length: int):
    return Annotated[str, Field(min_length=1, max_length=max_length)]


def _opt(max_length: int):
    return Annotated[str | None, Field(default=None, max_length=max_length)]


# --------------------------------------------------------------------------- requests (sent)
class OrderAddress(RequestModel):
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


class OrderLine(RequestModel):
    """One SKU and its quantity (order items, freight trials)."""

    sku: _req(64)
    quantity: Annotated[int, Field(gt=0)]


class CreateOrderRequest(RequestModel):
    """Body of O2-3 Create order. The wire name of the address is ``orderAddresses`` (spec §12.1)."""

    orderAddresses: OrderAddress = Field(validation_alias=AliasChoices("orderAddresses", "orderAddress"))
    orderItemsList: Annotated[list[OrderLine], Field(min_length=1)]
    channelType: ChannelType = "Standard"
    remark: str | None = None
    salePlatform: str | None = None
    customOrderId: _opt(40) = None


class FreightRequest(RequestModel):
    """Body of O2-1 Logistics channel and O2-2 automatic-split trial."""

    shipToCountry: _req(12)
    products: Annotated[list[OrderLine], Field(min_length=1)]
    warehouseCode: _opt(32) = None


class RefundLine(RequestModel):
    """One item of a partial refund (O2-5)."""

    itemId: Annotated[str, BeforeValidator(lambda v: str(v) if isinstance(v, int) else v), Field(min_length=1)]
    skuCode: Str
    quantity: Annotated[int, Field(gt=0)]
    countryCode: Literal["CN", "US"]


class RefundRequest(RequestModel):
    """Body of O2-5 Refund: the whole order without ``orderItems``, else those items."""

    remark: str | None = None
    refundReason: RefundReason = "Other"
    orderItems: list[RefundLine] | None = None

    @field_validator("orderItems")
    @classmethod
    def _not_empty(cls, value):
        if value is not None and not value:
            raise ValueError("give at least one item for a partial refund, or omit orderItems for a full refund")
        return value


class ProductQuery(RequestModel):
    """Query of P2 Products: one of spus / skus / categoryId / an update-time window is required."""

    spus: list[Str] | None = Field(default=None, max_length=MAX_IDS_PER_CALL)
    skus: list[Str] | None = Field(default=None, max_length=MAX_IDS_PER_CALL)
    categoryId: int | None = None
    dateStartTime: str | None = None
    dateEndTime: str | None = None
    pageNumber: Annotated[int | None, Field(gt=0)] = None
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


class StockQuery(RequestModel):
    """Query of P4 Stock: skus (at most 30) or an update-time window with pageNumber."""

    skus: list[Str] | None = Field(default=None, max_length=MAX_IDS_PER_CALL)
    warehouseCode: _opt(32) = None
    dateStartTime: str | None = None
    dateEndTime: str | None = None
    pageNumber: Annotated[int | None, Field(gt=0)] = None

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


class OrderQuery(RequestModel):
    """Query of O2-4 Orders: ids and/or creation and update windows; pageSize at most 250."""

    ids: list[Annotated[str, BeforeValidator(lambda v: str(v) if isinstance(v, int) else v)]] | None = None
    createStartTime: str | None = None
    createEndTime: str | None = None
    updateStartTime: str | None = None
    updateEndTime: str | None = None
    pageNumber: Annotated[int, Field(gt=0)] = 1
    pageSize: Annotated[int, Field(gt=0, le=ORDER_PAGE_SIZE_MAX)] = 10

    def to_params(self) -> dict[str, Any]:
        params = self.to_wire()
        if "ids" in params:
            params["ids"] = ",".join(params["ids"])
        return params


class DesignSearch(RequestModel):
    """Body of the POD ``.../search`` endpoints (C2, C4): pageSize at most 100."""

    categoryNames: list[str] | None = None
    modelCodes: list[str] | None = None
    spus: list[str] | None = None
    searchContent: str | None = None
    enName: str | None = None
    lastUpdatedTime: int | None = None
    pageNumber: Annotated[int, Field(gt=0)] = 1
    pageSize: Annotated[int, Field(gt=0, le=100)] = 20


class MaterialImage(RequestModel):
    imageName: str
    imageUrl: str


class DesignedProduct(RequestModel):
    """Body of C5 Save POD designed product."""

    modelId: Annotated[str, BeforeValidator(lambda v: str(v) if isinstance(v, int) else v), Field(min_length=1)]
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
        return [c for c in (value or []) if c]  # the sample's placeholder child is ``{}``


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
    qty: Annotated[int, BeforeValidator(lambda v: 0 if v in (None, "NULL", "") else v)] = 0


class SkuStock(VendorModel):
    sku: Str
    warehouseStockList: list[WarehouseStock] = Field(default_factory=list)

    @property
    def total(self) -> int:
        """SKU stock is the sum of ``qty`` over warehouses (spec P4)."""
        return sum(w.qty for w in self.warehouseStockList)


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
    amount: Money = None
    productNum: OptInt = None
    total: Money = None
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
    """An order of O2-4 (V2 names; ``modifyDate`` or ``updateDate``)."""

    id: Id
    customOrderId: OptStr = None
    remark: OptStr = None
    status: OptStr = None
    financialStatus: OptStr = None
    fulfillmentStatus: OptStr = None
    refundStatus: RefundStatus = None
    purchaseDate: OptStr = None
    payDate: OptStr = None
    completedDate: OptStr = None
    cancelDate: OptStr = None
    refundDate: OptStr = None
    shippingAddress: ShippingAddress | None = None
    warehouseId: OptId = None
    currencyCode: OptStr = None
    finalAmount: Money = None
    freightAmount: Money = None
    subTotalAmount: Money = None
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
    """Account balance. The reply is undocumented (spec $1): an object or a bare number is accepted."""

    balance: Money = None
    currency: str = "USD"

    @model_validator(mode="before")
    @classmethod
    def _bare_number(cls, value):
        if isinstance(value, int | float | str | Decimal) and not isinstance(value, bool):
            return {"balance": value}
        if isinstance(value, dict) and "balance" not in value:
            for key in ("availableBalance", "amount", "available"):
                if key in value:
                    return {**value, "balance": value[key]}
        return value
