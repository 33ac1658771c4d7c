"""Request parsing: bodies (form-encoded or JSON, spec §3), query parameters and field checks.

Documented: POST bodies as ``application/x-www-form-urlencoded`` or ``application/json``; GET
parameters in the query string (the seed's Postman sample also puts them in a GET body, which is read
too, the query string winning). INVENTED: a body without a content type is read as JSON when it starts
with ``{`` or ``[``, else as a form; repeated form keys keep the last value except ``name[]`` keys,
which become lists; length and type checks with their messages.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

from .errors import BirdSystemError


async def read_body(request: Request) -> Any:
    """Return the body as a dict (form or JSON object), a list (JSON array) or ``{}`` when empty.

    :raises BirdSystemError: on a malformed body
    """
    raw = await request.body()
    if not raw.strip():
        return {}
    content_type = request.headers.get("content-type", "").lower()
    if "multipart/form-data" in content_type:
        form = await request.form()
        return {key: value for key, value in form.items() if isinstance(value, str)}
    is_json = "json" in content_type or (not content_type and raw.lstrip()[:1] in (b"{", b"["))
    if is_json:
        try:
            return json.loads(raw)
        except ValueError:
            raise BirdSystemError("Invalid JSON in request body.") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BirdSystemError("Request body is not UTF-8.") from None
    return form_fields(text)


def form_fields(text: str) -> dict[str, Any]:
    """Decode a form-encoded body; ``key[]`` keys collect a list under ``key[]``."""
    fields: dict[str, Any] = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        if key.endswith("[]"):
            fields.setdefault(key, []).append(value)
        else:
            fields[key] = value
    return fields


async def body_object(request: Request) -> dict[str, Any]:
    """The body, which must be an object (form or JSON object)."""
    body = await read_body(request)
    if not isinstance(body, dict):
        raise BirdSystemError("Request body must be an object.")
    return body


async def params_with_body(request: Request) -> dict[str, Any]:
    """Query parameters, completed by the fields of a GET body object (the seed's Postman sample)."""
    params: dict[str, Any] = {}
    if await request.body():
        try:
            body = await read_body(request)
        except BirdSystemError:
            body = {}
        if isinstance(body, dict):
            params.update({key: value for key, value in body.items() if not isinstance(value, (dict, list))})
    params.update(request.query_params.items())
    return params


# --- field values ------------------------------------------------------------------------------------


def is_empty(value: Any) -> bool:
    """Whether a field counts as not given (absent, null or blank text)."""
    return value is None or (isinstance(value, str) and value.strip() == "")


def text(body: dict, name: str, max_len: int, *, required: bool = False) -> str | None:
    """A text field, stripped; ``None`` when empty.

    :raises BirdSystemError: when required and empty, not text, or longer than ``max_len``
    """
    value = body.get(name)
    if is_empty(value):
        if required:
            raise BirdSystemError(f"{name} is required.")
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise BirdSystemError(f"{name} must be a string.")
    value = str(value).strip()
    if len(value) > max_len:
        raise BirdSystemError(f"{name} is too long (maximum {max_len} characters).")
    return value


def decimal(body: dict, name: str, places: int, *, required: bool = False, minimum: Decimal | None = Decimal(0),
            digits: int = 10) -> str | None:
    """A DECIMAL field rendered as a string with ``places`` decimals; ``None`` when empty.

    :raises BirdSystemError: when required and empty, not a number, negative or too large
    """
    value = body.get(name)
    if is_empty(value):
        if required:
            raise BirdSystemError(f"{name} is required.")
        return None
    if isinstance(value, bool):
        raise BirdSystemError(f"{name} must be a number.")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise BirdSystemError(f"{name} must be a number.") from None
    if not number.is_finite() or (minimum is not None and number < minimum):
        raise BirdSystemError(f"{name} must be a number >= {minimum}.")
    if abs(number) >= Decimal(10) ** (digits - places):
        raise BirdSystemError(f"{name} is too large.")
    return str(number.quantize(Decimal(1).scaleb(-places)))


def integer(body: dict, name: str, *, required: bool = False, minimum: int = 0, maximum: int = 2**31 - 1) -> int | None:
    """An INT field; ``None`` when empty.

    :raises BirdSystemError: when required and empty, not an integer or out of range
    """
    value = body.get(name)
    if is_empty(value):
        if required:
            raise BirdSystemError(f"{name} is required.")
        return None
    if isinstance(value, bool):
        raise BirdSystemError(f"{name} must be an integer.")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    try:
        number = int(str(value).strip())
    except ValueError:
        raise BirdSystemError(f"{name} must be an integer.") from None
    if not minimum <= number <= maximum:
        raise BirdSystemError(f"{name} must be between {minimum} and {maximum}.")
    return number


def flag(body: dict, name: str) -> str | None:
    """A TINYINT(1) flag as ``"0"``/``"1"``; ``None`` when empty.

    :raises BirdSystemError: on anything but 0/1/true/false
    """
    value = body.get(name)
    if is_empty(value):
        return None
    normalized = str(value).strip().lower()
    if normalized in ("1", "true", "on"):
        return "1"
    if normalized in ("0", "false", "off"):
        return "0"
    raise BirdSystemError(f"{name} must be 0 or 1.")


def choice(body: dict, name: str, choices: tuple[str, ...], *, required: bool = False) -> str | None:
    """An ENUM field (exact, upper-case values).

    :raises BirdSystemError: when required and empty or not one of ``choices``
    """
    value = text(body, name, 64, required=required)
    if value is None:
        return None
    if value not in choices:
        raise BirdSystemError(f"{name} must be one of {', '.join(choices)}.")
    return value


def id_list(raw: Any) -> list[str]:
    """Ids given as a list or as text separated by commas or underscores (both appear in the docs)."""
    if raw is None:
        return []
    if isinstance(raw, list):
        items = [str(item) for item in raw]
    else:
        items = str(raw).replace("_", ",").split(",")
    return [item.strip() for item in items if item.strip()]
