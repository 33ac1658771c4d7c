"""The BirdSystem switches: documented behaviour with its spec section, undocumented choices INVENTED.

Spec sections refer to ``/work/shared/specs/birdsystem.md``; "seed" is the vendor's own product page
kept in ``/work/shared/seeds/003_*.txt``.
"""

from __future__ import annotations

from ..switches import INVENTED, Switch

CONSIGNMENT_CANCEL_LIMITS = ("PENDING", "WAIT_PICKING", "PICKING", "PROCESSING")
TRACKING_STATUSES = ("PROCESSING", "REVIEWING", "FINISHED")

SWITCHES: tuple[Switch, ...] = (
    # --- auth and rate limit ------------------------------------------------------------------------
    Switch("auth_error_http_status", 500,
           "HTTP status of the 'Login Required!' answer to a missing/unknown api_key or a closed company_id.",
           source="INVENTED (§2: status unknown; 500 follows the §3 error rule)", kind=int, minimum=200,
           maximum=599),
    Switch("rate_limit_enabled", False, "Leaky-bucket rate limiting per api_key (none is documented).",
           source="INVENTED (§7: no limit documented)", kind=bool),
    Switch("rate_limit_capacity", 60, "Bucket size in requests.", source=INVENTED, kind=int, minimum=1),
    Switch("rate_limit_leak_per_second", 1.0, "Leak rate in requests per second.", source=INVENTED, kind=float,
           minimum=0.0),
    Switch("rate_limit_http_status", 500,
           "HTTP status of a throttled call (body {success: false, message}); 429 would be invented too.",
           source="INVENTED (§7: 500 keeps the documented error style)", kind=int, minimum=200, maximum=599),
    # --- lists ----------------------------------------------------------------------------------------
    Switch("total_type", "int",
           "JSON type of 'total' in list envelopes: 'int' (the docs' samples) or 'string' (BS-PHP compares "
           "it with \"0\").", source="§3/§5.2 (samples: int; BS-PHP: \"0\")", choices=("int", "string")),
    Switch("default_page_size", 25, "Rows per page when a list call sends no 'limit' (ExtJS store default).",
           source="INVENTED (§4: undocumented)", kind=int, minimum=1, maximum=100000),
    Switch("max_page_size", 0, "Largest 'limit' honoured by generic lists (0 = no maximum; limit=-1 = all).",
           source="INVENTED (§4: undocumented)", kind=int, minimum=0),
    Switch("default_order", "id_desc", "Row order of lists without 'sort': newest first or oldest first.",
           source=INVENTED, choices=("id_desc", "id_asc")),
    Switch("unknown_filter_field", "error",
           "A plain or JSON filter on a field the rows do not have: 'error' (HTTP 500) or 'ignore'.",
           source=INVENTED, choices=("error", "ignore")),
    # --- products -------------------------------------------------------------------------------------
    Switch("product_create_required", "current",
           "Fields a product create must carry non-empty: 'current' (name, name_customs, price_customs_export: "
           "the current create page 产品创建), 'old_page' (the nine of the older English page, incl. status, "
           "customs_category_code, material, usage, brand, price_customs_import) or 'observed' (the BS-PY web "
           "form: the old page's fields minus status and price_customs_import).",
           source="§5.3 (DOC BS-PRODUCT-CREATE vs. older BS-PRODUCT vs. OBS BS-PY)",
           choices=("current", "old_page", "observed")),
    Switch("client_ref_unique", "reject",
           "A create/update giving a client_ref another live (not DELETED) product of the client has: "
           "'reject' or 'allow' (the docs: 'must not duplicate another SKU').", source="§5.1",
           choices=("reject", "allow")),
    Switch("product_repost_with_id", "update",
           "POST /client/Product with a non-empty 'id': 'update' that product with the fields given (the "
           "documented edit, 产品修改), 'create' a new one ignoring the id, or 'reject'.",
           source="§5.4 (DOC: update); 'create'/'reject' INVENTED", choices=("update", "create", "reject")),
    Switch("product_put_route", "off",
           "PUT /client/Product/<id> (an edit route no page documents): 'off' (no such route: 405) or 'on' "
           "(updates like the documented POST with id).",
           source="INVENTED (§5.4: no PUT documented)", choices=("off", "on")),
    Switch("company_fields_in_rows", "current",
           "Product rows' unprefixed price, cost, is_shared_internal: 'current' (the query page and the edit "
           "example: the request site's values, §5.1) or 'seed' (null, as in the seed's sample row; the values "
           "only under company_product-*).", source="§5.1 (DOC current pages vs. the seed sample)",
           choices=("current", "seed")),
    Switch("product_path_get", "list",
           "GET /client/Product/<id>: 'list' (same answer as ?id=<id>) or 'off' (no such route).",
           source="INVENTED (§5.2: untested)", choices=("list", "off")),
    Switch("locked_product_edits", "allow",
           "Changing fields other than status of a product whose status is not PREPARING/PENDING/PROBLEM: "
           "'allow' or 'reject'.", source="INVENTED (§9.1: editable fields per status unknown)",
           choices=("allow", "reject")),
    Switch("available_quantity_ids_width", "error",
           "Get-Product-Available-Quantity with an 'ids' text longer than its documented VARCHAR(255): 'error' "
           "or 'truncate' (cut at 255 characters, as a MySQL column does; the cut id is then a different one).",
           source="§5.5 (width DOC; what happens past it INVENTED)", choices=("error", "truncate")),
    Switch("available_quantity_paging", "start_limit",
           "Get-Product-Available-Quantity without 'ids' (every product, 50 by default, at most 1000): "
           "'start_limit' (the ExtJS start/limit of §4 pages through them) or 'first_page' ('start' ignored: "
           "only the first rows are ever answered).",
           source="§5.5 CONFLICT (paging past the first rows not stated; both INVENTED)",
           choices=("start_limit", "first_page")),
    Switch("stock_info_warehouse_permission", True,
           "Whether the client holds the per-warehouse permission; without it groupByWarehouse is ignored.",
           source="§5.5 (permission documented; granted by default INVENTED)", kind=bool),
    # --- consignments ---------------------------------------------------------------------------------
    Switch("orderable_product_statuses", "active_only",
           "Product statuses accepted on consignment lines: 'active_only' (BS-PHP) or "
           "'active_and_hold_inbound' (the seed: HOLD_INBOUND still allows orders).",
           source="§5.1 (OBS BS-PHP) / seed", choices=("active_only", "active_and_hold_inbound")),
    Switch("line_product_type_required", False,
           "Whether POST /client/Consignment-Product needs product_type (DOC: mandatory; BS-PHP/BS-PY omit "
           "it and it works).", source="§6.2 (OBS)", kind=bool),
    Switch("insufficient_stock", "reject",
           "A consignment going PENDING whose lines exceed the site's available stock (live - locked): "
           "'reject' or 'allow' (locked may then exceed live).", source=INVENTED, choices=("reject", "allow")),
    Switch("client_cancel_until", "PENDING",
           "Latest status from which Batch-Update-Status may CANCEL a consignment (PROBLEM and "
           "WAITING_CLIENT_RESPOND are always cancellable).", source=INVENTED,
           choices=CONSIGNMENT_CANCEL_LIMITS),
    Switch("tracking_assigned_at", "FINISHED",
           "Status at which the warehouse fills delivery_reference (the tracking number) if still empty.",
           source="§6.3, §8 item 6 (INF: filled once shipped)", choices=TRACKING_STATUSES),
    Switch("returns_need_type_filter", True,
           "GET /client/Consignment lists RETURN consignments only with type=RETURN.",
           source="§6.3 (OBS BS-PY adds &type=RETURN; INF)", kind=bool),
    Switch("duplicate_sales_reference", "allow",
           "A consignment whose sales_reference another live consignment of the site has: 'allow' or 'reject'.",
           source=INVENTED, choices=("allow", "reject")),
    Switch("all_in_one_response", "map",
           "data of Post-Pending-Consignment-With-Products-Json: 'map' ({<thirty_system_id or index>: id}, like "
           "the bulk upload) or 'list' ([consignment rows]).",
           source="INVENTED (§6.2c: response not captured)", choices=("map", "list")),
    Switch("identity_reference_step_by_step", "enforce",
           "Whether POST /client/Consignment (step by step) applies the custom_identity_reference duplicate "
           "check of the all-in-one route: 'enforce' or 'ignore'.",
           source="§6.2c (DOC: field accepted on both; the check on the step-by-step route not stated)",
           choices=("enforce", "ignore")),
    Switch("path_case", "lenient",
           "Path matching: 'lenient' (any case, with or without a trailing '/') or 'exact' (the docs: 'end "
           "points are case-sensitive'; only the spellings the pages show are served, others answer 404).",
           source="§1 (DOC: case-sensitive; the wiki mixes cases)", choices=("lenient", "exact")),
    Switch("convert_batch_size", 25, "Temp consignments converted per Convert-Into-Consignment call.",
           source="§6.2b", kind=int, minimum=1, maximum=1000),
)
