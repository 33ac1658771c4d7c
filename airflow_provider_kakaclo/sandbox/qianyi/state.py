"""The Qianyi backend: all sandbox state, with methods named after the vendor's service types.

Like a moto backend it knows nothing of HTTP or of the form envelope: ``responses.py`` checks the
envelope (appId, sign, timestamp, serviceType), ``services.py`` reads each bizParam and calls one method
here, ``errors.py`` holds the failures. One instance lives for the whole app and is reset in place.
Every public method takes the backend lock. SKUs are a dict keyed by sku code (insertion ordered), so
lookups are O(1) and list queries one pass.
"""

from __future__ import annotations

import calendar
import copy
import hashlib
import itertools
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..backend import ControlError as BaseControlError
from ..backend import VendorBackend
from ..timeutil import to_epoch
from . import DEFAULT_APP_ID, DEFAULT_APP_SECRET, errors
from .catalog import (
    ASN_STATUSES,
    CUSTOM_FIELDS,
    CUSTOM_FIELDS_BY_ID,
    INVENTORY_FIELDS,
    WAREHOUSES,
    WAREHOUSES_BY_NAME,
    CustomField,
    Warehouse,
    seeded_base,
)

DEFAULT_SEED = 20240626
DEFAULT_SKU_COUNT = 300
MAX_SKU_COUNT = 200_000
DEFAULT_ODO_COUNT = 20
DEFAULT_ASN_COUNT = 10
FIRST_SALES_ORDER_SEQ = 2712016
SETTINGS = frozenset({"seed", "sku_count", "anchor", "apps", "app_id", "app_secret", "odo_count", "asn_count"})
IGNORED_GENERIC = frozenset({"catalog_size", "balance", "tokens"})
"""Generic sandbox settings that reach every vendor but mean nothing here (catalog_size is KakaClo's
catalog; the Qianyi size is ``sku_count``)."""
_SHIPPING = ("purchaseShippingQuantity", "firstLegShippingQuantity", "transferShippingQuantity",
             "assemblyShippingQuantity", "returnShippingQuantity", "manualShippingQuantity")
FAULT_ACTIONS = ("error", "status", "delay")


class ControlError(BaseControlError):
    """A control-API request that cannot be served: HTTP 400 unless the raise says otherwise."""

    status = 400


@dataclass
class ServiceFault:
    """A fault on the next calls of one serviceType (``/_sandbox/qianyi/faults``).

    ``after_commit`` answers the fault only after the call was processed (its write committed).
    """

    id: int
    service_type: str | None
    action: str
    remaining: int | None = 1
    layer: str = "outer"
    code: str = errors.SYSTEM_ERROR
    message: str | None = None
    status: int | None = None
    body: Any = None
    seconds: float = 0.0
    after_commit: bool = False
    fired: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "service_type": self.service_type, "action": self.action,
                "remaining": self.remaining, "layer": self.layer, "code": self.code, "message": self.message,
                "status": self.status, "body": self.body, "seconds": self.seconds,
                "after_commit": self.after_commit}


@dataclass
class Range:
    """Inclusive epoch-second bounds (``None`` = open)."""

    low: int | None = None
    high: int | None = None

    def holds(self, moment: int | None) -> bool:
        if self.low is None and self.high is None:
            return True
        if moment is None:
            return False
        return (self.low is None or moment >= self.low) and (self.high is None or moment <= self.high)


@dataclass
class CustomFilter:
    """One SkuCustomFieldValueSO."""

    field_id: int
    value: str | None = None
    low: str | None = None
    high: str | None = None


@dataclass
class Stats:
    """Per-serviceType counters."""

    calls: Counter = field(default_factory=Counter)
    outcomes: dict[str, Counter] = field(default_factory=dict)
    faults: Counter = field(default_factory=Counter)


class QianyiBackend(VendorBackend):
    """Sandbox state of one Qianyi ERP account (all apps share it)."""

    # -- setup -------------------------------------------------------------------------------------

    def reset(self, settings: dict[str, Any] | None = None) -> None:
        """Forget every change and rebuild from ``settings``; also zeroes the per-serviceType counters.

        :param settings: ``seed`` (int), ``sku_count`` (0-200000, default 300), ``anchor`` (ISO time or epoch
            seconds; seeded times lie before it; default today 00:00 UTC), ``apps`` ({appId: appSecret}) or
            ``app_id`` + ``app_secret``, ``odo_count`` (20), ``asn_count`` (10)
        :raises ValueError: on a bad setting (nothing is changed then)
        """
        settings = dict(settings or {})
        unknown = sorted(set(settings) - SETTINGS - IGNORED_GENERIC)
        if unknown:
            raise ValueError(f"unknown qianyi settings {unknown}; known: {sorted(SETTINGS)}")
        seed = _int_setting(settings, "seed", DEFAULT_SEED, 0, 2**63)
        size = _int_setting(settings, "sku_count", DEFAULT_SKU_COUNT, 0, MAX_SKU_COUNT)
        odo_count = _int_setting(settings, "odo_count", DEFAULT_ODO_COUNT, 0, 100_000)
        asn_count = _int_setting(settings, "asn_count", DEFAULT_ASN_COUNT, 0, 100_000)
        apps = _apps_setting(settings)
        anchor = self.seed_anchor(settings)
        base = seeded_base(seed, size, anchor, odo_count, asn_count)
        skus = dict(base.skus)
        updated = dict(base.updated)
        inventory = {name: {code: list(q) for code, q in rows.items()} for name, rows in base.inventory.items()}
        odos = [dict(odo) for odo in base.odos]
        asns = [dict(asn) for asn in base.asns]
        with self._lock:
            self.seed, self.sku_count, self.anchor = seed, size, anchor
            self.apps: dict[str, str] = apps
            self.skus = skus
            self._updated = updated
            self._created = dict(updated)
            self.inventory = inventory
            self.odos: list[dict[str, Any]] = odos
            self.asns: dict[str, dict[str, Any]] = {asn["asnNumber"]: asn for asn in asns}
            self._next_asn = len(asns) + 1
            self.sales_orders: dict[str, dict[str, Any]] = {}
            self._online_numbers: dict[tuple[str, str], str] = {}
            self._next_sales_order = FIRST_SALES_ORDER_SEQ
            self._requests = itertools.count(1)
            self.faults: list[ServiceFault] = []
            self._fault_ids = itertools.count(1)
            self.stats = Stats()
            self.buckets.reset()

    def now(self) -> int:
        """Current wall time in epoch seconds."""
        return to_epoch(self.clocks.now())

    def request_id(self) -> str:
        """A deterministic UUID for the outer ``requestId`` (md5 of seed and request number)."""
        digest = hashlib.md5(f"qianyi:{self.seed}:{next(self._requests)}".encode()).digest()
        return str(uuid.UUID(bytes=digest, version=4))

    # -- apps, signature, throttling ------------------------------------------------------------

    def app_secret(self, app_id: str | None) -> str | None:
        """Return the secret of ``app_id``, or ``None`` when the app does not exist."""
        with self._lock:
            return self.apps.get(app_id) if app_id is not None else None

    def set_apps(self, apps: dict[str, str]) -> dict[str, str]:
        """Replace the valid apps ``{appId: appSecret}``."""
        checked = _apps_setting({"apps": apps})
        with self._lock:
            self.apps = checked
            return dict(self.apps)

    def admit(self, app_id: str) -> float | None:
        """Count one call against ``app_id``'s leaky bucket (switch ``rate_limit_enabled``).

        :return: ``None`` when admitted, else seconds until a call would fit
        """
        if not self.switches["rate_limit_enabled"]:
            return None
        return self.buckets.try_acquire(app_id, self.switches["rate_limit_capacity"],
                                        self.switches["rate_limit_leak_per_second"])

    # -- per-serviceType counters and faults ----------------------------------------------------

    def count_call(self, service_type: str) -> None:
        """Count one call of ``service_type`` (whatever its outcome)."""
        with self._lock:
            self.stats.calls[service_type] += 1

    def record_outcome(self, service_type: str, outcome: str) -> None:
        """Record how a counted call ended: ``"success"`` or the errorCode answered."""
        with self._lock:
            self.stats.outcomes.setdefault(service_type, Counter())[outcome] += 1

    def calls(self) -> dict[str, int]:
        """``{serviceType: calls}``."""
        with self._lock:
            return dict(self.stats.calls)

    def calls_detail(self) -> dict[str, dict[str, Any]]:
        """``{serviceType: {"calls", "success", "errors": {code: n}, "faults"}}``."""
        with self._lock:
            out = {}
            for service_type, count in self.stats.calls.items():
                outcomes = self.stats.outcomes.get(service_type, Counter())
                out[service_type] = {"calls": count, "success": outcomes.get("success", 0),
                                     "errors": {code: n for code, n in outcomes.items() if code != "success"},
                                     "faults": self.stats.faults.get(service_type, 0)}
            return out

    def reset_calls(self) -> None:
        """Zero the per-serviceType counters."""
        with self._lock:
            self.stats = Stats()

    def add_fault(self, data: dict[str, Any]) -> ServiceFault:
        """Add a serviceType fault from its control JSON.

        :raises ControlError: on a bad field
        """
        known = {"service_type", "action", "count", "layer", "code", "message", "status", "body", "seconds",
                 "after_commit"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ControlError(f"unknown fault fields {unknown}; known: {sorted(known)}")
        service_type = data.get("service_type")
        if service_type is not None and (not isinstance(service_type, str) or not service_type):
            raise ControlError("service_type must be a non-empty string, or null for any")
        action = data.get("action", "error")
        if action not in FAULT_ACTIONS:
            raise ControlError(f"action must be one of {list(FAULT_ACTIONS)}")
        count = data.get("count", 1)
        if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
            raise ControlError("count must be a positive integer, or null for every matching call")
        layer = data.get("layer", "outer")
        if layer not in ("outer", "biz"):
            raise ControlError("layer must be 'outer' or 'biz'")
        code = data.get("code", errors.SYSTEM_ERROR)
        if not isinstance(code, str) or not code:
            raise ControlError("code must be a non-empty string")
        message = data.get("message")
        if message is not None and not isinstance(message, str):
            raise ControlError("message must be a string")
        status = data.get("status")
        if status is not None and (isinstance(status, bool) or not isinstance(status, int)
                                   or not 100 <= status <= 599):
            raise ControlError("status must be an HTTP status code")
        if action == "status" and status is None:
            raise ControlError("action 'status' needs a 'status'")
        seconds = data.get("seconds", 0.0)
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
            raise ControlError("seconds must be a non-negative number")
        if action == "delay" and "seconds" not in data:
            raise ControlError("action 'delay' needs 'seconds'")
        after_commit = data.get("after_commit", False)
        if not isinstance(after_commit, bool):
            raise ControlError("after_commit must be true or false")
        if action == "delay" and after_commit:
            raise ControlError("after_commit applies to 'error' and 'status' only")
        with self._lock:
            rule = ServiceFault(next(self._fault_ids), service_type, action, count, layer, code, message, status,
                                data.get("body"), float(seconds), after_commit)
            self.faults.append(rule)
            return rule

    def take_fault(self, service_type: str) -> ServiceFault | None:
        """Consume one use of the first fault matching ``service_type``."""
        with self._lock:
            for rule in self.faults:
                if rule.service_type is None or rule.service_type == service_type:
                    if rule.remaining is not None:
                        rule.remaining -= 1
                        if rule.remaining <= 0:
                            self.faults.remove(rule)
                    self.stats.faults[service_type] += 1
                    return rule
        return None

    def pending_faults(self) -> list[dict[str, Any]]:
        with self._lock:
            return [rule.as_dict() for rule in self.faults]

    def clear_faults(self) -> int:
        with self._lock:
            removed = len(self.faults)
            self.faults = []
            return removed

    # -- time helpers --------------------------------------------------------------------------------

    @property
    def offset(self) -> int:
        """UTC offset of local times in seconds (switch ``timezone_offset_hours``)."""
        return self.switches["timezone_offset_hours"] * 3600

    def local_time(self, seconds: int | None) -> str | None:
        """``yyyy-MM-dd HH:mm:ss`` in the vendor's local time."""
        if seconds is None:
            return None
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(seconds + self.offset))

    def day_range(self, low: date | None, high: date | None) -> Range:
        """Epoch bounds of local days ``low`` .. ``high`` inclusive."""
        start = calendar.timegm(low.timetuple()) - self.offset if low else None
        end = calendar.timegm(high.timetuple()) - self.offset + 86399 if high else None
        return Range(start, end)

    # -- sku: QUERY_SIMPLE_LIST_SKU, INSERT_SKU_INFO, UPDATE_SKU_INFO, UPDATE_SKU_STATUS ----------

    def query_simple_list_sku(self, *, skus: list[str] | None, titles: list[str] | None,
                              categories: tuple[str | None, str | None, str | None], updated: Range,
                              custom: list[CustomFilter], page: int, page_size: int) -> tuple[list[dict], int]:
        """Query SKUs (seed §1.1). Filters combine with AND; order: insertion order (seeded first).

        :return: ``(rendered page, total matches)``
        """
        with self._lock:
            if skus:
                wanted = set(skus)
                records = [record for code, record in self.skus.items() if code in wanted] \
                    if len(wanted) * 8 > len(self.skus) else \
                    sorted((self.skus[code] for code in wanted if code in self.skus), key=self._position)
            else:
                records = list(self.skus.values())
            title_set = set(titles) if titles else None
            contains = self.switches["title_match"] == "contains"
            string_contains = self.switches["custom_field_string_match"] == "contains"
            matches = []
            for record in records:
                if title_set is not None:
                    title = record.get("title", "")
                    if not (any(t in title for t in title_set) if contains else title in title_set):
                        continue
                if any(wanted is not None and record.get(f"categoryName{n}") != wanted
                       for n, wanted in enumerate(categories, start=1)):
                    continue
                if not updated.holds(self._updated.get(record["sku"])):
                    continue
                if custom and not all(_custom_match(record, rule, string_contains) for rule in custom):
                    continue
                matches.append(record)
            window = matches[(page - 1) * page_size: page * page_size]
            echo = self.switches["unit_echo"]
            return [render_sku(record, echo) for record in window], len(matches)

    def _position(self, record: dict[str, Any]) -> int:
        return self._order_of(record["sku"])

    def _order_of(self, code: str) -> int:
        index = getattr(self, "_index_cache", None)
        if index is None or index[0] is not self.skus or index[1] != len(self.skus):
            index = (self.skus, len(self.skus), {c: i for i, c in enumerate(self.skus)})
            self._index_cache = index
        return index[2][code]

    def insert_sku_info(self, record: dict[str, Any], warehouse_names: list[str] | None) -> str:
        """Create a SKU (seed §1.2).

        :param record: checked fields
        :param warehouse_names: warehouseNameList: SINGLE SKUs get an (empty) inventory row there
        :return: the sku code
        :raises BizError: duplicate sku (switch ``duplicate_sku``), unknown sub-SKU or custom field,
            unknown warehouse
        """
        with self._lock:
            code = record["sku"]
            if code in self.skus:
                which = self.switches["duplicate_sku"]
                if which == errors.SKU_EXIST:
                    raise errors.BizError(errors.SKU_EXIST, f"sku已存在: {code}")
                raise errors.data_input_error(f"sku {code} already exists")
            self._check_references(record)
            for name in warehouse_names or ():
                if name not in WAREHOUSES_BY_NAME:
                    raise errors.data_input_error(f"warehouseNameList: warehouse {name!r} does not exist")
            stored = {**record, "isDeleted": 0}
            stored.setdefault("singleSkuList", [])
            self.skus[code] = stored
            now = self.now()
            self._updated[code] = self._created[code] = now
            if record.get("type") == "SINGLE":
                for name in warehouse_names or ():
                    self.inventory[name].setdefault(code, [0] * len(INVENTORY_FIELDS))
            return code

    def update_sku_info(self, record: dict[str, Any]) -> str:
        """Update a SKU (seed §1.3): merge or replace (switch ``update_mode``); unknown sku per
        ``update_unknown_sku``.

        :return: the sku code
        """
        with self._lock:
            code = record["sku"]
            current = self.skus.get(code)
            if current is None:
                if self.switches["update_unknown_sku"] == "insert":
                    return self.insert_sku_info(record, None)
                raise errors.unknown_skus([code])
            self._check_references(record)
            if self.switches["update_mode"] == "replace":
                stored = {**record, "isDeleted": current.get("isDeleted", 0)}
            else:
                stored = {**current, **record}
            self.skus[code] = stored
            self._updated[code] = self.now()
            return code

    def update_sku_status(self, code: str, enable: int) -> str:
        """Enable (1) or disable (0) a SKU (seed §1.4).

        :raises BizError: SKU_NOT_EXISTS_WITH_ARGS
        """
        with self._lock:
            current = self.skus.get(code)
            if current is None:
                raise errors.unknown_skus([code])
            self.skus[code] = {**current, "enable": enable}
            self._updated[code] = self.now()
            return code

    def _check_references(self, record: dict[str, Any]) -> None:
        subs = [line["sku"] for line in record.get("singleSkuList") or ()]
        missing = [code for code in dict.fromkeys(subs) if code not in self.skus and code != record["sku"]]
        if missing:
            raise errors.unknown_skus(missing)
        for value in record.get("skuCustomFieldValueVOList") or ():
            known = CUSTOM_FIELDS_BY_ID.get(value["customFieldId"])
            if known is None or known.table_name != "SYS_ITEM":
                raise errors.data_input_error(
                    f"skuCustomFieldValueVOList: customFieldId {value['customFieldId']} is not a SYS_ITEM field")

    # -- property: CUSTOMER_FIELD_QUERY ------------------------------------------------------------

    def customer_field_query(self, *, table_name: str, colum_type: str | None, colum_name: str | None,
                             required: int | None, is_query: int | None, is_show: int | None) -> list[dict]:
        """Custom fields of one table (spec §6); a flag of 1 keeps only fields having it, 0 does not filter."""
        found: list[CustomField] = []
        for custom in CUSTOM_FIELDS:
            if custom.table_name != table_name:
                continue
            if colum_type is not None and custom.colum_type != colum_type:
                continue
            if colum_name is not None and custom.colum_name != colum_name:
                continue
            if required == 1 and custom.required != 1:
                continue
            if is_query == 1 and custom.is_query != 1:
                continue
            if is_show == 1 and custom.is_show != 1:
                continue
            found.append(custom)
        return [custom.render() for custom in found]

    # -- warehouse: QUERY_WAREHOUSE_LIST ------------------------------------------------------------

    def query_warehouse_list(self, *, status: str | None, name: str | None, page: int,
                             page_size: int) -> tuple[list[dict], int]:
        """Warehouses (spec §9); ``name`` matches exactly."""
        found = [w for w in WAREHOUSES if (status is None or w.status == status) and (name is None or w.name == name)]
        return [w.render() for w in found[(page - 1) * page_size: page * page_size]], len(found)

    # -- inventory: QUERY_SIMPLE_LIST_INVENTORY(_V2) -----------------------------------------------

    def query_simple_list_inventory(self, *, warehouse: str, skus: list[str] | None, page: int, page_size: int,
                                    v2: bool) -> tuple[list[dict], int]:
        """Inventory rows of one warehouse (spec §7.1), SKU order of first stocking.

        :raises BizError: DATA_INPUT_ERROR for an unknown warehouse name
        """
        with self._lock:
            target = WAREHOUSES_BY_NAME.get(warehouse)
            if target is None:
                raise errors.data_input_error(f"warehouse {warehouse!r} does not exist")
            rows = self.inventory[warehouse]
            if skus:
                wanted = set(skus)
                codes = [code for code in rows if code in wanted]
            else:
                codes = list(rows)
            window = codes[(page - 1) * page_size: page * page_size]
            return [self._render_inventory(target, code, rows[code], v2) for code in window], len(codes)

    def _render_inventory(self, warehouse: Warehouse, code: str, quantities: list[int], v2: bool) -> dict:
        q = dict(zip(INVENTORY_FIELDS, quantities, strict=True))
        row: dict[str, Any] = {
            "sku": code, "warehouse": warehouse.name,
            "total": q["available"] + q["allocated"] + q["unavailable"],
            "available": q["available"], "allocated": q["allocated"],
            "shippingQuantity": sum(q[name] for name in _SHIPPING),
        }
        row.update({name: q[name] for name in _SHIPPING})
        row.update({name: q[name] for name in ("orderAllocated", "firstLegAllocated", "transferAllocated",
                                                 "assemblyAllocated")})
        if v2:
            record = self.skus.get(code, {})
            cost = record.get("purchaseCost") or 0
            row.update({"skuName": record.get("title"), "warehouseCode": warehouse.code,
                        "unavailable": q["unavailable"], "totalCost": round(cost * row["total"], 2),
                        "availableCost": round(cost * q["available"], 2)})
        return row

    def set_inventory(self, warehouse: str, code: str, quantities: dict[str, int]) -> dict[str, Any]:
        """Control: set some quantities of one (warehouse, sku) row (created with zeros if absent).

        :raises ControlError: unknown warehouse, sku or quantity name
        """
        with self._lock:
            target = WAREHOUSES_BY_NAME.get(warehouse)
            if target is None:
                raise ControlError(f"unknown warehouse {warehouse!r}", 404)
            if code not in self.skus:
                raise ControlError(f"unknown sku {code!r}", 404)
            unknown = sorted(set(quantities) - set(INVENTORY_FIELDS))
            if unknown:
                raise ControlError(f"unknown quantities {unknown}; known: {list(INVENTORY_FIELDS)}")
            row = self.inventory[warehouse].setdefault(code, [0] * len(INVENTORY_FIELDS))
            for name, value in quantities.items():
                row[INVENTORY_FIELDS.index(name)] = value
            return self._render_inventory(target, code, row, True)

    def inventory_of(self, code: str) -> dict[str, dict[str, Any]]:
        """Control: ``{warehouse name: v2 row}`` of one SKU."""
        with self._lock:
            return {name: self._render_inventory(WAREHOUSES_BY_NAME[name], code, rows[code], True)
                    for name, rows in self.inventory.items() if code in rows}

    # -- odo: QUERY_ODO_LIST ------------------------------------------------------------------------

    def query_odo_list(self, *, warehouse_name: str | None, type_: str | None, status: str | None,
                       created: Range, shipped: Range, updated: Range, number_param: str | None,
                       sku_param: str | None, order_numbers: list[str] | None, custom_numbers: list[str] | None,
                       calculate_cost: bool, page: int, page_size: int) -> tuple[list[dict], int]:
        """Outbound orders (spec §8.1), oldest first."""
        with self._lock:
            order_set = set(order_numbers) if order_numbers else None
            custom_set = set(custom_numbers) if custom_numbers else None
            found = []
            for odo in self.odos:
                if warehouse_name is not None and odo["warehouseName"] != warehouse_name:
                    continue
                if type_ is not None and odo["type"] != type_:
                    continue
                if status is not None and odo["status"] != status:
                    continue
                if not (created.holds(odo["_createTime"]) and shipped.holds(odo["_shipTime"])
                        and updated.holds(odo["_updateTime"])):
                    continue
                if number_param is not None and number_param not in (odo["number"], odo["customNumber"]):
                    continue
                if sku_param is not None and not any(line["sku"] == sku_param or sku_param in line["title"]
                                                     for line in odo["odoSkuList"]):
                    continue
                if order_set is not None and odo["number"] not in order_set:
                    continue
                if custom_set is not None and odo["customNumber"] not in custom_set:
                    continue
                found.append(odo)
            window = found[(page - 1) * page_size: page * page_size]
            return [self.render_odo(odo, calculate_cost) for odo in window], len(found)

    def render_odo(self, odo: dict[str, Any], calculate_cost: bool = False) -> dict[str, Any]:
        out = {key: copy.deepcopy(value) for key, value in odo.items() if not key.startswith("_")}
        out.update({"createTime": self.local_time(odo["_createTime"]),
                    "updateTime": self.local_time(odo["_updateTime"])})
        if odo["_shipTime"] is not None:
            out["shipTime"] = self.local_time(odo["_shipTime"])
        if calculate_cost:
            out["outboundCost"] = odo["_cost"]
        return out

    # -- asn: QUERY_ASN_LIST, CREATE_ASN_ORDER --------------------------------------------------------

    def query_asn_list(self, *, warehouse_name: str | None, type_: str | None, status: str | None,
                       tag: dict[str, int] | None, sku_keyword: str | None, number: str | None,
                       track_number: str | None, time_type: str | None, window: Range, page: int,
                       page_size: int) -> tuple[list[dict], int]:
        """Inbound orders (spec §8.2), oldest first."""
        time_key = {"CREATE_TIME": "_createTime", "STOCK_IN_TIME": "_stockInTime", "FINISH_TIME": "_finishTime",
                    "UPDATE_TIME": "_updateTime"}.get(time_type or "")
        with self._lock:
            found = []
            for asn in self.asns.values():
                if warehouse_name is not None and asn["warehouseName"] != warehouse_name:
                    continue
                if type_ is not None and asn["type"] != type_:
                    continue
                if status is not None and asn["status"] != status:
                    continue
                if tag and any(asn["tag"].get(key) != value for key, value in tag.items()):
                    continue
                if sku_keyword is not None and not any(line["sku"] == sku_keyword or sku_keyword in line["title"]
                                                       for line in asn["asnSkuVOList"]):
                    continue
                if number is not None and number not in (asn["asnNumber"], asn["businessNumber"], asn["customNumber"]):
                    continue
                if track_number is not None and asn["trackNumber"] != track_number:
                    continue
                if time_key is not None and not window.holds(asn[time_key]):
                    continue
                found.append(asn)
            page_items = found[(page - 1) * page_size: page * page_size]
            return [self.render_asn(asn) for asn in page_items], len(found)

    def render_asn(self, asn: dict[str, Any]) -> dict[str, Any]:
        out = {key: copy.deepcopy(value) for key, value in asn.items() if not key.startswith("_")}
        for name in ("createTime", "updateTime", "stockInTime", "finishTime"):
            moment = asn[f"_{name}"]
            if moment is not None:
                out[name] = self.local_time(moment)
        return out

    def create_asn_order(self, *, warehouse_name: str, lines: list[dict[str, Any]], type_: str,
                         extra: dict[str, Any]) -> dict[str, Any]:
        """Create an inbound order in status NEW (spec §8.2).

        :raises BizError: unknown warehouse (DATA_INPUT_ERROR) or SKUs (SKU_NOT_EXISTS_WITH_ARGS)
        """
        with self._lock:
            if warehouse_name not in WAREHOUSES_BY_NAME:
                raise errors.data_input_error(f"warehouse {warehouse_name!r} does not exist")
            missing = [code for code in dict.fromkeys(line["sku"] for line in lines) if code not in self.skus]
            if missing:
                raise errors.unknown_skus(missing)
            now = self.now()
            number = f"ASN{self._next_asn:08d}"
            self._next_asn += 1
            asn = {"asnNumber": number, "businessNumber": number, "customNumber": extra.get("customNumber", ""),
                   "trackNumber": extra.get("trackNumber", ""), "warehouseName": warehouse_name, "type": type_,
                   "status": "NEW", "remark": extra.get("remark", ""),
                   "tag": {"sendWms": 0, "sendFailed": 0, "receiveException": 0},
                   **{key: value for key, value in extra.items()
                      if key not in ("customNumber", "trackNumber", "remark")},
                   "asnSkuVOList": [{**line, "title": self.skus[line["sku"]].get("title", ""),
                                     "receivedQuantity": 0} for line in lines],
                   "_createTime": now, "_updateTime": now, "_stockInTime": None, "_finishTime": None}
            self.asns[number] = asn
            return self.render_asn(asn)

    def set_asn_status(self, number: str, status: str) -> dict[str, Any]:
        """Control: move an ASN. RECEIVING stamps stockInTime; FINISHED receives every expected quantity
        into the warehouse's available stock (once).

        :raises ControlError: unknown ASN or status
        """
        with self._lock:
            asn = self.asns.get(number)
            if asn is None:
                raise ControlError(f"unknown ASN {number!r}", 404)
            if status not in ASN_STATUSES:
                raise ControlError(f"status must be one of {list(ASN_STATUSES)}")
            now = self.now()
            if status in ("RECEIVING", "FINISHED") and asn["_stockInTime"] is None:
                asn["_stockInTime"] = now
            if status == "FINISHED" and asn["status"] != "FINISHED":
                rows = self.inventory[asn["warehouseName"]]
                lines = []
                for line in asn["asnSkuVOList"]:
                    expected = int(line["expectQuantity"])
                    row = rows.setdefault(line["sku"], [0] * len(INVENTORY_FIELDS))
                    row[0] += expected - int(line.get("receivedQuantity") or 0)
                    lines.append({**line, "receivedQuantity": expected})
                asn["asnSkuVOList"] = lines
                asn["_finishTime"] = now
            asn["status"] = status
            asn["_updateTime"] = now
            return self.render_asn(asn)

    def find_asns(self, custom_number: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [self.render_asn(asn) for asn in self.asns.values()
                    if custom_number is None or asn["customNumber"] == custom_number]

    # -- salesOrder: CREATE_SALES_ORDER, QUERY_SALES_ORDER_LIST ------------------------------------

    def create_sales_order(self, order: dict[str, Any]) -> dict[str, Any]:
        """Create a sales order in status WAIT_AUDIT ([OBS] PY-CLIENT / JS-MOCK).

        :param order: checked fields (shop, onlineOrderNumber, skuList, ...; payTime as epoch ms)
        :raises BizError: order.id.exist (duplicate onlineOrderNumber), SKU_NOT_EXISTS_WITH_ARGS,
            DATA_INPUT_ERROR (unknown warehouse)
        """
        with self._lock:
            key = self._online_key(order["shop"], order["onlineOrderNumber"])
            if key in self._online_numbers:
                raise errors.BizError(errors.ORDER_ID_EXIST, errors.ORDER_ID_EXIST_MESSAGE)
            missing = [code for code in dict.fromkeys(line["sku"] for line in order["skuList"])
                       if code not in self.skus]
            if missing:
                raise errors.unknown_skus(missing)
            if order.get("warehouse") is not None and order["warehouse"] not in WAREHOUSES_BY_NAME:
                raise errors.data_input_error(f"warehouse {order['warehouse']!r} does not exist")
            now = self.now()
            number = "HE" + time.strftime("%y%m%d", time.gmtime(now + self.offset)) + f"{self._next_sales_order:07d}"
            self._next_sales_order += 1
            lines = [{**line, "orderSkuId": self._next_sales_order * 10 + i} for i, line in enumerate(order["skuList"])]
            stored = {**order, "orderNumber": number, "status": "WAIT_AUDIT", "skuList": lines, "isDeleted": 0,
                      "totalAmount": round(sum(float(line.get("payAmount") or 0) for line in lines), 2),
                      "createTime": now * 1000, "updateTime": now * 1000}
            self.sales_orders[number] = stored
            self._online_numbers[key] = number
            return copy.deepcopy(stored)

    def _online_key(self, shop: str, online_number: str) -> tuple[str, str]:
        return (shop if self.switches["online_order_number_scope"] == "shop" else "", online_number)

    def query_sales_order_list(self, *, status: str | None, order_numbers: list[str] | None, shop: str | None,
                               online_order_number: str | None, created: Range, updated: Range, page: int,
                               page_size: int) -> tuple[list[dict], int]:
        """Sales orders, oldest first; filters combine with AND."""
        with self._lock:
            wanted = set(order_numbers) if order_numbers else None
            found = [order for order in self.sales_orders.values()
                     if (status is None or order["status"] == status)
                     and (wanted is None or order["orderNumber"] in wanted)
                     and (shop is None or order["shop"] == shop)
                     and (online_order_number is None or order["onlineOrderNumber"] == online_order_number)
                     and created.holds(order["createTime"] // 1000) and updated.holds(order["updateTime"] // 1000)]
            window = found[(page - 1) * page_size: page * page_size]
            return [copy.deepcopy(order) for order in window], len(found)

    def find_sales_orders(self, online_order_number: str | None = None, shop: str | None = None) -> list[dict]:
        with self._lock:
            return [copy.deepcopy(order) for order in self.sales_orders.values()
                    if (online_order_number is None or order["onlineOrderNumber"] == online_order_number)
                    and (shop is None or order["shop"] == shop)]

    def set_sales_order_status(self, number: str, status: str) -> dict[str, Any]:
        """Control: set a sales order's status (any non-empty string)."""
        with self._lock:
            order = self.sales_orders.get(number)
            if order is None:
                raise ControlError(f"unknown sales order {number!r}", 404)
            order["status"] = status
            order["updateTime"] = self.now() * 1000
            return copy.deepcopy(order)

    # -- control views ----------------------------------------------------------------------------

    def sku_codes(self, offset: int, limit: int) -> list[str]:
        with self._lock:
            return list(itertools.islice(self.skus, offset, offset + limit))

    def sku_state(self, code: str) -> dict[str, Any]:
        """The stored SKU (wire form) plus ``_sandbox``: update/create time and inventory per warehouse."""
        with self._lock:
            record = self.skus.get(code)
            if record is None:
                raise ControlError(f"unknown sku {code!r}", 404)
            out = render_sku(record)
            out["_sandbox"] = {"updateTime": self.local_time(self._updated[code]), "updateEpoch": self._updated[code],
                               "createTime": self.local_time(self._created[code]),
                               "inventory": self.inventory_of(code)}
            return out


UNIT_FIELDS = ("weightUnit", "dimensionUnit", "cartonDimensionUnit", "cartonWeightUnit", "cartonVolumeUnit",
               "priceUnit", "purchaseCostUnit", "customsDeclarationPriceUnit", "ccPriceUnit")
"""The unit and currency fields whose echoed case the switch ``unit_echo`` decides (spec §11b Q4)."""


def render_sku(record: dict[str, Any], unit_echo: str = "as_sent") -> dict[str, Any]:
    """The wire form of a SKU: the stored fields (units in the case ``unit_echo`` says), custom-field
    values with their field's names."""
    out = dict(record)
    if unit_echo != "as_sent":
        for name in UNIT_FIELDS:
            if isinstance(out.get(name), str):
                out[name] = out[name].upper() if unit_echo == "upper" else out[name].lower()
    values = record.get("skuCustomFieldValueVOList")
    if values is not None:
        rendered = []
        for value in values:
            custom = CUSTOM_FIELDS_BY_ID.get(value["customFieldId"])
            item = {"customFieldId": value["customFieldId"], "value": value["value"]}
            if custom is not None:
                item.update({"tableName": custom.table_name, "columType": custom.colum_type,
                             "columName": custom.colum_name})
            rendered.append(item)
        out["skuCustomFieldValueVOList"] = rendered
    return out


def _custom_match(record: dict[str, Any], rule: CustomFilter, string_contains: bool) -> bool:
    custom = CUSTOM_FIELDS_BY_ID.get(rule.field_id)
    if custom is None:
        return False
    value = next((v["value"] for v in record.get("skuCustomFieldValueVOList") or ()
                  if v["customFieldId"] == rule.field_id), None)
    if value is None:
        return False
    if rule.value is not None:
        if custom.colum_type == "STRING" and string_contains:
            return rule.value in value
        if custom.colum_type in ("STRING", "SELECT") or rule.low is None and rule.high is None:
            return value == rule.value
    if rule.low is None and rule.high is None:
        return True
    key: Any = _number_key if custom.colum_type == "NUMBER" else _date_key
    current = key(value)
    if current is None:
        return False
    return (rule.low is None or current >= key(rule.low)) and (rule.high is None or current <= key(rule.high))


def _number_key(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _date_key(text: str) -> str | None:
    parts = text.strip().replace("/", "-").split(" ")[0].split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    return f"{int(parts[0]):04d}-{int(parts[1]):02d}-{int(parts[2]):02d}"


def _int_setting(settings: dict[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = settings.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be an integer between {low} and {high}")
    return value


def _apps_setting(settings: dict[str, Any]) -> dict[str, str]:
    if "apps" in settings:
        if "app_id" in settings or "app_secret" in settings:
            raise ValueError("give either apps or app_id/app_secret, not both")
        apps = settings["apps"]
        if not isinstance(apps, dict) or not apps or not all(
                isinstance(k, str) and k and isinstance(v, str) and v for k, v in apps.items()):
            raise ValueError("apps must be a non-empty object {appId: appSecret} of non-empty strings")
        return dict(apps)
    app_id = settings.get("app_id", DEFAULT_APP_ID)
    secret = settings.get("app_secret", DEFAULT_APP_SECRET)
    if not isinstance(app_id, str) or not app_id or not isinstance(secret, str) or not secret:
        raise ValueError("app_id and app_secret must be non-empty strings")
    return {app_id: secret}
