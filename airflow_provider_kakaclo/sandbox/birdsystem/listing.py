"""ExtJS-store style lists (spec §4): ``start``/``limit``/``page`` paging, the JSON ``filter`` parameter in
both documented styles, plain field filters, ``sort``/``dir`` and ``selectFields``.

Pure functions, no HTTP and no state: a resource hands in its items, a ``value_of(item, field)``
accessor and the set of field names its rows have.

Documented: the two filter styles (``{"type","comparison","value","field"}`` and
``{"property","value"}``), plain ``?field=value`` filters, ``limit=-1`` for everything (INF), ``_dc``
ignored, ``selectFields``. INVENTED: comparisons other than the examples' ``eq`` (``ne``, ``lt``,
``le``, ``gt``, ``ge``, ``in``, ``like``; ExtJS's ``type: string`` defaults to ``like`` and ``type:
list`` to ``in``), ``operator`` / ``anyMatch`` of ExtJS 4 filters, MySQL-like matching (case-insensitive
text, ``"1"`` equals ``1`` and ``true``), empty plain filters ignored, ``sort`` as a JSON list or a field
name with ``dir``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import BirdSystemError

PAGING = frozenset({"start", "limit", "page", "_dc", "filter", "sort", "dir", "selectFields"})
"""Query parameters that are never plain field filters."""

_NUMBER = re.compile(r"^-?(0|[1-9]\d*)(\.\d+)?$")
_OPERATORS = {"=": "eq", "==": "eq", "eq": "eq", "!=": "ne", "<>": "ne", "ne": "ne", "neq": "ne", "<": "lt",
              "lt": "lt", "<=": "le", "le": "le", "lte": "le", ">": "gt", "gt": "gt", ">=": "ge", "ge": "ge",
              "gte": "ge", "like": "like", "in": "in"}


def _number(value: Any) -> Decimal | None:
    """The numeric value of a JSON number, a boolean or a canonical decimal string; else ``None``."""
    if isinstance(value, bool):
        return Decimal(int(value))
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, str):
        text = value.strip()
        if text.lower() in ("true", "false"):
            return Decimal(1 if text.lower() == "true" else 0)
        if _NUMBER.match(text):
            try:
                return Decimal(text)
            except InvalidOperation:  # pragma: no cover - the regex rules it out
                return None
    return None


def _text(value: Any) -> str:
    return value.casefold() if isinstance(value, str) else str(value).casefold()


def equals(row_value: Any, wanted: Any) -> bool:
    """MySQL-like equality: numbers and flags by value, text case-insensitively; NULL equals nothing."""
    if row_value is None:
        return wanted is None
    if wanted is None:
        return False
    left, right = _number(row_value), _number(wanted)
    if left is not None and right is not None:
        return left == right
    return _text(row_value) == _text(wanted)


def _order(row_value: Any, wanted: Any) -> int | None:
    """-1/0/1 comparing a row value with a filter value (numbers by value, else text); None for NULL."""
    if row_value is None or wanted is None:
        return None
    left: Any
    right: Any
    left, right = _number(row_value), _number(wanted)
    if left is None or right is None:
        left, right = _text(row_value), _text(wanted)
    return (left > right) - (left < right)


def _like(row_value: Any, pattern: Any) -> bool:
    if row_value is None or pattern is None:
        return False
    text, wanted = _text(row_value), _text(pattern)
    if "%" in wanted:
        regex = "^" + ".*".join(re.escape(part) for part in wanted.split("%")) + "$"
        return re.match(regex, text, re.S) is not None
    return wanted in text


@dataclass(frozen=True)
class Condition:
    """One filter condition on a row field."""

    field: str
    op: str
    value: Any

    def test(self, row_value: Any) -> bool:
        """Whether a row value satisfies the condition."""
        if self.op == "eq":
            return equals(row_value, self.value)
        if self.op == "ne":
            return row_value is not None and not equals(row_value, self.value)
        if self.op == "like":
            return _like(row_value, self.value)
        if self.op == "in":
            values = self.value if isinstance(self.value, list) else str(self.value).split(",")
            return any(equals(row_value, value) for value in values)
        order = _order(row_value, self.value)
        if order is None:
            return False
        return {"lt": order < 0, "le": order <= 0, "gt": order > 0, "ge": order >= 0}[self.op]


@dataclass
class ListQuery:
    """A parsed list request."""

    start: int
    limit: int | None  # None: every row
    conditions: list[Condition]
    sort: list[tuple[str, bool]]  # (field, descending)
    select: list[str] | None


def parse_filter(raw: str) -> list[Condition]:
    """Parse the JSON ``filter`` parameter (both documented styles).

    :param raw: the parameter text
    :return: the conditions
    :raises BirdSystemError: when it is not a JSON list of filter objects
    """
    if not raw.strip():
        return []
    try:
        data = json.loads(raw)
    except ValueError:
        raise BirdSystemError("Invalid filter parameter: not JSON.") from None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise BirdSystemError("Invalid filter parameter: a JSON list of filters is expected.")
    conditions = []
    for item in data:
        if not isinstance(item, dict):
            raise BirdSystemError("Invalid filter parameter: each filter must be an object.")
        field = item.get("field", item.get("property"))
        if not isinstance(field, str) or not field:
            raise BirdSystemError("Invalid filter parameter: 'field' or 'property' is required.")
        value = item.get("value")
        if "comparison" in item or "type" in item:  # ExtJS 3 grid filter: type, comparison, value, field
            kind = str(item.get("type") or "string").lower()
            comparison = item.get("comparison")
            if comparison is None:
                op = {"string": "like", "list": "in"}.get(kind, "eq")
            else:
                op = _OPERATORS.get(str(comparison).lower())
        else:  # ExtJS 4 store filter: property, value[, operator, anyMatch]
            op = "like" if item.get("anyMatch") is True else _OPERATORS.get(str(item.get("operator") or "eq").lower())
        if op is None:
            raise BirdSystemError(f"Invalid filter parameter: unknown comparison for {field}.")
        conditions.append(Condition(field, op, value))
    return conditions


def _parse_sort(params: Mapping[str, str]) -> list[tuple[str, bool]]:
    raw = (params.get("sort") or "").strip()
    if not raw:
        return []
    descending = (params.get("dir") or "ASC").strip().upper() == "DESC"
    if raw.startswith("["):
        try:
            data = json.loads(raw)
        except ValueError:
            raise BirdSystemError("Invalid sort parameter.") from None
        if not isinstance(data, list) or not all(isinstance(item, dict) and isinstance(item.get("property"), str)
                                                 for item in data):
            raise BirdSystemError("Invalid sort parameter.")
        return [(item["property"], str(item.get("direction") or "ASC").upper() == "DESC") for item in data]
    return [(raw, descending)]


def _int_param(params: Mapping[str, str], name: str) -> int | None:
    raw = params.get(name)
    if raw is None or str(raw).strip() == "":
        return None
    try:
        return int(str(raw).strip())
    except ValueError:
        raise BirdSystemError(f"Invalid {name} parameter.") from None


def parse_list_query(params: Mapping[str, Any], *, reserved: Iterable[str] = (), default_limit: int = 25,
                     max_limit: int = 0) -> ListQuery:
    """Parse paging, filters, sort and selected fields.

    :param params: query parameters (plus the fields of a GET body), one value per name
    :param reserved: resource parameters that are not plain field filters
    :param default_limit: rows per page without ``limit``
    :param max_limit: largest honoured ``limit``, 0 for none
    :return: the query
    :raises BirdSystemError: on a malformed parameter
    """
    start = _int_param(params, "start")
    limit = _int_param(params, "limit")
    page = _int_param(params, "page")
    if start is not None and start < 0:
        raise BirdSystemError("Invalid start parameter.")
    if limit is None or limit == 0:
        limit = default_limit
    elif limit == -1:
        limit = None
    elif limit < -1:
        raise BirdSystemError("Invalid limit parameter.")
    if limit is not None and max_limit and limit > max_limit:
        limit = max_limit
    if start is None:
        start = (page - 1) * limit if page is not None and page > 1 and limit is not None else 0
    skip = PAGING | set(reserved)
    conditions = [Condition(name, "eq", value) for name, value in params.items()
                  if name not in skip and value is not None and str(value) != ""]
    conditions.extend(parse_filter(str(params.get("filter") or "")))
    select = [name.strip() for name in str(params.get("selectFields") or "").split(",") if name.strip()] or None
    return ListQuery(start, limit, conditions, _parse_sort(params), select)


def _sort_key(value: Any) -> tuple:
    if value is None:
        return (0, 0)
    number = _number(value)
    if number is not None:
        return (1, number)
    return (2, _text(value))


def run(items: Iterable[Any], query: ListQuery, value_of: Callable[[Any, str], Any], known: frozenset[str] | set[str],
        *, unknown: str = "error", newest_first: bool = True, id_field: str | None = "id") -> tuple[int, list[Any]]:
    """Filter, sort and page ``items``.

    :param items: the resource's items
    :param query: the parsed request
    :param value_of: ``(item, field) -> value`` of a row field
    :param known: field names the rows have
    :param unknown: ``"error"`` or ``"ignore"`` conditions and sorts on other fields
    :param newest_first: default order, by ``id_field``
    :param id_field: field ordering rows without ``sort`` (``None``: keep the given order)
    :return: ``(total matches, the page of items)``
    :raises BirdSystemError: on an unknown field with ``unknown="error"``
    """
    conditions = []
    for condition in query.conditions:
        if condition.field in known:
            conditions.append(condition)
        elif unknown == "error":
            raise BirdSystemError(f"Unknown filter field: {condition.field}.")
    sort = []
    for field, descending in query.sort:
        if field in known:
            sort.append((field, descending))
        elif unknown == "error":
            raise BirdSystemError(f"Unknown sort field: {field}.")
    matched = [item for item in items if all(c.test(value_of(item, c.field)) for c in conditions)]
    default = [(id_field, newest_first)] if id_field is not None else []
    for field, descending in reversed(sort or default):
        matched.sort(key=lambda item, f=field: _sort_key(value_of(item, f)), reverse=descending)  # type: ignore[misc]
    total = len(matched)
    end = None if query.limit is None else query.start + query.limit
    return total, matched[query.start:end]


def project(row: dict, select: list[str] | None) -> dict:
    """Keep only ``selectFields`` (all fields when none)."""
    if not select:
        return row
    return {name: row[name] for name in select if name in row}
