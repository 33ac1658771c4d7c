"""The KakaClo switches: documented behaviour with its spec section, undocumented choices INVENTED.

Spec sections refer to ``/work/shared/specs/kakaclo.md``.
"""

from __future__ import annotations

from ..switches import INVENTED, Switch

SWITCHES: tuple[Switch, ...] = (
    Switch("auth_error_body", "empty",
           "Body of the HTTP 401 for a missing/unknown token: 'empty' (as the docs' 401 tab) or 'envelope' "
           "({code: 40100, message}).",
           source="§3 (401 tab with an empty body)", choices=("empty", "envelope")),
    Switch("business_error_http_status", 200,
           "HTTP status of envelope errors (validation and business failures, code != 10000).",
           source="§5.2 (INFERENCE: HTTP 200 with code != 10000)", kind=int, minimum=200, maximum=599),
    Switch("malformed_request_style", "envelope",
           "How malformed requests (bad JSON, wrong types, bad query parameters) are answered: 'envelope' "
           "(code 40000/40001 at business_error_http_status) or 'empty_400' (HTTP 400, empty body, as the "
           "docs' 400 tab).",
           source=INVENTED, choices=("envelope", "empty_400")),
    Switch("rate_limit_enabled", True, "Leaky-bucket rate limiting per token.", source="§4", kind=bool),
    Switch("rate_limit_capacity", 120, "Bucket size in requests.", source="§4", kind=int, minimum=1),
    Switch("rate_limit_leak_per_second", 2.0,
           "Leak rate in requests per second (the docs' prose says 1/s, the table 2/s).",
           source="§4", kind=float, minimum=0.0),
    Switch("throttle_body", "empty", "Body of HTTP 429: 'empty' or 'envelope' ({code: 42900, message}).",
           source=INVENTED, choices=("empty", "envelope")),
    Switch("retry_after_header", False,
           "Send 'Retry-After: <seconds until one request fits>' with HTTP 429.", source=INVENTED, kind=bool),
    Switch("duplicate_custom_order_id", "allow",
           "A create-order whose customOrderId was used before: 'allow' (docs state no uniqueness) or "
           "'reject' (code 60006).",
           source="§11 (no uniqueness documented)", choices=("allow", "reject")),
    Switch("insufficient_balance", "reject",
           "Create-order when the balance does not cover items + freight: 'reject' (code 60004) or "
           "'waiting_payment' (order kept unpaid: status waiting_payment, financialStatus waiting).",
           source=INVENTED, choices=("reject", "waiting_payment")),
    Switch("insufficient_stock", "reject",
           "Create-order when no enabled warehouse holds an item's quantity: 'reject' (code 60003) or "
           "'backorder' (accepted from the default warehouse, item stockStatus sold_out, stock floored at 0).",
           source=INVENTED, choices=("reject", "backorder")),
    Switch("unavailable_sku", "reject",
           "Create-order for a SKU whose skuStatus is not 1: 'reject' (code 60002) or 'allow'.",
           source=INVENTED, choices=("reject", "allow")),
    Switch("channel_type_required", False,
           "Whether create-order needs channelType; when false a missing one means 'Standard'.",
           source="§7 O2-3 ('Standard (default)')", kind=bool),
    Switch("page_size_over_max", "clamp",
           "pageSize above the maximum (orders 250, custom-product searches 100): 'clamp' or 'error' (40001).",
           source=INVENTED, choices=("clamp", "error")),
    Switch("product_page_size", 30, "Page size of product queries (not documented; stocks use 30).",
           source=INVENTED, kind=int, minimum=1, maximum=250),
    Switch("product_sku_details", "requested_only",
           "With skus=..., which SKUs a product's skuDetails lists: 'requested_only' or 'all'.",
           source=INVENTED, choices=("requested_only", "all")),
    Switch("balance_shape", "object",
           "data of the balance query (S1, the page shows an empty response block): 'object' ({balance, "
           "currency}), 'number' (a bare number), 'unknown_key' ({availableAmount, currencyCode}), "
           "'per_currency' ([{currency, amount}]) or 'empty' (data null).",
           source="INVENTED (§7 $1 / §15 S1: response undocumented)",
           choices=("object", "number", "unknown_key", "per_currency", "empty")),
    Switch("refund_number_type", "number",
           "JSON type of data returned by the refund call: 'number' (sample) or 'string' (swagger block).",
           source="§7 O2-5", choices=("number", "string")),
    Switch("unknown_refund_query", "empty",
           "Query-refund that finds nothing (an order without refunds, an unknown id, an id of the kind this "
           "server does not look up; S2): 'empty' list, 'not_found' (code 40400) or 'http_404'.",
           source="INVENTED (§15 S2)", choices=("empty", "not_found", "http_404")),
    Switch("refund_query_by", "either",
           "What {id} of query-refund is (S2): 'either' (order id or refund number, as §7 O2-6 advises the "
           "emulator), 'order_id' only or 'refund_no' only.",
           source="§7 O2-6 (ambiguous; §15 S2)", choices=("either", "order_id", "refund_no")),
    Switch("refund_call_number", "refund_no",
           "What the refund call returns (S2): 'refund_no' (the refundNo query-refund lists) or 'short' (a "
           "short sequential 'refund order number' like the sample's 10002, never listed by query-refund).",
           source="§7 O2-5 (sample 10002 vs refundNo 1560897343230267394; §15 S2)",
           choices=("refund_no", "short")),
    Switch("abnormal_order", "recoverable",
           "Whether status abnormal_order can end (S3): 'recoverable' (the control move 'recover' puts it back "
           "to processing) or 'final'.",
           source="§8.1 (silent; §15 S3)", choices=("recoverable", "final")),
    Switch("order_page_size_max", 250,
           "The largest order page the server honours (S4): pageSize above it is served at this size.",
           source="§5.4 (250 stated once; lower values INVENTED, §15 S4)", kind=int, minimum=1, maximum=250),
    Switch("order_paging_params", "as_named",
           "How the order list reads its paging parameters (S4): 'as_named' (pageNumber = page, pageSize = "
           "size, as the samples echo) or 'swapped' (as the parameter descriptions say: pageNumber = size, "
           "pageSize = page).",
           source="§5.4 (descriptions swapped; §15 S4)", choices=("as_named", "swapped")),
    Switch("future_end_time", "reject",
           "dateEndTime later than now on products/stocks (S5): 'reject' (40001, \"cannot be greater than the "
           "current time\") or 'clamp' (served as now).",
           source="§7 P2/P4 (§15 S5)", choices=("reject", "clamp")),
    Switch("order_list_naming", "v2",
           "Field names and status vocabulary of the V2 order list (S6): 'v2' (the status JSON page) or 'v1' "
           "(the query page's sample: payAt, skusAmount, flat V1 status such as waiting_to_ship).",
           source="§7 O2-4 (DOC-INCONSISTENCY; §15 S6)", choices=("v2", "v1")),
    Switch("order_line_split", "whole",
           "Automatic split (S7): 'whole' (each line served by one warehouse) or 'by_warehouse' (a line no "
           "single warehouse holds is split across warehouses: lines sharing an itemId, each with its own id "
           "and countryCode).",
           source="§7 O2-2/O2-5 (refund example CN x1 + US x2; §15 S7)", choices=("whole", "by_warehouse")),
    Switch("custom_get_method", "GET",
           "Methods C1 and C3 answer (S8): 'GET' (the label), 'POST' (the curl) or 'both'.",
           source="§6 C1/C3 (labelled GET; §15 S8)", choices=("GET", "POST", "both")),
    Switch("expedited_on_create", "refuse",
           "channelType Expedited on create-order (S9): 'refuse' (40001; the create page lists Standard and "
           "Express only) or 'accept' (it appears in freight replies).",
           source="§7 O2-3 (§15 S9)", choices=("refuse", "accept")),
    Switch("create_order_reply", "number",
           "data of create-order (S10): 'number' (the sample), 'string', 'list' ([id], the 2022 'multiple "
           "orders' text) or 'null' (the order is created all the same).",
           source="§7 O2-3 (sample number; §15 S10)", choices=("number", "string", "list", "null")),
    Switch("custom_order_id_max_length", 0,
           "Longest customOrderId create-order accepts (S11); 0 = no limit (O2-3 gives none), 40 = the "
           "removed custom-order API's string[40].",
           source="§7 O2-3 (no length; §15 S11)", kind=int, minimum=0, maximum=10000),
)
