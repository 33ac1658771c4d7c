"""The seeded, immutable KakaClo catalog: categories, warehouses, products (SPUs) and SKUs.

Only a few compact arrays are built up front (SKU count, category and update time of each product, and
the time-sorted orders); every other attribute is derived from ``(seed, index)`` on demand. A catalog
of 200,000 SKUs starts in well under two seconds and holds a few megabytes. What changes at run time
(stock, status, update times) lives in the backend, not here.

Shapes follow spec §7 P1-P4; values are plausible, not real.
"""

from __future__ import annotations

import json
import re
import threading
from array import array
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property

from ..seeded import Draw, mix

DAY = 86400
MAX_CATALOG_SIZE = 1_000_000

# --- categories (P1) ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Category:
    """One category node."""

    category_id: int
    name: str
    parent_id: int
    level: int
    full_category_id: str
    full_name: str
    children: tuple[int, ...]


_TREE = (
    (3500, "Women", (
        (3510, "Tops", ((3511, "T-shirts"), (3512, "Blouses"), (3513, "Tank Tops"))),
        (3520, "Bottoms", ((3658, "Cropped Pants"), (3521, "Jeans"), (3522, "Skirts"))),
        (3530, "Activewear", ((3654, "Suit"), (3531, "Sports Bras"), (3532, "Leggings"))),
        (3540, "Dresses", ((3541, "Maxi Dresses"), (3542, "Mini Dresses"))),
    )),
    (3550, "Men", (
        (3551, "Tops", ((3552, "T-shirts"), (3553, "Shirts"), (3554, "Hoodies"))),
        (3560, "Bottoms", ((3561, "Shorts"), (3562, "Pants"))),
    )),
    (3600, "Kids", (
        (3516, "Girls", ((3517, "Dresses"), (3518, "Sets"))),
        (3605, "Boys", ((3606, "T-shirts"), (3607, "Pants"))),
    )),
)


def _build_categories() -> tuple[dict[int, Category], tuple[int, ...], tuple[int, ...]]:
    nodes: dict[int, Category] = {}

    def add(node: tuple, parent: Category | None) -> int:
        category_id, name = node[0], node[1]
        kids = node[2] if len(node) > 2 else ()
        path = f"{parent.full_category_id}/{category_id}" if parent else str(category_id)
        full_name = f"{parent.full_name}/{name}" if parent else name
        level = parent.level + 1 if parent else 1
        placeholder = Category(category_id, name, parent.category_id if parent else 0, level, path, full_name, ())
        nodes[category_id] = placeholder
        children = tuple(add(kid, placeholder) for kid in kids)
        nodes[category_id] = Category(category_id, name, placeholder.parent_id, level, path, full_name, children)
        return category_id

    roots = tuple(add(root, None) for root in _TREE)
    leaves = tuple(cid for cid, node in nodes.items() if not node.children)
    return nodes, roots, leaves


CATEGORIES, ROOT_CATEGORIES, LEAF_CATEGORIES = _build_categories()


def category_subtree(category_id: int) -> frozenset[int]:
    """Return ``category_id`` and all its descendants (empty for an unknown id)."""
    if category_id not in CATEGORIES:
        return frozenset()
    out, todo = set(), [category_id]
    while todo:
        current = todo.pop()
        out.add(current)
        todo.extend(CATEGORIES[current].children)
    return frozenset(out)


# --- warehouses (P3) ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Warehouse:
    """One warehouse of P3."""

    warehouse_id: int
    code: str
    name_ext: str
    country_code: str
    country_name: str
    status: int  # 1 enabled, 0 disabled


WAREHOUSES: tuple[Warehouse, ...] = (
    Warehouse(1, "G007", "东莞-独立站", "CN", "China", 1),
    Warehouse(6, "G006", "义乌-直发仓", "CN", "China", 1),
    Warehouse(13, "G004", "广州-备货仓", "CN", "China", 0),
    Warehouse(8, "H008", "美国-海外仓", "US", "United States", 1),
)
WAREHOUSES_BY_CODE = {warehouse.code: warehouse for warehouse in WAREHOUSES}
DEFAULT_WAREHOUSE = "G007"
ALLOCATION_ORDER = ("G007", "G006", "H008", "G004")
"""Warehouses tried, in this order, to serve an order item (disabled ones are skipped). INVENTED."""

# --- products and SKUs (P2, P4) -------------------------------------------------------------------

SPU_PREFIXES = ("AMN", "FSZW", "AMB")
_SPU_RE = re.compile(r"^(AMN|FSZW|AMB)(\d{5})$")
COLORS = (("B", "Black"), ("W", "White"), ("R", "Red"), ("DGR", "Charcoal grey"), ("Y", "Yellow"),
          ("P", "Pink"), ("NB", "Navy blue"), ("G", "Green"), ("KH", "Khaki"), ("LB", "Light blue"))
SIZES = ("S", "M", "L", "XL", "2XL", "3XL")
SUFFIXES = ("", "", "", "_NUB", "_AU")
MATERIALS = ("100% Cotton", "95% Polyester, 5% Spandex", "65% Cotton, 35% Polyester", "100% Polyester",
             "80% Nylon, 20% Spandex")
ADJECTIVES = ("Casual", "Fashion All-Match", "Vintage", "Sporty", "Elegant", "Loose", "Slim Fit", "Printed",
              "Solid Color", "Summer")
SEASONS = ("Spring-Summer", "Autumn-Winter", "All seasons")
LEVELS = ("A", "B", "C", "")
IMG_HOST = "https://img.kakaclo.com"
_STOCK_RANGES = {"A": (100, 201), "B": (50, 101), "C": (10, 41), "": (0, 201)}
"""Initial per-SKU stock (low, span) by supplierLevel, after spec §7 P2."""
_STOCK_PLAN = (("G007", 90, 1), ("G006", 30, 2), ("G004", 10, 2), ("H008", 25, 4))
"""(warehouse, percent of SKUs stocked there, divisor of the quantity)."""


@dataclass(frozen=True, slots=True)
class SkuInfo:
    """The static attributes of one SKU (stock and status may be changed by the backend)."""

    index: int
    code: str
    product: int
    color_name: str
    size: str
    name: str
    main_img: str
    length: int
    width: int
    height: int
    weight: int  # grams
    cost_cents: int
    price_cents: int
    material: str
    base_status: int
    base_stock: tuple[tuple[str, int], ...]  # (warehouse code, qty)


@dataclass(frozen=True, slots=True)
class ProductInfo:
    """The static attributes of one product (SPU)."""

    index: int
    spu: str
    kk_product_id: int
    name: str
    description: str
    size_image: str
    category_id: int
    full_category_name: str
    sales_volume: int
    attributes_json: str
    supplier_level: str
    create_time: int
    base_update_time: int
    first_sku: int
    sku_codes: tuple[str, ...]


class Catalog:
    """An immutable catalog of about ``size`` SKUs, fully determined by ``seed`` and ``anchor``."""

    def __init__(self, seed: int, size: int, anchor: int) -> None:
        """Build the compact indexes.

        :param seed: catalog seed
        :param size: number of SKUs (1 to 1,000,000)
        :param anchor: epoch seconds; update times fall in the 30 days before it
        :raises ValueError: on a size out of range
        """
        if not 1 <= size <= MAX_CATALOG_SIZE:
            raise ValueError(f"catalog_size must be between 1 and {MAX_CATALOG_SIZE}")
        self.seed, self.size, self.anchor = seed, size, anchor
        starts = array("l", [0])
        times = array("q")
        categories = array("l")
        total, product = 0, 0
        while total < size:
            count = 3 + mix(seed, 0, product) % 4
            remaining = size - total
            if remaining <= 6:
                count = remaining
            elif remaining - count < 3:
                count = remaining - 3
            total += count
            starts.append(total)
            times.append(anchor - mix(seed, 6, product) % (30 * DAY))
            categories.append(LEAF_CATEGORIES[mix(seed, 7, product) % len(LEAF_CATEGORIES)])
            product += 1
        self.product_count = product
        self._starts = starts
        self.product_time = times
        self.product_category = categories
        order = sorted(range(product), key=lambda j: (times[j], j))
        self.products_by_time = array("l", order)
        self.product_times_sorted = array("q", (times[j] for j in order))
        sku_ids, sku_times = array("l"), array("q")
        for j in order:
            sku_ids.extend(range(starts[j], starts[j + 1]))
            sku_times.extend([times[j]] * (starts[j + 1] - starts[j]))
        self.skus_by_time, self.sku_times_sorted = sku_ids, sku_times
        self._lock = threading.Lock()
        self._product_cache: OrderedDict[int, ProductInfo] = OrderedDict()
        self._category_products: dict[int, list[int]] = {}

    # -- lookups ---------------------------------------------------------------------------------

    def spu_code(self, product: int) -> str:
        """Return the SPU code of product index ``product`` (``AMN00001`` style)."""
        return f"{SPU_PREFIXES[product % 3]}{product // 3 + 1:05d}"

    def product_index(self, spu: str) -> int | None:
        """Return the index of SPU ``spu``, or ``None`` when not in the catalog."""
        match = _SPU_RE.match(spu) if isinstance(spu, str) else None
        if not match:
            return None
        number = int(match.group(2))
        if number < 1:
            return None
        product = (number - 1) * 3 + SPU_PREFIXES.index(match.group(1))
        return product if product < self.product_count else None

    def sku_index(self, code: str) -> int | None:
        """Return the index of SKU ``code``, or ``None`` when not in the catalog (O(1))."""
        if not isinstance(code, str):
            return None
        product = self.product_index(code.split("_", 1)[0])
        if product is None:
            return None
        codes = self._variant_codes(product)
        try:
            return self._starts[product] + codes.index(code)
        except ValueError:
            return None

    def product_of_sku(self, sku: int) -> int:
        """Return the product index owning SKU index ``sku``."""
        from bisect import bisect_right

        return bisect_right(self._starts, sku) - 1

    def sku_range(self, product: int) -> range:
        """Return the SKU indexes of a product."""
        return range(self._starts[product], self._starts[product + 1])

    def sku_code(self, sku: int) -> str:
        """Return the code of SKU index ``sku``."""
        product = self.product_of_sku(sku)
        return self._variant_codes(product)[sku - self._starts[product]]

    def products_in_category(self, category_id: int) -> list[int]:
        """Return the products of a category or of any of its descendants, by index."""
        with self._lock:
            cached = self._category_products.get(category_id)
        if cached is None:
            wanted = category_subtree(category_id)
            cached = [j for j, cid in enumerate(self.product_category) if cid in wanted]
            with self._lock:
                self._category_products[category_id] = cached
        return cached

    # -- derived attributes ----------------------------------------------------------------------

    def supplier_level(self, product: int) -> str:
        """Return ``A``/``B``/``C``/``""`` (spec §7 P2 supplierLevel)."""
        roll = mix(self.seed, 4, product) % 100
        return "A" if roll < 30 else "B" if roll < 60 else "C" if roll < 85 else ""

    def sku_status_and_price(self, sku: int) -> tuple[int, int]:
        """Return ``(base skuStatus, price in cents)`` of a SKU (cheap; no object built)."""
        draw = Draw(mix(self.seed, 1, sku))
        roll = draw.below(100)
        status = 1 if roll < 85 else 0 if roll < 90 else 3 if roll < 95 else 6
        return status, 399 + draw.below(3600)

    def sku_base_stock(self, sku: int, level: str, status: int) -> tuple[tuple[str, int], ...]:
        """Return the initial ``(warehouse, qty)`` entries of a SKU."""
        draw = Draw(mix(self.seed, 2, sku))
        low, span = _STOCK_RANGES[level]
        entries = []
        for code, percent, scale in _STOCK_PLAN:
            if draw.below(100) < percent:
                entries.append((code, 0 if status == 6 else (low + draw.below(span)) // scale))
        return tuple(entries) or ((DEFAULT_WAREHOUSE, 0),)

    def _variant_codes(self, product: int) -> tuple[str, ...]:
        count = self._starts[product + 1] - self._starts[product]
        return tuple(f"{self.spu_code(product)}_{color}_{size}{suffix}"
                     for color, _name, size, suffix in self._variants(product, count))

    def _variants(self, product: int, count: int) -> list[tuple[str, str, str, str]]:
        draw = Draw(mix(self.seed, 5, product))
        suffix = draw.choice(SUFFIXES)
        colors = 1 if count <= 3 or draw.chance(50) else 2
        per_color = -(-count // colors)
        first_size = draw.below(len(SIZES) - per_color + 1)
        first_color = draw.below(len(COLORS))
        picked = [COLORS[(first_color + n) % len(COLORS)] for n in range(colors)]
        combos = [(code, name, size, suffix) for code, name in picked
                  for size in SIZES[first_size:first_size + per_color]]
        return combos[:count]

    def product(self, product: int) -> ProductInfo:
        """Return the static attributes of a product (cached, bounded)."""
        with self._lock:
            cached = self._product_cache.get(product)
            if cached is not None:
                self._product_cache.move_to_end(product)
                return cached
        info = self._make_product(product)
        with self._lock:
            self._product_cache[product] = info
            if len(self._product_cache) > 4096:
                self._product_cache.popitem(last=False)
        return info

    def _make_product(self, product: int) -> ProductInfo:
        draw = Draw(mix(self.seed, 3, product))
        sales_volume = draw.below(5000)  # first draw: product_sales relies on it
        category = CATEGORIES[self.product_category[product]]
        audience = category.full_name.split("/", 1)[0]
        possessive = {"Women": "Women'S", "Men": "Men'S", "Kids": "Kids'"}[audience]
        name = f"{draw.choice(ADJECTIVES)} {possessive} {category.name}"
        spu = self.spu_code(product)
        update_time = self.product_time[product]
        attributes = {"season": draw.choice(SEASONS), "style": draw.choice(("Casual", "Sports", "Street"))}
        count = self._starts[product + 1] - self._starts[product]
        return ProductInfo(
            index=product,
            spu=spu,
            kk_product_id=1_100_000 + product,
            name=name,
            description=f"<p>{name}. Comfortable fabric, true to size.</p>",
            size_image=f"{IMG_HOST}/image%2F{spu}%2Fsize.jpg",
            category_id=category.category_id,
            full_category_name=category.full_name,
            sales_volume=sales_volume,
            attributes_json=json.dumps(attributes),
            supplier_level=self.supplier_level(product),
            create_time=update_time - draw.below(30 * DAY),
            base_update_time=update_time,
            first_sku=self._starts[product],
            sku_codes=tuple(f"{spu}_{color}_{size}{suffix}"
                            for color, _n, size, suffix in self._variants(product, count)),
        )

    def sku(self, sku: int) -> SkuInfo:
        """Return the static attributes of a SKU."""
        product = self.product(self.product_of_sku(sku))
        position = sku - product.first_sku
        color, color_name, size, _suffix = self._variants(product.index, len(product.sku_codes))[position]
        status, price = self.sku_status_and_price(sku)
        draw = Draw(mix(self.seed, 8, sku))
        code = product.sku_codes[position]
        return SkuInfo(
            index=sku,
            code=code,
            product=product.index,
            color_name=color_name,
            size=size,
            name=f"{product.name} {color_name} {size}",
            main_img=f"{IMG_HOST}/image%2F{product.spu}%2F{code}.jpg",
            length=20 + draw.below(21),
            width=15 + draw.below(16),
            height=2 + draw.below(7),
            weight=100 + draw.below(700),
            cost_cents=price * (60 + draw.below(25)) // 100,
            price_cents=price,
            material=draw.choice(MATERIALS),
            base_status=status,
            base_stock=self.sku_base_stock(sku, product.supplier_level, status),
        )

    # -- sort keys over the whole catalog, computed once on first use ------------------------------

    @cached_property
    def product_min_price(self) -> array:
        """Minimum SKU price (cents) of every product."""
        prices = array("l")
        for product in range(self.product_count):
            prices.append(min(self.sku_status_and_price(sku)[1] for sku in self.sku_range(product)))
        return prices

    @cached_property
    def product_base_stock(self) -> array:
        """Initial total stock of every product."""
        totals = array("q")
        for product in range(self.product_count):
            level = self.supplier_level(product)
            totals.append(sum(qty for sku in self.sku_range(product)
                              for _code, qty in self.sku_base_stock(sku, level, self.sku_status_and_price(sku)[0])))
        return totals

    @cached_property
    def product_sales(self) -> array:
        """salesVolume of every product."""
        return array("l", (Draw(mix(self.seed, 3, j)).below(5000) for j in range(self.product_count)))


_CATALOGS: OrderedDict[tuple[int, int, int], Catalog] = OrderedDict()
_CATALOGS_LOCK = threading.Lock()


def get_catalog(seed: int, size: int, anchor: int) -> Catalog:
    """Return the catalog for ``(seed, size, anchor)``, reusing a recent one (catalogs are immutable)."""
    key = (seed, size, anchor)
    with _CATALOGS_LOCK:
        catalog = _CATALOGS.get(key)
        if catalog is not None:
            _CATALOGS.move_to_end(key)
            return catalog
    catalog = Catalog(seed, size, anchor)
    with _CATALOGS_LOCK:
        _CATALOGS[key] = catalog
        while len(_CATALOGS) > 4:
            _CATALOGS.popitem(last=False)
    return catalog
