"""The normalized SKU record, the default mappings between vendors, and the upsert plan.

Pure functions, no I/O and no Airflow. Units: KakaClo gives grams and centimetres; BirdSystem wants
grams and millimetres; Qianyi takes whatever its ``weightUnit``/``dimensionUnit`` fields say, and we
say ``G`` and ``CM``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class SkuRecord:
    """One SKU as this provider carries it between systems."""

    sku: str
    title: str
    spu: str | None = None
    color: str | None = None
    size: str | None = None
    material: str | None = None
    brand: str | None = None
    category: str | None = None
    description: str | None = None
    image_url: str | None = None
    weight_g: Decimal | None = None
    length_cm: Decimal | None = None
    width_cm: Decimal | None = None
    height_cm: Decimal | None = None
    price: Decimal | None = None
    cost: Decimal | None = None
    currency: str = "USD"
    active: bool = True
    updated_at: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SkuRecord:
        known = set(cls.__dataclass_fields__)
        values = {k: v for k, v in data.items() if k in known}
        for key in ("weight_g", "length_cm", "width_cm", "height_cm", "price", "cost"):
            if values.get(key) not in (None, ""):
                values[key] = Decimal(str(values[key]))
        if not values.get("sku") or not values.get("title"):
            raise ValueError(f"a SKU record needs 'sku' and 'title': {dict(data)!r}")
        return cls(**values)


def from_kakaclo(product: Any) -> Iterator[SkuRecord]:
    """The SKUs of one KakaClo product (SPU) as records."""
    for sku in product.skuDetails:
        yield SkuRecord(
            sku=sku.sku,
            title=(sku.skuName if sku.skuName and sku.skuName != "..." else None) or product.productName or sku.sku,
            spu=product.spu,
            color=sku.option("color"),
            size=sku.option("size"),
            material=sku.material,
            category=product.fullCategoryName,
            description=product.description,
            image_url=sku.mainImg,
            weight_g=sku.packageWeight,
            length_cm=sku.packageLength,
            width_cm=sku.packageWidth,
            height_cm=sku.packageHeight,
            price=sku.price,
            cost=sku.cost,
            active=sku.skuStatus == 1,
            updated_at=product.updateTime,
        )


def _clip(text: str | None, size: int) -> str | None:
    return text[:size] if text else text


def to_qianyi(record: SkuRecord) -> dict[str, Any]:
    """Default KakaClo -> Qianyi mapping (``INSERT_SKU_INFO`` / ``UPDATE_SKU_INFO`` body)."""
    categories = (record.category or "").split("/")
    body = {
        "sku": record.sku,
        "title": record.title,
        "type": "SINGLE",
        "picUrl": record.image_url,
        "weight": record.weight_g or 0,
        "netWeight": record.weight_g or 0,
        "weightUnit": "G",
        "length": record.length_cm or 0,
        "width": record.width_cm or 0,
        "height": record.height_cm or 0,
        "dimensionUnit": "CM",
        "color": record.color,
        "size": record.size,
        "brand": record.brand,
        "description": record.description,
        "enable": 1 if record.active else 0,
        "price": record.price,
        "priceUnit": record.currency,
        "purchaseCost": record.cost,
        "purchaseCostUnit": record.currency if record.cost is not None else None,
        "categoryName1": categories[0] or None if categories else None,
        "categoryName2": categories[1] if len(categories) > 1 else None,
        "categoryName3": categories[2] if len(categories) > 2 else None,
    }
    return {k: v for k, v in body.items() if v is not None}


def to_birdsystem(record: SkuRecord, *, customs_category_code: str = "0", usage: str = "apparel",
                  brand: str = "unbranded", declared_value: Decimal | None = None) -> dict[str, Any]:
    """Default KakaClo -> BirdSystem mapping (product create/update body; grams and millimetres).

    BirdSystem requires customs data KakaClo does not have: ``customs_category_code``, ``usage``,
    ``brand`` and the declared prices come from the arguments (declared value default: the cost).
    """
    declared = declared_value if declared_value is not None else (record.cost or record.price or Decimal(0))
    body = {
        "client_ref": record.sku,
        "name": _clip(record.title, 100),
        "name_customs": _clip(record.title, 100),
        "customs_category_code": customs_category_code,
        "material": _clip(record.material or "unknown", 50),
        "usage": usage,
        "brand": _clip(record.brand or brand, 50),
        "color": _clip(record.color, 100),
        "weight": record.weight_g,
        "length": record.length_cm * 10 if record.length_cm is not None else None,
        "width": record.width_cm * 10 if record.width_cm is not None else None,
        "depth": record.height_cm * 10 if record.height_cm is not None else None,
        "url": _clip(record.image_url, 500),
        "price_customs_import": declared,
        "price_customs_export": declared,
    }
    return {k: v for k, v in body.items() if v is not None}


def same_value(ours: Any, theirs: Any) -> bool:
    """Compare a field we would send with what the vendor stores (numbers as numbers, text as text)."""
    if ours is None or ours == "":
        return theirs in (None, "")
    if isinstance(ours, (int, float, Decimal)) and not isinstance(ours, bool):
        try:
            return Decimal(str(ours)) == Decimal(str(theirs))
        except ArithmeticError:  # InvalidOperation: not a number, so it differs
            return False
    return str(ours) == str(theirs if theirs is not None else "")


def changed_fields(payload: Mapping[str, Any], existing: Mapping[str, Any],
                   caseless: Collection[str] = ()) -> list[str]:
    """The fields of ``payload`` whose value differs from the vendor's stored record.

    :param caseless: fields whose text is compared without regard to case (units a vendor may echo
        as ``kg`` for ``KG``: rewriting them every run would change nothing).
    """
    def differs(key: str, ours: Any, theirs: Any) -> bool:
        if key in caseless and isinstance(ours, str) and isinstance(theirs, str):
            return ours.casefold() != theirs.casefold()
        return not same_value(ours, theirs)

    return [k for k, v in payload.items() if differs(k, v, existing.get(k))]


@dataclass
class UpsertPlan:
    creates: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    updates: list[tuple[str, dict[str, Any], list[str]]] = field(default_factory=list)
    unchanged: int = 0


def plan_batch(payloads: Iterable[tuple[str, dict[str, Any]]],
               existing: Mapping[str, Mapping[str, Any]], caseless: Collection[str] = ()) -> UpsertPlan:
    """Create what is missing, update what differs (``caseless`` fields ignoring case), leave the rest alone."""
    plan = UpsertPlan()
    for sku, payload in payloads:
        if sku not in existing:
            plan.creates.append((sku, payload))
        elif fields := changed_fields(payload, existing[sku], caseless):
            plan.updates.append((sku, payload, fields))
        else:
            plan.unchanged += 1
    return plan

