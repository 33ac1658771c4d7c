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
           "data of the balance query: 'object' ({balance, currency}) or 'number'.",
           source="INVENTED (§7 $1: response undocumented)", choices=("object", "number")),
    Switch("refund_number_type", "number",
           "JSON type of data returned by the refund call: 'number' (sample) or 'string' (swagger block).",
           source="§7 O2-5", choices=("number", "string")),
    Switch("unknown_refund_query", "empty",
           "Query-refund for an id that is neither an order id nor a refund number: 'empty' list or "
           "'not_found' (40400).",
           source=INVENTED, choices=("empty", "not_found")),
)
