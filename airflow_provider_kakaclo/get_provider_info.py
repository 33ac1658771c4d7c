"""Provider metadata read by Airflow's ProvidersManager (entry point ``apache_airflow_provider``).

The operators and the sensor are vendor-agnostic (the connection's type picks the vendor), so each
module is listed under every vendor it serves, and each vendor links the how-to guides that apply
to it (``docs/howto/*.md``, paths from the repository root as provider.yaml's ``/docs/...``).
"""

from __future__ import annotations

from collections.abc import Mapping

from airflow_provider_kakaclo import __version__
from airflow_provider_kakaclo.connections import connection_types

KAKACLO, QIANYI, BIRDSYSTEM = "KakaClo", "Qianyi ERP", "BirdSystem"
PACKAGE = "airflow_provider_kakaclo"

#: module -> the vendors whose connections it works with (what each vendor's API can do).
OPERATORS = {
    f"{PACKAGE}.operators.orders": (KAKACLO, BIRDSYSTEM),  # place (one, batch): both; refund: KakaClo
    f"{PACKAGE}.operators.stock": (KAKACLO, QIANYI, BIRDSYSTEM),
    f"{PACKAGE}.operators.skus": (KAKACLO, QIANYI, BIRDSYSTEM),  # KakaClo the catalog source, the others targets
}
SENSORS = {f"{PACKAGE}.sensors.orders": (KAKACLO, BIRDSYSTEM)}
TRIGGERS = {
    f"{PACKAGE}.triggers.orders": (KAKACLO, BIRDSYSTEM),
    f"{PACKAGE}.triggers.refunds": (KAKACLO,),
}
HOOKS = {f"{PACKAGE}.hooks.kakaclo": (KAKACLO,), f"{PACKAGE}.hooks.qianyi": (QIANYI,),
         f"{PACKAGE}.hooks.birdsystem": (BIRDSYSTEM,)}

#: how-to guide -> the vendors it applies to.
GUIDES = {
    "/docs/howto/connections.md": (KAKACLO, QIANYI, BIRDSYSTEM),
    "/docs/howto/place_order.md": (KAKACLO, BIRDSYSTEM),
    "/docs/howto/place_orders.md": (KAKACLO, BIRDSYSTEM),
    "/docs/howto/order_status_sensor.md": (KAKACLO, BIRDSYSTEM),
    "/docs/howto/refund_order.md": (KAKACLO,),
    "/docs/howto/stock_sync.md": (KAKACLO, QIANYI, BIRDSYSTEM),
    "/docs/howto/sku_upsert.md": (KAKACLO, QIANYI, BIRDSYSTEM),
}

INTEGRATIONS = {
    KAKACLO: "https://docs.kakaclo.com/",
    QIANYI: "https://open.qianyierp.com/",
    BIRDSYSTEM: "https://birdsystem.atlassian.net/",
}


def per_vendor(modules: Mapping[str, tuple[str, ...]]) -> list[dict]:
    """``[{"integration-name": vendor, "python-modules": [...]}, ...]``, one entry per vendor served."""
    return [{"integration-name": vendor, "python-modules": [m for m, vendors in modules.items() if vendor in vendors]}
            for vendor in INTEGRATIONS if any(vendor in vendors for vendors in modules.values())]


def get_provider_info() -> dict:
    return {
        "package-name": "airflow-provider-kakaclo",
        "name": "KakaClo, Qianyi ERP and BirdSystem",
        "description": "Supply-chain integrations for e-commerce operators: orders placed exactly once, "
        "deferrable order tracking, stock and SKU sync, with an offline sandbox of every vendor API.",
        "versions": [__version__],
        "integrations": [
            {"integration-name": vendor, "external-doc-url": url,
             "how-to-guide": [guide for guide, vendors in GUIDES.items() if vendor in vendors], "tags": ["service"]}
            for vendor, url in INTEGRATIONS.items()
        ],
        "hooks": per_vendor(HOOKS),
        "operators": per_vendor(OPERATORS),
        "sensors": per_vendor(SENSORS),
        "triggers": per_vendor(TRIGGERS),
        "extra-links": [f"{PACKAGE}.links.VendorOrderLink"],
        "connection-types": connection_types(),
    }
