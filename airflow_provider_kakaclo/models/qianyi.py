"""Qianyi ERP open API models (spec ``qianyi.md``, seed 002): the documented tables with their limits.

Request models check what the docs state (lengths, enums, required fields) and send what they do not
mention as given, with one warning naming the field (spec 11b Q2: a working public client sends
``buyer.buyerId``, ``buyerMessage``, ``sellerRemarks`` and ASN ``type``). Reply models keep unknown
fields and check only what the provider relies on.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, model_validator

from airflow_provider_kakaclo.models.common import (
    Id,
    Money,
    OptId,
    OptInt,
    OptStr,
    PassThroughModel,
    VendorModel,
)
from airflow_provider_kakaclo.models.common import Number as Decimalish

log = logging.getLogger(__name__)

PAGE_SIZE_MAX = 200

PriceMethod = Literal["RATE", "CONSTANT"]

YMD = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")]


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank (whitespace only)")
    return value


def _whole(value: Any) -> Any:
    """A count: a whole number; ``True``/``False`` and non-ASCII digits are not counts."""
    if isinstance(value, bool):
        raise ValueError("must be a whole number, not a boolean")
    if isinstance(value, str):
        text = value.strip()
        if not (text.isascii() and text.isdigit()):
            raise ValueError(f"must be a whole number, got {value!r}")
        return int(text)
    return value


def _ascii_id(value: Any) -> Any:
    """A numeric id: ASCII digits only (``str.isdigit`` also accepts other scripts' digits)."""
    if isinstance(value, bool):
        raise ValueError("must be a numeric id, not a boolean")
    if isinstance(value, str) and not (value.isascii() and value.strip().isdigit()):
        raise ValueError(f"must be ASCII digits, got {value!r}")
    return value


def _flag(value: Any) -> Any:
    """A 0/1 flag; ``True``/``False`` are read as 1/0 (anything else must already be 0 or 1)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, str) and value.strip() in ("0", "1"):
        return int(value)
    return value


Ref = Annotated[str, Field(min_length=1), AfterValidator(_not_blank)]
Count = Annotated[int, BeforeValidator(_whole), Field(gt=0)]
NumericId = Annotated[int, BeforeValidator(_ascii_id), Field(ge=0)]
Flag = Annotated[Literal[0, 1], BeforeValidator(_flag)]


def _no_comma(value: str) -> str:
    if "," in value:
        raise ValueError("must not contain a comma (the vendor may read a comma-joined list)")
    return value


def _s(max_length: int, required: bool = False):
    if required:
        return Annotated[str, Field(min_length=1, max_length=max_length), AfterValidator(_not_blank)]
    return Annotated[str | None, Field(default=None, max_length=max_length)]


def _refs(max_items: int = PAGE_SIZE_MAX, item: Any = Ref):
    """An optional id list: when given, 1..``max_items`` non-blank entries (an empty list asks for nothing)."""
    return Annotated[list[item] | None, Field(default=None, min_length=1, max_length=max_items)]


#: Undocumented fields already reported while one request body is validated (None: outside one).
class QianyiRequest(PassThroughModel):
    """A Qianyi request body: documented fields checked, undocumented ones sent as given (one warning each)."""

    unknown_field_label: ClassVar[str] = "qianyi request field"


def undocumented_fields(model: BaseModel, prefix: str = "") -> list[str]:
    """The dotted names of every undocumented field a validated body carries (nested ones too)."""
    found = [f"{prefix}{name}" for name in model.model_extra or {}]
    for name in type(model).model_fields:
        value = getattr(model, name)
        items = value if isinstance(value, list) else [value]
        for i, item in enumerate(items):
            if isinstance(item, BaseModel):
                where = f"{prefix}{name}.{i}." if isinstance(value, list) else f"{prefix}{name}."
                found.extend(undocumented_fields(item, where))
    return found


class SubSku(QianyiRequest):
    """A component of a combination SKU."""

    sku: _s(255, True)
    quantity: Count


class SkuCustomFieldValue(QianyiRequest):
    customFieldId: NumericId
    value: str


class SkuSupplier(QianyiRequest):
    name: Ref
    isDefault: bool
    purchaserList: list[str]
    deliveryCycle: Annotated[int, BeforeValidator(_whole), Field(ge=0)]
    purchasePrice: Decimalish | None = None
    purchasePriceUnit: str | None = None
    minimumPurchaseQuantity: Count | None = None
    purchaseTaxRate: Decimalish | None = None
    drawbackRate: Decimalish | None = None
    purchaseUrl: str | None = None


class QianyiSku(QianyiRequest):
    """A SKU as sent to INSERT_SKU_INFO / UPDATE_SKU_INFO (seed 002 §1.2-1.3), every limit checked."""

    sku: _s(255, True)
    title: _s(255, True)
    barcode: _s(255) = None
    type: Ref = "SINGLE"
    picUrl: _s(255) = None
    saleStatus: _s(50) = None
    weight: Decimalish
    netWeight: Decimalish
    weightUnit: Ref
    abbrTitle: _s(255) = None
    brand: _s(50) = None
    unit: _s(128) = None
    color: _s(255) = None
    size: _s(255) = None
    length: Decimalish
    width: Decimalish
    height: Decimalish
    dimensionUnit: Ref
    itemPackage: int | None = None
    description: _s(2048) = None
    descriptionEn: _s(2048) = None
    functionDescription: _s(2048) = None
    enable: Flag = 1
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
    batteryType: Annotated[int, BeforeValidator(_whole), Field(ge=0, le=5)] | None = None
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
    warehouseNameList: _refs()


class SkuStatusChange(QianyiRequest):
    sku: _s(255, True)
    enable: Flag


class CustomFieldFilter(QianyiRequest):
    customFieldId: NumericId
    value: str | None = None
    from_: str | None = Field(default=None, alias="from")
    to: str | None = None


class Paged(QianyiRequest):
    page: Annotated[int, BeforeValidator(_whole), Field(gt=0)] = 1
    pageSize: Annotated[int, BeforeValidator(_whole), Field(gt=0, le=PAGE_SIZE_MAX)] = PAGE_SIZE_MAX


class SkuQuery(Paged):
    """QUERY_SIMPLE_LIST_SKU filters (seed 002 §1.1)."""

    categoryName1: str | None = None
    categoryName2: str | None = None
    categoryName3: str | None = None
    updateTimeFrom: YMD | None = None
    updateTimeTo: YMD | None = None
    skus: _refs(item=_s(255, True))
    titles: _refs()
    skuCustomFieldValueSOList: Annotated[list[CustomFieldFilter] | None, Field(min_length=1)] = None


class CustomFieldQuery(QianyiRequest):
    tableName: Literal["SYS_ITEM", "SYS_ORDER", "SYS_ODO", "SYS_ASN"] = "SYS_ITEM"
    columType: Literal["NUMBER", "DATE", "STRING", "SELECT"] | None = None
    columName: str | None = None
    required: Flag | None = None
    isQuery: Flag | None = None
    isShow: Flag | None = None


class InventoryQuery(Paged):
    warehouse: _s(50, True)
    skuList: _refs()


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
    orderNumberList: _refs()
    customNumberList: _refs()
    calculateCost: bool | None = None


class AsnQuery(Paged):
    warehouseName: str | None = None
    type: str | None = None
    status: str | None = None
    tag: dict[str, Flag] | None = None
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


class AsnLine(QianyiRequest):
    sku: _s(255, True)
    expectQuantity: Count
    purchasePrice: Decimalish | None = None
    transferPrice: Decimalish | None = None
    firstLegPrice: Decimalish | None = None


class CreateAsn(QianyiRequest):
    """CREATE_ASN_ORDER (spec 8.2 sample); ``type`` as a production client sends it (PALI enum, not enforced)."""

    warehouseName: _s(50, True)
    asnSkuVOList: Annotated[list[AsnLine], Field(min_length=1)]
    type: Ref | None = None
    customNumber: Ref | None = None
    trackNumber: Ref | None = None
    remark: str | None = None
    purchasePriceCurrency: str | None = None
    firstLegPriceCurrency: str | None = None
    transferPriceCurrency: str | None = None

    def to_wire(self) -> dict[str, Any]:
        body = super().to_wire()
        for line in body["asnSkuVOList"]:  # the documented sample sends numbers as strings
            line.update({k: str(v) for k, v in line.items() if k in AsnLine.model_fields and k != "sku"})
        return body


class Buyer(QianyiRequest):
    receiverName: Ref
    phone: str | None = None
    email: str | None = None
    country: Annotated[str, Field(min_length=2), AfterValidator(_not_blank)]
    province: str | None = None
    city: str | None = None
    postCode: str | None = None
    address1: Ref
    address2: str | None = None
    buyerId: str | None = None


class SalesOrderLine(QianyiRequest):
    sku: _s(255, True)
    quantity: Count
    payAmount: Decimalish = 0  # type: ignore[assignment]  # pydantic keeps defaults as written (int 0)


class CreateSalesOrder(QianyiRequest):
    """CREATE_SALES_ORDER as PY-CLIENT sends it, plus ``buyerMessage`` / ``sellerRemarks`` (a production client)."""

    shop: Ref
    onlineOrderNumber: Ref
    buyer: Buyer
    skuList: Annotated[list[SalesOrderLine], Field(min_length=1)]
    paymentMethod: str | None = None
    codPayAmount: Decimalish | None = None
    currency: str | None = None
    payTime: str | None = None
    trackingNumber: str | None = None
    logisticsSelected: str | None = None
    remark: str | None = None
    buyerMessage: str | None = None
    sellerRemarks: str | None = None


class SalesOrderQuery(Paged):
    """QUERY_SALES_ORDER_LIST filters as a production client (PALI) sends them; others pass with a warning."""

    status: str | None = None
    shop: str | None = None
    orderNumber: Annotated[Ref | None, AfterValidator(lambda v: v and _no_comma(v))] = None
    orderNumbers: _refs(item=Annotated[Ref, AfterValidator(_no_comma)])
    updateTimeFrom: str | None = None
    updateTimeTo: str | None = None


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
    id: OptId = None
    tableName: OptStr = None
    columType: OptStr = None
    columName: OptStr = None


class Record(VendorModel):
    """A vendor record kept as the vendor sends it."""


def _required_id(value: Any) -> Any:
    """A document number the docs say is always present: blank is not a number."""
    if isinstance(value, str) and not value.strip():
        raise ValueError("must not be blank")
    return value


#: An id a reply must carry (a blank one means the reply does not name the record).
RequiredId = Annotated[Id, AfterValidator(_required_id)]


class WarehouseDocument(VendorModel):
    """What ODOs and ASNs share (spec 8.1/8.2): a reference, a status, a type, a warehouse."""

    customNumber: OptStr = None
    status: OptStr = None
    type: OptStr = None
    warehouseName: OptStr = None


class OdoRecord(WarehouseDocument):
    """An outbound order (spec 8.1): ``number`` is documented as always present."""

    number: RequiredId


class AsnRecord(WarehouseDocument):
    """An inbound notice (spec 8.2): ``asnNumber`` is documented as always present."""

    asnNumber: RequiredId


class SalesOrderRecord(VendorModel):
    """A sales order ([OBS] JS-MOCK / PALI): ``orderNumber`` identifies it."""

    orderNumber: RequiredId
    onlineOrderNumber: OptStr = None
    status: OptStr = None
    shop: OptStr = None


class SalesOrderCreated(SalesOrderRecord):
    """The ``result`` of CREATE_SALES_ORDER ([OBS] JS-MOCK: orderNumber, status, createTime, ...)."""


class AsnCreated(VendorModel):
    """The ``result`` of CREATE_ASN_ORDER (undocumented): an object, or the new ASN's number."""

    asnNumber: OptId = None

    @model_validator(mode="before")
    @classmethod
    def _number_alone(cls, value: Any) -> Any:
        return {"asnNumber": value} if isinstance(value, (str, int)) and not isinstance(value, bool) else value


class ListReply(VendorModel):
    """The bizContent of a list query: ``result`` (a list) and ``total`` (documented on every list)."""

    total: Annotated[int, BeforeValidator(_whole), Field(ge=0)] | None = None
    result: list[dict[str, Any]] | None = None

    @model_validator(mode="after")
    def _result_present(self):
        if self.result is None and self.total:
            raise ValueError(f"total is {self.total} but result is missing")
        return self
