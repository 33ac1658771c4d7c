"""Reading KakaClo requests: query parameters and JSON bodies, failing in the vendor's own format.

Everything malformed raises :class:`~.errors.MalformedRequest` (not JSON / not an object) or
:class:`~.errors.ValidationFailed` (missing, wrong type, too long, out of range), never a 500 or a
FastAPI 422.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from ..timeutil import parse_iso
from .errors import MalformedRequest, ValidationFailed

_MISSING = object()


# --- query string ---------------------------------------------------------------------------------


def query_csv(request: Request, name: str, max_items: int | None = None) -> list[str] | None:
    """Return a comma-separated query parameter as a list (``None`` when absent or blank).

    :param request: the request
    :param name: parameter name
    :param max_items: most values allowed
    :raises ValidationFailed: too many values
    """
    raw = request.query_params.get(name)
    if raw is None:
        return None
    values = [value.strip() for value in raw.split(",") if value.strip()]
    if not values:
        return None
    if max_items is not None and len(values) > max_items:
        raise ValidationFailed(f"{name}: at most {max_items} values, got {len(values)}")
    return values


def query_int(request: Request, name: str, *, minimum: int | None = None, default: int | None = None) -> int | None:
    """Return an integer query parameter.

    :raises ValidationFailed: not an integer, or below ``minimum``
    """
    raw = request.query_params.get(name)
    if raw is None or raw.strip() == "":
        return default
    return _to_int(raw.strip(), name, minimum)


def query_time(request: Request, name: str) -> int | None:
    """Return an ISO-8601 query parameter as epoch seconds.

    :raises ValidationFailed: not a timestamp
    """
    raw = request.query_params.get(name)
    if raw is None or raw.strip() == "":
        return None
    try:
        return parse_iso(raw)
    except ValueError:
        raise ValidationFailed(f"{name}: expected an ISO-8601 UTC time like 2022-08-01T00:00:00Z, got {raw!r}") from None


def query_ids(request: Request, name: str) -> list[int] | None:
    """Return a comma-separated list of numeric ids.

    :raises ValidationFailed: an id is not a number
    """
    values = query_csv(request, name)
    if values is None:
        return None
    return [_to_int(value, name, 0) for value in values]


def path_id(raw: str, name: str = "id") -> int:
    """Return a numeric path parameter.

    :raises ValidationFailed: not a number
    """
    return _to_int(raw, name, 0)


def _to_int(raw: str, name: str, minimum: int | None) -> int:
    text = raw.strip()
    if not text.lstrip("-").isdigit() or len(text) > 19:
        raise ValidationFailed(f"{name}: expected an integer, got {raw!r}")
    value = int(text)
    if minimum is not None and value < minimum:
        raise ValidationFailed(f"{name}: must be >= {minimum}, got {value}")
    return value


# --- JSON body ------------------------------------------------------------------------------------


async def json_object(request: Request) -> dict[str, Any]:
    """Return the body as a JSON object; an empty body counts as ``{}``.

    :raises MalformedRequest: not JSON, or not an object
    """
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise MalformedRequest("request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise MalformedRequest("request body must be a JSON object")
    return body


def field_str(obj: dict, name: str, *, required: bool = False, max_len: int | None = None,
              where: str = "", choices: tuple[str, ...] | None = None) -> str | None:
    """Return a string field.

    :param obj: the JSON object
    :param name: field name
    :param required: whether it must be present and non-blank
    :param max_len: longest allowed length
    :param where: prefix for messages (e.g. ``"orderAddresses."``)
    :param choices: allowed values
    :raises ValidationFailed: missing, not a string, too long, or not allowed
    """
    value = obj.get(name, _MISSING)
    if value is _MISSING or value is None:
        if required:
            raise ValidationFailed(f"{where}{name} is required")
        return None
    if not isinstance(value, str):
        raise ValidationFailed(f"{where}{name} must be a string")
    if required and not value.strip():
        raise ValidationFailed(f"{where}{name} is required")
    if max_len is not None and len(value) > max_len:
        raise ValidationFailed(f"{where}{name} is longer than {max_len} characters")
    if choices is not None and value not in choices:
        raise ValidationFailed(f"{where}{name} must be one of {list(choices)}, got {value!r}")
    return value


def field_int(obj: dict, name: str, *, required: bool = False, minimum: int | None = None,
              maximum: int | None = None, where: str = "", default: int | None = None) -> int | None:
    """Return an integer field (JSON numbers without fraction only; booleans refused).

    :raises ValidationFailed: missing, not an integer, or out of range
    """
    value = obj.get(name, _MISSING)
    if value is _MISSING or value is None:
        if required:
            raise ValidationFailed(f"{where}{name} is required")
        return default
    if (isinstance(value, bool) or not isinstance(value, (int, float))
            or (isinstance(value, float) and not value.is_integer())):
        raise ValidationFailed(f"{where}{name} must be an integer")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValidationFailed(f"{where}{name} must be >= {minimum}")
    if maximum is not None and value > maximum:
        raise ValidationFailed(f"{where}{name} must be <= {maximum}")
    return value


def field_list(obj: dict, name: str, *, required: bool = False, where: str = "",
               item_type: type | None = None) -> list | None:
    """Return a list field (optionally checking each element's type).

    :raises ValidationFailed: missing/empty when required, not a list, or a bad element
    """
    value = obj.get(name, _MISSING)
    if value is _MISSING or value is None:
        if required:
            raise ValidationFailed(f"{where}{name} is required")
        return None
    if not isinstance(value, list):
        raise ValidationFailed(f"{where}{name} must be an array")
    if required and not value:
        raise ValidationFailed(f"{where}{name} must not be empty")
    if item_type is not None and not all(isinstance(item, item_type) and not isinstance(item, bool)
                                         for item in value):
        raise ValidationFailed(f"{where}{name} must be an array of {item_type.__name__}")
    return value


def field_object(obj: dict, name: str, *, required: bool = False, where: str = "") -> dict | None:
    """Return an object field.

    :raises ValidationFailed: missing when required, or not an object
    """
    value = obj.get(name, _MISSING)
    if value is _MISSING or value is None:
        if required:
            raise ValidationFailed(f"{where}{name} is required")
        return None
    if not isinstance(value, dict):
        raise ValidationFailed(f"{where}{name} must be an object")
    return value


def sku_lines(obj: dict, name: str) -> list[tuple[str, int]]:
    """Return ``[(sku, quantity)]`` from an array of ``{sku: string[64], quantity: int > 0}``.

    :raises ValidationFailed: on any bad element
    """
    lines = []
    for position, line in enumerate(field_list(obj, name, required=True)):
        where = f"{name}[{position}]."
        if not isinstance(line, dict):
            raise ValidationFailed(f"{name}[{position}] must be an object")
        sku = field_str(line, "sku", required=True, max_len=64, where=where)
        quantity = field_int(line, "quantity", required=True, minimum=1, maximum=10**16 - 1, where=where)
        lines.append((sku, quantity))
    return lines
