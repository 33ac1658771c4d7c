"""Seeded, deterministic starting data: warehouses, custom fields, SKUs, inventory, ODOs and ASNs.

Every value is derived from ``(seed, index)`` (``seeded.mix``), so the same seed, size and anchor give
the same data. Field names follow the docs; the values are plausible, not real, and INVENTED where the
docs give no example (categories, brands, suppliers, ODO/ASN numbering). Seeded SKUs are sparse
dicts: optional fields with no value are left out, as the vendor's JSON (fastjson) omits nulls.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from ..seeded import Draw, mix

DAY = 86400
_T_SKU, _T_STOCK, _T_ODO, _T_ASN = 1, 2, 3, 4


@dataclass(frozen=True)
class Warehouse:
    """A warehouse, as QUERY_WAREHOUSE_LIST renders it (spec §9)."""

    id: int
    name: str
    kind: str
    provider_name: str
    code: str
    code_name: str
    country: str
    timezone_id: str
    status: str

    def render(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "kind": self.kind, "providerName": self.provider_name,
                "code": self.code, "codeName": self.code_name, "country": self.country,
                "timezoneId": self.timezone_id, "status": self.status, "isDeleted": 0}


WAREHOUSES: tuple[Warehouse, ...] = (
    # The first two are the documented samples (spec §3/§8.2 "best warehouse(测试用)", §4.1 id 13338).
    Warehouse(13338, "pm国内集货仓", "SHIP", "自定义", "PMCN01", "PM China consolidation", "CN", "Asia/Shanghai",
              "UNLOCK"),
    Warehouse(13401, "best warehouse(测试用)", "SHIP", "百世", "BEST01", "Best test warehouse", "CN",
              "Asia/Shanghai", "UNLOCK"),
    Warehouse(13402, "FBA美国", "COMPLEX", "Amazon", "FBAUS", "FBA US", "US", "America/Los_Angeles", "UNLOCK"),
    Warehouse(13403, "Malay warehouse", "SHIP", "自定义", "MY01", "Malaysia", "MY", "Asia/Kuala_Lumpur", "UNLOCK"),
    Warehouse(13404, "Tokyo transfer", "TRANSFER", "自定义", "JPT01", "Tokyo transfer", "JP", "Asia/Tokyo", "LOCK"),
)
WAREHOUSES_BY_NAME = {warehouse.name: warehouse for warehouse in WAREHOUSES}
STOCKED = (("best warehouse(测试用)", 80), ("pm国内集货仓", 50), ("FBA美国", 30), ("Malay warehouse", 20))
"""(warehouse, percent of SKUs stocked there) of the seeded inventory."""


@dataclass(frozen=True)
class CustomField:
    """A user-defined field (CUSTOMER_FIELD_QUERY, spec §6)."""

    id: int
    table_name: str
    colum_type: str
    colum_name: str
    default_value: str | None = None
    candidates: tuple[str, ...] | None = None
    remark: str | None = None
    required: int = 0
    is_query: int = 1
    is_show: int = 1

    def render(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "tableName": self.table_name, "columType": self.colum_type,
                               "columName": self.colum_name}
        if self.default_value is not None:
            out["defaultValue"] = self.default_value
        if self.candidates is not None:
            out["candidateValue"] = json.dumps(list(self.candidates), ensure_ascii=False, separators=(",", ":"))
        if self.remark is not None:
            out["remark"] = self.remark
        out.update({"required": self.required, "isQuery": self.is_query, "isShow": self.is_show})
        return out


CUSTOM_FIELDS: tuple[CustomField, ...] = (
    # id 3 / "Date of manufacture" / 1970/01/01 are the documented samples (seed §1.1, spec §6).
    CustomField(3, "SYS_ITEM", "DATE", "Date of manufacture", "1970/01/01", None,
                "The shelf date is distinguished from the date of manufacture", 0, 1, 1),
    CustomField(4, "SYS_ITEM", "STRING", "Material", None, None, None, 0, 1, 1),
    CustomField(5, "SYS_ITEM", "SELECT", "Grade", "B", ("A", "B", "C"), None, 1, 1, 1),
    CustomField(6, "SYS_ITEM", "NUMBER", "Shelf life days", "365", None, None, 0, 1, 0),
    CustomField(7, "SYS_ITEM", "STRING", "Internal note", None, None, None, 0, 0, 0),
    CustomField(11, "SYS_ORDER", "STRING", "Sales channel note", None, None, None, 0, 1, 1),
    CustomField(21, "SYS_ODO", "SELECT", "Packing requirement", "STANDARD", ("STANDARD", "GIFT"), None, 0, 1, 1),
    CustomField(31, "SYS_ASN", "STRING", "Container number", None, None, None, 0, 1, 1),
)
CUSTOM_FIELDS_BY_ID = {field.id: field for field in CUSTOM_FIELDS}
TABLE_NAMES = ("SYS_ITEM", "SYS_ORDER", "SYS_ODO", "SYS_ASN")
COLUM_TYPES = ("NUMBER", "DATE", "STRING", "SELECT")

CATEGORIES = (
    ("Home", "Kitchen", "Mugs"), ("Home", "Kitchen", "Bottles"), ("Home", "Decor", "Lamps"),
    ("Apparel", "Women", "Dresses"), ("Apparel", "Women", "Tops"), ("Apparel", "Men", "T-shirts"),
    ("Electronics", "Accessories", "Cables"), ("Electronics", "Accessories", "Chargers"),
    ("Electronics", "Audio", "Earbuds"), ("Toys", "Outdoor", "Balls"),
)
"""(categoryName1, categoryName2, categoryName3); INVENTED."""
_NOUNS = {"Mugs": "Mug", "Bottles": "Bottle", "Lamps": "Lamp", "Dresses": "Dress", "Tops": "Top",
          "T-shirts": "T-shirt", "Cables": "Cable", "Chargers": "Charger", "Earbuds": "Earbuds", "Balls": "Ball"}
_COLORS = ("Red", "Blue", "Black", "White", "Green", "Grey", "Pink", "Yellow")
_SIZES = ("S", "M", "L", "XL", "One size")
_BRANDS = ("Qianyi Home", "Bestlife", "Nordic Owl", "Sunnyday", "Voltix")
_MATERIALS = ("Cotton", "Ceramic", "Steel", "Plastic", "Glass", "Silicone")
_SUPPLIERS = ("义乌优品", "Shenzhen Voltix", "Guangzhou Textile", "Ningbo Ceramics")
_PURCHASERS = ("buyer01", "buyer02", "lily.chen")


def sku_code(index: int) -> str:
    """The seeded SKU code of ``index`` (0-based): ``QY-000001`` ..."""
    return f"QY-{index + 1:06d}"


def seeded_sku(seed: int, index: int, anchor: int) -> tuple[dict[str, Any], int]:
    """Build seeded SKU ``index``.

    :param seed: data seed
    :param index: 0-based index
    :param anchor: epoch seconds; update times fall in the 30 days before it
    :return: ``(record, update time in epoch seconds)``
    """
    d = Draw(mix(seed, _T_SKU, index))
    code = sku_code(index)
    cat1, cat2, cat3 = d.choice(CATEGORIES)
    color = d.choice(_COLORS)
    weight = (50 + d.below(4950)) / 1000
    length, width, height = 5 + d.below(55), 5 + d.below(40), 2 + d.below(30)
    price = (199 + d.below(9800)) / 100
    cost = round(price * (30 + d.below(30)) / 100, 2)
    record: dict[str, Any] = {
        "sku": code,
        "title": f"{color} {_NOUNS[cat3]} {index + 1}",
        "barcode": f"69{d.below(10**11):011d}",
        "type": "SINGLE",
        "picUrl": f"https://img.sandbox.qianyierp.invalid/{code}.jpg",
        "weight": weight,
        "netWeight": round(weight * 0.9, 3),
        "weightUnit": "KG",
        "abbrTitle": f"{_NOUNS[cat3]} {index + 1}",
        "brand": d.choice(_BRANDS),
        "unit": "pcs",
        "color": color,
        "size": d.choice(_SIZES),
        "length": length,
        "width": width,
        "height": height,
        "dimensionUnit": "CM",
        "itemPackage": 1,
        "description": f"{color} {_NOUNS[cat3].lower()} in {d.choice(_MATERIALS).lower()}.",
        "enable": 0 if d.chance(8) else 1,
        "isDeleted": 0,
        "categoryName1": cat1,
        "categoryName2": cat2,
        "categoryName3": cat3,
        "price": price,
        "priceUnit": "USD",
        "purchaseCost": cost,
        "purchaseCostUnit": "CNY",
        "needQualityInspection": d.chance(20),
        "chineseCustomsDeclarationName": f"{_NOUNS[cat3]}(样品)",
        "englishCustomsDeclarationName": _NOUNS[cat3],
        "customsCode": f"{8500000000 + d.below(99999999)}",
        "cdPriceMethod": "CONSTANT" if d.chance(70) else "RATE",
        "customsDeclarationPrice": round(price / 2, 2),
        "customsDeclarationPriceUnit": "USD",
        "exportTax": 0,
        "singleSkuList": [],
    }
    if record["cdPriceMethod"] == "RATE":
        record["cdPriceRate"] = 0.5
        record["cdPriceMaximum"] = round(price, 2)
    if cat1 == "Electronics":
        record["dangerousTransportGoodsType"] = d.choice(("CONTAIN_ELECTRIC", "ELECTRIC", "NONE"))
        record["batteryType"] = 1 + d.below(4) if record["dangerousTransportGoodsType"] != "NONE" else 0
    else:
        record["dangerousTransportGoodsType"] = "NONE"
        record["batteryType"] = 0
    if d.chance(50):
        rate = 10 + d.below(40)
        record.update({"packingRate": rate, "cartonLength": length * 3, "cartonWidth": width * 2,
                       "cartonHeight": height * 2, "cartonWeight": round(weight * rate + 0.8, 3),
                       "cartonNetWeight": round(weight * rate, 3), "cartonDimensionUnit": "cm",
                       "cartonWeightUnit": "KG", "singleBoxCode": f"BX{index + 1:07d}"})
    suppliers = [{"name": d.choice(_SUPPLIERS), "isDefault": True, "purchaserList": [d.choice(_PURCHASERS)],
                  "deliveryCycle": 3 + d.below(12), "purchasePrice": cost, "purchasePriceUnit": "CNY",
                  "minimumPurchaseQuantity": 10 * (1 + d.below(10))}]
    if d.chance(25):
        suppliers.append({"name": d.choice(_SUPPLIERS), "isDefault": False, "purchaserList": [],
                          "deliveryCycle": 7, "purchasePrice": round(cost * 1.1, 2), "purchasePriceUnit": "CNY"})
    record["skuSupplierList"] = suppliers
    values = [{"customFieldId": 5, "value": d.choice(("A", "B", "C"))},
              {"customFieldId": 4, "value": d.choice(_MATERIALS)}]
    if d.chance(60):
        day = 18000 + d.below(1500)  # days since the epoch: 2019-2023
        values.append({"customFieldId": 3, "value": _slash_date(day)})
    if d.chance(60):
        values.append({"customFieldId": 6, "value": str(30 * (1 + d.below(24)))})
    record["skuCustomFieldValueVOList"] = values
    update_time = anchor - 1 - d.below(30 * DAY)
    return record, update_time


def _slash_date(days: int) -> str:
    import time

    return time.strftime("%Y/%m/%d", time.gmtime(days * DAY))


INVENTORY_FIELDS = ("available", "allocated", "unavailable", "purchaseShippingQuantity",
                    "firstLegShippingQuantity", "transferShippingQuantity", "assemblyShippingQuantity",
                    "returnShippingQuantity", "manualShippingQuantity", "orderAllocated", "firstLegAllocated",
                    "transferAllocated", "assemblyAllocated")
"""Stored quantities of one (warehouse, sku); total and shippingQuantity are derived (spec §7.1)."""


def seeded_inventory(seed: int, index: int) -> list[tuple[str, list[int]]]:
    """Return ``[(warehouse name, quantities in INVENTORY_FIELDS order)]`` of seeded SKU ``index``."""
    d = Draw(mix(seed, _T_STOCK, index))
    rows = []
    for name, percent in STOCKED:
        if not d.chance(percent):
            continue
        order_allocated = d.below(6)
        first_leg_allocated = d.below(3)
        quantities = [d.below(500), order_allocated + first_leg_allocated, d.below(4),
                      d.below(50) if d.chance(30) else 0, d.below(80) if d.chance(20) else 0, 0, 0,
                      d.below(3), 0, order_allocated, first_leg_allocated, 0, 0]
        rows.append((name, quantities))
    return rows


ODO_STATUSES = ("WAIT_OUTBOUND", "OUTBOUND_FINISHED", "CANCELLED")
"""Only WAIT_OUTBOUND is documented (spec §8.1); the other two are INVENTED."""
ODO_TYPES = ("MANUAL", "SALES")
"""Only MANUAL is documented (spec §8.1); SALES is INVENTED."""
ASN_TYPES = ("PURCHASE", "MANUAL", "INVENTORY_IMPORT", "SALE_RETURN", "FIRST_LEG", "TRANSFER_PLAN",
             "TRANSFER_AVAILABLE", "ASSEMBLY_ORDER", "RESTORE_ORDER")
"""[OBS] PALI ``SDK_Enums_QianYi.cs``."""
ASN_STATUSES = ("NEW", "DELETED", "SHIPPING", "RECEIVING", "FINISHED", "CLOSED")
"""[OBS] PALI ``SDK_Enums_QianYi.cs``."""


def seeded_odo(seed: int, index: int, anchor: int, sku_count: int, sku_title: Any) -> dict[str, Any]:
    """Build seeded outbound order ``index`` (times as epoch seconds under ``_``-prefixed keys)."""
    d = Draw(mix(seed, _T_ODO, index))
    created = anchor - 1 - d.below(20 * DAY)
    status = d.choice(ODO_STATUSES)
    lines = []
    for _ in range(1 + d.below(3)):
        sku_index = d.below(sku_count)
        lines.append({"sku": sku_code(sku_index), "title": sku_title(sku_index), "quantity": 1 + d.below(5)})
    shipped = created + DAY + d.below(DAY) if status == "OUTBOUND_FINISHED" else None
    return {
        "number": f"OB{index + 1:08d}",
        "customNumber": f"CUS-OB-{index + 1:05d}",
        "trackNumber": f"YT{d.below(10**12):012d}",
        "warehouseName": d.choice(STOCKED)[0],
        "type": d.choice(ODO_TYPES),
        "status": status,
        "remark": "",
        "odoSkuList": lines,
        "_createTime": created,
        "_updateTime": shipped or created,
        "_shipTime": shipped,
        "_cost": round(5 + d.below(5000) / 100, 2),
    }


def seeded_asn(seed: int, index: int, anchor: int, sku_count: int, sku_title: Any) -> dict[str, Any]:
    """Build seeded inbound order ``index`` (times as epoch seconds under ``_``-prefixed keys)."""
    d = Draw(mix(seed, _T_ASN, index))
    created = anchor - 1 - d.below(20 * DAY)
    status = d.choice(("NEW", "SHIPPING", "RECEIVING", "FINISHED", "CLOSED"))
    lines = []
    for _ in range(1 + d.below(3)):
        sku_index = d.below(sku_count)
        expected = 10 * (1 + d.below(20))
        lines.append({"sku": sku_code(sku_index), "title": sku_title(sku_index), "expectQuantity": expected,
                      "receivedQuantity": expected if status == "FINISHED" else 0,
                      "purchasePrice": round(1 + d.below(5000) / 100, 2)})
    stock_in = created + 2 * DAY if status in ("RECEIVING", "FINISHED") else None
    finish = created + 3 * DAY if status == "FINISHED" else None
    return {
        "asnNumber": f"ASN{index + 1:08d}",
        "businessNumber": f"PO{index + 1:08d}",
        "customNumber": f"CUS-ASN-{index + 1:05d}",
        "trackNumber": f"SF{d.below(10**12):012d}",
        "warehouseName": d.choice(STOCKED)[0],
        "type": d.choice(("PURCHASE", "MANUAL", "FIRST_LEG")),
        "status": status,
        "remark": "",
        "tag": {"sendWms": 1 if status != "NEW" else 0, "sendFailed": 0, "receiveException": 0},
        "purchasePriceCurrency": "CNY",
        "asnSkuVOList": lines,
        "_createTime": created,
        "_updateTime": finish or stock_in or created,
        "_stockInTime": stock_in,
        "_finishTime": finish,
    }


@dataclass(frozen=True)
class SeededBase:
    """Everything seeded for one ``(seed, sku_count, anchor, odo_count, asn_count)``, built once.

    The backend copies the containers on reset and never mutates a record in place (updates store new
    dicts), so one base serves every reset with the same settings.
    """

    skus: dict[str, dict[str, Any]]
    updated: dict[str, int]
    inventory: dict[str, dict[str, list[int]]]
    odos: list[dict[str, Any]]
    asns: list[dict[str, Any]]


_BASES: OrderedDict[tuple[int, ...], SeededBase] = OrderedDict()
_BASES_LOCK = threading.Lock()


def seeded_base(seed: int, size: int, anchor: int, odo_count: int, asn_count: int) -> SeededBase:
    """Return the seeded data for these settings, reusing one of the last four built."""
    key = (seed, size, anchor, odo_count, asn_count)
    with _BASES_LOCK:
        base = _BASES.get(key)
        if base is not None:
            _BASES.move_to_end(key)
            return base
    skus: dict[str, dict[str, Any]] = {}
    updated: dict[str, int] = {}
    inventory: dict[str, dict[str, list[int]]] = {warehouse.name: {} for warehouse in WAREHOUSES}
    for index in range(size):
        record, update_time = seeded_sku(seed, index, anchor)
        skus[record["sku"]] = record
        updated[record["sku"]] = update_time
        for name, quantities in seeded_inventory(seed, index):
            inventory[name][record["sku"]] = quantities
    codes = list(skus)

    def title(index: int) -> str:
        return skus[codes[index]]["title"]

    if size == 0:
        odo_count = asn_count = 0
    odos = sorted((seeded_odo(seed, i, anchor, size, title) for i in range(odo_count)),
                  key=lambda odo: (odo["_createTime"], odo["number"]))
    asns = sorted((seeded_asn(seed, i, anchor, size, title) for i in range(asn_count)),
                  key=lambda asn: (asn["_createTime"], asn["asnNumber"]))
    base = SeededBase(skus, updated, inventory, odos, asns)
    with _BASES_LOCK:
        _BASES[key] = base
        while len(_BASES) > 4:
            _BASES.popitem(last=False)
    return base
