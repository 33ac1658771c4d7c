"""Field types shared by the vendor models: tolerant of the quirks the vendors' docs show."""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, ClassVar, Generic, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    model_validator,
)

T = TypeVar("T")


def _id(value: Any) -> Any:
    """Ids come as JSON numbers in one place and strings in another: compare them as strings."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value


def _null(value: Any) -> Any:
    """The literal string ``"NULL"`` (and empty strings) mean "no value"."""
    if isinstance(value, str) and value.strip() in ("NULL", "null", ""):
        return None
    return value


def _decimal(value: Any) -> Any:
    value = _null(value)
    if value is None:
        return value
    if isinstance(value, bool):
        raise ValueError("a money amount must be a number, not true/false")
    if not isinstance(value, Decimal):
        try:
            value = Decimal(str(value))
        except (InvalidOperation, ValueError):
            return value  # let pydantic report it
    if not value.is_finite():
        raise ValueError(f"a money amount must be a finite number, got {value}")
    return value


def _int(value: Any) -> Any:
    value = _null(value)
    if isinstance(value, bool):
        raise ValueError("a count must be a number, not true/false")
    if isinstance(value, str):
        try:
            number = Decimal(value)
            return int(number) if number == number.to_integral_value() else value  # "1.5": let pydantic refuse
        except (ArithmeticError, ValueError):  # InvalidOperation, and OverflowError for "Infinity"
            return value
    return value


def _number(value: Any) -> Any:
    """A Decimal as a JSON number (an integer when whole); anything else unchanged."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


#: A decimal checked as a number, sent as a JSON number.
Number = Annotated[Decimal, PlainSerializer(_number, when_used="json")]

Id = Annotated[str, BeforeValidator(_id)]
OptId = Annotated[str | None, BeforeValidator(lambda v: _id(_null(v)))]
OptStr = Annotated[str | None, BeforeValidator(_null)]
Money = Annotated[Decimal | None, BeforeValidator(_decimal)]
OptInt = Annotated[int | None, BeforeValidator(_int)]


def parse_json_string(value: Any) -> Any:
    """Fields that carry JSON inside a string (``option1``, ``attributesJson``): decode when possible."""
    if isinstance(value, str):
        text = value.strip()
        if text in ("", "NULL", "null"):
            return None
        try:
            return json.loads(text)
        except ValueError:
            return value
    return value


class VendorModel(BaseModel):
    """Received data: unknown fields kept (vendors add fields), names as the vendor spells them."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=False)


class RequestModel(BaseModel):
    """Sent data: unknown fields refused, every documented limit checked before any request."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, str_strip_whitespace=False)

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


log = logging.getLogger(__name__)

#: The unknown fields already reported while one request body is being validated (None: outside one).
_REPORTED: ContextVar[set[str] | None] = ContextVar("reported_unknown_fields", default=None)


class PassThroughModel(RequestModel):
    """Sent data the docs describe only in part: documented fields checked, unknown ones sent as given.

    Each unknown field is logged once per request body (``Model.field``, never its value, which may be
    personal data), so a typo shows while a field the docs omit still reaches the vendor.
    """

    model_config = ConfigDict(extra="allow")
    #: How the warning names an unknown field (a vendor's models may say whose request it is).
    unknown_field_label: ClassVar[str] = "request field"

    @model_validator(mode="wrap")
    @classmethod
    def _report_unknown(cls, value: Any, handler: Any) -> Any:
        outermost = _REPORTED.get() is None
        token = _REPORTED.set(set()) if outermost else None
        try:
            model = handler(value)
            reported = _REPORTED.get()
            for name in model.model_extra or {}:
                field = f"{cls.__name__}.{name}"
                if reported is not None and field not in reported:
                    reported.add(field)
                    log.warning("%s %s is not in the vendor's docs: sent as given", cls.unknown_field_label, field)
            return model
        finally:
            if token is not None:
                _REPORTED.reset(token)


class Page(VendorModel, Generic[T]):
    """One page of a paged list."""

    items: list[T] = Field(default_factory=list, alias="list")
    total: OptInt = None
    pageNumber: OptInt = None
    pageSize: OptInt = None


def describe_validation_error(error: ValidationError) -> str:
    """A one-line, human reading of a pydantic error: ``field.path: problem; ...``."""
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item.get("loc", ())) or "(body)"
        parts.append(f"{where}: {item.get('msg')}")
    return "; ".join(parts)
