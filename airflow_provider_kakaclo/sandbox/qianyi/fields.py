"""bizParam field tables and their checker: every malformed value is a ``DATA_INPUT_ERROR``.

The SKU tables copy the seed (``/work/shared/seeds/002_*.txt`` §1.2.2/§1.3.2): names, the Y (required)
flags, the documented maximum lengths and enumerations. Strings without a documented length are not
bounded. What the seed puts in parentheses as examples of units/currencies is enforced only with the
switch ``strict_unit_enums``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from .errors import data_input_error

_NUMERIC = re.compile(r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$")
PRICE_UNIT = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class Field:
    """One bizParam field.

    :param name: JSON key
    :param kind: ``str``, ``decimal`` (any JSON number), ``int``, ``bool``, ``str_list``, ``objects``
        (a list of objects checked against ``fields``), ``object`` (one object)
    :param required: the table's Y flag
    :param max_len: documented maximum length (characters)
    :param choices: documented enumeration (always enforced)
    :param unit_choices: parenthesised example values, enforced with ``strict_unit_enums``
    :param minimum: smallest integer/number allowed
    :param maximum: largest integer/number allowed
    :param fields: sub-fields of ``objects`` / ``object``
    :param pattern: a regular expression the string must match
    :param round2: round a decimal to two places (the seed's purchasePrice rule)
    """

    name: str
    kind: str = "str"
    required: bool = False
    max_len: int | None = None
    choices: tuple[Any, ...] | None = None
    unit_choices: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    fields: tuple[Field, ...] | None = None
    pattern: re.Pattern | None = None
    round2: bool = False


@dataclass(frozen=True)
class Options:
    """Switch values that change checking.

    :param numeric_strings: accept ``"100"`` where a number is expected
    :param strict_units: enforce ``unit_choices``
    :param reject_unknown: refuse keys not in the table
    """

    numeric_strings: bool = True
    strict_units: bool = False
    reject_unknown: bool = False

    @classmethod
    def from_switches(cls, switches: Any) -> Options:
        return cls(numeric_strings=switches["numeric_strings"] == "accept",
                   strict_units=switches["strict_unit_enums"],
                   reject_unknown=switches["unknown_biz_keys"] == "reject")


CURRENCIES = ("CNY", "USD", "CAD", "GBP", "EUR", "JRY")

SUB_SKU_FIELDS = (
    Field("sku", required=True, max_len=255),
    Field("quantity", "int", required=True, minimum=1),
)
CUSTOM_VALUE_FIELDS = (
    Field("customFieldId", "int", required=True),
    Field("value", required=True),
)
SUPPLIER_FIELDS = (
    Field("name", required=True),
    Field("isDefault", "bool", required=True),
    Field("purchaserList", "str_list", required=True),
    Field("deliveryCycle", "decimal", required=True),
    Field("purchasePrice", "decimal", round2=True),
    Field("purchasePriceUnit"),
    Field("minimumPurchaseQuantity", "int", minimum=1),
    Field("purchaseTaxRate", "decimal"),
    Field("drawbackRate", "decimal"),
    Field("purchaseUrl"),
)

SKU_FIELDS: tuple[Field, ...] = (
    Field("sku", required=True, max_len=255),
    Field("title", required=True, max_len=255),
    Field("barcode", max_len=255),
    Field("type", required=True),
    Field("picUrl", max_len=255),
    Field("saleStatus", max_len=50),
    Field("weight", "decimal", required=True),
    Field("netWeight", "decimal", required=True),
    Field("weightUnit", required=True),
    Field("abbrTitle", max_len=255),
    Field("brand", max_len=50),
    Field("unit", max_len=128),
    Field("color", max_len=255),
    Field("size", max_len=255),
    Field("length", "decimal", required=True),
    Field("width", "decimal", required=True),
    Field("height", "decimal", required=True),
    Field("dimensionUnit", required=True),
    Field("itemPackage", "decimal"),
    Field("description", max_len=2048),
    Field("descriptionEn", max_len=2048),
    Field("functionDescription", max_len=2048),
    Field("enable", "int", required=True, choices=(0, 1)),
    Field("packingRate", "decimal"),
    Field("cartonLength", "decimal"),
    Field("cartonWidth", "decimal"),
    Field("cartonHeight", "decimal"),
    Field("cartonWeight", "decimal"),
    Field("cartonNetWeight", "decimal"),
    Field("cartonDimensionUnit", unit_choices=("cm", "m")),
    Field("cartonWeightUnit", unit_choices=("KG", "G")),
    Field("cartonVolumeUnit"),
    Field("chineseCustomsDeclarationName"),
    Field("englishCustomsDeclarationName"),
    Field("cdPriceMethod", choices=("RATE", "CONSTANT")),
    Field("cdPriceRate", "decimal"),
    Field("cdPriceMaximum", "decimal"),
    Field("customsDeclarationPrice", "decimal"),
    Field("customsDeclarationPriceUnit", unit_choices=CURRENCIES),
    Field("customsCode"),
    Field("exportTax", "decimal"),
    Field("declaration"),
    Field("dangerousTransportGoodsType", choices=("NONE", "LIQUID", "POWDER", "CONTAIN_ELECTRIC", "ELECTRIC")),
    Field("batteryType", "int", choices=(0, 1, 2, 3, 4, 5)),
    Field("ccPriceMethod", choices=("RATE", "CONSTANT")),
    Field("ccPriceRate", "decimal"),
    Field("ccPriceMaximum", "decimal"),
    Field("ccPrice", "decimal"),
    Field("ccPriceUnit", unit_choices=CURRENCIES),
    Field("needQualityInspection", "bool"),
    Field("price", "decimal"),
    Field("priceUnit", pattern=PRICE_UNIT),
    Field("asin"),
    Field("customProp1"),
    Field("customProp2"),
    Field("customProp3"),
    Field("categoryName1"),
    Field("categoryName2"),
    Field("categoryName3"),
    Field("remarkName"),
    Field("singleSkuList", "objects", fields=SUB_SKU_FIELDS),
    Field("singleBoxCode"),
    Field("singleItemVolume", "decimal"),
    Field("skuCustomFieldValueVOList", "objects", fields=CUSTOM_VALUE_FIELDS),
    Field("purchaseCost", "decimal"),
    Field("purchaseCostUnit"),
    Field("skuSupplierList", "objects", fields=SUPPLIER_FIELDS),
    Field("isRelatedSingleCost", "bool"),
)
"""INSERT_SKU_INFO / UPDATE_SKU_INFO fields (seed §1.2.2 / §1.3.2); ``cartonVolumeUnit`` comes from the
query table (§1.1.3)."""

INSERT_ONLY_FIELDS = (Field("warehouseNameList", "str_list"),)
"""Accepted by INSERT_SKU_INFO only (seed §1.2.2); not stored on the SKU."""

SKU_FIELD_NAMES = tuple(field.name for field in SKU_FIELDS)
REQUIRED_SKU_FIELDS = tuple(field.name for field in SKU_FIELDS if field.required)


# --- checking ----------------------------------------------------------------------------------------


def check_object(obj: Any, fields: tuple[Field, ...], options: Options, *, where: str = "bizParam",
                 required: bool = True, extra_known: tuple[str, ...] = ()) -> dict[str, Any]:
    """Check ``obj`` against ``fields`` and return the normalized values of the keys present.

    ``null`` counts as absent. Unknown keys are dropped (or refused with ``reject_unknown``).

    :param obj: the decoded JSON value
    :param fields: the table
    :param options: checking options
    :param where: name used in messages
    :param required: enforce the Y flags
    :param extra_known: further keys that are not unknown (checked elsewhere)
    :return: normalized values
    :raises BizError: DATA_INPUT_ERROR
    """
    if not isinstance(obj, Mapping):
        raise data_input_error(f"{where} must be a JSON object")
    known = {field.name for field in fields} | set(extra_known)
    if options.reject_unknown:
        unknown = sorted(key for key in obj if key not in known)
        if unknown:
            raise data_input_error(f"{where}: unknown fields {unknown}")
    out: dict[str, Any] = {}
    for field in fields:
        value = obj.get(field.name)
        if value is None or (field.kind == "str" and field.required and isinstance(value, str) and not value.strip()):
            if required and field.required:
                raise data_input_error(f"{where}.{field.name} is required")
            continue
        out[field.name] = check_value(value, field, options, f"{where}.{field.name}")
    return out


def check_value(value: Any, field: Field, options: Options, where: str) -> Any:
    """Check one value; see :func:`check_object`."""
    kind = field.kind
    if kind == "str":
        if not isinstance(value, str):
            raise data_input_error(f"{where} must be a string")
        if field.max_len is not None and len(value) > field.max_len:
            raise data_input_error(f"{where} is longer than {field.max_len} characters")
        if field.choices is not None and value not in field.choices:
            raise data_input_error(f"{where} must be one of {list(field.choices)}")
        if options.strict_units and field.unit_choices is not None and value not in field.unit_choices:
            raise data_input_error(f"{where} must be one of {list(field.unit_choices)}")
        if field.pattern is not None and not field.pattern.match(value):
            raise data_input_error(f"{where} does not match {field.pattern.pattern}")
        return value
    if kind == "decimal":
        number = to_number(value, options, where)
        if field.round2:
            number = _json_number(Decimal(str(number)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
        _check_range(number, field, where)
        return number
    if kind == "int":
        number = to_int(value, options, where)
        if field.choices is not None and number not in field.choices:
            raise data_input_error(f"{where} must be one of {list(field.choices)}")
        _check_range(number, field, where)
        return number
    if kind == "bool":
        if not isinstance(value, bool):
            raise data_input_error(f"{where} must be true or false")
        return value
    if kind == "str_list":
        return str_list(value, where)
    if kind == "objects":
        if not isinstance(value, list):
            raise data_input_error(f"{where} must be a list")
        return [check_object(item, field.fields or (), options, where=f"{where}[{i}]")
                for i, item in enumerate(value)]
    if kind == "object":
        return check_object(value, field.fields or (), options, where=where)
    raise AssertionError(f"unknown field kind {kind}")


def _check_range(number: float | int, field: Field, where: str) -> None:
    if field.minimum is not None and number < field.minimum:
        raise data_input_error(f"{where} must be >= {field.minimum:g}")
    if field.maximum is not None and number > field.maximum:
        raise data_input_error(f"{where} must be <= {field.maximum:g}")


def _json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() and "." not in str(value) else float(value)


def to_number(value: Any, options: Options, where: str) -> int | float:
    """Return a JSON number (``int`` or ``float``), from a number or, if allowed, a numeric string.

    :raises BizError: DATA_INPUT_ERROR
    """
    if isinstance(value, bool):
        raise data_input_error(f"{where} must be a number")
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise data_input_error(f"{where} must be a finite number")
        return value
    if isinstance(value, str) and options.numeric_strings and _NUMERIC.match(value):
        try:
            parsed = Decimal(value.strip())
        except InvalidOperation:
            raise data_input_error(f"{where} must be a number") from None
        if not parsed.is_finite():
            raise data_input_error(f"{where} must be a finite number")
        return _json_number(parsed)
    raise data_input_error(f"{where} must be a number")


def to_int(value: Any, options: Options, where: str) -> int:
    """Return an integer from an int, an integral float or, if allowed, an integer string.

    :raises BizError: DATA_INPUT_ERROR
    """
    number = to_number(value, options, where)
    if isinstance(number, float):
        if not number.is_integer():
            raise data_input_error(f"{where} must be an integer")
        return int(number)
    return number


def str_list(value: Any, where: str) -> list[str]:
    """Return a list of strings.

    :raises BizError: DATA_INPUT_ERROR
    """
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise data_input_error(f"{where} must be a list of strings")
    return list(value)


def parse_day(value: Any, where: str) -> date:
    """Parse a ``yyyy-MM-dd`` date filter (also ``yyyy/MM/dd`` and a trailing ``HH:mm:ss``).

    :raises BizError: DATA_INPUT_ERROR
    """
    if not isinstance(value, str):
        raise data_input_error(f"{where} must be a date string yyyy-MM-dd")
    text = value.strip().replace("/", "-")
    for fmt in ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise data_input_error(f"{where} must be a date yyyy-MM-dd, got {value!r}")


def parse_moment(value: Any, where: str) -> tuple[datetime, bool]:
    """Parse a date or date-time filter.

    :return: ``(naive local datetime, has_time)``
    :raises BizError: DATA_INPUT_ERROR
    """
    if not isinstance(value, str):
        raise data_input_error(f"{where} must be a date string")
    text = value.strip().replace("/", "-")
    for fmt, has_time in (("%Y-%m-%d %H:%M:%S", True), ("%Y-%m-%d", False)):
        try:
            return datetime.strptime(text, fmt), has_time
        except ValueError:
            continue
    raise data_input_error(f"{where} must be yyyy-MM-dd or yyyy-MM-dd HH:mm:ss, got {value!r}")
