"""Qianyi ERP open API models (spec ``qianyi.md``, seed 002): the SKU tables with their limits."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from airflow_provider_kakaclo.models.common import Money, OptId, OptInt, OptStr, RequestModel, VendorModel
from airflow_provider_kakaclo.models.common import Number as Decimalish

PAGE_SIZE_MAX = 200

PriceMethod = Literal["RATE", "CONSTANT"]

YMD = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")]


def _s(max_length: int, required: bool = False):
    if required:
        return Annotated[str, Field(min_length=1, max_length=max_length)]
    return Annotated[str | None, Field(default=None, max_length=max_length)]


class SubSku(RequestModel):
    """A component of a combination SKU."""

    sku: _s(255, True)
    quantity: Annotated[int, Field(gt=0)]


class SkuCustomFieldValue(RequestModel):
    customFieldId: int
    value: str


class SkuSupplier(RequestModel):
    name: Annotated[str, Field(min_length=1)]
    isDefault: bool
    purchaserList: list[str]
    deliveryCycle: Annotated[int, Field(ge=0)]
    purchasePrice: Decimalish | None = None
    purchasePriceUnit: str | None = None
    minimumPurchaseQuantity: Annotated[int | None, Field(gt=0)] = None
    purchaseTaxRate: Decimalish | None = None
    drawbackRate: Decimalish | None = None
    purchaseUrl: str | None = None


class QianyiSku(RequestModel):
    """A SKU as sent to INSERT_SKU_INFO / UPDATE_SKU_INFO (seed 002 §1.2-1.3), every limit checked."""

    sku: _s(255, True)
    title: _s(255, True)
    barcode: _s(255) = None
    type: Annotated[str, Field(min_length=1)] = "SINGLE"
    picUrl: _s(255) = None
    saleStatus: _s(50) = None
    weight: Decimalish
    netWeight: Decimalish
    weightUnit: Annotated[str, Field(min_length=1)]
    abbrTitle: _s(255) = None
    brand: _s(50) = None
    unit: _s(128) = None
    color: _s(255) = None
    size: _s(255) = None
    length: Decimalish
    width: Decimalish
    height: Decimalish
    dimensionUnit: Annotated[str, Field(min_length=1)]
    itemPackage: int | None = None
    description: _s(2048) = None
    descriptionEn: _s(2048) = None
    functionDescription: _s(2048) = None
    enable: Literal[0, 1] = 1
    packingRate: int | None = None
    cartonLength: Decimalish | None = None
    cartonWidth: Decimalish | None = None
    cartonHeight: Decimalish | None = None
    cartonWeight: Decimalish | None = None
    cartonNetWeight: Decimalish | None = None
    cartonDimensionUnit: str | None = None
    cartonWeightUnit: str | None = None
    cartonVolumeUnit: str | None = None
    chineseCustomsDeclarationName: str | None = None
    englishCustomsDeclarationName: str | None = None
    cdPriceMethod: PriceMethod | None = None
    cdPriceRate: Decimalish | None = None
    cdPriceMaximum: Decimalish | None = None
    customsDeclarationPrice: Decimalish | None = None
    customsDeclarationPriceUnit: str | None = None
    customsCode: str | None = None
    exportTax: Decimalish | None = None
    declaration: str | None = None
    dangerousTransportGoodsType: Literal["NONE", "LIQUID", "POWDER", "CONTAIN_ELECTRIC", "ELECTRIC"] | None = None
    batteryType: Annotated[int | None, Field(ge=0, le=5)] = None
    ccPriceMethod: PriceMethod | None = None
    ccPriceRate: Decimalish | None = None
    ccPriceMaximum: Decimalish | None = None
    ccPrice: Decimalish | None = None
    ccPriceUnit: str | None = None
    needQualityInspection: bool | None = None
    price: Decimalish | None = None
    priceUnit: Annotated[str | None, Field(pattern=r"^[A-Z]{3}$")] = None
    asin: str | None = None
    customProp1: str | None = None
    customProp2: str | None = None
    customProp3: str | None = None
    categoryName1: str | None = None
    categoryName2: str | None = None
    categoryName3: str | None = None
    remarkName: str | None = None
    singleSkuList: list[SubSku] | None = None
    singleBoxCode: str | None = None
    singleItemVolume: Decimalish | None = None
    skuCustomFieldValueVOList: list[SkuCustomFieldValue] | None = None
    purchaseCost: Decimalish | None = None
    purchaseCostUnit: str | None = None
    skuSupplierList: list[SkuSupplier] | None = None
    isRelatedSingleCost: bool | None = None
    warehouseNameList: list[str] | None = None


class SkuStatusChange(RequestModel):
    sku: _s(255, True)
    enable: Literal[0, 1]


class CustomFieldFilter(RequestModel):
    customFieldId: int
    value: str | None = None
    from_: str | None = Field(default=None, alias="from")
    to: str | None = None


class Paged(RequestModel):
    page: Annotated[int, Field(gt=0)] = 1
    pageSize: Annotated[int, Field(gt=0, le=PAGE_SIZE_MAX)] = PAGE_SIZE_MAX


class SkuQuery(Paged):
    """QUERY_SIMPLE_LIST_SKU filters (seed 002 §1.1)."""

    categoryName1: str | None = None
    categoryName2: str | None = None
    categoryName3: str | None = None
    updateTimeFrom: YMD | None = None
    updateTimeTo: YMD | None = None
    skus: Annotated[list[_s(255, True)] | None, Field(max_length=PAGE_SIZE_MAX)] = None
    titles: list[str] | None = None
    skuCustomFieldValueSOList: list[CustomFieldFilter] | None = None


class CustomFieldQuery(RequestModel):
    tableName: Literal["SYS_ITEM", "SYS_ORDER", "SYS_ODO", "SYS_ASN"] = "SYS_ITEM"
    columType: Literal["NUMBER", "DATE", "STRING", "SELECT"] | None = None
    columName: str | None = None
    required: Literal[0, 1] | None = None
    isQuery: Literal[0, 1] | None = None
    isShow: Literal[0, 1] | None = None


class InventoryQuery(Paged):
    warehouse: _s(50, True)
    skuList: Annotated[list[str] | None, Field(max_length=PAGE_SIZE_MAX)] = None


class WarehouseQuery(Paged):
    status: Literal["LOCK", "UNLOCK"] | None = None
    name: _s(50) = None


class OdoQuery(Paged):
    warehouseName: str | None = None
    type: str | None = None
    status: str | None = None
    createTimeFrom: YMD | None = None
    createTimeTo: YMD | None = None
    shipTimeFrom: YMD | None = None
    shipTimeTo: YMD | None = None
    updateTimeFrom: YMD | None = None
    updateTimeTo: YMD | None = None
    numberParam: str | None = None
    skuParam: str | None = None
    orderNumberList: Annotated[list[str] | None, Field(max_length=200)] = None
    customNumberList: Annotated[list[str] | None, Field(max_length=200)] = None
    calculateCost: bool | None = None


class AsnQuery(Paged):
    warehouseName: str | None = None
    type: str | None = None
    status: str | None = None
    tag: dict[str, int] | None = None
    skuKeyWord: str | None = None
    number: str | None = None
    trackNumber: str | None = None
    timeType: Literal["CREATE_TIME", "STOCK_IN_TIME", "FINISH_TIME", "UPDATE_TIME"] | None = None
    timeFrom: YMD | None = None
    timeEnd: YMD | None = None
    returnBatchInfo: bool | None = None

    @model_validator(mode="after")
    def _time_triplet(self):
        given = [self.timeType is not None, self.timeFrom is not None, self.timeEnd is not None]
        if any(given) and not all(given):
            raise ValueError("timeType, timeFrom and timeEnd go together: give all three or none")
        return self


class AsnLine(RequestModel):
    sku: _s(255, True)
    expectQuantity: Annotated[int, Field(gt=0)]
    purchasePrice: Decimalish | None = None
    transferPrice: Decimalish | None = None
    firstLegPrice: Decimalish | None = None

    @field_validator("expectQuantity", mode="before")
    @classmethod
    def _numeric_string(cls, value):
        return int(value) if isinstance(value, str) and value.strip().isdigit() else value


class CreateAsn(RequestModel):
    warehouseName: _s(50, True)
    asnSkuVOList: Annotated[list[AsnLine], Field(min_length=1)]
    customNumber: str | None = None
    trackNumber: str | None = None
    remark: str | None = None
    purchasePriceCurrency: str | None = None
    firstLegPriceCurrency: str | None = None
    transferPriceCurrency: str | None = None

    def to_wire(self) -> dict[str, Any]:
        body = super().to_wire()
        for line in body["asnSkuVOList"]:  # the documented sample sends numbers as strings
            line.update({k: str(v) for k, v in line.items() if k != "sku"})
        return body


class Buyer(RequestModel):
    receiverName: Annotated[str, Field(min_length=1)]
    phone: str | None = None
    email: str | None = None
    country: Annotated[str, Field(min_length=2)]
    province: str | None = None
    city: str | None = None
    postCode: str | None = None
    address1: Annotated[str, Field(min_length=1)]
    address2: str | None = None


class SalesOrderLine(RequestModel):
    sku: _s(255, True)
    quantity: Annotated[int, Field(gt=0)]
    payAmount: Decimalish = 0  # type: ignore[assignment]  # pydantic keeps defaults as written (int 0)


class CreateSalesOrder(RequestModel):
    shop: Annotated[str, Field(min_length=1)]
    onlineOrderNumber: Annotated[str, Field(min_length=1)]
    buyer: Buyer
    skuList: Annotated[list[SalesOrderLine], Field(min_length=1)]
    paymentMethod: str | None = None
    codPayAmount: Decimalish | None = None
    currency: str | None = None
    payTime: str | None = None
    trackingNumber: str | None = None
    logisticsSelected: str | None = None
    remark: str | None = None


class SalesOrderQuery(Paged):
    model_config = {"extra": "allow"}  # the filter table is undocumented: pass what the caller gives


# --------------------------------------------------------------------------- received
class SkuRecord(VendorModel):
    sku: str
    title: OptStr = None
    type: OptStr = None
    barcode: OptStr = None
    enable: OptInt = None
    isDeleted: OptInt = None
    weight: Money = None
    netWeight: Money = None
    weightUnit: OptStr = None
    length: Money = None
    width: Money = None
    height: Money = None
    dimensionUnit: OptStr = None
    price: Money = None


class InventoryRecord(VendorModel):
    sku: str
    warehouse: OptStr = None
    total: OptInt = None
    available: OptInt = None
    allocated: OptInt = None
    shippingQuantity: OptInt = None
    unavailable: OptInt = None
    warehouseCode: OptStr = None


class Warehouse(VendorModel):
    id: OptId = None
    name: str
    kind: OptStr = None
    code: OptStr = None
    country: OptStr = None
    status: OptStr = None


class CustomField(VendorModel):
    id: Any = None
    tableName: OptStr = None
    columType: OptStr = None
    columName: OptStr = None


class Record(VendorModel):
    """An ODO, ASN or sales order: kept as the vendor sends it."""
