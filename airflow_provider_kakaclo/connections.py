"""The connection forms of the three vendors, declared once.

Airflow >= 3.2 reads them from the provider info (``conn-fields``, ``ui-field-behaviour``) without
importing the hooks; Airflow 3.1 asks each hook class's own ``get_ui_field_behaviour()`` and
``get_connection_form_widgets()``, which serve the same data converted (see ``VendorHook``).
"""

from __future__ import annotations

from typing import Any

#: The documented base URLs of each vendor (shared specs kakaclo.md, qianyi.md, birdsystem.md).
#: An empty Base URL in a connection means the one its ``environment`` names (default production).
ENVIRONMENTS: dict[str, dict[str, str]] = {
    "kakaclo": {"production": "https://developer.kakaclo.com", "test": "https://test-developer.kakaclo.com"},
    "qianyi": {"production": "https://www.qianyierp.com", "overseas": "https://asia.qianyierp.com",
               "test": "https://gerp-test1.800best.com"},
    "birdsystem": {"production": "https://www.birdsystem.com", "test": "https://test.birdsystem.com"},
}


def _environment_field(vendor: str) -> dict[str, Any]:
    urls = ", ".join(f"{name}: {url}" for name, url in ENVIRONMENTS[vendor].items())
    return {
        "label": "Environment",
        "description": f"Used when Base URL is empty ({urls}). Credentials are valid in one environment only.",
        "schema": _choice(list(ENVIRONMENTS[vendor]), "(none: production, or the Base URL)"),
    }


def _choice(values: list[str], unset: str) -> dict[str, Any]:
    """An optional select: the UI shows ``unset`` (not "null") while nothing is chosen."""
    return {"type": ["string", "null"], "enum": [*values, None], "values_display": {"null": unset}}


#: Port is shown (not hidden) because Airflow 3.3.2's Test button refuses any stored connection
#: without one (apache/airflow#73298): 443 for an https vendor URL makes it work there.
_PORT_PLACEHOLDER = "from the Base URL (443 for https)"

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
    "total_timeout": {
        "label": "Total timeout per request (s)",
        "description": "Budget of one whole request, reply included, however slowly it trickles in. "
                       "Empty: connect + read timeout.",
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
            "hidden-fields": ["schema", "login", "extra"],
            "relabeling": {"host": "Base URL", "port": "Port", "password": "Access token"},
            "placeholders": {
                "host": "empty: the Environment's URL, or e.g. http://127.0.0.1:8980/kakaclo for the sandbox",
                "port": _PORT_PLACEHOLDER,
                "password": "the token from KakaClo's API settings page",
            },
        },
        "conn-fields": {
            "environment": _environment_field("kakaclo"),
            **_COMMON_FIELDS,
            "rate_limit_burst": {**_COMMON_FIELDS["rate_limit_burst"],
                                 "schema": {"type": ["integer", "null"], "minimum": 0, "default": 120}},
            "rate_limit_per_second": {**_COMMON_FIELDS["rate_limit_per_second"],
                                      "schema": {"type": ["number", "null"], "minimum": 0, "default": 2}},
            "order_paging": {
                "label": "Order list paging",
                "description": "as_named: pageNumber/pageSize as named (default); swapped: for a server that "
                               "reads them the other way round (the docs' descriptions are swapped).",
                "schema": _choice(["as_named", "swapped"], "(none: as_named)"),
            },
            "custom_product_method": {
                "label": "Custom product read method",
                "description": "GET (the page's label, default) or POST (its curl) for C1/C3 reads.",
                "schema": _choice(["GET", "POST"], "(none: GET)"),
            },
        },
    },
    "qianyi": {
        "hook": "airflow_provider_kakaclo.hooks.qianyi.QianyiHook",
        "hook-name": "Qianyi ERP",
        "ui-field-behaviour": {
            "hidden-fields": ["schema", "extra"],
            "relabeling": {"host": "Base URL", "port": "Port", "login": "appId", "password": "appSecret"},
            "placeholders": {
                "host": "empty: the Environment's URL, or e.g. http://127.0.0.1:8980/qianyi for the sandbox",
                "port": _PORT_PLACEHOLDER,
                "login": "ERP > Settings > third-party app integration",
            },
        },
        "conn-fields": {
            "environment": _environment_field("qianyi"),
            **_COMMON_FIELDS,
            "sku_status_service_type": {
                "label": "SKU status service type",
                "description": "UPDATE_SKU_STATUS (the docs) or ENABLE_SKU (some SDKs).",
                "schema": _choice(["UPDATE_SKU_STATUS", "ENABLE_SKU"], "(none: UPDATE_SKU_STATUS)"),
            },
        },
    },
    "birdsystem": {
        "hook": "airflow_provider_kakaclo.hooks.birdsystem.BirdSystemHook",
        "hook-name": "BirdSystem",
        "ui-field-behaviour": {
            "hidden-fields": ["schema", "login", "extra"],
            "relabeling": {"host": "Base URL", "port": "Port", "password": "api_key"},
            "placeholders": {
                "host": "empty: the Environment's URL, or e.g. http://127.0.0.1:8980/birdsystem for the sandbox",
                "port": _PORT_PLACEHOLDER,
            },
        },
        "conn-fields": {
            "environment": _environment_field("birdsystem"),
            "company_id": {
                "label": "Company id (site)",
                "description": "The BirdSystem site, e.g. 1 for the UK. Required.",
                "schema": {"type": ["integer", "null"], "minimum": 1},
            },
            **_COMMON_FIELDS,
            "product_update_style": {
                "label": "Product update style",
                "description": "post: POST /client/Product/ with id and the changed fields (documented); "
                               "put: PUT /client/Product/<id> (undocumented, for an account that needs it).",
                "schema": _choice(["post", "put"], "(none: post)"),
            },
            "stock_read": {
                "label": "Stock read",
                "description": "ids: as many product ids per call as fit the documented 255 characters; "
                               "pages: 1,000 rows a call without ids, where the account pages that way.",
                "schema": _choice(["ids", "pages"], "(none: ids)"),
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


def form_widgets(conn_type: str) -> dict[str, Any]:
    """The extra fields as the WTForms widgets Airflow 3.1 reads (``get_connection_form_widgets``).

    Airflow 3.1's API server turns these into the same JSON-schema fields 3.2+ reads from
    ``conn-fields`` (it stands in for WTForms and Flask-AppBuilder when they are not installed).
    Numbers become text fields: 3.1 accepts only string, integer, password and boolean fields.
    """
    from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
    from flask_babel import lazy_gettext
    from wtforms import IntegerField, StringField
    from wtforms.validators import Optional, any_of

    widgets: dict[str, Any] = {}
    for name, spec in CONNECTION_FORMS[conn_type]["conn-fields"].items():
        schema = spec["schema"]
        validators: list[Any] = [Optional()]
        if "enum" in schema:
            validators.append(any_of([v for v in schema["enum"] if v is not None]))  # 3.1 would show "null"
        field_class = IntegerField if "integer" in schema["type"] else StringField
        widgets[f"extra__{conn_type}__{name}"] = field_class(
            lazy_gettext(spec["label"]), widget=BS3TextFieldWidget(), validators=validators,
            description=spec.get("description", ""), default=schema.get("default"))
    return widgets
