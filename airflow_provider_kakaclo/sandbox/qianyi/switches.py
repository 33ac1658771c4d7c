"""The Qianyi switches: documented behaviour with its spec section, undocumented choices INVENTED.

Spec sections refer to ``/work/shared/specs/qianyi.md``; "seed" to the original SKU page
(``/work/shared/seeds/002_*.txt``).
"""

from __future__ import annotations

from ..switches import INVENTED, Switch

SWITCHES: tuple[Switch, ...] = (
    Switch("verify_signature", True,
           "Check 'sign' = md5(appId=..bizParam=..serviceType=..timestamp=..<appSecret>); false skips the "
           "check (a debugging aid).",
           source="§3", kind=bool),
    Switch("sign_case", "lower",
           "Accepted case of 'sign': 'lower' (the documented 32-character lowercase hex) or 'any'.",
           source="§3 (lowercase hex); 'any' INVENTED", choices=("lower", "any")),
    Switch("timestamp_max_skew_seconds", 300,
           "Q6: refuse (TIMESTAMP_EXPIRED) a timestamp further than this from the sandbox wall clock; "
           "300 = the zh guide's 5 minutes; 0 = lenient, no check (INVENTED, as the official seconds sample "
           "suggests). Values below 10^11 are read as seconds (an official sample sends seconds).",
           source="§11b Q6 (zh guide: within 5 minutes); 0 INVENTED", kind=int, minimum=0),
    Switch("auth_error_code", "AUTH_001",
           "Q3: errorCode of an outer failure for a wrong 'sign': 'AUTH_001' (the zh guide's example "
           "authentication code) or 'SIGN_ERROR' (INVENTED).",
           source="§11b Q3 (zh guide example AUTH_001); 'SIGN_ERROR' INVENTED", choices=("AUTH_001", "SIGN_ERROR")),
    Switch("write_reply", "status",
           "Q1: success reply of INSERT_SKU_INFO / UPDATE_SKU_INFO / UPDATE_SKU_STATUS: 'status' (bizContent "
           "holds only errorCode, errorMsg, state, notSuccess: the seed's response table), 'result' (also "
           "result = the sku code), 'null' / 'empty' (bizContent null / \"\"), 'absent' (no bizContent key).",
           source="seed §1.2.3-1.4.3 (response table: errorCode, errorMsg, state); the others INVENTED",
           choices=("status", "result", "null", "empty", "absent")),
    Switch("unit_echo", "as_sent",
           "Q4: how stored unit fields (weightUnit, dimensionUnit, carton*Unit, price units) are echoed by "
           "QUERY_SIMPLE_LIST_SKU: 'as_sent', 'upper' or 'lower' (a server normalizing case).",
           source="§11b Q4 (as sent: nothing says the server changes them); 'upper'/'lower' INVENTED",
           choices=("as_sent", "upper", "lower")),
    Switch("page_size_served_max", 200,
           "Q5: the most rows a list page holds; a pageSize up to 200 but above this is served capped to "
           "it (pages then count in the capped size), total unchanged.",
           source="§10 (maximum 200 honoured); a cap below 200 INVENTED", kind=int, minimum=1, maximum=200),
    Switch("wrong_module", "error",
           "A serviceType posted to another module's path: 'error' (SERVICE_TYPE_NOT_EXIST) or 'accept'.",
           source="§2 (inference: the server routes on serviceType within a module); code INVENTED",
           choices=("error", "accept")),
    Switch("enable_sku_alias", True,
           "Accept ENABLE_SKU (GO-SDK spelling) on /sku as UPDATE_SKU_STATUS.",
           source="§5.4 (recommendation: accept both names)", kind=bool),
    Switch("inventory_v1", "serve",
           "The deprecated QUERY_SIMPLE_LIST_INVENTORY: 'serve' (same data, v1 fields) or 'reject' "
           "(SERVICE_TYPE_NOT_EXIST).",
           source="§7.1 (deprecated: 'use v2 please'); 'reject' INVENTED", choices=("serve", "reject")),
    Switch("paging_required", False,
           "Whether page/pageSize must be sent; when false a missing one takes the documented default (1, 100).",
           source="seed §1.1.2 (marked Y and 'default 1' / 'Default is 100' at once)", kind=bool),
    Switch("page_size_over_max", "error",
           "pageSize above 200: 'error' (DATA_INPUT_ERROR) or 'clamp' to 200.",
           source="INVENTED (the maximum 200 is documented, the reaction is not)", choices=("error", "clamp")),
    Switch("list_filter_max", 200,
           "Most entries in a list filter (skus, titles, skuList, orderNumberList, customNumberList, "
           "orderNumbers); more is DATA_INPUT_ERROR.",
           source="§8.1 (documented 200 for the ODO lists; the same bound elsewhere is INVENTED)",
           kind=int, minimum=1),
    Switch("numeric_strings", "accept",
           "Numbers sent as strings (\"100\") in bizParam: 'accept' or 'reject' (DATA_INPUT_ERROR).",
           source="§8.2 (the official CREATE_ASN_ORDER sample sends \"100\")", choices=("accept", "reject")),
    Switch("unknown_biz_keys", "ignore",
           "bizParam keys a service type does not know: 'ignore' or 'reject' (DATA_INPUT_ERROR).",
           source="INVENTED (§11 #8: unknown)", choices=("ignore", "reject")),
    Switch("duplicate_sku", "DATA_INPUT_ERROR",
           "INSERT_SKU_INFO of an existing sku answers this errorCode.",
           source="INVENTED (§5.2: duplicate code unknown)", choices=("DATA_INPUT_ERROR", "sku.exist")),
    Switch("update_required_fields", "documented",
           "UPDATE_SKU_INFO: 'documented' (the seed's Y fields are required, as for insert) or 'sku_only'.",
           source="seed §1.3.2 (Y flags); 'sku_only' INVENTED", choices=("documented", "sku_only")),
    Switch("update_mode", "merge",
           "UPDATE_SKU_INFO: 'merge' (fields sent replace, fields omitted are kept) or 'replace' (the SKU "
           "becomes exactly what was sent).",
           source="INVENTED (§5.3: partial-update semantics unknown)", choices=("merge", "replace")),
    Switch("update_unknown_sku", "error",
           "UPDATE_SKU_INFO / UPDATE_SKU_STATUS of an unknown sku: 'error' (SKU_NOT_EXISTS_WITH_ARGS) or "
           "'insert' (UPDATE_SKU_INFO creates it; UPDATE_SKU_STATUS still errors).",
           source="INVENTED", choices=("error", "insert")),
    Switch("strict_unit_enums", False,
           "Enforce the unit lists the seed gives in parentheses: cartonDimensionUnit (cm, m), "
           "cartonWeightUnit (KG, G), customsDeclarationPriceUnit / ccPriceUnit (CNY, USD, CAD, GBP, EUR, JRY).",
           source="INVENTED (the lists are documented as examples; 'JRY' looks like a typo of JPY)", kind=bool),
    Switch("title_match", "exact",
           "QUERY_SIMPLE_LIST_SKU 'titles': 'exact' or 'contains' (substring, case-sensitive).",
           source=INVENTED, choices=("exact", "contains")),
    Switch("custom_field_string_match", "exact",
           "skuCustomFieldValueSOList 'value' on STRING fields: 'exact' or 'contains'.",
           source=INVENTED, choices=("exact", "contains")),
    Switch("online_order_number_scope", "global",
           "CREATE_SALES_ORDER uniqueness of onlineOrderNumber (order.id.exist): 'global' or per 'shop'.",
           source="INVENTED (the code is observed, its scope is not)", choices=("global", "shop")),
    Switch("timezone_offset_hours", 8,
           "UTC offset of rendered 'yyyy-MM-dd HH:mm:ss' times and of the day bounds of date filters.",
           source="INVENTED (the vendor is Chinese; test warehouse timezone Asia/Shanghai)",
           kind=int, minimum=-12, maximum=14),
    Switch("rate_limit_enabled", False, "Leaky-bucket throttling per appId (TOO_MANY_REQUESTS).",
           source="INVENTED (§10: no rate limit documented)", kind=bool),
    Switch("rate_limit_capacity", 20, "Bucket size in requests.", source=INVENTED, kind=int, minimum=1),
    Switch("rate_limit_leak_per_second", 5.0, "Leak rate in requests per second.", source=INVENTED,
           kind=float, minimum=0.0),
    Switch("throttle_http_status", 200,
           "HTTP status of a throttled answer (body: outer state failure, TOO_MANY_REQUESTS).",
           source=INVENTED, kind=int, minimum=200, maximum=599),
)
