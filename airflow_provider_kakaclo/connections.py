"""The connection forms of the three vendors, declared once.

Airflow >= 3.2 reads them from the provider info (``conn-fields``, ``ui-field-behaviour``) without
importing the hooks; on 3.1 the hooks' ``get_ui_field_behaviour()`` serves the same data.
"""

from __future__ import annotations

from typing import Any

_COMMON_FIELDS: dict[str, dict[str, Any]] = {
    "rate_limit_burst": {
        "label": "Rate limit: burst",
        "description": "Client-side leaky bucket size (requests). 0 turns the client limiter off.",
        "schema": {"type": ["integer", "null"], "minimum": 0},
    },
    "rate_limit_per_second": {
        "label": "Rate limit: requests per second",
        "description": "Client-side leak rate.",
        "schema": {"type": ["number", "null"], "minimum": 0},
    },
    "read_timeout": {
        "label": "Read timeout (s)",
        "schema": {"type": ["number", "null"], "minimum": 0},
    },
    "order_url_template": {
        "label": "Order page URL template",
        "description": "Where the 'Vendor order' link of a task points, with {order_id}.",
        "schema": {"type": ["string", "null"]},
    },
}

CONNECTION_FORMS: dict[str, dict[str, Any]] = {
    "kakaclo": {
        "hook": "airflow_provider_kakaclo.hooks.kakaclo.KakaCloHook",
        "hook-name": "KakaClo",
        "ui-field-behaviour": {
            "hidden-fields": ["schema", "port", "login", "extra"],
            "relabeling": {"host": "Base URL", "password": "Access token"},
            "placeholders": {
                "host": "https://developer.kakaclo.com (test: https://test-developer.kakaclo.com)",
                "password": "the token from KakaClo's API settings page",
            },
        },
        "conn-fields": {
            **_COMMON_FIELDS,
            "rate_limit_burst": {**_COMMON_FIELDS["rate_limit_burst"],
                                 "schema": {"type": ["integer", "null"], "minimum": 0, "default": 120}},
            "rate_limit_per_second": {**_COMMON_FIELDS["rate_limit_per_second"],
                                      "schema": {"type": ["number", "null"], "minimum": 0, "default": 2}},
        },
    },
    "qianyi": {
        "hook": "airflow_provider_kakaclo.hooks.qianyi.QianyiHook",
        "hook-name": "Qianyi ERP",
        "ui-field-behaviour": {
            "hidden-fields": ["schema", "port", "extra"],
            "relabeling": {"host": "Base URL", "login": "appId", "password": "appSecret"},
            "placeholders": {
                "host": "https://www.qianyierp.com, https://asia.qianyierp.com or https://gerp-test1.800best.com",
                "login": "ERP > Settings > third-party app integration",
            },
        },
        "conn-fields": {
            **_COMMON_FIELDS,
            "sku_status_service_type": {
                "label": "SKU status service type",
                "description": "UPDATE_SKU_STATUS (the docs) or ENABLE_SKU (some SDKs).",
                "schema": {"type": ["string", "null"], "enum": ["UPDATE_SKU_STATUS", "ENABLE_SKU", None]},
            },
        },
    },
    "birdsystem": {
        "hook": "airflow_provider_kakaclo.hooks.birdsystem.BirdSystemHook",
        "hook-name": "BirdSystem",
        "ui-field-behaviour": {
            "hidden-fields": ["schema", "port", "login", "extra"],
            "relabeling": {"host": "Base URL", "password": "api_key"},
            "placeholders": {"host": "https://www.birdsystem.com (test: https://test.birdsystem.com)"},
        },
        "conn-fields": {
            "company_id": {
                "label": "Company id (site)",
                "description": "The BirdSystem site, e.g. 1 for the UK. Required.",
                "schema": {"type": ["integer", "null"], "minimum": 1},
            },
            **_COMMON_FIELDS,
            "product_update_style": {
                "label": "Product update style",
                "description": "put: PUT /client/Product/<id>; repost: POST with id (undocumented either way).",
                "schema": {"type": ["string", "null"], "enum": ["put", "repost", None]},
            },
        },
    },
}


def connection_types() -> list[dict[str, Any]]:
    """The ``connection-types`` section of the provider info."""
    return [
        {
            "connection-type": conn_type,
            "hook-class-name": form["hook"],
            "hook-name": form["hook-name"],
            "ui-field-behaviour": form["ui-field-behaviour"],
            "conn-fields": form["conn-fields"],
        }
        for conn_type, form in CONNECTION_FORMS.items()
    ]


def ui_field_behaviour(conn_type: str) -> dict[str, Any]:
    """The same form in the hook-method shape Airflow 3.1 reads (``get_ui_field_behaviour``)."""
    behaviour = CONNECTION_FORMS[conn_type]["ui-field-behaviour"]
    return {
        "hidden_fields": list(behaviour["hidden-fields"]),
        "relabeling": dict(behaviour["relabeling"]),
        "placeholders": dict(behaviour["placeholders"]),
    }
