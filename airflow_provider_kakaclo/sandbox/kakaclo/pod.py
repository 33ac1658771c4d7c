"""Custom products (POD): design categories, design models and the user's designed products (C1-C5).

Category names are the C1 sample verbatim. The design models are a fixed, deterministic set shaped like
the C2/C3 samples; saved designs (C5) are kept in memory and listed by C4. Times are epoch
milliseconds (spec §5.3). Designed products do not become catalog SKUs in the sandbox.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

DESIGN_CATEGORY_NAMES = ("Fishing Clothes", "Hoodie", "Jacket", "Kimono", "Pants", "Pet Suit", "Polo Shirt",
                         "Retro", "Shirt", "Skirt", "Sports", "Suit", "Swimsuit", "T-shirt", "Underwear", "Vest")
_STYLES = ("Short sleeve", "Long sleeve", "Round neck", "Oversized", "Classic", "Slim")
_MODEL_SIZES = ("2XS", "XS", "S", "M", "L", "XL", "2XL")
OSS = "https://oss-pubilc.kakaclo.com/images/common/custom/images"
MODEL_COUNT = 48
DAY_MS = 86_400_000


@dataclass(frozen=True)
class DesignModel:
    """One design model (C2 list item, C3 detail)."""

    id: int
    model_code: str
    category_name: str
    en_name: str
    price: float
    status: int
    weight: float
    sizes: tuple[str, ...]
    create_date: int
    modify_date: int

    @property
    def image_url(self) -> str:
        return f"{OSS}/{self.model_code}/front.png"

    @property
    def back_image_url(self) -> str:
        return f"{OSS}/{self.model_code}/back.png"

    def size_content(self) -> str:
        """The ``enSizeContent`` JSON string of C3."""
        sheet = [{"size": [{"name": "Length", "size_value": [{"name": size, "value": 60.0 + 2 * n}
                                                              for n, size in enumerate(self.sizes)]}],
                  "sheet_name": "Size Chart"}]
        return json.dumps(sheet)


def design_models(anchor_ms: int) -> tuple[DesignModel, ...]:
    """Return the fixed design models, dated relative to ``anchor_ms``."""
    models = []
    for n in range(MODEL_COUNT):
        category = DESIGN_CATEGORY_NAMES[n % len(DESIGN_CATEGORY_NAMES)]
        created = anchor_ms - (MODEL_COUNT - n) * DAY_MS
        first_size = n % 3
        models.append(DesignModel(
            id=60 + n,
            model_code=f"PODQRA{20 + n:03d}" if n % 2 == 0 else f"PODQRB{500 + n:03d}",
            category_name=category,
            en_name=f"{_STYLES[n % len(_STYLES)]} {category}",
            price=round(5.0 + (n * 37 % 600) / 100, 2),
            status=4 if n % 7 == 6 else 1,
            weight=round(150.0 + n * 3.01, 2),
            sizes=_MODEL_SIZES[first_size:first_size + 4],
            create_date=created,
            modify_date=created + (n % 5) * 3_600_000,
        ))
    return tuple(models)


@dataclass
class DesignedProduct:
    """One product saved with C5 and listed by C4."""

    id: int
    custom_designed_id: int
    model: DesignModel
    en_name: str
    image_url: str
    back_image_url: str | None
    material_images: list = field(default_factory=list)
    color_value: str | None = None
    order_count: int = 0
    create_date: int = 0
    modify_date: int = 0

    @property
    def spu(self) -> str:
        return f"QCUT{self.id:05d}"

    @property
    def kk_product_id(self) -> int:
        return 2_000_000 + self.id

    @property
    def price(self) -> float:
        return round(self.model.price + 3.0, 2)


def page(items: list, page_number: int, page_size: int) -> list:
    """Return one page (1-based) of ``items``."""
    start = (page_number - 1) * page_size
    return items[start:start + page_size]
