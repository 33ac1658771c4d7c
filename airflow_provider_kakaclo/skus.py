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


#: Customs fields of a BirdSystem product that only the user can know (spec §5.1, §5.3): never invented.
BIRDSYSTEM_CUSTOMS_FIELDS = ("name_customs", "price_customs_export", "price_customs_import", "customs_category_id",
                             "customs_properties", "material", "usage", "brand", "commodity_code",
                             "country_of_origin")
#: What BirdSystem requires of a new product (the current create page, spec §5.3).
BIRDSYSTEM_REQUIRED = ("name", "name_customs", "price_customs_export")


def to_birdsystem(record: SkuRecord, *, defaults: Mapping[str, Any] | None = None,
                  **customs: Any) -> dict[str, Any]:
    """Default KakaClo -> BirdSystem mapping (product create/edit body; grams and millimetres).

    Customs data is never made up: ``name_customs``, ``price_customs_export`` (USD), and the optional
    ``customs_category_id``, ``customs_properties``, ``material``, ``usage``, ``brand``,
    ``commodity_code``, ``country_of_origin``, ``price_customs_import`` come from the record's ``extra``
    (per SKU), else from keyword arguments or ``defaults`` (for the whole catalog, e.g.
    ``functools.partial(to_birdsystem, customs_category_id=815)`` as the operator's ``mapping``). The
    record's own ``material`` and ``brand`` are used when given. ``name_customs`` defaults to nothing:
    the title is often not a customs description.

    :raises ValueError: naming the required customs fields this SKU lacks (the operator fails this SKU
        and carries on with the others).
    """
    given = {**dict(defaults or {}), **customs}
    extra = record.extra or {}

    def pick(name: str, own: Any = None) -> Any:
        for source in (extra.get(name), own, given.get(name)):
            if source not in (None, ""):
                return source
        return None

    body = {
        "client_ref": record.sku,
        "name": _clip(record.title, 100),
        "color": _clip(record.color, 100),
        "weight": record.weight_g,
        "length": record.length_cm * 10 if record.length_cm is not None else None,
        "width": record.width_cm * 10 if record.width_cm is not None else None,
        "depth": record.height_cm * 10 if record.height_cm is not None else None,
        "url": _clip(record.image_url, 500),
        "material": pick("material", record.material),
        "brand": pick("brand", record.brand),
    }
    for name in BIRDSYSTEM_CUSTOMS_FIELDS:
        if name not in body:
            body[name] = pick(name)
    missing = [name for name in BIRDSYSTEM_REQUIRED if body.get(name) in (None, "")]
    if missing:
        raise ValueError(f"SKU {record.sku}: BirdSystem needs {', '.join(missing)} (customs data): give it in the "
                         f"record's extra or as mapping arguments; nothing is invented")
    return {k: v for k, v in body.items() if v is not None}


class _Unreadable:
    """A field the vendor does not answer (or derives itself): it can never be compared, so it never
    counts as changed."""

    def __repr__(self) -> str:
        return "UNREADABLE"


UNREADABLE: Any = _Unreadable()


def same_value(ours: Any, theirs: Any) -> bool:
    """Compare a field we would send with what the vendor stores (numbers as numbers, text as text)."""
    if theirs is UNREADABLE:
        return True
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

