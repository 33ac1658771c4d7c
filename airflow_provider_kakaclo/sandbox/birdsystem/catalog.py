"""BirdSystem reference data (sites, warehouses, delivery services, countries, customs categories) and
the seeded product set.

Everything here is INVENTED but shaped after the docs: company ids are sites (spec §2), stock is per
site and warehouse (§5.5), products belong to a client and are shared across sites (§2), the 11
product statuses come from the seed. Names quoted by the docs are reused (``空运动态仓``, ``D 中德平邮``,
customs category 1616 and its names from the seed sample, 591/GB8529905000 from BS-PY).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..seeded import Draw, mix

# --- product statuses (seed) ----------------------------------------------------------------------

PRODUCT_STATUSES = ("PREPARING", "PENDING", "ACTIVE", "PROBLEM", "RECHECK", "DELETED", "OUT_OF_STOCK",
                    "DEPRECATED", "REVIEWING", "HOLD_INBOUND", "HOLD_OUTBOUND")
"""The 11 product statuses of the seed, in its order."""

CLIENT_PRODUCT_TRANSITIONS: dict[str, frozenset[str]] = {
    "PREPARING": frozenset({"PENDING", "PROBLEM", "DELETED"}),
    "PENDING": frozenset({"PREPARING", "PROBLEM", "DELETED"}),
    "PROBLEM": frozenset({"RECHECK", "DELETED"}),
    "ACTIVE": frozenset({"PROBLEM", "DELETED"}),
}
"""Status changes a client may make through the API (seed: 客户端可以操作的产品状态流); any other
change is the warehouse's (control API only)."""

CLIENT_CREATE_STATUSES = frozenset({"PREPARING", "PENDING"})
"""Statuses a client may create a product in (INVENTED: the client-side start of the standard flow)."""

CLIENT_EDITABLE_STATUSES = frozenset({"PREPARING", "PENDING", "PROBLEM"})
"""Statuses whose other fields stay editable under ``locked_product_edits=reject`` (INVENTED)."""

# --- consignment statuses (spec §6.1) --------------------------------------------------------------

CONSIGNMENT_STATUSES = ("PREPARING", "RECEIVED", "PENDING", "WAIT_PICKING", "PICKING", "PROCESSING", "REVIEWING",
                        "FINISHED", "DELETED", "CANCELLED", "PROBLEM", "WAITING_CLIENT_RESPOND",
                        "WAITING_WAREHOUSE_RESPOND", "ADDRESS_LABEL_PRINTED", "CONFIRMED_BY_WAREHOUSE")
"""The 15 consignment statuses of spec §6.1 (BS-CONS-QUERY), in the documented ENUM order."""

LOCAL_FLOW = ("PREPARING", "PENDING", "WAIT_PICKING", "PICKING", "PROCESSING", "REVIEWING", "FINISHED")
"""The documented local-consignment flow (§6.1)."""

LOCKING_STATUSES = frozenset({"RECEIVED", "PENDING", "WAIT_PICKING", "PICKING", "PROCESSING", "REVIEWING",
                              "PROBLEM", "WAITING_CLIENT_RESPOND", "WAITING_WAREHOUSE_RESPOND",
                              "ADDRESS_LABEL_PRINTED", "CONFIRMED_BY_WAREHOUSE"})
"""Statuses in which a consignment's lines hold ``current_locked_stock`` (INVENTED: from PENDING, "ready
to process", until FINISHED takes the stock out or CANCELLED/DELETED releases it)."""

CONSIGNMENT_TYPES = ("LOCAL", "DIRECT", "RETURN", "AGENT_DIRECT", "CLIENT_DIRECT")
"""The 5 consignment types of spec §6.1 (CLIENT_DIRECT: BS-CONS-QUERY, BS-CLIENT-DIRECT)."""
PRODUCT_TYPES = ("NORMAL", "DIRECTIONAL")

# --- accounts, sites, warehouses -------------------------------------------------------------------

CLIENT_ID = 4790
"""The sandbox client (the seed sample's client id)."""
PARENT_CLIENT_ID = 4700
CHILD_CLIENT_ID = 4791
CLIENT_NAMES = {CLIENT_ID: ("sandbox_client", "client@sandbox.invalid"),
                PARENT_CLIENT_ID: ("sandbox_parent", "parent@sandbox.invalid"),
                CHILD_CLIENT_ID: ("sandbox_child", "child@sandbox.invalid")}


@dataclass(frozen=True)
class Site:
    """A company (site): a stock and settlement scope selected by the ``company_id`` header."""

    company_id: int
    name: str
    currency: str
    is_dynamic_warehouse: int


@dataclass(frozen=True)
class Warehouse:
    warehouse_id: int
    name: str
    company_id: int


@dataclass(frozen=True)
class DeliveryService:
    id: int
    name: str
    company_id: int
    consignment_type: str
    is_internal: int
    status: str
    countries: tuple[str, ...]  # ISO codes, or ("*",) for any


@dataclass(frozen=True)
class Country:
    id: int
    iso: str
    name: str
    name_chinese: str


@dataclass(frozen=True)
class CustomsCategory:
    id: int
    code: str
    full_name: str
    full_name_chinese: str


SITES: tuple[Site, ...] = (
    Site(1001, "UK Site 英国站", "GBP", 0),
    Site(1002, "US Site 美国站", "USD", 0),
    Site(1003, "DE Site 德国站", "EUR", 0),
    Site(1035, "空运动态仓", "CNY", 1),
    Site(1036, "CN 华南/东莞站", "CNY", 0),
)
SITES_BY_ID = {site.company_id: site for site in SITES}
DEFAULT_COMPANY_ID = 1001
FROZEN_SITE_NAME = "Frozen Stock"

WAREHOUSES: tuple[Warehouse, ...] = (
    Warehouse(11, "UK Birmingham 伯明翰仓", 1001),
    Warehouse(12, "UK Manchester 曼彻斯特仓", 1001),
    Warehouse(21, "US Los Angeles 洛杉矶仓", 1002),
    Warehouse(31, "DE Frankfurt 法兰克福仓", 1003),
    Warehouse(35, "空运动态仓", 1035),
    Warehouse(36, "东莞仓", 1036),
)
WAREHOUSES_BY_ID = {warehouse.warehouse_id: warehouse for warehouse in WAREHOUSES}
SITE_WAREHOUSES: dict[int, tuple[Warehouse, ...]] = {
    site.company_id: tuple(w for w in WAREHOUSES if w.company_id == site.company_id) for site in SITES}

EU = ("DE", "FR", "ES", "IT", "NL", "BE", "AT", "IE", "PL", "SE")
DELIVERY_SERVICES: tuple[DeliveryService, ...] = (
    DeliveryService(10101, "Royal Mail 2nd Class", 1001, "LOCAL", 0, "ACTIVE", ("GB",)),
    DeliveryService(10102, "Royal Mail Tracked 48", 1001, "LOCAL", 0, "ACTIVE", ("GB",)),
    DeliveryService(10103, "DPD Next Day", 1001, "LOCAL", 0, "ACTIVE", ("GB",)),
    DeliveryService(10104, "Evri Standard", 1001, "LOCAL", 0, "INACTIVE", ("GB",)),
    DeliveryService(10105, "UK Internal Transfer", 1001, "LOCAL", 1, "ACTIVE", ("GB",)),
    DeliveryService(10106, "DHL Express Europe", 1001, "LOCAL", 0, "ACTIVE", EU),
    DeliveryService(10201, "USPS First Class", 1002, "LOCAL", 0, "ACTIVE", ("US",)),
    DeliveryService(10202, "UPS Ground", 1002, "LOCAL", 0, "ACTIVE", ("US", "CA")),
    DeliveryService(10301, "DHL Paket", 1003, "LOCAL", 0, "ACTIVE", ("DE",)),
    DeliveryService(10302, "D 中德平邮", 1003, "AGENT_DIRECT", 0, "ACTIVE", ("DE",)),
    DeliveryService(10303, "GLS Europe", 1003, "LOCAL", 0, "ACTIVE", EU),
    DeliveryService(13501, "空运专线 Air Line", 1035, "DIRECT", 0, "ACTIVE", ("GB", "US", "DE")),
    DeliveryService(13601, "E邮宝 ePacket", 1036, "DIRECT", 0, "ACTIVE", ("*",)),
    DeliveryService(13602, "中英专线 CN-UK Line", 1036, "AGENT_DIRECT", 0, "ACTIVE", ("GB",)),
)
DELIVERY_SERVICES_BY_ID = {service.id: service for service in DELIVERY_SERVICES}

COUNTRIES: tuple[Country, ...] = (
    Country(1, "GB", "United Kingdom", "英国"), Country(2, "US", "United States", "美国"),
    Country(3, "DE", "Germany", "德国"), Country(4, "FR", "France", "法国"), Country(5, "ES", "Spain", "西班牙"),
    Country(6, "IT", "Italy", "意大利"), Country(7, "NL", "Netherlands", "荷兰"),
    Country(8, "BE", "Belgium", "比利时"), Country(9, "AT", "Austria", "奥地利"),
    Country(10, "IE", "Ireland", "爱尔兰"), Country(11, "PL", "Poland", "波兰"),
    Country(12, "SE", "Sweden", "瑞典"), Country(13, "CA", "Canada", "加拿大"),
    Country(14, "AU", "Australia", "澳大利亚"), Country(15, "CN", "China", "中国"),
    Country(16, "JP", "Japan", "日本"),
)
COUNTRIES_BY_ISO = {country.iso: country for country in COUNTRIES}
_COUNTRY_NAMES = {key.casefold(): country for country in COUNTRIES
                  for key in (country.iso, country.name, country.name_chinese)}


def country_by_name(name: str) -> Country | None:
    """Find a country by English name, Chinese name or ISO code (case-insensitive)."""
    return _COUNTRY_NAMES.get(name.strip().casefold())


CUSTOMS_CATEGORIES: tuple[CustomsCategory, ...] = (
    CustomsCategory(591, "GB8529905000", "Consumer Electronics > TV & Video Parts",
                    "消费电子 > 电视及视频配件"),
    CustomsCategory(702, "GB9503009000", "Toys & Hobbies > Toys", "玩具 > 玩具"),
    CustomsCategory(815, "GB6109100010", "Clothing, Shoes & Accessories > T-shirts", "服装,鞋类及配件 > T恤"),
    CustomsCategory(933, "GB4202920000", "Bags > Travel bags", "箱包 > 旅行包"),
    CustomsCategory(1204, "GB8504405590", "Consumer Electronics > Chargers", "消费电子 > 充电器"),
    CustomsCategory(1616, "GB", "Clothing, Shoes & Accessories > Sewing accessories",
                    "服装,鞋类及配件 > 缝纫配件"),
)
CUSTOMS_BY_ID = {category.id: category for category in CUSTOMS_CATEGORIES}
CUSTOMS_PROPERTIES: tuple[tuple[int, str, str], ...] = (
    (1, "普通", "NORMAL"), (2, "内置锂离子电池", "BETTERY"), (3, "纺织品", "CLOTHING"), (4, "其它", "NORMAL"))
"""``GET /client/product-customs-property`` rows as ``(id, name, special_type)`` (§5.3 BS-CUSTOMS-PROP; the
names are the docs' examples, the ids INVENTED)."""
CUSTOMS_BY_CODE = {category.code: category for category in CUSTOMS_CATEGORIES}

# --- seeded products -------------------------------------------------------------------------------

FIRST_PRODUCT_ID = 2989001
DAY = 86400
_STATUS_WEIGHTS = (("ACTIVE", 58), ("PREPARING", 6), ("PENDING", 6), ("REVIEWING", 5), ("PROBLEM", 4),
                   ("RECHECK", 3), ("OUT_OF_STOCK", 5), ("DEPRECATED", 3), ("DELETED", 4), ("HOLD_INBOUND", 3),
                   ("HOLD_OUTBOUND", 3))
_STOCKED = frozenset({"ACTIVE", "HOLD_INBOUND", "HOLD_OUTBOUND", "DEPRECATED", "PROBLEM"})
_GOODS = (("数据线", "USB cable", "PVC", "charging", 1204), ("手机壳", "phone case", "TPU", "protection", 591),
          ("T恤", "T-shirt", "cotton", "wearing", 815), ("旅行包", "travel bag", "nylon", "storage", 933),
          ("积木", "building blocks", "ABS", "toy", 702), ("纽扣", "buttons", "resin", "sewing", 1616),
          ("充电器", "charger", "PC", "charging", 1204), ("袜子", "socks", "cotton", "wearing", 815))
_ADJECTIVES = (("红色", "red"), ("蓝色", "blue"), ("黑色", "black"), ("白色", "white"), ("大号", "large"),
               ("小号", "small"), ("便携", "portable"), ("经典", "classic"))
_BRANDS = ("Birdy", "Kite", "Harbour", "Nordwind", "Lotus", "Pebble")


@dataclass
class SeededStock:
    """Stock of one product in one warehouse."""

    warehouse_id: int
    live: int
    locked: int
    frozen: int


def _money(value: int, places: int = 2) -> str:
    """``value`` hundredths as a decimal string with ``places`` decimals."""
    return str((Decimal(value) / 100).quantize(Decimal(1).scaleb(-places)))


def seeded_product(seed: int, index: int, anchor: int) -> tuple[dict, list[SeededStock], dict[int, dict]]:
    """Build seeded product ``index``: its record, its stock rows and its per-site (company_product) rows.

    :param seed: data seed
    :param index: 0-based product index
    :param anchor: epoch seconds; creation times lie in the 400 days before it
    :return: ``(record, stock, company_rows)``
    """
    draw = Draw(mix(seed, 1, index))
    product_id = FIRST_PRODUCT_ID + index
    if index < len(PRODUCT_STATUSES):
        status = PRODUCT_STATUSES[index]  # every status is present whatever the seed
    else:
        roll, status = draw.below(100), "ACTIVE"
        for name, weight in _STATUS_WEIGHTS:
            if roll < weight:
                status = name
                break
            roll -= weight
    owner_roll = draw.below(100)
    if index < 20 or owner_roll < 80:
        client_id = CLIENT_ID
    else:
        client_id = PARENT_CLIENT_ID if owner_roll < 90 else CHILD_CLIENT_ID
    cn, en, material, usage, category_id = draw.choice(_GOODS)
    adjective_cn, adjective_en = draw.choice(_ADJECTIVES)
    brand = draw.choice(_BRANDS)
    category = CUSTOMS_BY_ID[category_id]
    created = anchor - DAY * (1 + draw.below(400)) - draw.below(DAY)
    updated = min(anchor - 1, created + draw.below(60 * DAY))
    client_ref = f"BS-{index + 1:05d}" if draw.below(10) else f"{client_id}-{product_id}"
    size = 20 + draw.below(380)
    record = {
        "id": product_id,
        "client_id": client_id,
        "name": f"{adjective_cn}{cn} {index + 1}",
        "name_customs": f"{adjective_en} {en}",
        "material": material,
        "usage": usage,
        "brand": brand,
        "url": None if draw.below(3) else f"https://shop.example.invalid/p/{product_id}",
        "color": adjective_en if draw.below(2) else None,
        "model": f"M-{draw.below(900) + 100}",
        "country_of_origin": "CN" if draw.below(4) else None,
        "shape_type": "NORMAL_SHAPE",
        "customs_category_id": category.id,
        "customs_category_code": category.code,
        "commodity_code": category.code[2:] or None,
        "note": None,
        "description": None,
        "price_customs_import": _money(100 + draw.below(4000)),
        "price_customs_export": _money(100 + draw.below(4000), 3),
        "sales_price": None,
        "client_ref": client_ref,
        "weight": _money(100 * (10 + draw.below(1990))),
        "length": _money(100 * size),
        "width": _money(100 * (10 + draw.below(size))),
        "depth": _money(100 * (5 + draw.below(200))),
        "inventory_time": str(draw.below(30)),
        "is_dynamic_warehouse_unsalable_product": "0",
        "dynamic_warehouse_stock_sequence": "DYNAMIC_WAREHOUSE_STOCK_FIRST",
        "status": status,
        "create_time": created,
        "update_time": updated,
        "last_update_status_time": updated,
    }
    stock: list[SeededStock] = []
    company_rows: dict[int, dict] = {}
    if status in _STOCKED or status == "OUT_OF_STOCK":
        sites = [1001] + [site for site in (1002, 1003, 1035, 1036) if draw.below(100) < 25]
        for company_id in sites:
            for warehouse in SITE_WAREHOUSES[company_id]:
                if warehouse.warehouse_id == 12 and draw.below(2):
                    continue
                live = 0 if status == "OUT_OF_STOCK" else draw.below(200)
                locked = min(live, draw.below(6)) if draw.below(4) == 0 else 0
                frozen = 1 + draw.below(5) if draw.below(10) == 0 else 0
                stock.append(SeededStock(warehouse.warehouse_id, live, locked, frozen))
            company_rows[company_id] = {
                "price": _money(500 + draw.below(5000)),
                "cost": _money(200 + draw.below(2000)),
                "low_stock_level": str(draw.below(20)),
                "is_shared_internal": "1" if draw.below(10) == 0 else "0",
                "is_shared_external": "0",
            }
    return record, stock, company_rows
