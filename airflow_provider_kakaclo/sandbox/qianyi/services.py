"""One handler per serviceType: read the bizParam object, call one backend method, return bizContent.

Each handler takes ``(backend, biz)`` where ``biz`` is the decoded bizParam object, and returns the
success bizContent (``result`` and, for lists, ``total``); failures raise :class:`~.errors.BizError`.
:data:`SERVICES` maps every serviceType to its module path and handler.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from .catalog import ASN_TYPES, COLUM_TYPES, TABLE_NAMES
from .errors import data_input_error
from .fields import (
    INSERT_ONLY_FIELDS,
    SKU_FIELDS,
    Field,
    Options,
    check_object,
    parse_day,
    parse_moment,
    str_list,
    to_int,
)
from .state import CustomFilter, QianyiBackend, Range

PAGE_SIZE_MAX = 200
DEFAULT_PAGE = 1
DEFAULT_PAGE_SIZE = 100


@dataclass(frozen=True)
class Service:
    """A serviceType: the module path it belongs to and its handler."""

    module: str
    handler: Callable[[QianyiBackend, dict[str, Any]], dict[str, Any]]
    documented: str


# --- shared readers ---------------------------------------------------------------------------------


def options(backend: QianyiBackend) -> Options:
    return Options.from_switches(backend.switches)


def known_keys(backend: QianyiBackend, biz: dict[str, Any], keys: tuple[str, ...], where: str = "bizParam") -> None:
    """Refuse unknown keys when the switch ``unknown_biz_keys`` says so."""
    if backend.switches["unknown_biz_keys"] == "reject":
        unknown = sorted(set(biz) - set(keys))
        if unknown:
            raise data_input_error(f"{where}: unknown fields {unknown}")


def text(biz: dict[str, Any], name: str, *, required: bool = False, max_len: int | None = None,
         choices: tuple[str, ...] | None = None) -> str | None:
    """A string filter; ``null`` and ``""`` mean absent (clients send empty strings for unset filters)."""
    value = biz.get(name)
    if value is None or value == "":
        if required:
            raise data_input_error(f"{name} is required")
        return None
    if not isinstance(value, str):
        raise data_input_error(f"{name} must be a string")
    if max_len is not None and len(value) > max_len:
        raise data_input_error(f"{name} is longer than {max_len} characters")
    if choices is not None and value not in choices:
        raise data_input_error(f"{name} must be one of {list(choices)}")
    return value


def flag(backend: QianyiBackend, biz: dict[str, Any], name: str) -> int | None:
    """A 1/0 filter flag."""
    value = biz.get(name)
    if value is None or value == "":
        return None
    number = to_int(value, options(backend), name)
    if number not in (0, 1):
        raise data_input_error(f"{name} must be 1 or 0")
    return number


def boolean(biz: dict[str, Any], name: str) -> bool:
    value = biz.get(name)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise data_input_error(f"{name} must be true or false")
    return value


def code_list(backend: QianyiBackend, biz: dict[str, Any], name: str) -> list[str] | None:
    """A list filter of strings; an empty list means absent; at most ``list_filter_max`` entries."""
    value = biz.get(name)
    if value is None:
        return None
    items = str_list(value, name)
    limit = backend.switches["list_filter_max"]
    if len(items) > limit:
        raise data_input_error(f"{name}: at most {limit} entries, got {len(items)}")
    return items or None


def paging(backend: QianyiBackend, biz: dict[str, Any]) -> tuple[int, int]:
    """``page`` (1-based, default 1) and ``pageSize`` (default 100, at most 200) (spec §10), the size capped
    by the switch ``page_size_served_max``."""
    switches = backend.switches
    values = []
    for name, default in (("page", DEFAULT_PAGE), ("pageSize", DEFAULT_PAGE_SIZE)):
        raw = biz.get(name)
        if raw is None or raw == "":
            if switches["paging_required"]:
                raise data_input_error(f"{name} is required")
            values.append(default)
            continue
        number = to_int(raw, options(backend), name)
        if number < 1:
            raise data_input_error(f"{name} must be >= 1")
        values.append(number)
    page, size = values
    if size > PAGE_SIZE_MAX:
        if switches["page_size_over_max"] == "error":
            raise data_input_error(f"pageSize must be no more than {PAGE_SIZE_MAX}")
        size = PAGE_SIZE_MAX
    return page, min(size, switches["page_size_served_max"])  # a server serving fewer rows than asked (Q5)


def day_range(backend: QianyiBackend, biz: dict[str, Any], low_name: str, high_name: str) -> Range:
    """A range of local days from two ``yyyy-MM-dd`` filters (either may be absent), bounds inclusive."""
    low = biz.get(low_name)
    high = biz.get(high_name)
    low_day = parse_day(low, low_name) if low not in (None, "") else None
    high_day = parse_day(high, high_name) if high not in (None, "") else None
    return backend.day_range(low_day, high_day)


def moment_range(backend: QianyiBackend, biz: dict[str, Any], low_name: str, high_name: str) -> Range:
    """Like :func:`day_range`, but a bound may also carry a time (``yyyy-MM-dd HH:mm:ss``)."""
    bounds: list[int | None] = []
    for name, is_high in ((low_name, False), (high_name, True)):
        raw = biz.get(name)
        if raw in (None, ""):
            bounds.append(None)
            continue
        moment, has_time = parse_moment(raw, name)
        seconds = int(moment.replace(tzinfo=timezone.utc).timestamp()) - backend.offset
        if is_high and not has_time:
            seconds += 86399
        bounds.append(seconds)
    return Range(bounds[0], bounds[1])


def list_content(items: list[dict[str, Any]], total: int) -> dict[str, Any]:
    return {"total": total, "result": items}


# --- sku ---------------------------------------------------------------------------------------------

QUERY_SKU_KEYS = ("page", "pageSize", "categoryName1", "categoryName2", "categoryName3", "updateTimeFrom",
                  "updateTimeTo", "skus", "titles", "skuCustomFieldValueSOList")
CUSTOM_FILTER_FIELDS = (Field("customFieldId", "int", required=True), Field("value"), Field("from"), Field("to"))


def query_simple_list_sku(backend: QianyiBackend, biz: dict[str, Any]) -> dict[str, Any]:
    """QUERY_SIMPLE_LIST_SKU (seed §1.1)."""
    known_keys(backend, biz, QUERY_SKU_KEYS)
    page, size = paging(backend, biz)
    custom_raw = biz.get("skuCustomFieldValueSOList")
    custom: list[CustomFilter] = []
    if custom_raw is not None:
        if not isinstance(custom_raw, list):
            raise data_input_error("skuCustomFieldValueSOList must be a list")
        for i, item in enumerate(custom_raw):
            checked = check_object(item, CUSTOM_FILTER_FIELDS, options(backend),
                                   where=f"skuCustomFieldValueSOList[{i}]")
            custom.append(CustomFilter(checked["customFieldId"], checked.get("value") or None,
                                       checked.get("from") or None, checked.get("to") or None))
    items, total = backend.query_simple_list_sku(
        skus=code_list(backend, biz, "skus"),
        titles=code_list(backend, biz, "titles"),
        categories=(text(biz, "categoryName1"), text(biz, "categoryName2"), text(biz, "categoryName3")),
        updated=day_range(backend, biz, "updateTimeFrom", "updateTimeTo"),
        custom=custom, page=page, page_size=size)
    return list_content(items, total)


def insert_sku_info(backend: QianyiBackend, biz: dict[str, Any]) -> dict[str, Any]:
    """INSERT_SKU_INFO (seed §1.2); result: the sku code (INVENTED, the success payload is undocumented)."""
    checked = check_object(biz, SKU_FIELDS + INSERT_ONLY_FIELDS, options(backend))
    warehouses = checked.pop("warehouseNameList", None)
    return {"result": backend.insert_sku_info(checked, warehouses)}


def update_sku_info(backend: QianyiBackend, biz: dict[str, Any]) -> dict[str, Any]:
    """UPDATE_SKU_INFO (seed §1.3); required flags per switch ``update_required_fields``."""
    documented = backend.switches["update_required_fields"] == "documented"
    checked = check_object(biz, SKU_FIELDS, options(backend), required=documented)
    if "sku" not in checked:
        raise data_input_error("bizParam.sku is required")
    if not documented and backend.switches["update_unknown_sku"] == "insert" and checked["sku"] not in backend.skus:
        check_object(biz, SKU_FIELDS, options(backend), required=True)  # a creation needs the Y fields
    return {"result": backend.update_sku_info(checked)}


STATUS_FIELDS = (Field("sku", required=True, max_len=255), Field("enable", "int", required=True, choices=(0, 1)))


def update_sku_status(backend: QianyiBackend, biz: dict[str, Any]) -> dict[str, Any]:
    """UPDATE_SKU_STATUS (seed §1.4): ``{sku, enable}``."""
    checked = check_object(biz, STATUS_FIELDS, options(backend))
    return {"result": backend.update_sku_status(checked["sku"], checked["enable"])}


# --- property ----------------------------------------------------------------------------------------


def customer_field_query(backend: QianyiBackend, biz: dict[str, Any]) -> dict[str, Any]:
    """CUSTOMER_FIELD_QUERY (spec §6); not paged."""
    known_keys(backend, biz, ("tableName", "columType", "columName", "required", "isQuery", "isShow"))
    items = backend.customer_field_query(
        table_name=text(biz, "tableName", required=True, choices=TABLE_NAMES),
        colum_type=text(biz, "columType", choices=COLUM_TYPES),
        colum_name=text(biz, "columName"),
        required=flag(backend, biz, "required"), is_query=flag(backend, biz, "isQuery"),
        is_show=flag(backend, biz, "isShow"))
    return list_content(items, len(items))


# --- warehouse ---------------------------------------------------------------------------------------


def query_warehouse_list(backend: QianyiBackend, biz: dict[str, Any]) -> dict[str, Any]:
    """QUERY_WAREHOUSE_LIST (spec §9)."""
    known_keys(backend, biz, ("page", "pageSize", "status", "name"))
    page, size = paging(backend, biz)
    items, total = backend.query_warehouse_list(status=text(biz, "status", choices=("LOCK", "UNLOCK")),
                                                name=text(biz, "name", max_len=50), page=page, page_size=size)
    return list_content(items, total)


# --- inventory ---------------------------------------------------------------------------------------


def _inventory(v2: bool) -> Callable[[QianyiBackend, dict[str, Any]], dict[str, Any]]:
    def handler(backend: QianyiBackend, biz: dict[str, Any]) -> dict[str, Any]:
        """QUERY_SIMPLE_LIST_INVENTORY(_V2) (spec §7.1)."""
        known_keys(backend, biz, ("skuList", "warehouse", "page", "pageSize"))
        warehouse = text(biz, "warehouse", required=True, max_len=50)
        page, size = paging(backend, biz)
        items, total = backend.query_simple_list_inventory(warehouse=warehouse, skus=code_list(backend, biz, "skuList"),
                                                           page=page, page_size=size, v2=v2)
        return list_content(items, total)

    return handler


# --- odo ---------------------------------------------------------------------------------------------

ODO_KEYS = ("warehouseName", "type", "status", "createTimeFrom", "createTimeTo", "shipTimeFrom", "shipTimeTo",
            "updateTimeFrom", "updateTimeTo", "numberParam", "skuParam", "orderNumberList", "customNumberList",
            "page", "pageSize", "calculateCost")


def query_odo_list(backend: QianyiBackend, biz: dict[str, Any]) -> dict[str, Any]:
    """QUERY_ODO_LIST (spec §8.1)."""
    known_keys(backend, biz, ODO_KEYS)
    page, size = paging(backend, biz)
    items, total = backend.query_odo_list(
        warehouse_name=text(biz, "warehouseName"), type_=text(biz, "type"), status=text(biz, "status"),
        created=moment_range(backend, biz, "createTimeFrom", "createTimeTo"),
        shipped=moment_range(backend, biz, "shipTimeFrom", "shipTimeTo"),
        updated=moment_range(backend, biz, "updateTimeFrom", "updateTimeTo"),
        number_param=text(biz, "numberParam"), sku_param=text(biz, "skuParam"),
        order_numbers=code_list(backend, biz, "orderNumberList"),
        custom_numbers=code_list(backend, biz, "customNumberList"),
        calculate_cost=boolean(biz, "calculateCost"), page=page, page_size=size)
    return list_content(items, total)


# --- asn ---------------------------------------------------------------------------------------------

ASN_QUERY_KEYS = ("warehouseName", "type", "status", "tag", "skuKeyWord", "number", "trackNumber", "page",
                  "pageSize", "timeType", "timeFrom", "timeEnd", "returnBatchInfo")
TIME_TYPES = ("CREATE_TIME", "STOCK_IN_TIME", "FINISH_TIME", "UPDATE_TIME")


def query_asn_list(backend: QianyiBackend, biz: dict[str, Any]) -> dict[str, Any]:
    """QUERY_ASN_LIST (spec §8.2): timeType, timeFrom and timeEnd come together or not at all."""
    known_keys(backend, biz, ASN_QUERY_KEYS)
    page, size = paging(backend, biz)
    time_type = text(biz, "timeType", choices=TIME_TYPES)
    present = [name for name in ("timeType", "timeFrom", "timeEnd") if biz.get(name) not in (None, "")]
    if present and len(present) != 3:
        raise data_input_error("timeType, timeFrom and timeEnd must be given together")
    tag_raw = biz.get("tag")
    tag: dict[str, int] | None = None
    if tag_raw is not None:
        if not isinstance(tag_raw, dict):
            raise data_input_error("tag must be an object {sendWms, sendFailed, receiveException}")
        tag = {}
        for name in ("sendWms", "sendFailed", "receiveException"):
            if tag_raw.get(name) is not None:
                tag[name] = flag(backend, tag_raw, name)
    boolean(biz, "returnBatchInfo")
    items, total = backend.query_asn_list(
        warehouse_name=text(biz, "warehouseName"), type_=text(biz, "type"), status=text(biz, "status"), tag=tag,
        sku_keyword=text(biz, "skuKeyWord"), number=text(biz, "number"), track_number=text(biz, "trackNumber"),
        time_type=time_type, window=moment_range(backend, biz, "timeFrom", "timeEnd"), page=page, page_size=size)
    return list_content(items, total)


ASN_LINE_FIELDS = (
    Field("sku", required=True, max_len=255),
    Field("expectQuantity", "int", required=True, minimum=1),
    Field("purchasePrice", "decimal"),
    Field("transferPrice", "decimal"),
    Field("firstLegPrice", "decimal"),
)
ASN_FIELDS = (
    Field("warehouseName", required=True, max_len=50),
    Field("asnSkuVOList", "objects", required=True, fields=ASN_LINE_FIELDS),
    Field("type", choices=ASN_TYPES),
    Field("customNumber"),
    Field("trackNumber"),
    Field("remark"),
    Field("purchasePriceCurrency"),
    Field("firstLegPriceCurrency"),
    Field("transferPriceCurrency"),
)


def create_asn_order(backend: QianyiBackend, biz: dict[str, Any]) -> dict[str, Any]:
    """CREATE_ASN_ORDER (spec §8.2 sample); result: the new ASN (INVENTED shape), status NEW."""
    checked = check_object(biz, ASN_FIELDS, options(backend))
    lines = checked.pop("asnSkuVOList")
    if not lines:
        raise data_input_error("asnSkuVOList must not be empty")
    warehouse = checked.pop("warehouseName")
    type_ = checked.pop("type", "MANUAL")
    return {"result": backend.create_asn_order(warehouse_name=warehouse, lines=lines, type_=type_, extra=checked)}


# --- salesOrder --------------------------------------------------------------------------------------

BUYER_FIELDS = tuple(Field(name) for name in ("receiverName", "phone", "email", "country", "province", "city",
                                              "postCode", "address1", "address2", "buyerId"))
ORDER_LINE_FIELDS = (
    Field("sku", required=True, max_len=255),
    Field("quantity", "int", required=True, minimum=1),
    Field("payAmount", "decimal"),
    Field("onlineItemId"),
    Field("onlineProductTitle"),
)
SALES_ORDER_FIELDS = (
    Field("shop", required=True),
    Field("onlineOrderNumber", required=True),
    Field("skuList", "objects", required=True, fields=ORDER_LINE_FIELDS),
    Field("buyer", "object", fields=BUYER_FIELDS),
    Field("paymentMethod"),
    Field("codPayAmount", "decimal"),
    Field("currency"),
    Field("payTime"),
    Field("trackingNumber"),
    Field("logisticsSelected"),
    Field("onlineStatus"),
    Field("platform"),
    Field("warehouse"),
    Field("remark"),
    Field("buyerMessage"),
    Field("sellerRemarks"),
)
"""PY-CLIENT's body plus what a production client sends (spec §11b Q2: buyer.buyerId, buyerMessage,
sellerRemarks)."""


def create_sales_order(backend: QianyiBackend, biz: dict[str, Any]) -> dict[str, Any]:
    """CREATE_SALES_ORDER ([OBS] PY-CLIENT body); result: the order (orderNumber, status WAIT_AUDIT, ...)."""
    checked = check_object(biz, SALES_ORDER_FIELDS, options(backend))
    if not checked["skuList"]:
        raise data_input_error("skuList must not be empty")
    if "payTime" in checked:
        checked["payTime"] = _pay_time(checked["payTime"], backend.offset)
    return {"result": backend.create_sales_order(checked)}


def _pay_time(value: str, offset: int) -> int:
    """``yyyy-MM-dd HH:mm:ss[+08:00]`` (or epoch ms digits) to epoch ms; no zone = vendor local time."""
    if value.isdigit():
        return int(value)
    try:
        moment = datetime.fromisoformat(value.strip().replace("/", "-"))
    except ValueError:
        raise data_input_error(f"payTime must be yyyy-MM-dd HH:mm:ss[+hh:mm], got {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone(timedelta(seconds=offset)))
    return int(moment.timestamp() * 1000)


SALES_QUERY_KEYS = ("page", "pageSize", "status", "orderNumber", "orderNumbers", "shop", "updateTimeFrom",
                    "updateTimeTo", "createTimeFrom", "createTimeTo", "onlineOrderNumber")


def query_sales_order_list(backend: QianyiBackend, biz: dict[str, Any]) -> dict[str, Any]:
    """QUERY_SALES_ORDER_LIST ([OBS] PALI filters: page, pageSize, status, orderNumber, orderNumbers, shop,
    updateTimeFrom/To; INVENTED extras: createTimeFrom/To, onlineOrderNumber)."""
    known_keys(backend, biz, SALES_QUERY_KEYS)
    page, size = paging(backend, biz)
    numbers: list[str] = []
    single = text(biz, "orderNumber")
    if single is not None:
        numbers.append(single)
    many = biz.get("orderNumbers")
    if isinstance(many, str):
        numbers.extend(part.strip() for part in many.split(",") if part.strip())
    elif many is not None:
        numbers.extend(str_list(many, "orderNumbers"))
    if len(numbers) > backend.switches["list_filter_max"]:
        raise data_input_error(f"orderNumbers: at most {backend.switches['list_filter_max']} entries")
    items, total = backend.query_sales_order_list(
        status=text(biz, "status"), order_numbers=numbers or None, shop=text(biz, "shop"),
        online_order_number=text(biz, "onlineOrderNumber"),
        created=moment_range(backend, biz, "createTimeFrom", "createTimeTo"),
        updated=moment_range(backend, biz, "updateTimeFrom", "updateTimeTo"), page=page, page_size=size)
    return list_content(items, total)


# --- the table ---------------------------------------------------------------------------------------

SERVICES: dict[str, Service] = {
    "QUERY_SIMPLE_LIST_SKU": Service("sku", query_simple_list_sku, "seed §1.1 [DOC]"),
    "INSERT_SKU_INFO": Service("sku", insert_sku_info, "seed §1.2"),
    "UPDATE_SKU_INFO": Service("sku", update_sku_info, "seed §1.3"),
    "UPDATE_SKU_STATUS": Service("sku", update_sku_status, "seed §1.4"),
    "CUSTOMER_FIELD_QUERY": Service("property", customer_field_query, "§6 [DOC]"),
    "QUERY_SIMPLE_LIST_INVENTORY": Service("inventory", _inventory(False), "§7.1 [DOC] (deprecated)"),
    "QUERY_SIMPLE_LIST_INVENTORY_V2": Service("inventory", _inventory(True), "§7.1 [DOC]"),
    "QUERY_WAREHOUSE_LIST": Service("warehouse", query_warehouse_list, "§9 [DOC]"),
    "QUERY_ODO_LIST": Service("odo", query_odo_list, "§8.1 [DOC]"),
    "QUERY_ASN_LIST": Service("asn", query_asn_list, "§8.2 [DOC]"),
    "CREATE_ASN_ORDER": Service("asn", create_asn_order, "§8.2 [DOC] sample"),
    "CREATE_SALES_ORDER": Service("salesOrder", create_sales_order, "§8.1 [OBS]"),
    "QUERY_SALES_ORDER_LIST": Service("salesOrder", query_sales_order_list, "§2 [OBS]"),
}
ALIASES = {"ENABLE_SKU": "UPDATE_SKU_STATUS"}
"""GO-SDK spelling, accepted while the switch ``enable_sku_alias`` is on (spec §5.4)."""
MODULES: tuple[str, ...] = tuple(dict.fromkeys(service.module for service in SERVICES.values()))

